//! Property tests (proptest) over the library: secret masking, the matcher's algebra, and
//! JSONPath selection; every property with secrets has its own `Secrets`.

use std::cmp::Ordering;

use proptest::prelude::*;
use runner::check::matcher::{compare, contains, equal};
use serde_json::{Map, Number, Value};

/// Any JSON value, nested a few levels, with strings that often read as numbers or booleans
/// (the matcher treats `"42"` as equal to `42`).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Value::Number(Number::from_f64(f).unwrap())),
        "[a-z0-9 .eE+-]{0,8}".prop_map(Value::String),
        prop_oneof![
            Just("true"),
            Just("false"),
            Just(" 1 "),
            Just("1.0"),
            Just("NaN"),
            Just("inf"),
            Just("-0")
        ]
        .prop_map(|s| Value::String(s.to_string())),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((object_key(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Object keys: short plain names (so paths often meet), and names a JSONPath must quote.
fn object_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-d]{1,2}",
        1 => "[@a-z. $'\"\\\\-]{1,4}",
        1 => "\\PC{1,3}",
    ]
}

/// Numbers as JSON numbers of every kind, and as text that reads as a number.
fn number_like() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Value::Number(Number::from_f64(f).unwrap())),
        (-1000i64..1000).prop_map(|n| Value::String(format!(" {n} "))),
        any::<f64>().prop_map(|f| Value::String(f.to_string())),
    ]
}

/// Secret text: printable characters, often ones that encodings change (`%`, `+`, `/`, `"`,
/// `\`, `&`, `=`), and sometimes the mask's own `*`.
fn secret_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9]{3,16}",
        "[a-z0-9%+/\"\\\\&= *]{3,12}",
        "[ab*]{3,6}",
        "\\PC{3,10}",
    ]
    // a secret that is all `*` cannot be told from the mask `***` itself
    .prop_filter("not only the mask character", |s| {
        s.chars().any(|c| c != '*')
    })
}

proptest! {
    // each case masks and cuts a few hundred texts up to 130 KB long
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn a_secret_across_any_cut_leaves_no_piece_behind(
        secret in "[A-Za-z0-9_.~-]{8,90}",
        filler in prop_oneof![Just('a'), Just('é'), Just('✔'), Just('*')],
    ) {
        let secrets = runner::secrets::Secrets::default();
        secrets.add(&secret);
        // the cuts of failure excerpts, `-v` bodies and report bodies
        for cut in [80, 200, 2048, 64 * 1024] {
            let filler_len = filler.len_utf8();
            // the secret starts anywhere from wholly before the cut to just after it
            let first = (cut / filler_len).saturating_sub(secret.len() + 2);
            for before in first..=cut / filler_len + 1 {
                let head: String = std::iter::repeat_n(filler, before).collect();
                let text = format!("{head}{secret}{head}");
                let shown = secrets.mask_then_cut(&text, cut);
                prop_assert!(shown.text.len() <= cut);
                assert_no_piece(&secret, &shown.text)?;
                // raw bytes kept for later are cut before the secret, then masked when shown
                let kept = &text.as_bytes()[..secrets.cut_point(text.as_bytes(), cut)];
                prop_assert!(kept.len() <= cut);
                assert_no_piece(&secret, &secrets.mask(&String::from_utf8_lossy(kept)))?;
            }
        }
    }
}

/// Fails when any 8 characters in a row of `secret` appear in `text`.
fn assert_no_piece(secret: &str, text: &str) -> Result<(), TestCaseError> {
    for start in 0..=secret.len() - 8 {
        let piece = &secret[start..start + 8];
        prop_assert!(
            !text.contains(piece),
            "`{}` of {:?} survives",
            piece,
            secret
        );
    }
    Ok(())
}

