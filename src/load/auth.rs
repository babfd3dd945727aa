//! `auth:` of a collection, group, include or request: bearer, basic, digest, OAuth 1.0a,
//! OAuth2, or `none`.

use std::sync::Arc;

use crate::load::error::LoadErrorKind;
use crate::load::keys::{
    AUTH_KINDS, BASIC_FIELDS, CLIENT_ASSERTION_FIELDS, OAUTH1_FIELDS, OAUTH2_FIELDS,
};
use crate::load::reader::{Fields, Reader};
use crate::load::yaml::{Node, NodeKind};
use crate::model::{Auth, ClientAssertion, Grant, OAuth1, OAuth2, SendAs, SignatureMethod};
use crate::template::Tpl;

/// `auth: none` gives `Some(None)`; a valid block `Some(Some(auth))`; an invalid one `None`.
pub(crate) fn read_auth(r: &mut Reader, node: &Node) -> Option<Option<Arc<Auth>>> {
    if let NodeKind::Str(s) = &node.kind
        && s == "none"
    {
        return Some(None);
    }
    let fields = r.fields(node, "auth", AUTH_KINDS)?;
    let kinds: Vec<&str> = AUTH_KINDS
        .iter()
        .copied()
        .filter(|k| fields.get(k).is_some())
        .collect();
    if kinds.len() != 1 {
        r.error(
            node.pos,
            LoadErrorKind::Invalid(
                "`auth` takes exactly one of `bearer`, `basic`, `digest`, `oauth1`, `oauth2`, or `none`"
                    .into(),
            ),
        );
        return None;
    }
    let value = fields.get(kinds[0])?;
    let auth = match kinds[0] {
        "bearer" => Auth::Bearer(r.tpl(value, "auth.bearer")?),
        "basic" => {
            let basic = r.fields(value, "auth.basic", BASIC_FIELDS)?;
            Auth::Basic {
                username: required_tpl(r, &basic, value, "username", "auth.basic")?,
                password: required_tpl(r, &basic, value, "password", "auth.basic")?,
            }
        }
        "digest" => {
            let digest = r.fields(value, "auth.digest", BASIC_FIELDS)?;
            Auth::Digest {
                username: required_tpl(r, &digest, value, "username", "auth.digest")?,
                password: required_tpl(r, &digest, value, "password", "auth.digest")?,
            }
        }
        "oauth1" => Auth::OAuth1(read_oauth1(r, value)?),
        _ => Auth::OAuth2(read_oauth2(r, value)?),
    };
    Some(Some(Arc::new(auth)))
}

/// A required template field of an auth block.
fn required_tpl(
    r: &mut Reader,
    fields: &Fields,
    node: &Node,
    name: &'static str,
    what: &str,
) -> Option<Tpl> {
    match fields.get(name) {
        Some(v) => r.tpl(v, &format!("{what}.{name}")),
        None => {
            r.error(node.pos, LoadErrorKind::MissingField(name));
            None
        }
    }
}

/// `auth.oauth1`: consumer key and secret, optional token and secret, the signature method
/// (HMAC-SHA1 when absent) and realm.
fn read_oauth1(r: &mut Reader, node: &Node) -> Option<OAuth1> {
    let what = "auth.oauth1";
    let fields = r.fields(node, what, OAUTH1_FIELDS)?;
    let consumer_key = required_tpl(r, &fields, node, "consumer_key", what);
    let consumer_secret = required_tpl(r, &fields, node, "consumer_secret", what);
    let optional = |r: &mut Reader, name: &str| {
        fields
            .get(name)
            .and_then(|v| r.tpl(v, &format!("{what}.{name}")))
    };
    let token = optional(r, "token");
    let token_secret = optional(r, "token_secret");
    let realm = optional(r, "realm");
    let signature_method = match fields.get("signature_method") {
        None => SignatureMethod::HmacSha1,
        Some(v) => {
            let name = r.string(v, "auth.oauth1.signature_method")?;
            let Some(method) = SignatureMethod::parse(&name) else {
                r.error(
                    v.pos,
                    LoadErrorKind::Invalid(format!(
                        "unknown signature_method `{name}`; expected HMAC-SHA1, HMAC-SHA256 or PLAINTEXT"
                    )),
                );
                return None;
            };
            method
        }
    };
    Some(OAuth1 {
        consumer_key: consumer_key?,
        consumer_secret: consumer_secret?,
        token,
        token_secret,
        signature_method,
        realm,
    })
}

