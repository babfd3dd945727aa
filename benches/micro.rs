//! Micro-benchmarks of the hot paths (issue 9), without a benchmark crate: each case runs in
//! a timed loop (std::time::Instant) and prints the median ns/op of several samples.
//!
//! Run: `cargo bench --bench micro` (all cases) or `cargo bench --bench micro -- mask` (cases
//! whose name contains `mask`). `MICRO_SAMPLE_MS` sets each sample's length (default 100 ms).
//!
//! The numbers are wall-clock on a shared machine: compare runs made one after the other, and
//! prefer `valgrind --tool=callgrind` instruction counts for small differences.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use runner::check::matcher;
use runner::location::Location;
use runner::query::Query;
use runner::query::{select_in_text, simple_steps};
use runner::secrets::Secrets;
use runner::template::{TemplateBuilder, Tpl};
use serde_json::{Value, json};
use serde_json_path::JsonPath;

const SAMPLES: usize = 7;

struct Bench {
    filters: Vec<String>,
    sample: Duration,
}

impl Bench {
    /// Times `f`, printing the median ns per call and the spread of the samples.
    fn run<R>(&self, name: &str, mut f: impl FnMut() -> R) {
        if !self.filters.is_empty() && !self.filters.iter().any(|p| name.contains(p.as_str())) {
            return;
        }
        // Calibrate: how many calls fit in one sample (at least 1, at most 10M).
        let start = Instant::now();
        black_box(f());
        let once = start.elapsed().max(Duration::from_nanos(1));
        let per_sample = (self.sample.as_nanos() / once.as_nanos()).clamp(1, 10_000_000) as u64;
        // Warm up for one sample.
        for _ in 0..per_sample {
            black_box(f());
        }
        let mut ns_per_op: Vec<f64> = (0..SAMPLES)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..per_sample {
                    black_box(f());
                }
                start.elapsed().as_nanos() as f64 / per_sample as f64
            })
            .collect();
        ns_per_op.sort_by(f64::total_cmp);
        let median = ns_per_op[SAMPLES / 2];
        println!(
            "{name:<44} {:>14} ns/op  (min {}, max {}; {per_sample} calls × {SAMPLES} samples)",
            group(median),
            group(ns_per_op[0]),
            group(ns_per_op[SAMPLES - 1]),
        );
    }
}