fn surrounding_text() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z ]{0,8}", "[ab*]{0,4}", "\\PC{0,12}"]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_registered_secret_is_always_masked(
        secret in secret_text(),
        before in surrounding_text(),
        after in surrounding_text(),
        again in any::<bool>(),
    ) {
        let secrets = runner::secrets::Secrets::default();
        secrets.add(&secret);
        let text = if again {
            format!("{before}{secret}{after}{secret}")
        } else {
            format!("{before}{secret}{after}")
        };
        let masked = secrets.mask(&text);
        prop_assert!(
            !masked.contains(&secret),
            "secret {:?} survives in {:?} (masked from {:?})",
            secret,
            masked,
            text
        );
    }

    #[test]
    fn equal_is_reflexive(value in json_value()) {
        prop_assert!(equal(&value, &value), "{}", value);
        prop_assert!(equal(&value, &value.clone()));
    }

    #[test]
    fn equal_is_symmetric(a in json_value(), b in json_value()) {
        prop_assert_eq!(equal(&a, &b), equal(&b, &a), "{} vs {}", a, b);
    }

    #[test]
    fn equal_is_symmetric_on_numbers_and_their_text(a in number_like(), b in number_like()) {
        prop_assert_eq!(equal(&a, &b), equal(&b, &a), "{} vs {}", a, b);
    }

    #[test]
    fn compare_is_antisymmetric_on_numbers(a in number_like(), b in number_like()) {
        let forth = compare(&a, &b);
        let back = compare(&b, &a);
        prop_assert_eq!(forth, back.map(Ordering::reverse), "{} vs {}", a, b);
        if let (Value::Number(_), Value::Number(_)) = (&a, &b) {
            prop_assert!(forth.is_some(), "numbers are always ordered: {} vs {}", a, b);
        }
    }

    #[test]
    fn compare_orders_a_number_equal_to_itself(a in number_like()) {
        if let Value::Number(_) = a {
            prop_assert_eq!(compare(&a, &a), Some(Ordering::Equal));
        }
    }

    /// Two integers are equal exactly when they are the same integer (IDs are often 64-bit).
    #[test]
    fn equal_on_integers_is_exact(a in any::<i64>(), delta in -3i64..=3) {
        let b = a.saturating_add(delta);
        prop_assert_eq!(
            equal(&Value::from(a), &Value::from(b)),
            a == b,
            "{} vs {}",
            a,
            b
        );
    }

    /// Headers and bodies are text: an integer written as text is equal to that integer only.
    #[test]
    fn equal_on_an_integer_and_its_text_is_exact(a in any::<i64>(), delta in -3i64..=3) {
        let b = a.saturating_add(delta);
        prop_assert_eq!(
            equal(&Value::String(a.to_string()), &Value::from(b)),
            a == b,
            "\"{}\" vs {}",
            a,
            b
        );
    }

    /// `gte`/`lte` and `eq` agree: two integers compare as equal exactly when they are equal.
    #[test]
    fn compare_agrees_with_equal_on_integers(a in any::<i64>(), delta in -3i64..=3) {
        let (x, y) = (Value::from(a), Value::from(a.saturating_add(delta)));
        prop_assert_eq!(
            compare(&x, &y) == Some(Ordering::Equal),
            equal(&x, &y),
            "{} vs {}",
            x,
            y
        );
    }

    #[test]
    fn an_array_contains_each_of_its_items(items in prop::collection::vec(json_value(), 1..6), pick in any::<prop::sample::Index>()) {
        let item = items[pick.index(items.len())].clone();
        prop_assert!(contains(&Value::Array(items), &item));
    }

    #[test]
    fn a_string_contains_each_of_its_substrings(text in "\\PC{0,20}", start in 0usize..20, len in 0usize..20) {
        let chars: Vec<char> = text.chars().collect();
        let start = start.min(chars.len());
        let end = (start + len).min(chars.len());
        let part: String = chars[start..end].iter().collect();
        prop_assert!(contains(&Value::String(text.clone()), &Value::String(part)));
    }

    /// A JSONPath built from a walk into a document selects the node the walk ends at.
    #[test]
    fn a_normalized_path_selects_the_node_it_names(doc in json_value(), steps in prop::collection::vec(any::<prop::sample::Index>(), 0..5)) {
        let (path, node) = walk(&doc, &steps, false);
        let query = runner::query::Query::parse(&path).unwrap();
        prop_assert_eq!(runner::query::select(&query, &doc), node, "{}", path);
    }

    /// Simple paths are evaluated on the body text without parsing it whole: that must select
    /// exactly what the full evaluator selects, found or not, whatever the layout of the text.
    #[test]
    fn the_text_fast_path_selects_like_the_full_evaluator(
        doc in json_value(),
        steps in prop::collection::vec(any::<prop::sample::Index>(), 0..5),
        shorthand in any::<bool>(),
        pretty in any::<bool>(),
        stray in prop::option::of(prop_oneof!["\\.[a-d]{1,2}", "\\[[0-9]\\]", "\\['[a-d@.]{1,3}'\\]"]),
    ) {
        let (mut path, _) = walk(&doc, &steps, shorthand);
        if let Some(stray) = stray {
            path.push_str(&stray);
        }
        let query = runner::query::Query::parse(&path).unwrap();
        if let Some(simple) = &query.steps {
            let body = if pretty {
                serde_json::to_vec_pretty(&doc).unwrap()
            } else {
                serde_json::to_vec(&doc).unwrap()
            };
            let fast = runner::query::select_in_text(simple, &body);
            prop_assert_eq!(fast, Some(runner::query::select(&query, &doc)), "{}", path);
        }
    }
}

