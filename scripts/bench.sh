#!/usr/bin/env bash
# Benchmark harness (issue 9, docs/benchmarks.md): runner beside Hurl, curl and wrk.
#
#   scripts/bench.sh [--runs N] [--warmup N] [--only W1,W2,W3,W4,W5,SCALE] [--no-hurl] [--out DIR]
#                    [--scale-runs N]
#
# SCALE (issue 17, opt-in: `--only SCALE`, minutes long): W4's GET with two assertions run
# 10,000 and 100,000 times with every report kind (JSON, JUnit, HTML, TAP), also with --jobs 4
# and as a --data file of as many rows; wall time and peak RSS of each (the median of
# --scale-runs runs, default 3, interleaved), beside Hurl's `--repeat N --report-junit`, and
# the targets checked. Table in DIR/scale.md; the report files are deleted after each run.
#
# Builds runner and the bench server in release, starts the server on 127.0.0.1 (stopped on
# exit), times each workload in benches/workloads/ with hyperfine and measures its peak RSS
# with /usr/bin/time -v. Where `hurl` is on PATH, the equivalent .hurl files run in the same
# hyperfine invocation and the table shows runner/Hurl. Also times a curl floor for W1 (one
# curl process, 1,002 requests chained with `next` in a config file, keep-alive, no
# assertions) and one curl request for W2, and measures the server's raw rate with wrk
# (4 connections) for W4. Missing tools (hyperfine, wrk, GNU time, jq, curl) are installed
# with apt-get when running as root. Hurl is optional: `cargo install hurl --locked`
# (needs `apt-get install libcurl4-openssl-dev libxml2-dev libclang-dev pkg-config`; hurl
# 8.1 needs rustc 1.99, so on rustc 1.95 use `cargo install hurl --version 8.0.1 --locked`).
#
# Results: a table on stdout, and in DIR (default target/bench): hyperfine JSON exports,
# time -v outputs, wrk output, results.md (the table) and versions.txt.
#
# Timing on a shared machine is noisy: ratios from one run are indicative, never a test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS=5
WARMUP=1
ONLY="W1,W2,W3,W4,W5"
WORKLOADS="W1 W2 W3 W4 W5"
USE_HURL=1
OUT=target/bench
SCALE_RUNS=3
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --no-hurl) USE_HURL=0; shift ;;
    --out) OUT=$2; shift 2 ;;
    --scale-runs) SCALE_RUNS=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
wants() { [[ ",$ONLY," == *",$1,"* ]]; }

# The workload sizes of issue 9.
W1_CHAINS=334 # 3 requests each: 1,002 requests
W3_GETS=50
W5_GETS=50 # the W3 document served gzip-encoded
W4_GETS=1000
W4_JOBS=4
WRK_SECONDS=5
# No single hyperfine invocation may run longer than this (every loop here is bounded).
STEP_TIMEOUT=1200

