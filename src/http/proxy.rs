//! Proxies: the one of `--proxy`/`settings.proxy`, which carries every request (loopback
//! included, `NO_PROXY` not applied), else those of the standard variables (`HTTPS_PROXY`,
//! `HTTP_PROXY`, `ALL_PROXY`, either case) with `NO_PROXY`, where loopback (a `--mock` server)
//! is always reached directly. Only `http://` and `https://` proxies are supported: a SOCKS
//! proxy is refused when the client is built, before anything is sent.

use super::error::{HttpError, HttpErrorKind, innermost_cause};

/// Hosts never reached through a proxy of the environment.
const LOOPBACK: &str = "127.0.0.1,localhost,::1";

/// The proxies of a client, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Proxies {
    /// `--proxy`/`settings.proxy`: every request.
    Explicit(String),
    /// The standard variables.
    Environment {
        https: Option<String>,
        http: Option<String>,
        all: Option<String>,
        /// `NO_PROXY` as set.
        no_proxy: Option<String>,
    },
}

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .or_else(|_| std::env::var(name.to_ascii_lowercase()))
        .ok()
        .filter(|v| !v.trim().is_empty())
}

/// Refuses a proxy URL this client cannot use.
fn check(url: &str) -> Result<(), String> {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("http" | "https") | None => Ok(()),
        Some(other) => Err(format!(
            "proxy `{}`: `{other}://` proxies are not supported (use an http:// or https:// proxy)",
            shown(url)
        )),
    }
}

/// A proxy URL without its credentials, to be printed.
fn shown(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, _)), Some(at)) => format!("{scheme}://***@{}", &url[at + 1..]),
        _ => url.to_string(),
    }
}

impl Proxies {
    /// The proxies in force: the explicit one, else the environment's; unsupported ones refused.
    pub(super) fn resolve(explicit: Option<&str>) -> Result<Proxies, String> {
        let proxies = match explicit {
            Some(url) => Proxies::Explicit(url.to_string()),
            None => Proxies::Environment {
                https: env("HTTPS_PROXY"),
                http: env("HTTP_PROXY"),
                all: env("ALL_PROXY"),
                no_proxy: env("NO_PROXY"),
            },
        };
        for url in proxies.urls() {
            check(url)?;
        }
        Ok(proxies)
    }

    fn urls(&self) -> Vec<&String> {
        match self {
            Proxies::Explicit(url) => vec![url],
            Proxies::Environment {
                https, http, all, ..
            } => [https, http, all].into_iter().flatten().collect(),
        }
    }

    /// The proxies as reqwest takes them; the first that matches a URL is used.
    pub(super) fn for_reqwest(&self) -> Result<Vec<reqwest::Proxy>, String> {
        let failed = |url: &str, e: reqwest::Error| {
            format!("proxy `{}`: {}", shown(url), innermost_cause(&e))
        };
        let (https, http, all, no_proxy) = match self {
            Proxies::Explicit(url) => {
                return Ok(vec![reqwest::Proxy::all(url).map_err(|e| failed(url, e))?]);
            }
            Proxies::Environment {
                https,
                http,
                all,
                no_proxy,
            } => {
                let hosts = format!("{LOOPBACK},{}", no_proxy.as_deref().unwrap_or_default());
                (https, http, all, reqwest::NoProxy::from_string(&hosts))
            }
        };
        let mut out = Vec::new();
        if let Some(url) = https {
            out.push(reqwest::Proxy::https(url).map_err(|e| failed(url, e))?);
        }
        if let Some(url) = http {
            out.push(reqwest::Proxy::http(url).map_err(|e| failed(url, e))?);
        }
        if let Some(url) = all {
            out.push(reqwest::Proxy::all(url).map_err(|e| failed(url, e))?);
        }
        Ok(out
            .into_iter()
            .map(|p| p.no_proxy(no_proxy.clone()))
            .collect())
    }

    /// A connection failure names the proxy that could not be reached (the explicit one, or
    /// the environment's for the URL's scheme when no `NO_PROXY` exception may apply).
    pub(super) fn name_in(&self, mut error: HttpError, url: &str) -> HttpError {
        if error.kind != HttpErrorKind::Connect {
            return error;
        }
        let https = url.to_ascii_lowercase().starts_with("https:");
        let proxy = match self {
            Proxies::Explicit(proxy) => Some(proxy),
            Proxies::Environment {
                https: s,
                http: h,
                all,
                no_proxy,
            } if no_proxy.is_none() && !is_loopback(url) => {
                if https { s.as_ref() } else { h.as_ref() }.or(all.as_ref())
            }
            Proxies::Environment { .. } => None,
        };
        if let Some(proxy) = proxy {
            error.cause = format!("{} (through the proxy {})", error.cause, shown(proxy));
        }
        error
    }
}

fn is_loopback(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|u| {
        matches!(
            u.host_str(),
            Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
        )
    })
}