/// A path down `doc` choosing by `steps`, and the node it ends at; names written `.name`
/// where `shorthand` and the name allows it, else `['name']`.
fn walk(doc: &Value, steps: &[prop::sample::Index], shorthand: bool) -> (String, Option<Value>) {
    let mut path = String::from("$");
    let mut node = doc;
    for step in steps {
        match node {
            Value::Array(items) if !items.is_empty() => {
                let i = step.index(items.len());
                path.push_str(&format!("[{i}]"));
                node = &items[i];
            }
            Value::Object(map) if !map.is_empty() => {
                let (key, value) = map.iter().nth(step.index(map.len())).unwrap();
                let plain = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if shorthand && plain {
                    path.push_str(&format!(".{key}"));
                } else {
                    path.push_str(&format!("['{}']", escape_key(key)));
                }
                node = value;
            }
            _ => break,
        }
    }
    (path, Some(node.clone()))
}

/// A key as an RFC 9535 single-quoted name.
fn escape_key(key: &str) -> String {
    key.chars()
        .map(|c| match c {
            '\'' => "\\'".to_string(),
            '\\' => "\\\\".to_string(),
            c if (c as u32) < 0x20 => format!("\\u{:04x}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

/// Duplicate keys and odd layout: the text fast path and the full evaluator agree (the last
/// duplicate wins in both).
#[test]
fn the_text_fast_path_agrees_on_duplicate_keys_and_layout() {
    let bodies: [&[u8]; 4] = [
        br#"{"a": 1, "a": {"b": [10, 20]}}"#,
        b"  {\n\"a\" :\t[ {\"b\":1} , {\"b\" : 2} ] }  ",
        br#"{"\u0061": {"b": true}}"#,
        br#"{"a": {"b": 1}, "a": 2}"#,
    ];
    for body in bodies {
        let doc: Value = serde_json::from_slice(body).unwrap();
        for path in [
            "$.a",
            "$.a.b",
            "$.a[1]",
            "$.a[1].b",
            "$.a.b[1]",
            "$['a']['b']",
        ] {
            let query = runner::query::Query::parse(path).unwrap();
            let steps = query.steps.as_ref().expect("a simple path");
            assert_eq!(
                runner::query::select_in_text(steps, body),
                Some(runner::query::select(&query, &doc)),
                "{path} in {}",
                String::from_utf8_lossy(body)
            );
        }
    }
}

/// The counterexample the property above finds, spelt out: the mask `***` next to the
/// secret's own characters must not form the secret again.
#[test]
fn masking_does_not_rebuild_a_secret_out_of_the_mask() {
    let secrets = runner::secrets::Secrets::default();
    secrets.add("x**");
    let masked = secrets.mask("xx**");
    assert!(!masked.contains("x**"), "{masked:?}");
}
