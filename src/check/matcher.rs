//! Matcher operators over JSON values: equality, ordering, text, type, length.
//! Pure functions; the expected side is already rendered.

use std::cmp::Ordering;

use serde_json::Value;

use crate::model::JsonType;

/// Equality with numbers compared by value and a number equal to its text ("42" == 42),
/// since headers and bodies are text while YAML writes numbers.
pub fn equal(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Number(a), Value::Number(b)) => same_number(a, b),
        (Value::String(a), Value::Number(b)) | (Value::Number(b), Value::String(a)) => {
            compare(&Value::String(a.clone()), &Value::Number(b.clone())) == Some(Ordering::Equal)
        }
        (Value::String(a), Value::Bool(b)) | (Value::Bool(b), Value::String(a)) => {
            a == if *b { "true" } else { "false" }
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equal(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => actual == expected,
    }
}

/// Integers exactly (no rounding through f64 past 2^53), anything else by value.
fn same_number(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    match (a.as_i64(), b.as_i64(), a.as_u64(), b.as_u64()) {
        (Some(x), Some(y), _, _) => x == y,
        (_, _, Some(x), Some(y)) => x == y,
        _ if (a.is_f64() || b.is_f64()) => a.as_f64() == b.as_f64(),
        // one fits i64 only and the other u64 only: different integers
        _ => false,
    }
}

/// Ordering of numbers (text that reads as a number counts) or of strings.
pub fn compare(actual: &Value, expected: &Value) -> Option<Ordering> {
    // whole numbers exactly (f64 rounds past 2^53), others by value
    if let (Some(a), Some(b)) = (as_integer(actual), as_integer(expected)) {
        return Some(a.cmp(&b));
    }
    match (as_number(actual), as_number(expected)) {
        (Some(a), Some(b)) => a.partial_cmp(&b),
        _ => match (actual, expected) {
            (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
            _ => None,
        },
    }
}

fn as_integer(value: &Value) -> Option<i128> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The value as text: strings as they are, other scalars as JSON.
pub fn text(value: &Value) -> String {
    crate::template::json_to_text(value)
}

/// Substring, array element, or object key.
pub fn contains(actual: &Value, expected: &Value) -> bool {
    match actual {
        Value::Array(items) => items.iter().any(|i| equal(i, expected)),
        Value::Object(map) => map.contains_key(&text(expected)),
        other => text(other).contains(&text(expected)),
    }
}

/// Whether a value has the JSON type.
pub fn has_type(value: &Value, ty: JsonType) -> bool {
    match ty {
        JsonType::String => value.is_string(),
        JsonType::Number => value.is_number(),
        JsonType::Integer => value.is_i64() || value.is_u64(),
        JsonType::Bool => value.is_boolean(),
        JsonType::Object => value.is_object(),
        JsonType::Array => value.is_array(),
        JsonType::Null => value.is_null(),
    }
}

/// The JSON type name of a value.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Characters of a string, items of an array, keys of an object.
pub fn length(value: &Value) -> Option<usize> {
    match value {
        Value::String(s) => Some(s.chars().count()),
        Value::Array(a) => Some(a.len()),
        Value::Object(o) => Some(o.len()),
        _ => None,
    }
}

/// A unified diff of expected vs actual when either is too big to compare by eye.
pub fn diff(expected: &Value, actual: &Value) -> Option<String> {
    let worth_it = |v: &Value| match v {
        Value::Array(_) | Value::Object(_) => true,
        Value::String(s) => s.len() > 60 || s.contains('\n'),
        _ => false,
    };
    if !worth_it(expected) && !worth_it(actual) {
        return None;
    }
    let render = |v: &Value| match v {
        Value::String(s) => format!("{s}\n"),
        other => format!(
            "{}\n",
            serde_json::to_string_pretty(&sorted(other)).unwrap_or_default()
        ),
    };
    let (expected, actual) = (render(expected), render(actual));
    let diff = similar::TextDiff::from_lines(&expected, &actual);
    Some(
        diff.unified_diff()
            .context_radius(3)
            .header("expected", "actual")
            .to_string(),
    )
}

/// The value with object keys in sorted order, so a diff shows changes, not reordering.
pub fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_equal_by_value_and_text() {
        assert!(equal(&json!(1), &json!(1.0)));
        assert!(equal(&json!("42"), &json!(42)));
        assert!(!equal(&json!("42a"), &json!(42)));
        assert!(equal(&json!({"a": [1, "x"]}), &json!({"a": [1.0, "x"]})));
        assert!(!equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    }

    #[test]
    fn ordering_numbers_and_strings() {
        assert_eq!(compare(&json!(5), &json!(3)), Some(Ordering::Greater));
        assert_eq!(compare(&json!("10"), &json!(9)), Some(Ordering::Greater));
        assert_eq!(
            compare(&json!("2024-01-02"), &json!("2024-01-01")),
            Some(Ordering::Greater)
        );
        assert_eq!(compare(&json!(true), &json!(1)), None);
    }

    #[test]
    fn contains_by_kind() {
        assert!(contains(
            &json!("application/json; charset=utf-8"),
            &json!("application/json")
        ));
        assert!(contains(&json!([1, 2, 3]), &json!(2)));
        assert!(contains(&json!({"id": 1}), &json!("id")));
        assert!(!contains(&json!([1, 2]), &json!(5)));
    }

    #[test]
    fn types_and_lengths() {
        assert!(has_type(&json!(3), JsonType::Integer));
        assert!(!has_type(&json!(3.5), JsonType::Integer));
        assert_eq!(length(&json!("héllo")), Some(5));
        assert_eq!(length(&json!(3)), None);
    }

    #[test]
    fn diff_only_for_large_values() {
        assert_eq!(diff(&json!(1), &json!(2)), None);
        let d = diff(&json!({"a": 1, "b": 2}), &json!({"a": 1, "b": 3})).unwrap();
        assert!(d.contains("-  \"b\": 2"), "{d}");
        assert!(d.contains("+  \"b\": 3"), "{d}");
    }
}
