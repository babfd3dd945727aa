//! The authorize stage: `auth:` applied to a rendered request, a header for bearer and basic,
//! a signature for OAuth 1.0a, a shared token for OAuth2, nothing yet for Digest (its header
//! answers the server's 401).
//! Every credential is registered as a secret before anything can print it.

use base64::Engine as _;

use super::context::RequestContext;
use super::note::Note;
use super::render::template_failure;
use super::result::{Failure, RequestResult};
use super::transport::interrupted;
use crate::auth::oauth1::{self, OAuth1Credentials, Signable};
use crate::auth::{Granted, TokenRequest};
use crate::http::{HttpBody, HttpRequest};
use crate::model::{Auth, Collection, Grant, OAuth1, OAuth2, Request};
use crate::secrets::Secrets;
use crate::template::TemplateError;

/// An OAuth2 token on a request, with what it takes to replace it after a 401.
pub(super) struct Bearer {
    /// Where the token came from.
    pub request: TokenRequest,
    /// The token sent.
    pub token: String,
}

/// What answers a 401: a fresh OAuth2 token, or a Digest response to the server's challenge.
pub(super) enum Reauth {
    /// The OAuth2 token sent.
    Bearer(Bearer),
    /// Digest credentials (the password is a registered secret).
    Digest {
        /// User name.
        username: String,
        /// Password.
        password: String,
    },
}

/// Puts the request's credentials on it, unless it sets `Authorization` itself; what answers
/// a 401, if anything does.
pub(super) async fn authorize(
    request: &Request,
    cx: &RequestContext<'_>,
    ctx: &minijinja::Value,
    http_request: &mut HttpRequest,
    result: &mut RequestResult,
) -> Result<Option<Reauth>, Failure> {
    let has_authorization = http_request
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("authorization"));
    let Some(auth) = request.auth.as_deref().filter(|_| !has_authorization) else {
        return Ok(None);
    };
    let credentials = prepare(auth, cx.collection, ctx, &cx.transport.secrets)
        .map_err(|e| template_failure(e, cx.missing_captures))?;
    match credentials {
        Credentials::Header(value) => {
            http_request.headers.push(("Authorization".into(), value));
            Ok(None)
        }
        Credentials::OAuth2(token_request) => {
            let granted = fetch_token(&token_request, cx, result).await?;
            http_request.headers.push((
                "Authorization".into(),
                format!("Bearer {}", granted.access_token),
            ));
            Ok(Some(Reauth::Bearer(Bearer {
                request: token_request,
                token: granted.access_token,
            })))
        }
        Credentials::Digest { username, password } => {
            Ok(Some(Reauth::Digest { username, password }))
        }
        Credentials::OAuth1(credentials) => {
            let form = form_fields(http_request);
            let value = oauth1_header(&credentials, &http_request.method, &http_request.url, &form);
            cx.transport.secrets.add_header_value(&value);
            http_request.headers.push(("Authorization".into(), value));
            Ok(None)
        }
    }
}

/// The fields of an urlencoded body, which an OAuth 1.0a signature covers.
fn form_fields(request: &HttpRequest) -> Vec<(String, String)> {
    let declared = request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.as_str());
    match &request.body {
        HttpBody::Bytes { data, content_type }
            if declared
                .or(*content_type)
                .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded")) =>
        {
            form_urlencoded::parse(data).into_owned().collect()
        }
        _ => Vec::new(),
    }
}

/// The `Authorization: OAuth …` value for a request, signed now with a fresh nonce; none
/// for a URL that does not parse (the request fails on it anyway).
pub fn oauth1_header(
    credentials: &OAuth1Credentials,
    method: &str,
    url: &str,
    form: &[(String, String)],
) -> String {
    let Ok(url) = reqwest::Url::parse(url) else {
        return String::new();
    };
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let signable = Signable {
        method,
        url: &url,
        form,
    };
    oauth1::authorization(credentials, &signable, timestamp, &nonce)
}

/// The run's token for the request (fetched now, or reused), noted when fetched.
async fn fetch_token(
    token_request: &TokenRequest,
    cx: &RequestContext<'_>,
    result: &mut RequestResult,
) -> Result<Granted, Failure> {
    let transport = cx.transport;
    let fetching = transport
        .tokens
        .token(token_request, &transport.client, cx.max_retries);
    match transport.unless_interrupted(fetching).await {
        None => Err(Failure::Http(interrupted())),
        Some(Ok(granted)) => {
            if granted.fetched {
                result.notes.push(Note::TokenFetched {
                    url: token_request.token_url.clone(),
                    throttled: granted.throttled,
                });
            }
            Ok(granted)
        }
        Some(Err(error)) => {
            result.hints.extend(error.hint());
            Err(Failure::Auth(error.to_string()))
        }
    }
}

