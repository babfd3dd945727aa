//! `runner token`: fetch the token a collection's `auth:` describes and show what is in it
//! (audience, tenant, app, roles, expiry), never the token itself unless `--raw`.

use std::fmt::Write as _;

use base64::Engine as _;
use serde_json::Value;

use super::exit::{Exit, general, input_errors};
use super::plan::{Clients, load_dotenv, load_plan, resolve_vars, token_cache};
use crate::auth::cache_file::CacheFile;
use crate::cli::TokenArgs;
use crate::model::Auth;
use crate::report::note::AfterThrottled;
use crate::run::authorize::{self, Credentials};
use crate::secrets::Secrets;

/// Runs `runner token`.
pub async fn show(args: TokenArgs) -> Exit {
    let secrets = Secrets::default();
    load_dotenv();
    if args.clear {
        return clear_cache();
    }
    let Some(file) = args.file.clone() else {
        return input_errors(
            &[general("name a collection, or give --clear".into())],
            &secrets,
        );
    };
    let plan = match load_plan(std::slice::from_ref(&file), &args.input, None, &secrets) {
        Ok(plan) => plan,
        Err(errors) => return input_errors(&errors, &secrets),
    };
    let cli_layer = plan.cli_layer;
    let Some((collection, mut layers)) = plan.collections.into_iter().next() else {
        return input_errors(
            &[general(format!("{} holds no collection", file.display()))],
            &secrets,
        );
    };
    layers.push(cli_layer);
    let Some(oauth2) = collection
        .requests
        .iter()
        .find_map(|r| r.auth.as_deref().filter(|a| matches!(a, Auth::OAuth2(_))))
    else {
        return input_errors(
            &[general(format!(
                "{} has no `auth: {{ oauth2: … }}` block to fetch a token for",
                file.display()
            ))],
            &secrets,
        );
    };
    let mut vars = match resolve_vars(&collection, &layers) {
        Ok(vars) => vars,
        Err(e) => return input_errors(&[e], &secrets),
    };
    let token_request = match authorize::prepare(oauth2, &collection, &vars.context(), &secrets) {
        Ok(Credentials::OAuth2(request)) => request,
        Ok(Credentials::Header(_) | Credentials::Digest { .. } | Credentials::OAuth1(_)) => {
            unreachable!("an oauth2 block gives a token request")
        }
        Err(e) => return input_errors(&[general(e.to_string())], &secrets),
    };
    let client = match Clients::default().for_collection(&args.network, &collection) {
        Ok(client) => client,
        Err(e) => return input_errors(&[e], &secrets),
    };
    let tokens = token_cache(args.token_cache, &secrets);
    let max_retries = crate::settings::max_retries(&args.network, &collection.settings);
    match tokens.token(&token_request, &client, max_retries).await {
        Ok(granted) => {
            let mut out = format!(
                "token from {} for client {}{}{}\n",
                token_request.token_url,
                token_request.client_id,
                if granted.fetched { "" } else { " (cached)" },
                AfterThrottled(granted.throttled)
            );
            out.push_str(&describe(&granted.access_token));
            // the token is a secret everywhere else; --raw is the one deliberate exception
            print!("{}", secrets.mask(&out));
            if args.raw {
                println!("{}", granted.access_token);
            }
            Exit::Passed
        }
        Err(error) => {
            eprintln!("{}", secrets.mask(&error.to_string()));
            if let Some(hint) = error.hint() {
                eprintln!("  hint: {hint}");
            }
            Exit::Failed
        }
    }
}

fn clear_cache() -> Exit {
    let secrets = Secrets::default();
    let Some(path) = CacheFile::default_path() else {
        return input_errors(
            &[general("this system has no user cache folder".into())],
            &secrets,
        );
    };
    let cache = CacheFile::new(path);
    match cache.clear() {
        Ok(true) => println!("removed {}", cache.path().display()),
        Ok(false) => println!("no token cache at {}", cache.path().display()),
        Err(e) => {
            return input_errors(
                &[general(format!(
                    "cannot remove {}: {e}",
                    cache.path().display()
                ))],
                &secrets,
            );
        }
    }
    Exit::Passed
}

/// The claims that matter for Business Central, one per line.
fn describe(token: &str) -> String {
    let Some(claims) = decode_claims(token) else {
        return "the token is not a JWT; there are no claims to show\n".into();
    };
    let mut out = String::new();
    for name in ["aud", "iss", "tid", "appid", "azp", "oid"] {
        if let Some(value) = claims.get(name) {
            let _ = writeln!(out, "{name:<8}{}", crate::template::json_to_text(value));
        }
    }
    match claims.get("roles").and_then(Value::as_array) {
        Some(roles) if !roles.is_empty() => {
            let roles: Vec<String> = roles.iter().map(crate::template::json_to_text).collect();
            let _ = writeln!(out, "{:<8}{}", "roles", roles.join(", "));
        }
        _ => {
            let _ = writeln!(
                out,
                "{:<8}(none: no application permission was granted; Business Central refuses such tokens)",
                "roles"
            );
        }
    }
    if let Some(exp) = claims.get("exp").and_then(Value::as_i64) {
        let _ = writeln!(out, "{:<8}{}", "expires", expiry(exp));
    }
    out
}

fn decode_claims(token: &str) -> Option<serde_json::Map<String, Value>> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// `2026-11-29 10:40:43 +01:00 (expires in 59 min)`, in local time.
fn expiry(exp: i64) -> String {
    let Some(at) = chrono::DateTime::from_timestamp(exp, 0) else {
        return exp.to_string();
    };
    let local = at.with_timezone(&chrono::Local);
    let minutes = (exp - chrono::Utc::now().timestamp()) / 60;
    let relative = if minutes >= 0 {
        format!("expires in {minutes} min")
    } else {
        format!("expired {} min ago", -minutes)
    };
    format!("{} ({relative})", local.format("%Y-%m-%d %H:%M:%S %:z"))
}
