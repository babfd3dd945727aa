//! Network settings of a unit: command-line flags over the collection's `settings:` over the
//! defaults. Files (CA, client certificate) are read here, so a bad path is an input error.

use std::path::Path;

use crate::cli::NetworkArgs;
use crate::http::ClientSettings;
use crate::model::Settings;

/// Retries of throttled or reset requests when nothing says otherwise.
pub const DEFAULT_MAX_RETRIES: u32 = 3;

/// The client settings for a collection in `dir` with `settings:`, under the flags.
pub fn client_settings(
    cli: &NetworkArgs,
    file: &Settings,
    dir: &Path,
) -> Result<ClientSettings, String> {
    let defaults = ClientSettings::default();
    let read = |path: &Path, relative: bool| {
        let path = if relative {
            dir.join(path)
        } else {
            path.to_path_buf()
        };
        std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    // flag paths are relative to the current directory, `settings:` paths to the collection
    let ca_cert = match (&cli.ca_cert, &file.ca_cert) {
        (Some(p), _) => Some(certificates(read(p, false)?, p)?),
        (None, Some(p)) => Some(certificates(read(p, true)?, p)?),
        (None, None) => None,
    };
    let identity = match (
        &cli.client_cert,
        &cli.client_key,
        &file.client_cert,
        &file.client_key,
    ) {
        (Some(cert), Some(key), _, _) => Some([read(cert, false)?, read(key, false)?].concat()),
        (None, None, Some(cert), Some(key)) => Some([read(cert, true)?, read(key, true)?].concat()),
        (None, None, Some(_), None) | (None, None, None, Some(_)) => {
            return Err("settings: `client_cert` and `client_key` go together".into());
        }
        _ => None,
    };
    Ok(ClientSettings {
        timeout: cli.timeout.or(file.timeout).unwrap_or(defaults.timeout),
        connect_timeout: cli
            .connect_timeout
            .or(file.connect_timeout)
            .unwrap_or(defaults.connect_timeout),
        follow_redirects: !cli.no_follow_redirects && file.follow_redirects.unwrap_or(true),
        cookies: !cli.no_cookies && file.cookies.unwrap_or(true),
        insecure: cli.insecure || file.insecure.unwrap_or(false),
        ca_cert,
        identity,
        proxy: cli.proxy.clone().or_else(|| file.proxy.clone()),
        http2: cli.http2 || file.http2.unwrap_or(false),
        compression: !cli.no_compression && file.compression.unwrap_or(true),
        max_response_bytes: cli
            .max_response_bytes
            .or(file.max_response_bytes)
            .unwrap_or(defaults.max_response_bytes),
        record_sent: false,
    })
}

/// The PEM text of a CA file, refused unless it holds a certificate: a key, a DER file or a
/// typo'd path's contents would otherwise be accepted and trust nothing.
fn certificates(pem_text: Vec<u8>, path: &Path) -> Result<Vec<u8>, String> {
    let holds_one = pem::parse_many(&pem_text)
        .is_ok_and(|blocks| blocks.iter().any(|b| b.tag() == "CERTIFICATE"));
    if holds_one {
        Ok(pem_text)
    } else {
        Err(format!(
            "ca_cert: {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        ))
    }
}

/// Retries for throttled or reset requests.
pub fn max_retries(cli: &NetworkArgs, file: &Settings) -> u32 {
    cli.max_retries
        .or(file.max_retries)
        .unwrap_or(DEFAULT_MAX_RETRIES)
}
