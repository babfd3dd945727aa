#!/usr/bin/env bash
# Renders an HTML report in headless Chromium and saves a screenshot, to check by eye that the
# report renders (summary, waterfall, diff colors, expandable requests) with nothing fetched.
#
#   scripts/screenshot-report.sh [OUT.png]     (default: target/report-screenshot.png)
#
# Runs a small collection (with a failing assertion, a skipped and a pulled-in request, two data
# rows, two jobs) against the bundled mock (--mock mocks/bc.yaml), writes target/report-demo/
# report.html and screenshots it once collapsed and once with every request opened.
# Needs chromium (Debian: apt-get install chromium) and builds runner with cargo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out_png=${1:-target/report-screenshot.png}
work=target/report-demo
rm -rf "$work"
mkdir -p "$work/collections" "$(dirname "$out_png")"

chromium_bin=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [[ -z $chromium_bin ]]; then
  echo "chromium not found (Debian: apt-get install -y chromium)" >&2
  exit 2
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

shoot() { # FILE PNG
  local profile
  profile=$(mktemp -d)
  "$chromium_bin" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
    --screenshot="$2" --window-size=1400,1000 "file://$PWD/$1" 2>/dev/null
  rm -rf "$profile"
}
shoot "$work/report.html" "$out_png"
shoot "$work/report-open.html" "${out_png%.png}-open.png"
echo "screenshots: $out_png ${out_png%.png}-open.png"
