//! The Postman collection (v2.0 and v2.1) and environment JSON as serde types. Lenient on
//! purpose: exports vary between Postman versions, so every struct keeps the keys it does not
//! know in `other` for the converter to report, and shapes that differ between versions
//! (URL as text or parts, auth parameters as list or map) are untagged enums.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// Keys not known to the importer, kept to be reported.
pub type Other = BTreeMap<String, Value>;

/// A whole collection file.
#[derive(Debug, Deserialize)]
pub struct Collection {
    /// Name, schema URL, description.
    pub info: Info,
    /// Folders and requests.
    #[serde(default)]
    pub item: Vec<Item>,
    /// Collection-level scripts.
    #[serde(default, deserialize_with = "one_or_many")]
    pub event: Vec<Event>,
    /// Collection variables.
    #[serde(default)]
    pub variable: Vec<Variable>,
    /// Collection-level auth.
    #[serde(default)]
    pub auth: Option<Auth>,
    /// Settings such as `followRedirects`, `strictSSL`.
    #[serde(default, rename = "protocolProfileBehavior")]
    pub protocol_profile_behavior: Option<BTreeMap<String, Value>>,
    /// Unknown keys.
    #[serde(flatten)]
    pub other: Other,
}

/// `info` of a collection.
#[derive(Debug, Deserialize)]
pub struct Info {
    /// The collection's name.
    #[serde(default)]
    pub name: Option<String>,
    /// The schema URL, which tells v2.0 from v2.1.
    #[serde(default)]
    pub schema: Option<String>,
    /// Text or `{content, type}`.
    #[serde(default)]
    pub description: Option<Description>,
    /// `_postman_id`, `_exporter_id`, `version`, … (metadata, not converted).
    #[serde(flatten)]
    pub other: Other,
}

/// A description: text, or `{content, type}` in some exports.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Description {
    /// Plain text.
    Text(String),
    /// `{content: "...", type: "text/markdown"}`.
    Object {
        /// The text.
        #[serde(default)]
        content: Option<String>,
    },
    /// Anything else.
    Other(Value),
}

impl Description {
    /// The description's text, if any.
    pub fn text(&self) -> Option<&str> {
        match self {
            Description::Text(s) => Some(s),
            Description::Object { content } => content.as_deref(),
            Description::Other(_) => None,
        }
    }
}

/// A folder (has `item`) or a request (has `request`).
#[derive(Debug, Deserialize)]
pub struct Item {
    /// The folder's or request's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Present on folders.
    #[serde(default)]
    pub item: Option<Vec<Item>>,
    /// Present on requests: a URL text or the full request.
    #[serde(default)]
    pub request: Option<RequestSpec>,
    /// Scripts.
    #[serde(default, deserialize_with = "one_or_many")]
    pub event: Vec<Event>,
    /// Folder-level auth (v2.1).
    #[serde(default)]
    pub auth: Option<Auth>,
    /// Folder or request variables.
    #[serde(default)]
    pub variable: Vec<Variable>,
    /// Saved example responses.
    #[serde(default)]
    pub response: Vec<Value>,
    /// Text or `{content, type}`.
    #[serde(default)]
    pub description: Option<Description>,
    /// Settings such as `followRedirects`, `disableBodyPruning`.
    #[serde(default, rename = "protocolProfileBehavior")]
    pub protocol_profile_behavior: Option<BTreeMap<String, Value>>,
    /// Unknown keys (`id`, `_postman_id`, `uid` are metadata and not reported).
    #[serde(flatten)]
    pub other: Other,
}

/// `request`: v2.0 allows a bare URL.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RequestSpec {
    /// Just the URL; the method is GET.
    Url(String),
    /// The full request.
    Full(Box<Request>),
}