log() { printf '\n== %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------
APT_UPDATED=0
apt_install() {
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "bench.sh: please install: $*" >&2
        return 1
    fi
    if [ $APT_UPDATED = 0 ]; then
        apt-get update -qq >&2
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v wrk >/dev/null || need+=(wrk)
command -v jq >/dev/null || need+=(jq)
command -v curl >/dev/null || need+=(curl)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    apt_install "${need[@]}"
fi
HURL=""
if [ $USE_HURL = 1 ]; then
    HURL=$(command -v hurl || true)
    [ -n "$HURL" ] || echo "bench.sh: no hurl on PATH; the Hurl columns stay empty" >&2
fi

# ---------------------------------------------------------------------------------------
# Build and start the server
# ---------------------------------------------------------------------------------------
# One build for both binaries: the `bench-server` feature is empty for the library, so the
# runner binary is the same as `cargo build --release` makes, and the library is compiled once.
log "cargo build --release --features bench-server --bins"
cargo build --release --locked --features bench-server --bins >&2
# where cargo put them (CARGO_TARGET_DIR or a config may move target/)
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | jq -r .target_directory)
RUNNER=$TARGET_DIR/release/runner
SERVER=$TARGET_DIR/release/bench-server

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -rf "$OUT/gen" && mkdir -p "$OUT/gen"

SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting the bench server"
"$SERVER" --port 0 >"$OUT/server.out" 2>"$OUT/server.err" &
SERVER_PID=$!
BASE=""
for _ in $(seq 1 100); do
    BASE=$(head -n1 "$OUT/server.out" 2>/dev/null || true)
    [ -n "$BASE" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/server.err" >&2; exit 1; }
    sleep 0.1
done
[ -n "$BASE" ] || { echo "bench.sh: the bench server did not start" >&2; exit 1; }
curl -fsS "$BASE/health" >/dev/null
echo "server: $BASE (pid $SERVER_PID)" >&2

# ---------------------------------------------------------------------------------------
# Commands per workload
# ---------------------------------------------------------------------------------------
WL=benches/workloads
R="$RUNNER run --no-color --var base_url=$BASE"
declare -A RUNNER_CMD HURL_CMD FLOOR_CMD
RUNNER_CMD[W1]="$R $WL/w1_chain.yaml --iterations $W1_CHAINS"
RUNNER_CMD[W2]="$R $WL/w2_startup.yaml"
RUNNER_CMD[W3]="$R $WL/w3_big.yaml --iterations $W3_GETS"
RUNNER_CMD[W4]="$R $WL/w4_parallel.yaml --iterations $W4_GETS --jobs $W4_JOBS"
RUNNER_CMD[W5]="$R $WL/w5_gzip.yaml --iterations $W5_GETS"

# Hurl: one file with all the entries for W1 and W3 (one connection, one variable scope per
# chain is not needed: each chain captures afresh), the same file run 1,000 times in 4
# parallel workers for W4.
repeat_hurl() { # FILE COUNT → the file's entries COUNT times, comments dropped
    local body
    body=$(grep -v '^#' "$1")
    for _ in $(seq 1 "$2"); do printf '%s\n\n' "$body"; done
}
if [ -n "$HURL" ]; then
    repeat_hurl $WL/w1_chain.hurl $W1_CHAINS >"$OUT/gen/w1_chain.hurl"
    repeat_hurl $WL/w3_big.hurl $W3_GETS >"$OUT/gen/w3_big.hurl"
    repeat_hurl $WL/w5_gzip.hurl $W5_GETS >"$OUT/gen/w5_gzip.hurl"
    H="$HURL --no-output --variable base_url=$BASE"
    HURL_CMD[W1]="$H $OUT/gen/w1_chain.hurl"
    HURL_CMD[W2]="$H $WL/w2_startup.hurl"
    HURL_CMD[W3]="$H $OUT/gen/w3_big.hurl"
    HURL_CMD[W4]="$H --parallel --jobs $W4_JOBS --repeat $W4_GETS $WL/w4_parallel.hurl"
    # --compressed: Hurl asks for and decodes compressed bodies only when told to
    HURL_CMD[W5]="$H --compressed $OUT/gen/w5_gzip.hurl"
fi

# The curl floor for W1: the same 1,002 requests (token form POST, companies, customers) in
# one curl process, one connection kept alive, no captures and no assertions.
{
    echo 'silent'
    for _ in $(seq 1 $W1_CHAINS); do
        cat <<EOF
url = "$BASE/tenant/oauth2/v2.0/token"
data = "grant_type=client_credentials&client_id=bench-client&client_secret=bench-secret&scope=https%3A%2F%2Fapi.example.test%2F.default"
output = "/dev/null"
next
url = "$BASE/api/companies"
header = "Authorization: Bearer bench"
output = "/dev/null"
next
url = "$BASE/api/companies/c1/customers"
header = "Authorization: Bearer bench"
output = "/dev/null"
next
EOF
    done
} | sed '$d' >"$OUT/gen/curl_w1.cfg"
FLOOR_CMD[W1]="curl --config $OUT/gen/curl_w1.cfg"
FLOOR_CMD[W2]="curl -s -o /dev/null -H 'Authorization: Bearer bench' $BASE/api/companies"

# ---------------------------------------------------------------------------------------
# Check that every command passes before timing it
# ---------------------------------------------------------------------------------------
log "checking that every workload passes"
for w in $WORKLOADS; do
    wants $w || continue
    for kind in runner hurl floor; do
        case $kind in
        runner) cmd=${RUNNER_CMD[$w]} ;;
        hurl) cmd=${HURL_CMD[$w]:-} ;;
        floor) cmd=${FLOOR_CMD[$w]:-} ;;
        esac
        [ -n "$cmd" ] || continue
        if ! timeout 300 bash -c "$cmd" >"$OUT/check-$w-$kind.out" 2>&1; then
            echo "bench.sh: $w $kind failed: $cmd" >&2
            tail -n 20 "$OUT/check-$w-$kind.out" >&2
            exit 1
        fi
    done
done
# The runner's report must show every request passed.
grep -q "^$((W1_CHAINS * 3)) passed, 0 failed" "$OUT/check-W1-runner.out" 2>/dev/null ||
    ! wants W1 || { echo "bench.sh: W1 did not pass all requests" >&2; tail -n 3 "$OUT/check-W1-runner.out" >&2; exit 1; }
