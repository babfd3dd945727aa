//! `--token-cache`: tokens kept across runs in the user's cache folder (never the project),
//! in a file only the user can read, keyed by a hash of token URL, client id and scope.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::Digest as _;

use super::token::Token;

/// The cache file of this user.
#[derive(Debug)]
pub struct CacheFile {
    path: PathBuf,
    lock: Mutex<()>,
}

impl CacheFile {
    /// The default location: `<user cache dir>/runner/tokens.json`; on Windows the user's
    /// local app-data folder (`%LOCALAPPDATA%\runner\tokens.json`), which is not roamed.
    pub fn default_path() -> Option<PathBuf> {
        dirs::cache_dir().map(|d| d.join("runner").join("tokens.json"))
    }

    /// A cache at `path`.
    pub fn new(path: PathBuf) -> Self {
        CacheFile {
            path,
            lock: Mutex::new(()),
        }
    }

    /// A still-fresh token for the key, if stored.
    pub fn get(&self, key: &str) -> Option<Token> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let token = read(&self.path).remove(&hash(key))?;
        token.fresh().then_some(token)
    }

    /// Stores a token (and drops expired ones).
    pub fn put(&self, key: &str, token: &Token) {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut all = read(&self.path);
        all.retain(|_, t| t.fresh());
        all.insert(hash(key), token.clone());
        // a cache that cannot be written only costs a token request next time
        let _ = write(&self.path, &all);
    }

    /// Removes the cache file.
    pub fn clear(&self) -> std::io::Result<bool> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Where the cache lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn hash(key: &str) -> String {
    sha2::Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn read(path: &Path) -> BTreeMap<String, Token> {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

fn write(path: &Path, tokens: &BTreeMap<String, Token>) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    owner_only(&mut options);
    let mut file = options.open(&tmp)?;
    file.write_all(&serde_json::to_vec(tokens).map_err(std::io::Error::other)?)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// A new file only its owner can read and write.
#[cfg(unix)]
fn owner_only(options: &mut std::fs::OpenOptions) {
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
}

/// A new file only its owner can read and write: on Windows the file inherits the access
/// list of the user's local app-data folder, which grants the user (and the system) alone.
#[cfg(not(unix))]
fn owner_only(_options: &mut std::fs::OpenOptions) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_lives_in_the_users_cache_folder() {
        let Some(path) = CacheFile::default_path() else {
            return; // no home folder here: --token-cache then keeps tokens in memory only
        };
        assert!(path.ends_with(Path::new("runner").join("tokens.json")));
        assert!(path.starts_with(dirs::cache_dir().unwrap()));
        if cfg!(windows) {
            assert_eq!(dirs::cache_dir(), dirs::data_local_dir());
        }
    }
}