/// 1234567.8 → "1,234,568"; below 100, one decimal.
fn group(ns: f64) -> String {
    if ns < 100.0 {
        return format!("{ns:.1}");
    }
    let digits = format!("{:.0}", ns);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The same shape as the bench server's `/big`: 6,000 small objects, then a deep `summary`,
/// padded to 1 MiB.
fn big_document() -> Vec<u8> {
    let items: Vec<Value> = (0..6000)
        .map(|i| {
            json!({
                "id": i,
                "name": format!("Item {i}"),
                "active": i % 3 != 0,
                "tags": ["alpha", "beta", format!("t{}", i % 17)],
                "address": { "street": format!("{i} Main Street"), "geo": { "city": format!("City {i}"), "lat": 33.749, "lng": -84.388 } },
            })
        })
        .collect();
    let mut doc = json!({
        "meta": { "count": 6000, "generator": "bench-server" },
        "items": items,
        "padding": "",
        "summary": { "checks": { "deep": { "level4": { "level5": { "marker": "found", "count": 6000 } } } } },
    });
    let size = serde_json::to_vec(&doc).expect("serializable").len();
    doc["padding"] = Value::String("x".repeat((1024 * 1024usize).saturating_sub(size)));
    serde_json::to_vec(&doc).expect("serializable")
}

fn location() -> Location {
    Location {
        file: Arc::from(Path::new("benches/micro.rs")),
        line: 1,
        col: 1,
    }
}

fn query(path: &str) -> Query {
    Query::parse(path).expect("valid JSONPath")
}

fn templates(bench: &Bench) {
    let mut builder = TemplateBuilder::default();
    let url = builder.text(
        "<<base_url>>/api/companies/<<company_id>>/customers",
        location(),
        "url",
    );
    let auth = builder.text("Bearer <<token>>", location(), "headers.Authorization");
    let whole = builder.text("<<token>>", location(), "json.token");
    let literal = builder.text("client_credentials", location(), "form.grant_type");
    let filtered = builder.text("<<Tenant | upper>>/x", location(), "url");
    let computed = builder.text("<<company_id ~ '-' ~ ClientId>>", location(), "json.id");
    assert!(matches!(url, Tpl::Text(_)) && matches!(whole, Tpl::Expr(_)));
    let templates = builder
        .compile(&Secrets::default())
        .expect("templates compile");
    let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.".repeat(20);
    let vars: Vec<(String, minijinja::Value)> = vec![
        ("base_url".into(), "http://127.0.0.1:8080".into()),
        ("company_id".into(), "c1".into()),
        ("token".into(), token.as_str().into()),
        ("ClientId".into(), "bench-client".into()),
        ("Tenant".into(), "tenant".into()),
    ];
    let ctx = minijinja::Value::from_iter(vars.iter().cloned());
    bench.run("template: build context (5 vars)", || {
        minijinja::Value::from_iter(vars.iter().cloned())
    });
    bench.run("template: render url (2 vars in text)", || {
        templates.render(&url, &ctx).expect("renders")
    });
    bench.run("template: render `Bearer <<token>>`", || {
        templates.render(&auth, &ctx).expect("renders")
    });
    bench.run("template: render `<<token>>` (expression)", || {
        templates.render(&whole, &ctx).expect("renders")
    });
    bench.run("template: render literal", || {
        templates.render(&literal, &ctx).expect("renders")
    });
    bench.run("template: render `<<Tenant | upper>>/x` (engine)", || {
        templates.render(&filtered, &ctx).expect("renders")
    });
    bench.run("template: render `<<a ~ '-' ~ b>>` (engine)", || {
        templates.render(&computed, &ctx).expect("renders")
    });
}

fn jsonpath(bench: &Bench, big: &[u8]) {
    let doc: Value = serde_json::from_slice(big).expect("valid JSON");
    bench.run("json: parse 1 MiB body (serde_json::Value)", || {
        serde_json::from_slice::<Value>(big).expect("valid JSON")
    });
    bench.run("json: scan 1 MiB body (IgnoredAny, no tree)", || {
        serde_json::from_slice::<serde::de::IgnoredAny>(big).expect("valid JSON")
    });
    let deep = query("$.summary.checks.deep.level4.level5.marker");
    let indexed = query("$.items[5999].address.geo.city");
    let wildcard = query("$.items[*].id");
    let filter = query("$.items[?@.id == 4000].name");
    assert_eq!(
        runner::query::select(&deep, &doc),
        Some(json!("found")),
        "the deep path selects the marker"
    );
    // the path a run takes for simple paths: straight on the body text, no tree
    let deep_steps = simple_steps("$.summary.checks.deep.level4.level5.marker").expect("simple");
    assert_eq!(
        select_in_text(&deep_steps, big),
        Some(Some(json!("found"))),
        "the deep path selects the marker in the text"
    );
    bench.run(
        "jsonpath: select $.summary…marker in the 1 MiB text",
        || select_in_text(&deep_steps, big),
    );
    let token = serde_json::to_vec(&json!({
        "token_type": "Bearer",
        "expires_in": 3599,
        "access_token": "e".repeat(1100),
    }))
    .expect("serialises");
    let token_steps = simple_steps("$.access_token").expect("simple");
    bench.run(
        "jsonpath: select $.access_token in a 1.1 KB token text",
        || select_in_text(&token_steps, &token),
    );
    bench.run("jsonpath: select $.summary…marker (1 MiB)", || {
        runner::query::select(&deep, &doc)
    });
    bench.run("jsonpath: select $.items[5999]…city", || {
        runner::query::select(&indexed, &doc)
    });
    bench.run("jsonpath: select $.items[*].id (6000 nodes)", || {
        runner::query::select(&wildcard, &doc)
    });
    bench.run("jsonpath: filter $.items[?@.id == 4000]", || {
        runner::query::select(&filter, &doc)
    });
    bench.run("jsonpath: JsonPath::parse (deep path)", || {
        JsonPath::parse("$.summary.checks.deep.level4.level5.marker").expect("valid")
    });
}

fn matchers(bench: &Bench, big: &[u8]) {
    let found = json!("found");
    bench.run("matcher: equal strings", || {
        matcher::equal(black_box(&found), black_box(&found))
    });
    let number = json!(10000);
    let text = json!("10000");
    bench.run("matcher: equal number vs \"10000\"", || {
        matcher::equal(black_box(&text), black_box(&number))
    });
    let doc: Value = serde_json::from_slice(big).expect("valid JSON");
    let copy = doc.clone();
    bench.run("matcher: equal 1 MiB documents", || {
        matcher::equal(black_box(&doc), black_box(&copy))
    });
    let items = doc["items"].clone();
    bench.run("matcher: length of 6000-item array", || {
        matcher::length(black_box(&items))
    });
}

fn masking(bench: &Bench, big: &[u8]) {
    let secrets = Secrets::default();
    let body = std::str::from_utf8(big).expect("UTF-8");
    bench.run("mask: 1 MiB body, no secret registered", || {
        secrets.mask(body).len()
    });
    secrets.add("bench-secret-value-0123456789");
    secrets.add(&"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.".repeat(20));
    bench.run("mask: 1 MiB body, 2 secrets, none in body", || {
        secrets.mask(body).len()
    });
    let with_secret = format!("{}bench-secret-value-0123456789", &body[..body.len() - 40]);
    bench.run("mask: 1 MiB body, 2 secrets, one at the end", || {
        secrets.mask(&with_secret).len()
    });
    let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.".repeat(30);
    secrets.add(&token);
    bench.run("secrets: add a registered 1 KiB token again", || {
        secrets.add(black_box(&token))
    });
    let small = r#"{"token_type":"Bearer","expires_in":3599,"access_token":"abc"}"#;
    bench.run("mask: 64 B body, 2 secrets", || secrets.mask(small).len());
}

fn main() {
    // `cargo bench` passes `--bench`; anything else not starting with `-` filters by name.
    let filters = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let sample_ms = std::env::var("MICRO_SAMPLE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let bench = Bench {
        filters,
        sample: Duration::from_millis(sample_ms),
    };
    let big = big_document();
    println!(
        "runner micro-benchmarks: median of {SAMPLES} samples of ~{sample_ms} ms each; body {} B",
        big.len()
    );
    templates(&bench);
    jsonpath(&bench, &big);
    matchers(&bench, &big);
    masking(&bench, &big);
}
