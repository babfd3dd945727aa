//! A granted token and the clock it expires by: the leaf the cache, its file and the signed
//! client assertion share.

use std::time::SystemTime;

/// A token and when to stop using it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Token {
    /// The access token.
    pub access_token: String,
    /// Milliseconds since the Unix epoch after which the token is fetched anew.
    pub refresh_after_ms: u64,
}

impl Token {
    /// Still usable: its refresh time has not come.
    pub(crate) fn fresh(&self) -> bool {
        unix_ms() < self.refresh_after_ms
    }
}

/// Milliseconds since the Unix epoch.
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
