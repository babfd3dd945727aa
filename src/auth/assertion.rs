//! Certificate credentials: a JWT client assertion signed with the app's RSA key (RS256),
//! carrying the certificate's thumbprints, as Azure AD expects instead of a client secret.

use std::path::Path;

use base64::Engine as _;
use sha1::Digest as _;

/// How long a signed assertion is valid.
const LIFETIME_SECS: u64 = 600;

/// Signs an assertion for `client_id` addressed to `token_url`.
pub fn sign(
    client_id: &str,
    token_url: &str,
    cert_path: &Path,
    key_path: &Path,
) -> Result<String, String> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let cert_pem = read(cert_path)?;
    let key_pem = read(key_path)?;
    let cert = pem::parse_many(&cert_pem)
        .map_err(|e| format!("{}: {e}", cert_path.display()))?
        .into_iter()
        .find(|p| p.tag() == "CERTIFICATE")
        .ok_or_else(|| format!("{}: no CERTIFICATE block", cert_path.display()))?;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.x5t = Some(b64(&sha1::Sha1::digest(cert.contents())));
    header.x5t_s256 = Some(b64(&sha2::Sha256::digest(cert.contents())));
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(&key_pem)
        .map_err(|e| format!("{}: not an RSA private key in PEM: {e}", key_path.display()))?;
    let now = super::token::unix_ms() / 1000;
    let claims = serde_json::json!({
        "aud": token_url,
        "iss": client_id,
        "sub": client_id,
        "jti": uuid::Uuid::new_v4().to_string(),
        "nbf": now,
        "iat": now,
        "exp": now + LIFETIME_SECS,
    });
    jsonwebtoken::encode(&header, &claims, &key)
        .map_err(|e| format!("cannot sign the client assertion: {e}"))
}
