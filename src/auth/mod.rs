//! Authentication: OAuth2 tokens fetched once and shared (single flight per token endpoint,
//! client and scope), refreshed shortly before expiry or after a 401; answers to Digest
//! challenges; OAuth 1.0a signatures; Azure AD diagnostics.

pub mod assertion;
pub mod cache_file;
pub mod diagnose;
pub mod digest;
pub mod oauth1;
mod token;

pub use token::{Token, unix_ms};

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use serde_json::Value;

use crate::http::{
    HttpBody, HttpClient, HttpError, HttpRequest, MultipartValue, Redirects, RetryPolicy,
};
use crate::model::SendAs;
use crate::secrets::Secrets;

/// A token request with every template rendered.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// The token endpoint.
    pub token_url: String,
    /// Application (client) id.
    pub client_id: String,
    /// Client secret, unless a certificate is used.
    pub client_secret: Option<String>,
    /// Requested scope.
    pub scope: Option<String>,
    /// Grant type and its parameters, as form fields.
    pub grant: Vec<(String, String)>,
    /// How client credentials travel.
    pub send_as: SendAs,
    /// Certificate and key files for a signed client assertion.
    pub assertion: Option<(PathBuf, PathBuf)>,
}

impl TokenRequest {
    /// Tokens are shared between requests with the same endpoint, client and scope.
    pub fn cache_key(&self) -> String {
        format!(
            "{}\n{}\n{}",
            self.token_url,
            self.client_id,
            self.scope.as_deref().unwrap_or("")
        )
    }

    fn http_request(&self, secrets: &Secrets) -> Result<HttpRequest, AuthError> {
        let mut fields = self.grant.clone();
        let mut headers = Vec::new();
        if let Some(scope) = &self.scope {
            fields.push(("scope".into(), scope.clone()));
        }
        if let Some((cert, key)) = &self.assertion {
            let jwt = assertion::sign(&self.client_id, &self.token_url, cert, key)
                .map_err(AuthError::Config)?;
            fields.push(("client_id".into(), self.client_id.clone()));
            fields.push((
                "client_assertion_type".into(),
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
            ));
            fields.push(("client_assertion".into(), jwt));
        } else if self.send_as == SendAs::Basic {
            let secret = self.client_secret.as_deref().unwrap_or("");
            let credentials = format!(
                "{}:{}",
                form_urlencoded::byte_serialize(self.client_id.as_bytes()).collect::<String>(),
                form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>()
            );
            let value = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(credentials)
            );
            secrets.add_header_value(&value);
            headers.push(("Authorization".to_string(), value));
        } else {
            fields.push(("client_id".into(), self.client_id.clone()));
            if let Some(secret) = &self.client_secret {
                fields.push(("client_secret".into(), secret.clone()));
            }
        }
        headers.push(("Accept".to_string(), "application/json".to_string()));
        let body = if self.send_as == SendAs::Multipart {
            HttpBody::Multipart(
                fields
                    .into_iter()
                    .map(|(k, v)| (k, MultipartValue::Text(v)))
                    .collect(),
            )
        } else {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.extend_pairs(&fields);
            HttpBody::Bytes {
                data: Bytes::from(form.finish()),
                content_type: Some("application/x-www-form-urlencoded"),
            }
        };
        Ok(HttpRequest {
            method: "POST".into(),
            url: self.token_url.clone(),
            headers,
            body,
            redirects: Redirects::SameHost,
        })
    }
}

/// Why no token was had.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    /// The auth settings cannot be used (unreadable certificate, bad key).
    #[error("{0}")]
    Config(String),
    /// The token endpoint could not be reached.
    #[error("token request to {url} failed: {error}")]
    Http {
        /// The token endpoint.
        url: String,
        /// The transport failure.
        error: HttpError,
    },
    /// The token endpoint refused.
    #[error("token request to {url} was refused: {status}{}", detail(.error, .description))]
    Refused {
        /// The token endpoint.
        url: String,
        /// HTTP status.
        status: u16,
        /// OAuth2 `error`.
        error: Option<String>,
        /// `error_description`, first line.
        description: Option<String>,
        /// What to check, for known Azure AD errors.
        hint: Option<&'static str>,
    },
    /// A 2xx answer without a usable token.
    #[error("token response from {url} has no access_token: {body}")]
    NoToken {
        /// The token endpoint.
        url: String,
        /// The start of the body.
        body: String,
    },
}

fn detail(error: &Option<String>, description: &Option<String>) -> String {
    match (error, description) {
        (Some(e), Some(d)) => format!(" {e}: {d}"),
        (Some(e), None) => format!(" {e}"),
        (None, Some(d)) => format!(" {d}"),
        (None, None) => String::new(),
    }
}

impl AuthError {
    /// What to check, where known.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            AuthError::Refused { hint, .. } => *hint,
            _ => None,
        }
    }
}

/// The tokens of one run, shared by all requests and parallel units.
#[derive(Debug, Default)]
pub struct TokenCache {
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Token>>>>>,
    fetches: AtomicUsize,
    file: Option<cache_file::CacheFile>,
    /// Every token is registered here once, when it is granted or read from the file.
    secrets: Secrets,
}