/// One request.
#[derive(Debug, Deserialize)]
pub struct Request {
    /// The method; GET when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// The URL.
    #[serde(default)]
    pub url: Option<Url>,
    /// Headers: a list, or `Name: value` lines in v2.0.
    #[serde(default)]
    pub header: Option<Headers>,
    /// The body.
    #[serde(default)]
    pub body: Option<Body>,
    /// Request-level auth.
    #[serde(default)]
    pub auth: Option<Auth>,
    /// Text or `{content, type}`.
    #[serde(default)]
    pub description: Option<Description>,
    /// Unknown keys (`certificate`, `proxy`, …).
    #[serde(flatten)]
    pub other: Other,
}

/// A URL as text or as parts.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Url {
    /// The URL as typed.
    Text(String),
    /// Parts, usually with `raw` too.
    Parts(Box<UrlParts>),
}

/// The parts of a URL.
#[derive(Debug, Deserialize)]
pub struct UrlParts {
    /// The URL as typed, query included.
    #[serde(default)]
    pub raw: Option<String>,
    /// `https`.
    #[serde(default)]
    pub protocol: Option<String>,
    /// Host labels, or the host as one text.
    #[serde(default)]
    pub host: Option<Segments>,
    /// Path segments, or the path as one text.
    #[serde(default)]
    pub path: Option<Segments>,
    /// The port.
    #[serde(default)]
    pub port: Option<String>,
    /// Query parameters.
    #[serde(default)]
    pub query: Option<Vec<KeyValue>>,
    /// Values of `:name` path variables.
    #[serde(default)]
    pub variable: Vec<Variable>,
    /// A fragment.
    #[serde(default)]
    pub hash: Option<String>,
    /// Unknown keys.
    #[serde(flatten)]
    pub other: Other,
}

/// Host or path: a list of segments or one text.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Segments {
    /// One text.
    Text(String),
    /// Segments (v2.1 path segments may be `{type, value}` objects).
    List(Vec<Value>),
}

impl Segments {
    /// The segments as texts.
    pub fn parts(&self) -> Vec<String> {
        match self {
            Segments::Text(s) => vec![s.clone()],
            Segments::List(items) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    Value::Object(o) => o.get("value").map(value_text).unwrap_or_default(),
                    other => value_text(other),
                })
                .collect(),
        }
    }
}

/// Headers: a list, or `Name: value` lines (v2.0).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Headers {
    /// The usual list.
    List(Vec<KeyValue>),
    /// Lines of `Name: value`.
    Text(String),
}

/// A header, query parameter, urlencoded or form-data field.
#[derive(Debug, Clone, Deserialize)]
pub struct KeyValue {
    /// The name.
    #[serde(default)]
    pub key: Option<String>,
    /// The value (text, or sometimes a number or boolean).
    #[serde(default)]
    pub value: Option<Value>,
    /// Unchecked in Postman: not sent.
    #[serde(default)]
    pub disabled: bool,
    /// `text` or `file` for form-data.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The file(s) of a form-data file field.
    #[serde(default)]
    pub src: Option<Value>,
    /// The content type of a form-data field.
    #[serde(default, rename = "contentType")]
    pub content_type: Option<String>,
    /// `description` and anything else.
    #[serde(flatten)]
    pub other: Other,
}

impl KeyValue {
    /// The value as text (`null` → empty).
    pub fn value_text(&self) -> String {
        self.value.as_ref().map(value_text).unwrap_or_default()
    }
}

/// A JSON scalar as text; `null` is empty; structures as compact JSON.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A request body.
#[derive(Debug, Deserialize)]
pub struct Body {
    /// `raw`, `urlencoded`, `formdata`, `file`, `graphql` (or absent: no body).
    #[serde(default)]
    pub mode: Option<String>,
    /// Text of a raw body.
    #[serde(default)]
    pub raw: Option<String>,
    /// Fields of an urlencoded body.
    #[serde(default)]
    pub urlencoded: Option<Vec<KeyValue>>,
    /// Fields of a form-data body.
    #[serde(default)]
    pub formdata: Option<Vec<KeyValue>>,
    /// The file of a binary body.
    #[serde(default)]
    pub file: Option<Value>,
    /// Query and variables of a GraphQL body.
    #[serde(default)]
    pub graphql: Option<GraphQl>,
    /// `{raw: {language: "json"}}` and the like.
    #[serde(default)]
    pub options: Option<Value>,
    /// A body switched off in Postman.
    #[serde(default)]
    pub disabled: bool,
    /// Unknown keys.
    #[serde(flatten)]
    pub other: Other,
}

