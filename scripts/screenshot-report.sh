#!/usr/bin/env bash
# Renders an HTML report in headless Chromium and saves a screenshot, to check by eye that the
# report renders (summary, waterfall, diff colors, expandable requests) with nothing fetched.
#
#   scripts/screenshot-report.sh [OUT.png]           (default: target/report-screenshot.png)
#   scripts/screenshot-report.sh --large [OUT.png]   (default: target/report-large.png)
#
# Runs a small collection (with a failing assertion, a skipped and a pulled-in request, two data
# rows, two jobs) against the bundled mock (--mock mocks/bc.yaml), writes target/report-demo/
# report.html and screenshots it once collapsed and once with every request opened.
#
# --large: a run of 100,000 requests instead (50,000 data rows of two requests; three rows ask
# for a misspelt entity and fail), with the release build; prints the report's size, the time
# Chromium takes to its load event and to parse every folded unit (what the first search
# does), then screenshots the page as it opens (docs/report-large.png is made this way).
# Needs chromium (Debian: apt-get install chromium) and builds runner with cargo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

large=false
if [[ ${1:-} == --large ]]; then
  large=true
  shift
fi
default_png=target/report-screenshot.png
$large && default_png=target/report-large.png
out_png=${1:-$default_png}
work=target/report-demo
rm -rf "$work"
mkdir -p "$work/collections" "$(dirname "$out_png")"

chromium_bin=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [[ -z $chromium_bin ]]; then
  echo "chromium not found (Debian: apt-get install -y chromium)" >&2
  exit 2
fi

chromium_run() { # ARGS…: headless, offline (every host name resolves to nothing)
  local profile code=0
  profile=$(mktemp -d)
  "$chromium_bin" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
    --host-resolver-rules='MAP * ~NOTFOUND' "$@" 2>/dev/null || code=$?
  rm -rf "$profile"
  return $code
}
shoot() { # FILE PNG [WIDTH,HEIGHT]
  chromium_run --screenshot="$2" --window-size="${3:-1400,1000}" "file://$PWD/$1"
}

if $large; then
  cargo build --quiet --release --bin runner
  mkdir -p "$work/collections"
  cat > "$work/collections/large.yaml" <<'YAML'
name: Entities by row
vars:
  api: <<mock_url>>/v2.0/<<Tenant>>/<<Environment>>/api/v2.0
auth:
  oauth2:
    token_url: <<mock_url>>/<<Tenant>>/oauth2/v2.0/token
    client_id: <<ClientId>>
    client_secret: <<ClientSecret>>
    scope: https://api.businesscentral.dynamics.com/.default
requests:
  - name: list
    url: <<api>>/<<entity>>
    assert:
      status: 200
      json:
        $.value: { type: array }
  - name: first company
    url: <<api>>/companies
    query: { $top: 1 }
    assert: { status: 200 }
YAML
  awk 'BEGIN { print "entity"; for (i = 1; i <= 50000; i++) print (i == 777 || i == 23456 || i == 41000) ? "companys" : "companies" }' \
    > "$work/rows.csv"
  set +e
  target/release/runner run "$work/collections/large.yaml" -e environments/local.yaml \
    --mock mocks/bc.yaml --data "$work/rows.csv" --no-color --report "html=$work/report.html" \
    | tail -n 1
  set -e
  [[ -f $work/report.html ]] || { echo "no HTML report written" >&2; exit 1; }
  echo "report: $(stat -c %s "$work/report.html") bytes"
  # the load event, and parsing every folded unit, timed inside the page; the blocks are
  # dropped before the DOM is dumped
  { cat "$work/report.html"; cat <<'HTML'; } > "$work/report-timed.html"
<script>
addEventListener('load', () => {
  const loaded = performance.now();
  const blocks = [...document.querySelectorAll('script.units')];
  let units = 0;
  for (const b of blocks) units += JSON.parse(b.textContent).length;
  const parsed = performance.now() - loaded;
  blocks.forEach((b) => b.remove());
  document.body.insertAdjacentHTML('beforeend', `<pre id="timed">load event after ${Math.round(loaded)} ms; ${units} folded units parsed in ${Math.round(parsed)} ms</pre>`);
});
</script>
HTML
  chromium_run --dump-dom "file://$PWD/$work/report-timed.html" | grep -o 'load event after [0-9][^<]*'
  start=$(date +%s%N)
  # tall enough for the failures and the start of the folded units below them
  shoot "$work/report.html" "$out_png" 1200,1800
  echo "screenshot: $out_png, $(stat -c %s "$out_png") bytes; chromium ran $((($(date +%s%N) - start) / 1000000)) ms"
  exit 0
fi

cargo build --quiet --bin runner
runner=target/debug/runner

cat > "$work/collections/demo.yaml" <<'YAML'
name: Business Central demo
vars:
  api: <<mock_url>>/v2.0/<<Tenant>>/<<Environment>>/api/v2.0
auth:
  oauth2:
    token_url: <<mock_url>>/<<Tenant>>/oauth2/v2.0/token
    client_id: <<ClientId>>
    client_secret: <<ClientSecret>>
    scope: https://api.businesscentral.dynamics.com/.default
requests:
  - name: companies
    url: <<api>>/companies
    tags: [smoke]
    assert:
      status: 200
      json:
        $.value: { length: { gte: 1 } }
    capture:
      company_id: $.value[0].id
  - group: customers
    requests:
      - name: list
        url: <<api>>/companies(<<company_id>>)/customers
        tags: [smoke]
        assert:
          status: 200
          json:
            $.value: { type: array }
      - name: create
        method: POST
        url: <<api>>/companies(<<company_id>>)/customers
        json: { displayName: <<customer>>, type: Company }
        assert:
          status: 201
          json:
            $.displayName: <<customer>>
            $: { eq: { displayName: <<customer>>, type: Person, blocked: " " } }
        capture:
          customer_id: $.id
      - name: delete
        method: DELETE
        skip_if: "customer_id is not defined"
        url: <<api>>/companies(<<company_id>>)/customers(<<customer_id>>)
        assert: { status: 204 }
  - name: companies (write)
    method: POST
    url: <<api>>/companies
    when: "Environment == 'Production'"
YAML
printf 'customer\nAdatum Corporation\n"Fabrikam, Inc."\n' > "$work/customers.csv"

set +e
"$runner" run "$work/collections/demo.yaml" -e environments/local.yaml --mock mocks/bc.yaml \
  --data "$work/customers.csv" --jobs 2 --no-color \
  --report "html=$work/report.html" --report "json=$work/report.json"
code=$?
set -e
echo "runner exited with $code (1 expected: the demo has a failing assertion)"
[[ -f $work/report.html ]] || { echo "no HTML report written" >&2; exit 1; }

# the same page with every <details> open, to see the expanded requests too
sed 's/<details>/<details open>/g' "$work/report.html" > "$work/report-open.html"

shoot "$work/report.html" "$out_png"
shoot "$work/report-open.html" "${out_png%.png}-open.png"
echo "screenshots: $out_png ${out_png%.png}-open.png"
