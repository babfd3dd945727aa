#!/usr/bin/env python3
"""How much of real Postman collections `runner import postman` carries over.

    python3 scripts/import-coverage.py CORPUS [--runner target/debug/runner] [--newman DIR]

CORPUS is a folder of Postman collections, one subfolder per source (a repository, a
vendor); they stay outside this repository. Every collection found is imported into a
scratch folder and its IMPORT-REPORT.md read for the script figures: assertion statements
found and translated, variable sets found and translated, and lines neither translated nor
reported (must be 0). The collections under --newman (default CORPUS/newman) are also run:
their hosts are pointed at a postman-echo-like server this script starts on 127.0.0.1
(scripts/postman_echo.py), and every request goes through it as a proxy too, so nothing
leaves loopback. The share of requests that pass is printed.

The result is a Markdown table for docs/import.md.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import postman_echo  # noqa: E402

SCRIPTS_LINE = re.compile(
    r"Scripts: (\d+) of (\d+) assertion statements and (\d+) of (\d+) variable sets "
    r"translated; (\d+) lines neither translated nor listed here"
)
HOSTS = re.compile(
    r"(https?:(//|\\\\\\\\))?(postman-echo\.com|httpbin\.org|localhost:404[12]|127\.1:4041)"
)


def read_json(path):
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            return json.loads(raw.decode(encoding))
        except (UnicodeDecodeError, ValueError):
            continue
    return None


def is_collection(data):
    return isinstance(data, dict) and ("item" in data or "requests" in data) and (
        "info" in data or "name" in data
    )


def collections(folder):
    for path in sorted(folder.rglob("*.json")):
        if "environment" in path.name or "globals" in path.name:
            continue
        data = read_json(path)
        if is_collection(data):
            yield path


def import_one(runner, path, out, envs=()):
    args = [runner, "import", "postman", str(path), "-o", str(out)]
    for env in envs:
        args += ["--env", str(env)]
    done = subprocess.run(args, capture_output=True, text=True)
    report = out / "IMPORT-REPORT.md"
    figures = [0, 0, 0, 0, 0]
    if report.exists():
        match = SCRIPTS_LINE.search(report.read_text())
        if match:
            figures = [int(g) for g in match.groups()]
    return done.returncode, figures


def run_collection(runner, out, port, data=None):
    report = out / "run.json"
    args = [runner, "run", str(out / "collections"), "--report", f"json={report}",
            "--proxy", f"http://127.0.0.1:{port}", "--timeout", "10s", "--no-color"]
    if data:
        args += ["--data", str(data)]
    envs = sorted((out / "environments").glob("*.yaml")) if (out / "environments").exists() else []
    if envs:
        args += ["--env", str(envs[0])]
    subprocess.run(args, capture_output=True, text=True, timeout=300)
    if not report.exists():
        return 0, 0, []
    data = json.loads(report.read_text())
    total = passed = 0
    failures = []
    for unit in data.get("units", []):
        for request in unit.get("requests", []):
            total += 1
            if request.get("outcome") == "passed":
                passed += 1
            else:
                failures.append((unit.get("collection"), request.get("name")))
    return total, passed, failures


def local_copy(path, port, scratch):
    """The collection with the hosts newman's tests talk to pointed at the local server."""
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    text = HOSTS.sub(f"http://127.0.0.1:{port}", text)
    copy = scratch / path.name
    copy.write_text(text)
    return copy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--runner", default="target/debug/runner")
    parser.add_argument("--newman", type=Path)
    parser.add_argument("--verbose", action="store_true")
    opts = parser.parse_args()
    newman = (opts.newman or opts.corpus / "newman").resolve()
    scratch = Path(tempfile.mkdtemp(prefix="import-coverage-"))
    sources = {}
    failed_imports = []
    for n, path in enumerate(collections(opts.corpus)):
        source = path.relative_to(opts.corpus).parts[0]
        code, figures = import_one(opts.runner, path, scratch / f"c{n}")
        entry = sources.setdefault(source, [0, 0, 0, 0, 0, 0])
        entry[0] += 1
        for i, value in enumerate(figures):
            entry[i + 1] += value
        if code != 0:
            failed_imports.append((str(path.relative_to(opts.corpus)), code))
    print("| source | collections | assertions translated | variable sets translated | lines unaccounted |")
    print("|---|---|---|---|---|")
    total = [0] * 6
    for source, e in sorted(sources.items()):
        total = [a + b for a, b in zip(total, e)]
        print(f"| {source} | {e[0]} | {e[1]} / {e[2]} ({pct(e[1], e[2])}) | "
              f"{e[3]} / {e[4]} ({pct(e[3], e[4])}) | {e[5]} |")
    print(f"| **all** | {total[0]} | {total[1]} / {total[2]} ({pct(total[1], total[2])}) | "
          f"{total[3]} / {total[4]} ({pct(total[3], total[4])}) | {total[5]} |")
    if failed_imports:
        print(f"\nimports that did not exit 0: {len(failed_imports)}")
        for name, code in failed_imports:
            print(f"- {name}: exit {code}")
    try:
        if newman.exists():
            measure_newman(opts, newman, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def measure_newman(opts, newman, scratch):
    server = postman_echo.serve(0)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        total = passed = 0
        failures = []
        for n, path in enumerate(collections(newman)):
            copy_dir = scratch / f"n{n}"
            copy_dir.mkdir()
            copy = local_copy(path, port, copy_dir)
            # the environment and globals files newman's tests pass with the collection
            stem = path.name.split(".postman_collection")[0]
            envs = [local_copy(e, port, copy_dir)
                    for pattern in ("*.postman_environment.json", "*.postman_globals.json")
                    for e in sorted(path.parent.glob(pattern))
                    if e.name.split(".postman_")[0] == stem]
            out = copy_dir / "out"
            code, _ = import_one(opts.runner, copy, out, envs)
            if code != 0:
                continue
            data = [d for d in sorted(path.parent.glob(stem + ".postman_data.*"))]
            t, p, f = run_collection(opts.runner, out, port, data[0] if data else None)
            total += t
            passed += p
            failures += [(path.name, c, r) for c, r in f]
        print(f"\nnewman fixtures run against the local echo server: {passed} of {total} "
              f"requests passed ({pct(passed, total)})")
        if opts.verbose:
            for failure in failures:
                print("  failed:", *failure)
    finally:
        server.shutdown()


def pct(part, whole):
    return f"{100 * part / whole:.0f}%" if whole else "n/a"


if __name__ == "__main__":
    main()
