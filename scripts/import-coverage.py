#!/usr/bin/env python3
"""How much of real Postman collections `runner import postman` carries over.

    python3 scripts/import-coverage.py CORPUS [--runner target/debug/runner] [--newman DIR]

CORPUS is a folder of Postman collections, one subfolder per source (a repository, a
vendor); they stay outside this repository. Every collection found is imported into a
scratch folder and its IMPORT-REPORT.md read for the script figures: assertion statements
found and translated, variable sets found and translated, and lines neither translated nor
reported (must be 0). The collections under --newman (default CORPUS/newman) are also run,
as newman's own test harness runs them, against a postman-echo-like server this script
starts on 127.0.0.1 (scripts/postman_echo.py): it is the proxy of every request, so nothing
leaves loopback. The share of requests that pass, with nothing left out of them, is printed.

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
    r"(https?:(//|\\\\\\\\)([^/\\\s\"]*@)?)?(postman-echo\.com|httpbin\.org|localhost:404[12]|127\.1:4041)"
)
HOST_PARTS = (["postman-echo", "com"], ["httpbin", "org"])


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


def run_collection(runner, out, port, extra=()):
    """Run the imported files; (name, location, passed, reason) for each request run."""
    report = out / "run.json"
    args = [runner, "run", str(out / "collections"), "--report", f"json={report}",
            "--proxy", f"http://127.0.0.1:{port}", "--no-color", *extra]
    if "--timeout" not in extra:
        args += ["--timeout", "10s"]
    envs = sorted((out / "environments").glob("*.yaml")) if (out / "environments").exists() else []
    if envs:
        args += ["--env", str(envs[0])]
    env = dict(os.environ, **secrets_of(out))
    subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)
    if not report.exists():
        return []
    results = []
    for unit in json.loads(report.read_text()).get("units", []):
        for request in unit.get("requests", []):
            failed = [f"{a['subject']} {a['op']} {a.get('expected')}: {a['message']}"
                      for a in request.get("assertions", []) if not a["passed"]]
            reason = (request.get("errors") or failed or [request.get("skip_reason") or ""])[0]
            results.append((request.get("name"), request.get("location", ""),
                            request.get("outcome") == "passed", reason.split("\n")[0]))
    return results


SECRET_ROW = re.compile(r"^\| `([A-Z0-9_]+)` \| (\w+) auth (\w+) at (.+) \|$", re.M)


def secrets_of(out):
    """The secret values the import moved out of the files, read back from the collection
    (the report names where each came from), as a user following the report would set them."""
    report = (out / "IMPORT-REPORT.md").read_text()
    source = Path(re.search(r"Source: `(.+)`", report).group(1))
    collection = read_json(source)
    values = {}
    for name, kind, field, where in SECRET_ROW.findall(report):
        node = collection
        if where != "(collection)":
            for step in where.split(" / "):
                node = next((i for i in node.get("item", []) if i.get("name") == step), {})
        auth = (node.get("auth") or (node.get("request") or {}).get("auth") or {}).get(kind)
        pairs = auth if isinstance(auth, list) else [
            {"key": k, "value": v} for k, v in (auth or {}).items()]
        for pair in pairs:
            if pair.get("key") == field:
                values[name] = str(pair.get("value"))
    return values


def left_out(collection_file):
    """Line numbers of the requests in an imported file that a script line or setting not
    converted applies to: its own, its groups' or the collection's. Such a request cannot
    pass with the same meaning, so it never counts as passing."""
    lines = collection_file.read_text().split("\n")
    marked = set()  # lines of the items (requests, groups; 0 = collection) something was left out of
    stack = [(-1, 0)]  # (indent, line) of the enclosing items
    items = {}  # request or group line -> its enclosing item lines
    pending = False
    for number, line in enumerate(lines, 1):
        text = line.strip()
        indent = len(line) - len(line.lstrip())
        if text.startswith("# postman:"):
            pending = True
            continue
        if text.startswith("#") or not text:
            continue
        while stack and stack[-1][0] >= indent and not text.startswith("- "):
            stack.pop()
        if text.startswith("- name:") or text.startswith("- group:"):
            while stack[-1][0] >= indent:
                stack.pop()
            items[number] = [line_ for _, line_ in stack]
            stack.append((indent, number))
            if pending:
                marked.add(number)
        elif pending and indent == 0:
            marked.add(0)
        elif pending and not text.startswith("- "):
            # a setting of the enclosing item (`auth:` not converted)
            marked.add(stack[-1][1])
        pending = False
    return {number for number, outer in items.items()
            if number in marked or any(o in marked for o in outer)}


LEFT_OUT_SECTIONS = ("Auth not converted", "Settings not converted", "Ignored input")


def left_out_places(out):
    """`group/name` prefixes of the requests the report says some auth, setting or input key
    was not converted for ("" = the whole collection)."""
    report = (out / "IMPORT-REPORT.md").read_text()
    source = read_json(Path(re.search(r"Source: `(.+)`", report).group(1))) or {}
    places = set()
    section = None
    for line in report.split("\n"):
        if line.startswith("## "):
            section = line[3:].split(" (")[0]
        elif section in LEFT_OUT_SECTIONS and line.startswith("| ") and not line.startswith(
                ("| where |", "|---")):
            where, what = [cell.strip() for cell in line.strip("|").split(" | ", 1)]
            if what.startswith("key `variables`") and not source.get("variables"):
                continue  # an empty list: nothing was left out
            if "saved example response" in what:
                continue  # examples document a request; newman neither sends nor checks them
            places.add("" if where == "(collection)" else where.replace(" / ", "/"))
    return places


def harness_options(path, data):
    """The run options newman's test harness (npm/test-integration.js) passes for a fixture:
    its data file and the settings of its `.postman_config.json` the runner has."""
    options = ["--data", str(data)] if data else []
    config_file = path.parent / (path.name.split(".postman_collection")[0] + ".postman_config.json")
    config = (read_json(config_file) or {}).get("run", {}) if config_file.exists() else {}
    if config.get("ignoreRedirects"):
        options.append("--no-follow-redirects")
    if config.get("insecure"):
        options.append("--insecure")
    if config.get("timeoutRequest"):
        options += ["--timeout", f"{config['timeoutRequest']}ms"]
    return options


def local_copy(path, scratch):
    """The collection as the local server can answer it. Every request goes through that
    server as a proxy, so the URLs keep their hosts (postman-echo.com, httpbin.org, newman's
    localhost:4041 and :4042); only `https://` URLs of postman-echo.com and httpbin.org, in raw
    URLs and in URL parts, become `http://HOST:443/…` (a proxy cannot answer inside TLS), which
    the server reports back as the https URL it stands for."""
    raw_bytes = path.read_bytes()
    encoding = "utf-16" if raw_bytes[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    text = raw_bytes.decode(encoding, errors="replace")

    def swap(match):
        scheme = match.group(1) or ""
        if not scheme.startswith("https") or match.group(4).startswith(("localhost", "127.1")):
            return match.group(0)
        return f"http:{match.group(2)}{match.group(3) or ''}{match.group(4)}:443"

    text = HOSTS.sub(swap, text)
    data = json.loads(text.lstrip("\ufeff"))
    if point_parts_at(data):
        text = text[:len(text) - len(text.lstrip("\ufeff"))] + json.dumps(data, indent=1)
    copy = scratch / path.name
    copy.write_bytes(text.encode(encoding))  # the encoding (and BOM) kept: imports must read it
    return copy


def point_parts_at(node):
    """`https` URLs given as parts (`host: ["postman-echo", "com"]`) as `http` on port 443."""
    changed = False
    if isinstance(node, dict):
        if node.get("host") in HOST_PARTS and node.get("protocol") == "https":
            node.update(protocol="http", port=node.get("port") or "443")
            changed = True
        for value in node.values():
            changed |= point_parts_at(value)
    elif isinstance(node, list):
        for value in node:
            changed |= point_parts_at(value)
    return changed


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
    servers = postman_echo.serve_all()
    port = servers[0].server_address[1]
    try:
        total = passed = 0
        failures = []
        for n, path in enumerate(collections(newman)):
            results = run_fixture(opts, path, scratch / f"n{n}", servers)
            total += len(results)
            for name, ok, reason in results:
                if ok:
                    passed += 1
                else:
                    failures.append((path.name, name, reason))
        print(f"\nnewman fixtures run against the local echo server: {passed} of {total} "
              f"requests passed ({pct(passed, total)})")
        if opts.verbose:
            for failure in failures:
                print("  failed:", *failure, sep=" | ")
    finally:
        for server in servers:
            server.shutdown()


def run_fixture(opts, path, folder, servers):
    """(request, passed, why not) for every request of one fixture, run as newman's harness
    runs it. A fixture that does not import counts all its requests as failed."""
    folder.mkdir()
    port = servers[0].server_address[1]
    copy = local_copy(path, folder)
    stem = path.name.split(".postman_collection")[0]
    envs = [local_copy(e, folder)
            for e in sorted(path.parent.glob(stem + ".postman_environment.json"))]
    out = folder / "out"
    code, _ = import_one(opts.runner, copy, out, envs)
    if code != 0:
        return [(name, False, f"import exited {code}") for name in request_names(path)]
    copy_files(out, newman_root(path))
    extra = harness_options(path, next(iter(sorted(path.parent.glob(stem + ".postman_data.*"))), None))
    for globals_file in sorted(path.parent.glob(stem + ".postman_globals.json")):
        for value in (read_json(local_copy(globals_file, folder)) or {}).get("values", []):
            if value.get("enabled", True):
                extra += ["--var", f"{value['key']}={value['value']}"]
    runs = run_collection(opts.runner, out, port, extra)
    marked = {}
    places = left_out_places(out)
    results = []
    for name, location, ok, reason in runs:
        if ok and any(p == "" or name == p or name.startswith(p + "/") for p in places):
            ok, reason = False, "passed, but auth, settings or input keys were not converted"
        file, line = location.rsplit(":", 2)[:2] if location.count(":") >= 2 else (location, "0")
        if file not in marked:
            marked[file] = left_out(Path(file)) if Path(file).exists() else set()
        if ok and int(line) in marked[file]:
            ok, reason = False, "passed, but script lines or settings were not converted"
        results.append((name, ok, reason))
    return results


FILE_ROW = re.compile(r"form-data file `([^`]+)` is read relative to the collection file")


def newman_root(path):
    """The folder newman's harness runs from (paths of form-data files are relative to it)."""
    for parent in path.parents:
        if (parent / "test" / "integration").is_dir():
            return parent
    return path.parent


def copy_files(out, root):
    """Copies the form-data files the report asks to copy next to the collection."""
    report = (out / "IMPORT-REPORT.md").read_text()
    for name in FILE_ROW.findall(report):
        source = root / name
        if source.is_file():
            target = out / "collections" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def request_names(path):
    names = []
    data = read_json(path) or {}
    if "requests" in data:  # a v1 export
        return [r.get("name", "?") for r in data["requests"]]
    stack = list(data.get("item", []))
    while stack:
        item = stack.pop(0)
        if "item" in item:
            stack[:0] = item["item"]
        else:
            names.append(item.get("name", "?"))
    return names


def pct(part, whole):
    return f"{100 * part / whole:.0f}%" if whole else "n/a"


if __name__ == "__main__":
    main()