/// `auth.oauth2`: the token endpoint, the client, and how the client proves who it is.
fn read_oauth2(r: &mut Reader, node: &Node) -> Option<OAuth2> {
    let what = "auth.oauth2";
    let fields = r.fields(node, what, OAUTH2_FIELDS)?;
    let token_url = required_tpl(r, &fields, node, "token_url", what);
    let client_id = required_tpl(r, &fields, node, "client_id", what);
    let optional = |r: &mut Reader, name: &str| {
        fields
            .get(name)
            .and_then(|v| r.tpl(v, &format!("{what}.{name}")))
    };
    let client_secret = optional(r, "client_secret");
    let scope = optional(r, "scope");
    let grant = read_grant(r, &fields, node)?;
    let send_as = match fields.get("send_as") {
        None => SendAs::Form,
        Some(v) => read_send_as(r, v)?,
    };
    let client_assertion = match fields.get("client_assertion") {
        Some(v) => Some(read_client_assertion(r, v)?),
        None => None,
    };
    if client_secret.is_some() && client_assertion.is_some() {
        r.error(
            node.pos,
            LoadErrorKind::Invalid(
                "give either `client_secret` or `client_assertion`, not both".into(),
            ),
        );
        return None;
    }
    Some(OAuth2 {
        location: r.location(node.pos),
        token_url: token_url?,
        client_id: client_id?,
        client_secret,
        scope,
        grant,
        send_as,
        client_assertion,
    })
}

/// `grant:` (client credentials when absent) with the fields that grant needs.
fn read_grant(r: &mut Reader, fields: &Fields, node: &Node) -> Option<Grant> {
    let what = "auth.oauth2";
    let grant_name = fields
        .get("grant")
        .and_then(|g| r.string(g, "auth.oauth2.grant"))
        .unwrap_or_else(|| "client_credentials".into());
    Some(match grant_name.as_str() {
        "client_credentials" => Grant::ClientCredentials,
        "password" => Grant::Password {
            username: required_tpl(r, fields, node, "username", what)?,
            password: required_tpl(r, fields, node, "password", what)?,
        },
        "refresh_token" => {
            Grant::RefreshToken(required_tpl(r, fields, node, "refresh_token", what)?)
        }
        other => {
            let pos = fields.get("grant").map_or(node.pos, |g| g.pos);
            r.error(
                pos,
                LoadErrorKind::Invalid(format!(
                    "unknown grant `{other}`; expected client_credentials, password or refresh_token"
                )),
            );
            return None;
        }
    })
}

/// `send_as:` how the client's credentials go to the token endpoint.
fn read_send_as(r: &mut Reader, node: &Node) -> Option<SendAs> {
    match r.string(node, "auth.oauth2.send_as")?.as_str() {
        "form" => Some(SendAs::Form),
        "multipart" => Some(SendAs::Multipart),
        "basic" => Some(SendAs::Basic),
        other => {
            r.error(
                node.pos,
                LoadErrorKind::Invalid(format!(
                    "unknown send_as `{other}`; expected form, multipart or basic"
                )),
            );
            None
        }
    }
}

/// `client_assertion: { cert, key }`: both files are required.
fn read_client_assertion(r: &mut Reader, node: &Node) -> Option<ClientAssertion> {
    let cert_fields = r.fields(
        node,
        "auth.oauth2.client_assertion",
        CLIENT_ASSERTION_FIELDS,
    )?;
    let file = |r: &mut Reader, key: &'static str| match cert_fields.get(key) {
        Some(n) => r.file_tpl(n, &format!("auth.oauth2.client_assertion.{key}")),
        None => {
            r.error(node.pos, LoadErrorKind::MissingField(key));
            None
        }
    };
    Some(ClientAssertion {
        cert: file(r, "cert")?,
        key: file(r, "key")?,
    })
}
