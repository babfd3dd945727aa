//! Applying `auth:` to a rendered request: a header for bearer and basic, a shared token for
//! OAuth2. Every credential is registered as a secret before anything can print it.

use base64::Engine as _;

use crate::auth::TokenRequest;
use crate::model::{Auth, Collection, Grant};
use crate::secrets::Secrets;
use crate::template::TemplateError;

/// Credentials ready to put on a request.
pub enum Credentials {
    /// A complete `Authorization` header value.
    Header(String),
    /// A token to fetch (or reuse) from a token endpoint.
    OAuth2(TokenRequest),
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
        Auth::OAuth2(o) => {
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
            Credentials::OAuth2(TokenRequest {
                token_url: t.render(&o.token_url, ctx)?,
                client_id: t.render(&o.client_id, ctx)?,
                client_secret,
                scope: o.scope.as_ref().map(|s| t.render(s, ctx)).transpose()?,
                grant,
                send_as: o.send_as,
                assertion,
            })
        }
    })
}