/// Credentials ready to put on a request.
pub enum Credentials {
    /// A complete `Authorization` header value.
    Header(String),
    /// A token to fetch (or reuse) from a token endpoint.
    OAuth2(TokenRequest),
    /// OAuth 1.0a credentials, to sign the request with.
    OAuth1(OAuth1Credentials),
    /// Digest credentials, for the answer to the server's challenge.
    Digest {
        /// User name.
        username: String,
        /// Password (registered as a secret).
        password: String,
    },
}

/// Renders an `auth:` block with the request's variables; every credential goes into `secrets`.
pub fn prepare(
    auth: &Auth,
    collection: &Collection,
    ctx: &minijinja::Value,
    secrets: &Secrets,
) -> Result<Credentials, TemplateError> {
    let t = &collection.templates;
    Ok(match auth {
        Auth::Bearer(token) => {
            let value = format!("Bearer {}", t.render(token, ctx)?);
            secrets.add_header_value(&value);
            Credentials::Header(value)
        }
        Auth::Basic { username, password } => {
            let password = t.render(password, ctx)?;
            secrets.add(&password);
            let pair = format!("{}:{password}", t.render(username, ctx)?);
            let value = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            );
            secrets.add_header_value(&value);
            Credentials::Header(value)
        }
        Auth::Digest { username, password } => {
            let password = t.render(password, ctx)?;
            secrets.add(&password);
            Credentials::Digest {
                username: t.render(username, ctx)?,
                password,
            }
        }
        Auth::OAuth1(o) => Credentials::OAuth1(oauth1_credentials(o, collection, ctx, secrets)?),
        Auth::OAuth2(o) => Credentials::OAuth2(token_request(o, collection, ctx, secrets)?),
    })
}

/// An `oauth1:` block rendered; its secrets registered.
fn oauth1_credentials(
    o: &OAuth1,
    collection: &Collection,
    ctx: &minijinja::Value,
    secrets: &Secrets,
) -> Result<OAuth1Credentials, TemplateError> {
    let t = &collection.templates;
    let render =
        |tpl: &Option<crate::template::Tpl>| tpl.as_ref().map(|v| t.render(v, ctx)).transpose();
    let consumer_secret = t.render(&o.consumer_secret, ctx)?;
    secrets.add(&consumer_secret);
    let token_secret = render(&o.token_secret)?;
    if let Some(secret) = &token_secret {
        secrets.add(secret);
    }
    Ok(OAuth1Credentials {
        consumer_key: t.render(&o.consumer_key, ctx)?,
        consumer_secret,
        token: render(&o.token)?,
        token_secret,
        method: o.signature_method,
        realm: render(&o.realm)?,
    })
}

/// An `oauth2:` block rendered into the token request to send; its secrets registered.
fn token_request(
    o: &OAuth2,
    collection: &Collection,
    ctx: &minijinja::Value,
    secrets: &Secrets,
) -> Result<TokenRequest, TemplateError> {
    let t = &collection.templates;
    let client_secret = o
        .client_secret
        .as_ref()
        .map(|s| t.render(s, ctx))
        .transpose()?;
    if let Some(secret) = &client_secret {
        secrets.add(secret);
    }
    let grant = match &o.grant {
        Grant::ClientCredentials => {
            vec![("grant_type".into(), "client_credentials".into())]
        }
        Grant::Password { username, password } => {
            let password = t.render(password, ctx)?;
            secrets.add(&password);
            vec![
                ("grant_type".into(), "password".into()),
                ("username".into(), t.render(username, ctx)?),
                ("password".into(), password),
            ]
        }
        Grant::RefreshToken(token) => {
            let token = t.render(token, ctx)?;
            secrets.add(&token);
            vec![
                ("grant_type".into(), "refresh_token".into()),
                ("refresh_token".into(), token),
            ]
        }
    };
    let assertion = match &o.client_assertion {
        Some(a) => Some((
            collection.dir.join(t.render(&a.cert, ctx)?),
            collection.dir.join(t.render(&a.key, ctx)?),
        )),
        None => None,
    };
    Ok(TokenRequest {
        token_url: t.render(&o.token_url, ctx)?,
        client_id: t.render(&o.client_id, ctx)?,
        client_secret,
        scope: o.scope.as_ref().map(|s| t.render(s, ctx)).transpose()?,
        grant,
        send_as: o.send_as,
        assertion,
    })
}