grep -q "^$W5_GETS passed, 0 failed" "$OUT/check-W5-runner.out" 2>/dev/null ||
    ! wants W5 || { echo "bench.sh: W5 did not pass all requests" >&2; tail -n 3 "$OUT/check-W5-runner.out" >&2; exit 1; }

# ---------------------------------------------------------------------------------------
# Timing (hyperfine) and peak RSS (/usr/bin/time -v)
# ---------------------------------------------------------------------------------------
peak_rss_kib() { # CMD → median of 3 runs' maximum resident set size, KiB
    local i v vals=()
    for i in 1 2 3; do
        /usr/bin/time -v -o "$OUT/time.tmp" timeout 300 bash -c "exec $1" >/dev/null 2>&1 || true
        v=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/time.tmp")
        vals+=("${v:-0}")
    done
    printf '%s\n' "${vals[@]}" | sort -n | sed -n 2p
}

declare -A MEAN SD RSS
for w in $WORKLOADS; do
    wants $w || continue
    log "$w: hyperfine --warmup $WARMUP --runs $RUNS"
    args=(-N --warmup "$WARMUP" --runs "$RUNS" --export-json "$OUT/$w.json" -n runner "${RUNNER_CMD[$w]}")
    [ -n "${HURL_CMD[$w]:-}" ] && args+=(-n hurl "${HURL_CMD[$w]}")
    [ -n "${FLOOR_CMD[$w]:-}" ] && args+=(-n curl "${FLOOR_CMD[$w]}")
    # -N: no intermediate shell (hyperfine splits the words itself, quotes included), so
    # start-up times are the program's own.
    timeout $STEP_TIMEOUT hyperfine "${args[@]}" >&2
    for name in runner hurl curl; do
        MEAN[$w.$name]=$(jq -r --arg n "$name" '.results[] | select(.command == $n) | .mean' "$OUT/$w.json")
        SD[$w.$name]=$(jq -r --arg n "$name" '.results[] | select(.command == $n) | .stddev // 0' "$OUT/$w.json")
    done
    log "$w: peak RSS"
    RSS[$w.runner]=$(peak_rss_kib "${RUNNER_CMD[$w]}")
    cp "$OUT/time.tmp" "$OUT/$w-runner.time"
    if [ -n "${HURL_CMD[$w]:-}" ]; then
        RSS[$w.hurl]=$(peak_rss_kib "${HURL_CMD[$w]}")
        cp "$OUT/time.tmp" "$OUT/$w-hurl.time"
    fi
done
rm -f "$OUT/time.tmp"

WRK_RPS=""
if wants W4; then
    log "wrk -t2 -c4 -d${WRK_SECONDS}s $BASE/api/companies"
    timeout $((WRK_SECONDS + 30)) wrk -t2 -c4 -d"${WRK_SECONDS}s" -H 'Authorization: Bearer bench' \
        "$BASE/api/companies" | tee "$OUT/wrk.txt" >&2
    WRK_RPS=$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk.txt")
fi

# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------
{
    echo "runner: $($RUNNER --version 2>&1 | head -n1) (tree $(git describe --always --dirty 2>/dev/null || echo unknown))"
    echo "hurl: $([ -n "$HURL" ] && $HURL --version 2>&1 | head -n1 || echo 'not installed')"
    echo "curl: $(curl --version | head -n1)"
    echo "rustc: $(rustc --version)"
    echo "hyperfine: $(hyperfine --version)"
    echo "wrk: $(wrk -v 2>&1 | head -n1)"
    echo "cpu: $(nproc) × $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
    echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "kernel: $(uname -sr)"
    echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/versions.txt"

calc() { awk "BEGIN { $1 }"; }
ms() { [ -n "$1" ] && [ "$1" != null ] && calc "printf \"%.1f\", $1 * 1000" || printf -- '–'; }
mib() { [ -n "$1" ] && [ "$1" != 0 ] && calc "printf \"%.1f MiB\", $1 / 1024" || printf -- '–'; }
have() { [ -n "${1:-}" ] && [ "$1" != null ]; }
# verdict VALUE LIMIT → PASS if VALUE ≤ LIMIT, else FAIL (by how much)
verdict() {
    have "$1" && have "$2" || { printf 'n/a'; return; }
    calc "v = $1; l = $2; if (v <= l) printf \"PASS\"; else printf \"FAIL (%.2f× the limit)\", v / l"
}
ratio() { have "$1" && have "$2" && calc "printf \"%.2f\", $1 / $2" || printf -- '–'; }

declare -A TARGET=([W1]=0.5 [W2]=1.0 [W3]=0.25 [W4]=0.5 [W5]=0.25)
{
    echo "| workload | runner mean ± σ (ms) | hurl mean ± σ (ms) | runner/hurl | runner peak RSS | hurl peak RSS | target | result |"
    echo "|---|---|---|---|---|---|---|---|"
    for w in $WORKLOADS; do
        wants $w || continue
        rm_=${MEAN[$w.runner]:-}
        hm=${MEAN[$w.hurl]:-}
        hs=${SD[$w.hurl]:-}
        hcol="–"
        have "$hm" && hcol="$(ms "$hm") ± $(ms "$hs")"
        r=$(ratio "$rm_" "$hm")
        echo "| $w | $(ms "$rm_") ± $(ms "${SD[$w.runner]}") | $hcol | $r | $(mib "${RSS[$w.runner]:-}") | $(mib "${RSS[$w.hurl]:-}") | ≤ ${TARGET[$w]} | $(have "$hm" && verdict "$(calc "printf \"%.4f\", $rm_ / $hm")" "${TARGET[$w]}" || echo n/a) |"
    done
    echo
    echo "| other target | measured | limit | result |"
    echo "|---|---|---|---|"
    if wants W1 && have "${MEAN[W1.curl]:-}"; then
        c=${MEAN[W1.curl]}
        echo "| W1 per request within 3× of the curl floor | runner $(calc "printf \"%.0f\", ${MEAN[W1.runner]} / 1002 * 1e6") µs/req, curl $(calc "printf \"%.0f\", $c / 1002 * 1e6") µs/req ($(ratio "${MEAN[W1.runner]}" "$c")×) | 3× | $(verdict "$(calc "printf \"%.4f\", ${MEAN[W1.runner]} / $c")" 3) |"
    fi
    if wants W2 && have "${MEAN[W2.curl]:-}"; then
        echo "| W2 beside one curl request (aim, not a target) | runner $(ms "${MEAN[W2.runner]}") ms, curl $(ms "${MEAN[W2.curl]}") ms | – | $(ratio "${MEAN[W2.runner]}" "${MEAN[W2.curl]}")× curl |"
    fi
    for w in $WORKLOADS; do
        wants $w || continue
        echo "| $w peak RSS ≤ Hurl's | $(mib "${RSS[$w.runner]:-}") vs $(mib "${RSS[$w.hurl]:-}") | Hurl's | $(verdict "${RSS[$w.runner]:-}" "${RSS[$w.hurl]:-}") |"
    done
    if wants W3 && wants W2; then
        limit=$((${RSS[W2.runner]} + 2048))
        echo "| W3 peak RSS ≤ 2 × 1 MiB body + baseline (W2's RSS) | $(mib "${RSS[W3.runner]}") | $(mib $limit) | $(verdict "${RSS[W3.runner]}" $limit) |"
    fi
    if wants W4 && have "$WRK_RPS"; then
        rps=$(calc "printf \"%.0f\", $W4_GETS / ${MEAN[W4.runner]}")
        quarter=$(calc "printf \"%.0f\", $WRK_RPS / 4")
        echo "| W4 throughput ≥ 25% of wrk -c4 | runner $rps req/s ($(calc "printf \"%.1f\", 100 * $rps / $WRK_RPS")% of wrk's $(calc "printf \"%.0f\", $WRK_RPS") req/s) | $quarter req/s | $(calc "if ($rps >= $quarter) printf \"PASS\"; else printf \"FAIL (%.2f× the limit)\", $rps / $quarter") |"
    fi
    echo
    echo "Floors (no assertions): W1 curl = one curl process, $((W1_CHAINS * 3)) requests chained with \`next\` in a config file on one kept-alive connection: $(ms "${MEAN[W1.curl]:-}") ms; W2 curl = one \`curl\` GET: $(ms "${MEAN[W2.curl]:-}") ms."
    echo
    sed 's/^/    /' "$OUT/versions.txt"
} | tee "$OUT/results.md"
echo >&2
echo "results: $OUT/results.md (hyperfine JSON, time -v and wrk output beside it)" >&2

