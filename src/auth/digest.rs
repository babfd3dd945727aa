//! HTTP Digest (RFC 7616 and 2617): the `Authorization` header that answers a server's
//! `WWW-Authenticate: Digest …` challenge, computed by the `digest_auth` crate (MD5, SHA-256,
//! their `-sess` forms, `qop=auth` and `auth-int`).

use digest_auth::{AuthContext, HttpMethod};

/// Why a challenge could not be answered.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DigestError {
    /// The 401 came without a Digest challenge.
    #[error("the server answered 401 without a `WWW-Authenticate: Digest` challenge")]
    NoChallenge,
    /// The challenge is malformed or asks for what the crate does not do.
    #[error("cannot answer the Digest challenge `{challenge}`: {reason}")]
    Unusable {
        /// The challenge as received.
        challenge: String,
        /// Why not.
        reason: String,
    },
}

/// The Digest challenge among a response's `WWW-Authenticate` header values.
pub fn challenge<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    values.into_iter().find(|v| {
        v.trim_start()
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("digest "))
    })
}

/// The `Authorization` value for a request of `method` to `uri` (path and query) answering
/// `challenge` with these credentials; `body` is hashed when the server asks for `auth-int`.
pub fn answer(
    challenge: Option<&str>,
    username: &str,
    password: &str,
    method: &str,
    uri: &str,
    body: Option<&[u8]>,
) -> Result<String, DigestError> {
    let challenge = challenge.ok_or(DigestError::NoChallenge)?;
    let unusable = |e: digest_auth::Error| DigestError::Unusable {
        challenge: challenge.to_string(),
        reason: e.to_string(),
    };
    let mut prompt = digest_auth::parse(challenge).map_err(unusable)?;
    let context =
        AuthContext::new_with_method(username, password, uri, body, HttpMethod::from(method));
    Ok(prompt
        .respond(&context)
        .map_err(unusable)?
        .to_header_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_an_rfc_2617_challenge_and_finds_it_among_others() {
        let challenge = challenge([
            "Basic realm=\"x\"",
            "Digest realm=\"Users\", nonce=\"abc\", qop=\"auth\"",
        ]);
        let header = answer(
            challenge,
            "postman",
            "password",
            "GET",
            "/digest-auth",
            None,
        )
        .unwrap();
        assert!(header.starts_with("Digest "), "{header}");
        for part in [
            "username=\"postman\"",
            "realm=\"Users\"",
            "uri=\"/digest-auth\"",
            "qop=auth",
        ] {
            assert!(header.contains(part), "{part} in {header}");
        }
    }

    #[test]
    fn a_missing_or_broken_challenge_is_an_error() {
        assert!(matches!(
            answer(None, "u", "p", "GET", "/", None),
            Err(DigestError::NoChallenge)
        ));
        assert!(matches!(
            answer(Some("Digest nonce=\"n\""), "u", "p", "GET", "/", None),
            Err(DigestError::Unusable { .. })
        ));
    }
}
