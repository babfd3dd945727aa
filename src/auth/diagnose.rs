//! What to check when Azure AD or Business Central refuses: known errors → one-line hints.

/// Azure AD error codes (AADSTS…) and what usually causes them.
const AADSTS_HINTS: &[(&str, &str)] = &[
    (
        "7000215",
        "wrong client secret: use the secret's Value, not its Secret ID (App registrations → Certificates & secrets)",
    ),
    (
        "7000222",
        "the client secret has expired: create a new one under App registrations → Certificates & secrets",
    ),
    (
        "7000218",
        "no credential was sent: set `client_secret` or `client_assertion`",
    ),
    (
        "700016",
        "the app (client id) is not known in this tenant: check ClientId and Tenant, or have an admin add the app to the tenant",
    ),
    (
        "90002",
        "the tenant was not found: check Tenant (the tenant id or a domain such as contoso.onmicrosoft.com)",
    ),
    (
        "900023",
        "the tenant id is malformed: use the tenant GUID or a verified domain",
    ),
    (
        "70011",
        "invalid scope: for Business Central use https://api.businesscentral.dynamics.com/.default",
    ),
    (
        "1002012",
        "invalid scope: client credentials need `<resource>/.default`, e.g. https://api.businesscentral.dynamics.com/.default",
    ),
    ("700022", "invalid scope: ask for one resource only"),
    (
        "500011",
        "the resource is not in the tenant: check the scope, and that Business Central is set up in this tenant",
    ),
    (
        "65001",
        "admin consent is missing: grant admin consent for the app's API permissions",
    ),
    (
        "900144",
        "a required parameter is missing: Azure AD reads the token request as an urlencoded form only",
    ),
    (
        "700027",
        "the client assertion was refused: upload the certificate to the app registration and check the key matches it",
    ),
    (
        "90014",
        "a required field is missing from the token request (scope?)",
    ),
];

/// A hint for a refused token request, from the AADSTS code or else the OAuth2 `error`.
pub fn token_hint(error: Option<&str>, description: Option<&str>) -> Option<&'static str> {
    let code = description.and_then(aadsts_code);
    if let Some(hint) = code.and_then(|c| AADSTS_HINTS.iter().find(|(k, _)| *k == c)) {
        return Some(hint.1);
    }
    Some(match error? {
        "invalid_client" => {
            "the client credentials were refused: check the client id and secret (or certificate)"
        }
        "unauthorized_client" => {
            "the app may not use this grant in this tenant: check the app registration and the tenant"
        }
        "invalid_scope" => {
            "invalid scope: for Business Central use https://api.businesscentral.dynamics.com/.default"
        }
        "invalid_tenant" => "the tenant was not found: check Tenant",
        "invalid_grant" => "the grant was refused: check the user credentials or refresh token",
        "temporarily_unavailable" => "Azure AD is busy: try again shortly",
        _ => return None,
    })
}

/// `AADSTS7000215: …` → `7000215`.
fn aadsts_code(description: &str) -> Option<&str> {
    let rest = &description[description.find("AADSTS")? + 6..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// A hint for any failed answer: the AADSTS hint when the body carries an Azure AD error (an
/// explicit token request in a collection), else the Business Central hint for its status.
pub fn response_hint(status: u16, body: &[u8]) -> Option<&'static str> {
    // Azure AD's errors are small: a code far into a large body is not one
    let text = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]);
    if aadsts_code(&text).is_none() {
        return api_hint(status);
    }
    let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
    let field = |name: &str| {
        json.as_ref()
            .and_then(|j| j.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let description = field("error_description").unwrap_or_else(|| text.to_string());
    token_hint(field("error").as_deref(), Some(&description))
}

/// A hint for a Business Central API answer of 401 or 403.
fn api_hint(status: u16) -> Option<&'static str> {
    match status {
        401 => Some(
            "the API refused the token: check that the app is on the Microsoft Entra Applications page in Business Central, its State is Enabled and consent was granted; a token for another audience (scope) is refused too",
        ),
        403 => Some(
            "the app lacks permissions: assign permission sets to its Microsoft Entra Application card in Business Central, and check the token's roles with `runner token` (API.ReadWrite.All)",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_win_over_error_names() {
        let hint = token_hint(
            Some("invalid_client"),
            Some("AADSTS7000215: Invalid client secret provided."),
        )
        .unwrap();
        assert!(hint.starts_with("wrong client secret"));
        let hint = token_hint(Some("invalid_client"), Some("no code here")).unwrap();
        assert!(hint.contains("client credentials were refused"));
        assert_eq!(token_hint(Some("something_else"), None), None);
    }

    #[test]
    fn an_aadsts_code_in_any_body_wins_over_the_status_hint() {
        let body = br#"{"error":"invalid_client","error_description":"AADSTS7000218: The request body must contain client_secret."}"#;
        let hint = response_hint(401, body).unwrap();
        assert!(hint.starts_with("no credential was sent"), "{hint}");
        let hint = response_hint(401, b"{}").unwrap();
        assert!(hint.contains("Microsoft Entra Applications"), "{hint}");
        assert_eq!(response_hint(500, b"AADSTS1: unknown"), None);
    }

    #[test]
    fn extracts_codes() {
        assert_eq!(
            aadsts_code("AADSTS90002: Tenant 'x' not found."),
            Some("90002")
        );
        assert_eq!(aadsts_code("plain"), None);
    }
}
