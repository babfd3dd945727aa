//! `jwt(claims)`, the template function mock files add: a JWT-shaped token like the ones
//! Business Central's identity platform grants.

use base64::Engine as _;
use minijinja::{Environment, ErrorKind, Value};

/// Adds `jwt()` to the environment mock templates are compiled into.
pub fn register(env: &mut Environment<'static>) {
    env.add_function("jwt", jwt);
}

/// A JWT-shaped token (unsigned) carrying the given claims over Azure AD-like defaults.
/// For mocks and tests: a client must not validate tokens, only pass them on.
fn jwt(claims: Value) -> Result<String, minijinja::Error> {
    let now = crate::template::functions::timestamp();
    let mut payload = serde_json::json!({
        "aud": "https://api.businesscentral.dynamics.com",
        "iss": "https://sts.windows.net/00000000-0000-0000-0000-000000000000/",
        "iat": now,
        "nbf": now,
        "exp": now + 3599,
    });
    let given = serde_json::to_value(&claims)
        .map_err(|e| minijinja::Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
    if let (Some(payload), serde_json::Value::Object(given)) = (payload.as_object_mut(), given) {
        payload.extend(given);
    }
    let part = |v: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let header = serde_json::json!({ "alg": "RS256", "typ": "JWT" });
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("mock-signature");
    Ok(format!("{}.{}.{signature}", part(&header), part(&payload)))
}
