//! Postman environments → `environments/NAME.yaml`. Secret values (type `secret`, or a name
//! such as `clientSecret` with a value) become `<<secret("CLIENT_SECRET")>>`; their values are
//! never written, and the report lists the variables to set.

use serde_json::Value;

use super::converter::{Converter, Generated, Known};
use crate::import::placeholder;
use crate::import::report::{Place, Report, Topic};
use crate::import::yaml::{self, Yaml};

use super::model::Environment;

/// Parses an environment export.
pub fn parse_environment(text: &str) -> Result<Environment, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let Some(object) = value.as_object() else {
        return Err("the file holds JSON but not an object".into());
    };
    if !object.contains_key("values") {
        let hint = if object.contains_key("info") {
            " (it looks like a collection: pass it as COLLECTION)"
        } else {
            ""
        };
        return Err(format!(
            "no `values` key, so not a Postman environment{hint}"
        ));
    }
    serde_json::from_value(value).map_err(|e| format!("unexpected shape: {e}"))
}

/// Converts an environment; `fallback` names it when the export has no name, `captured` are
/// the variables the collection captures (see `known_names`).
pub fn convert_environment(
    env: &Environment,
    fallback: &str,
    known: &Known,
    report: &mut Report,
) -> Generated {
    let name = env
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| fallback.to_string());
    let stem = crate::import::slug(&name);
    let place = Place::collection().child(&format!("environment {name}"));
    let mut c = Converter::new(report, known);
    c.ignored(
        &place,
        &env.other,
        &[
            "id",
            "_postman_variable_scope",
            "_postman_exported_at",
            "_postman_exported_using",
            "isPublic",
            "owner",
            "uid",
            "createdAt",
            "updatedAt",
        ],
    );
    let mut out = Yaml::map();
    for var in &env.values {
        let Some(key) = var.name() else {
            continue;
        };
        if !var.is_on() {
            c.report.add(
                Topic::Setting,
                &place,
                format!("disabled variable `{key}` left out"),
            );
            continue;
        }
        let name = placeholder::var_name(key);
        if name != key {
            c.renamed_var(key, &name);
        }
        let yaml = c.variable_value(key, var, &place, format!("environment `{stem}`: `{key}`"));
        out.insert(&name, yaml);
    }
    let header = vec![
        "yaml-language-server: $schema=../schema/environment.schema.json".to_string(),
        format!("Imported from the Postman environment \"{name}\" by `runner import postman`."),
        "Secret values are not written here: they are read from environment variables (secret(\"NAME\")).".into(),
    ];
    let text = if out.is_empty_collection() {
        let mut text = yaml::document(&header, &Yaml::Null);
        // an empty environment file is valid; `~` would be too, but reads oddly
        text = text.replace("~\n", "");
        text
    } else {
        yaml::document(&header, &out)
    };
    Generated { stem, text }
}