# ---------------------------------------------------------------------------------------
# SCALE (issue 17): memory stays flat however many requests run
# ---------------------------------------------------------------------------------------
scale_once() { # NAME CMD… → one run under /usr/bin/time -v in a fresh folder (its reports
    # removed after), "seconds KiB" appended to $OUT/scale-NAME.runs; a failed run ends the script
    local name=$1 dir
    shift
    dir=$(mktemp -d)
    if ! (cd "$dir" && timeout $STEP_TIMEOUT /usr/bin/time -v -o "$OUT/scale-$name.time" "$@" >"$OUT/scale-$name.out" 2>&1); then
        echo "bench.sh: SCALE $name failed: $*" >&2
        tail -n 30 "$OUT/scale-$name.out" "$OUT/scale-$name.time" >&2
        rm -rf "$dir"
        exit 1
    fi
    ls -l "$dir" >"$OUT/scale-$name.files"
    rm -rf "$dir"
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; secs = s }
        /Maximum resident set size/ { kib = $2 } END { printf "%s %s\n", secs, kib }' "$OUT/scale-$name.time" >>"$OUT/scale-$name.runs"
}
median() { # FILE COLUMN → the median of that column
    sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}
if wants SCALE; then
    log "SCALE: 10,000 and 100,000 requests with every report kind, $SCALE_RUNS runs each (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    SCALE_LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
    ALL_REPORTS="--report json=r.json --report junit=r.xml --report html=r.html --report tap=r.tap"
    SCALE_SIZES="10000 100000"
    SCALE_KINDS="seq jobs data"
    [ -n "$HURL" ] && SCALE_KINDS="$SCALE_KINDS hurl"
    rm -f "$OUT"/scale-*.runs
    for n in $SCALE_SIZES; do
        seq 1 $n | sed '1i row' >"$OUT/gen/rows-$n.csv"
        # interleaved, so each tool sees the same load on a shared machine
        for _ in $(seq 1 "$SCALE_RUNS"); do
            scale_once "seq-$n" $R "$PWD/$WL/w4_parallel.yaml" --iterations $n $ALL_REPORTS
            scale_once "jobs-$n" $R "$PWD/$WL/w4_parallel.yaml" --iterations $n --jobs 4 $ALL_REPORTS
            scale_once "data-$n" $R "$PWD/$WL/w4_parallel.yaml" --data "$OUT/gen/rows-$n.csv" $ALL_REPORTS
            for kind in seq jobs data; do
                grep -q "^$n passed, 0 failed" "$OUT/scale-$kind-$n.out" ||
                    { echo "bench.sh: SCALE $kind-$n did not pass every request" >&2; tail -n 3 "$OUT/scale-$kind-$n.out" >&2; exit 1; }
            done
            if [ -n "$HURL" ]; then
                scale_once "hurl-$n" $HURL --no-output --variable base_url=$BASE --repeat $n --report-junit r.xml "$PWD/$WL/w4_parallel.hurl"
            fi
        done
        rm -f "$OUT/gen/rows-$n.csv"
    done
    declare -A SECS KIB
    for n in $SCALE_SIZES; do
        for kind in $SCALE_KINDS; do
            SECS[$kind.$n]=$(median "$OUT/scale-$kind-$n.runs" 1)
            KIB[$kind.$n]=$(median "$OUT/scale-$kind-$n.runs" 2)
        done
    done
    {
        echo "Median of $SCALE_RUNS runs each (wall time, peak RSS); load average $SCALE_LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end."
        echo
        echo "| requests | runner | runner --jobs 4 | runner --data (rows) | Hurl --repeat --report-junit | runner/Hurl wall |"
        echo "|---|---|---|---|---|---|"
        for n in $SCALE_SIZES; do
            row="| $n"
            for kind in seq jobs data hurl; do
                secs=${SECS[$kind.$n]:-}
                row="$row | $(have "$secs" && printf '%s s, %s' "$secs" "$(mib "${KIB[$kind.$n]}")" || printf -- '–')"
            done
            echo "$row | $(ratio "${SECS[seq.$n]}" "${SECS[hurl.$n]:-}") |"
        done
        echo
        echo "| target | measured | limit | result |"
        echo "|---|---|---|---|"
        for kind in seq jobs data; do
            big=${KIB[$kind.100000]} small=${KIB[$kind.10000]}
            echo "| $kind: peak RSS at 100,000 ≤ 64 MiB | $(mib "$big") | 64.0 MiB | $(verdict "$big" 65536) |"
            echo "| $kind: peak RSS at 100,000 ≤ 1.1 × at 10,000 | $(mib "$big") vs $(mib "$small") ($(ratio "$big" "$small")×) | 1.10× | $(verdict "$(calc "printf \"%.4f\", $big / $small")" 1.1) |"
        done
        if have "${SECS[hurl.100000]:-}"; then
            echo "| wall time at 100,000 ≤ 0.35 × Hurl's | $(ratio "${SECS[seq.100000]}" "${SECS[hurl.100000]}")× | 0.35× | $(verdict "$(calc "printf \"%.4f\", ${SECS[seq.100000]} / ${SECS[hurl.100000]}")" 0.35) |"
        fi
    } | tee "$OUT/scale.md"
fi
