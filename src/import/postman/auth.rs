//! Postman auth blocks → `auth:`. `noauth` → `none`; bearer, basic, digest, OAuth 1.0 (signed
//! in the header), OAuth2 client credentials and password grants → their blocks, literal secrets moved to `secret("NAME")`; `apikey`
//! becomes a header or query parameter on each request; every other type is reported and
//! turned off, so it is never silently replaced by the auth of an outer level.

use std::collections::BTreeMap;

use serde_json::Value;

use super::converter::Converter;
use super::model::{Auth, value_text};
use crate::import::report::{Place, Topic};
use crate::import::yaml::Yaml;
use crate::model::SignatureMethod;

/// What one level's auth does.
pub(super) enum Level {
    /// No auth of its own: inherits.
    Inherit,
    /// `auth: VALUE` (`none` or a block).
    Set(Yaml),
    /// An API key, sent by each request itself.
    ApiKey(ApiKey),
}

/// Postman's `apikey` auth.
#[derive(Debug, Clone)]
pub(super) struct ApiKey {
    name: String,
    value: String,
    in_query: bool,
}

impl ApiKey {
    /// Adds the key to a request's headers or query, unless the request sets it itself.
    pub(super) fn apply(
        &self,
        headers: &mut Vec<(String, String)>,
        query: &mut Vec<(String, Yaml)>,
    ) {
        if self.in_query {
            if !query.iter().any(|(k, _)| *k == self.name) {
                query.push((self.name.clone(), Yaml::str(&self.value)));
            }
        } else if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(&self.name))
        {
            headers.push((self.name.clone(), self.value.clone()));
        }
    }
}

/// OAuth2 keys that do nothing for the grants converted (or are converted elsewhere).
const OAUTH2_QUIET: &[&str] = &[
    "grant_type",
    "grantType",
    "accessTokenUrl",
    "clientId",
    "clientSecret",
    "scope",
    "username",
    "password",
    "client_authentication",
    "tokenName",
    "useBrowser",
    "authUrl",
    "redirect_uri",
    "callbackUrl",
    "state",
    "challengeAlgorithm",
    "code_verifier",
    "tokenType",
    "authRequestParams",
    "refreshRequestParams",
];