/// A GraphQL body.
#[derive(Debug, Deserialize)]
pub struct GraphQl {
    /// The query document.
    #[serde(default)]
    pub query: Option<String>,
    /// The variables as JSON text (sometimes already an object).
    #[serde(default)]
    pub variables: Option<Value>,
    /// Unknown keys.
    #[serde(flatten)]
    pub other: Other,
}

/// An auth block: `type` and the parameters under the key named after it.
#[derive(Debug, Deserialize)]
pub struct Auth {
    /// `noauth`, `bearer`, `basic`, `oauth2`, `apikey`, `digest`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// `bearer: [...]` (v2.1) or `bearer: {...}` (v2.0), and the other types' keys.
    #[serde(flatten)]
    pub params: BTreeMap<String, Value>,
}

impl Auth {
    /// The parameters of the block's own type as (key, value): v2.1 lists and v2.0 maps alike.
    pub fn parameters(&self) -> Vec<(String, Value)> {
        match self.params.get(&self.kind) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|item| {
                    let key = item.get("key")?.as_str()?.to_string();
                    Some((key, item.get("value").cloned().unwrap_or(Value::Null)))
                })
                .collect(),
            Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            _ => Vec::new(),
        }
    }
}

/// A script attached to an item: `prerequest` or `test`.
#[derive(Debug, Deserialize)]
pub struct Event {
    /// `prerequest` or `test`.
    #[serde(default)]
    pub listen: Option<String>,
    /// The script.
    #[serde(default)]
    pub script: Option<Script>,
    /// A switched-off script.
    #[serde(default)]
    pub disabled: bool,
}

/// The code of a script.
#[derive(Debug, Deserialize)]
pub struct Script {
    /// Lines, or the whole text.
    #[serde(default)]
    pub exec: Option<Exec>,
}

/// Script code: a list of lines or one text.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Exec {
    /// One entry per line (what Postman writes).
    Lines(Vec<String>),
    /// The whole script.
    Text(String),
}

impl Exec {
    /// The lines of the script.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Exec::Lines(lines) => lines
                .iter()
                .flat_map(|l| l.split('\n').map(|s| s.trim_end_matches('\r').to_string()))
                .collect(),
            Exec::Text(text) => text
                .split('\n')
                .map(|s| s.trim_end_matches('\r').to_string())
                .collect(),
        }
    }
}

/// A variable of a collection, folder, URL or environment.
#[derive(Debug, Deserialize)]
pub struct Variable {
    /// The name (v2.1).
    #[serde(default)]
    pub key: Option<String>,
    /// The name in some v2.0 exports.
    #[serde(default)]
    pub id: Option<String>,
    /// The value.
    #[serde(default)]
    pub value: Option<Value>,
    /// `string`, `secret`, `default`, …
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Switched off.
    #[serde(default)]
    pub disabled: bool,
    /// Environment values: `enabled: false` means switched off.
    #[serde(default)]
    pub enabled: Option<bool>,
}

impl Variable {
    /// The variable's name.
    pub fn name(&self) -> Option<&str> {
        self.key
            .as_deref()
            .or(self.id.as_deref())
            .filter(|n| !n.trim().is_empty())
    }

    /// Whether Postman uses it.
    pub fn is_on(&self) -> bool {
        !self.disabled && self.enabled != Some(false)
    }
}

/// A Postman environment file.
#[derive(Debug, Deserialize)]
pub struct Environment {
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its variables.
    #[serde(default)]
    pub values: Vec<Variable>,
    /// `id`, `_postman_variable_scope`, … (metadata).
    #[serde(flatten)]
    pub other: Other,
}

/// A list, or one element where newman accepts that too (`"event": {…}`).
fn one_or_many<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        Many(Vec<T>),
        One(T),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::Many(items) => items,
        OneOrMany::One(item) => vec![item],
    })
}