/// A token and whether it was fetched just now (for `-v` notes).
pub struct Granted {
    /// The access token.
    pub access_token: String,
    /// Fetched now rather than reused.
    pub fetched: bool,
    /// Throttled answers (429/503) the token endpoint gave before this token.
    pub throttled: u32,
}

impl TokenCache {
    /// A cache kept in memory only; client secrets and tokens are registered in `secrets`.
    pub fn new(secrets: Secrets) -> Self {
        TokenCache {
            secrets,
            ..Self::default()
        }
    }

    /// A cache that also keeps tokens across runs in the given file.
    pub fn persistent(file: cache_file::CacheFile, secrets: Secrets) -> Self {
        TokenCache {
            file: Some(file),
            secrets,
            ..Self::default()
        }
    }

    /// How many token requests were sent.
    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::Relaxed)
    }

    fn slot(&self, key: &str) -> Arc<tokio::sync::Mutex<Option<Token>>> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(key.to_string()).or_default().clone()
    }

    /// A valid token: the cached one, or one fetched now (once, however many ask at once).
    /// A throttled token request is sent again up to `max_retries` times.
    pub async fn token(
        &self,
        request: &TokenRequest,
        client: &HttpClient,
        max_retries: u32,
    ) -> Result<Granted, AuthError> {
        self.get(request, client, max_retries, None).await
    }

    /// A new token unless someone already replaced `rejected` (after a 401).
    pub async fn refresh(
        &self,
        request: &TokenRequest,
        client: &HttpClient,
        max_retries: u32,
        rejected: &str,
    ) -> Result<Granted, AuthError> {
        self.get(request, client, max_retries, Some(rejected)).await
    }

    async fn get(
        &self,
        request: &TokenRequest,
        client: &HttpClient,
        max_retries: u32,
        rejected: Option<&str>,
    ) -> Result<Granted, AuthError> {
        let key = request.cache_key();
        let slot = self.slot(&key);
        let mut current = slot.lock().await;
        if current.is_none() {
            *current = self.file.as_ref().and_then(|f| f.get(&key));
            if let Some(token) = current.as_ref() {
                self.secrets.add(&token.access_token);
            }
        }
        if let Some(token) = current.as_ref() {
            let usable = token.fresh() && rejected != Some(token.access_token.as_str());
            if usable {
                return Ok(Granted {
                    access_token: token.access_token.clone(),
                    fetched: false,
                    throttled: 0,
                });
            }
        }
        let (token, throttled) = self.fetch(request, client, max_retries).await?;
        if let Some(file) = &self.file {
            file.put(&key, &token);
        }
        let access_token = token.access_token.clone();
        *current = Some(token);
        Ok(Granted {
            access_token,
            fetched: true,
            throttled,
        })
    }

    /// Asks the token endpoint (again after throttled answers, up to `max_retries`): the token
    /// and the number of throttled answers.
    async fn fetch(
        &self,
        request: &TokenRequest,
        client: &HttpClient,
        max_retries: u32,
    ) -> Result<(Token, u32), AuthError> {
        if let Some(secret) = &request.client_secret {
            self.secrets.add(secret);
        }
        let http = request.http_request(&self.secrets)?;
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let (response, throttled) = client
            .send_retrying(&http, RetryPolicy::throttling(max_retries))
            .await
            .map_err(|error| AuthError::Http {
                url: request.token_url.clone(),
                error,
            })?;
        let json: Option<Value> = serde_json::from_slice(&response.body).ok();
        let field = |name: &str| json.as_ref().and_then(|j| j.get(name));
        if !(200..300).contains(&response.status) {
            let error = field("error").and_then(Value::as_str).map(String::from);
            let description = field("error_description")
                .and_then(Value::as_str)
                .map(|d| d.lines().next().unwrap_or_default().trim().to_string());
            return Err(AuthError::Refused {
                url: request.token_url.clone(),
                status: response.status,
                hint: diagnose::token_hint(error.as_deref(), description.as_deref()),
                error,
                description,
            });
        }
        let Some(access_token) = field("access_token").and_then(Value::as_str) else {
            return Err(AuthError::NoToken {
                url: request.token_url.clone(),
                body: crate::check::excerpt(
                    &String::from_utf8_lossy(&response.body),
                    200,
                    &self.secrets,
                ),
            });
        };
        self.secrets.add(access_token);
        // Azure AD v2 sends a number, v1 a string
        let lifetime = match field("expires_in") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .unwrap_or(3600);
        // refresh shortly before expiry: 10% of the lifetime, at most a minute
        let lifetime = Duration::from_secs(lifetime);
        let margin = lifetime.mul_f64(0.1).min(Duration::from_secs(60));
        let usable = u64::try_from((lifetime - margin).as_millis()).unwrap_or(u64::MAX);
        let token = Token {
            access_token: access_token.to_string(),
            refresh_after_ms: unix_ms().saturating_add(usable),
        };
        Ok((token, throttled))
    }
}