impl Converter<'_> {
    /// One level's auth; the comment lines go above `auth:`.
    pub(super) fn auth(&mut self, auth: Option<&Auth>, place: &Place) -> (Level, Vec<String>) {
        let Some(auth) = auth else {
            return (Level::Inherit, Vec::new());
        };
        let params: BTreeMap<String, Value> = auth.parameters().into_iter().collect();
        let text = |key: &str| params.get(key).map(value_text).unwrap_or_default();
        let level = match auth.kind.as_str() {
            "inherit" => Level::Inherit,
            "noauth" => Level::Set(Yaml::str("none")),
            "bearer" => {
                let token = self.credential(&text("token"), "bearer token", place, "bearer token");
                Level::Set(Yaml::block_pair("bearer", Yaml::str(token)))
            }
            "basic" => {
                let username = self.text(&text("username"), place);
                let password = self.credential(
                    &text("password"),
                    "basic password",
                    place,
                    "basic auth password",
                );
                let mut basic = Yaml::flow_map();
                basic.insert("username", Yaml::str(username));
                basic.insert("password", Yaml::str(password));
                Level::Set(Yaml::block_pair("basic", basic))
            }
            "digest" => self.digest(&params, place),
            "oauth1" => match self.oauth1(&params, place) {
                Some(block) => Level::Set(Yaml::block_pair("oauth1", block)),
                None => return unsupported(),
            },
            // a saved (or variable) token and no grant the runner can run: sent as it is
            "oauth2" if !grant_runs(&params) && !text("accessToken").trim().is_empty() => {
                self.saved_token(&text("accessToken"), place)
            }
            "oauth2" => match self.oauth2(&params, place) {
                Some(block) => Level::Set(Yaml::block_pair("oauth2", block)),
                None => return unsupported(),
            },
            "apikey" => {
                let name = text("key");
                if name.trim().is_empty() {
                    self.report.add(
                        Topic::Auth,
                        place,
                        "apikey auth without a key name; not converted",
                    );
                    return unsupported();
                }
                let value = self.credential(&text("value"), "api key", place, "API key");
                let in_query = text("in") == "query";
                let target = if in_query {
                    "query parameter"
                } else {
                    "header"
                };
                self.report.add(
                    Topic::Note,
                    place,
                    format!("apikey auth sent as {target} `{name}` by each request (auth turned off here)"),
                );
                Level::ApiKey(ApiKey {
                    name,
                    value,
                    in_query,
                })
            }
            other => {
                self.report.add(
                    Topic::Auth,
                    place,
                    format!("auth type `{other}` is not supported; auth is turned off here (`auth: none`)"),
                );
                return (
                    Level::Set(Yaml::str("none")),
                    vec![format!("postman: auth type `{other}` not converted")],
                );
            }
        };
        (level, Vec::new())
    }

    /// `auth: { digest: … }`. The realm, nonce, algorithm and qop come from the server's
    /// challenge, as Postman takes them when they are not saved; saved ones are reported.
    fn digest(&mut self, params: &BTreeMap<String, Value>, place: &Place) -> Level {
        let text = |key: &str| params.get(key).map(value_text).unwrap_or_default();
        let username = self.text(&text("username"), place);
        let password = self.credential(
            &text("password"),
            "digest password",
            place,
            "digest auth password",
        );
        let saved: Vec<&str> = ["realm", "nonce", "algorithm", "qop", "opaque"]
            .into_iter()
            .filter(|key| !text(key).trim().is_empty())
            .collect();
        if !saved.is_empty() {
            self.report.add(
                Topic::Note,
                place,
                format!(
                    "digest auth: the saved {} are not used; the runner answers the server's challenge (a first request without credentials, then one with them)",
                    saved.join(", ")
                ),
            );
        }
        let mut digest = Yaml::flow_map();
        digest.insert("username", Yaml::str(username));
        digest.insert("password", Yaml::str(password));
        Level::Set(Yaml::block_pair("digest", digest))
    }

    /// `auth: { oauth1: … }` for signatures in the header with a method the runner has; the
    /// rest is reported. A saved timestamp and nonce give way to fresh ones (noted).
    fn oauth1(&mut self, params: &BTreeMap<String, Value>, place: &Place) -> Option<Yaml> {
        let text = |key: &str| params.get(key).map(value_text).unwrap_or_default();
        let method = Some(text("signatureMethod"))
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "HMAC-SHA1".into());
        let mut refused = Vec::new();
        if params.get("addParamsToHeader").and_then(Value::as_bool) == Some(false) {
            refused.push("parameters in the query or body (`addParamsToHeader: false`)".into());
        }
        if SignatureMethod::parse(&method).is_none() {
            refused.push(format!("signature method `{method}`"));
        }
        for key in ["callback", "verifier", "includeBodyHash"] {
            if params.get(key).is_some_and(|v| !is_empty(v)) {
                refused.push(format!("`{key}`"));
            }
        }
        if !refused.is_empty() {
            self.report.add(
                Topic::Auth,
                place,
                format!(
                    "oauth1 auth with {} is not supported; auth is turned off here (`auth: none`)",
                    refused.join(", ")
                ),
            );
            return None;
        }
        let saved: Vec<&str> = ["timestamp", "nonce"]
            .into_iter()
            .filter(|key| params.get(*key).is_some_and(|v| !is_empty(v)))
            .collect();
        if !saved.is_empty() {
            self.report.add(
                Topic::Note,
                place,
                format!(
                    "oauth1 auth: the saved {} {} not used; each request is signed with a fresh timestamp and nonce",
                    saved.join(" and "),
                    if saved.len() == 1 { "is" } else { "are" }
                ),
            );
        }
        let mut block = Yaml::map();
        block.insert(
            "consumer_key",
            Yaml::str(self.text(&text("consumerKey"), place)),
        );
        let secret = self.credential(
            &text("consumerSecret"),
            "oauth1 consumer secret",
            place,
            "oauth1 auth consumerSecret",
        );
        block.insert("consumer_secret", Yaml::str(secret));
        if !text("token").is_empty() {
            block.insert("token", Yaml::str(self.text(&text("token"), place)));
        }
        if !text("tokenSecret").is_empty() {
            let secret = self.credential(
                &text("tokenSecret"),
                "oauth1 token secret",
                place,
                "oauth1 auth tokenSecret",
            );
            block.insert("token_secret", Yaml::str(secret));
        }
        if method != "HMAC-SHA1" {
            block.insert("signature_method", Yaml::str(&method));
        }
        if !text("realm").is_empty() {
            block.insert("realm", Yaml::str(self.text(&text("realm"), place)));
        }
        Some(block)
    }

    /// `auth: { bearer: … }` from an oauth2 block's saved (or variable) access token.
    fn saved_token(&mut self, token: &str, place: &Place) -> Level {
        let token = self.credential(token, "oauth2 access token", place, "oauth2 access token");
        self.report.add(
            Topic::Note,
            place,
            "oauth2 with a saved access token and no grant the runner can run: sent as `auth: { bearer: … }`",
        );
        Level::Set(Yaml::block_pair("bearer", Yaml::str(token)))
    }

    /// An `oauth2` block for client credentials or password grants; `None` (reported) else.
    fn oauth2(&mut self, params: &BTreeMap<String, Value>, place: &Place) -> Option<Yaml> {
        let text = |key: &str| params.get(key).map(value_text).unwrap_or_default();
        let grant = [text("grant_type"), text("grantType")]
            .into_iter()
            .find(|g| !g.is_empty())
            // Postman's default grant
            .unwrap_or_else(|| "authorization_code".into());
        let password_grant = matches!(grant.as_str(), "password_credentials" | "password");
        if grant != "client_credentials" && !password_grant {
            self.report.add(
                Topic::Auth,
                place,
                format!("oauth2 grant `{grant}` needs a browser or user; only client credentials and password grants are converted; auth is turned off here"),
            );
            return None;
        }
        let token_url = text("accessTokenUrl");
        if token_url.trim().is_empty() {
            self.report.add(
                Topic::Auth,
                place,
                "oauth2 without an access token URL; auth is turned off here",
            );
            return None;
        }
        let mut block = Yaml::map();
        block.insert("token_url", Yaml::str(self.text(&token_url, place)));
        block.insert("client_id", Yaml::str(self.text(&text("clientId"), place)));
        let secret = text("clientSecret");
        if !secret.is_empty() {
            let secret = self.credential(&secret, "client secret", place, "oauth2 client secret");
            block.insert("client_secret", Yaml::str(secret));
        }
        let scope = text("scope");
        if !scope.trim().is_empty() {
            block.insert("scope", Yaml::str(self.text(&scope, place)));
        }
        if password_grant {
            block.insert("grant", Yaml::str("password"));
            block.insert("username", Yaml::str(self.text(&text("username"), place)));
            let password = self.credential(
                &text("password"),
                "oauth2 password",
                place,
                "oauth2 password",
            );
            block.insert("password", Yaml::str(password));
        }
        // Postman's default is "Send as Basic Auth header"
        match text("client_authentication").as_str() {
            "body" => {}
            _ => block.insert("send_as", Yaml::str("basic")),
        }
        self.oauth2_leftovers(params, place);
        Some(block)
    }

    /// OAuth2 settings that change what Postman sends but have no place in the block.
    fn oauth2_leftovers(&mut self, params: &BTreeMap<String, Value>, place: &Place) {
        for (key, value) in params {
            if OAUTH2_QUIET.contains(&key.as_str()) || is_empty(value) {
                continue;
            }
            let text = value_text(value);
            let message = match key.as_str() {
                "accessToken" | "refreshToken" | "id_token" => format!(
                    "oauth2 saved `{key}` not written (a secret; the runner fetches a token itself)"
                ),
                "addTokenTo" if text == "header" => continue,
                "headerPrefix" if text == "Bearer" => continue,
                "addTokenTo" => {
                    format!(
                        "oauth2 `addTokenTo: {text}`: the runner always sends the token in the Authorization header"
                    )
                }
                "headerPrefix" => {
                    format!("oauth2 `headerPrefix: {text}`: the runner always sends `Bearer`")
                }
                "tokenRequestParams" | "audience" | "resource" | "refreshTokenUrl" => {
                    format!(
                        "oauth2 `{key}` not converted: the token request sends only the standard parameters"
                    )
                }
                _ => format!("oauth2 setting `{key}` not converted"),
            };
            self.report.add(Topic::Auth, place, message);
        }
    }
}

/// Auth that could not be converted: turned off, with a comment.
fn unsupported() -> (Level, Vec<String>) {
    (
        Level::Set(Yaml::str("none")),
        vec!["postman: auth not converted (see IMPORT-REPORT.md)".into()],
    )
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(_) => false,
    }
}

/// Whether an oauth2 block names a grant the runner runs (client credentials, password) with a
/// token URL.
fn grant_runs(params: &BTreeMap<String, Value>) -> bool {
    let text = |key: &str| params.get(key).map(value_text).unwrap_or_default();
    let grant = [text("grant_type"), text("grantType")]
        .into_iter()
        .find(|g| !g.is_empty())
        .unwrap_or_default();
    matches!(
        grant.as_str(),
        "client_credentials" | "password_credentials" | "password"
    ) && !text("accessTokenUrl").trim().is_empty()
}
