//! `runner mock FILE` and the request log of `runner run --mock`.

use std::io::Write as _;

use super::exit::{Exit, general, input_errors};
use super::signal;
use crate::cli::MockArgs;
use crate::load::{self};
use crate::mock::server::{self, LogMode, MockLog};
use crate::secrets::Secrets;

/// Unmatched mock requests are always worth a warning; the whole log only with `-v` (the
/// server keeps just those: `LogMode::Keep`). Targets carry the run's query parameters
/// (`?code=…`, SAS tokens): masked like every output.
pub(crate) fn report_mock_log(log: &MockLog, secrets: &Secrets) {
    let mut err = anstream::stderr().lock();
    for entry in &log.entries {
        let _ = writeln!(err, "mock: {}", mask_target(&entry.to_string(), secrets));
    }
    if log.more > 0 {
        let _ = writeln!(err, "mock: … and {} more requests", log.more);
    }
}

/// A logged request line with its secrets masked, also where the client percent-encoded them
/// in its own way (a URL written with `?code=<<key>>`): then the line is shown decoded.
fn mask_target(line: &str, secrets: &Secrets) -> String {
    let masked = secrets.mask(line);
    let decoded = percent_encoding::percent_decode_str(&masked)
        .decode_utf8_lossy()
        .into_owned();
    let decoded_masked = secrets.mask(&decoded);
    if decoded_masked == decoded {
        masked.into_owned()
    } else {
        decoded_masked.into_owned()
    }
}

/// `runner mock FILE`: serve until Ctrl-C.
pub(super) async fn serve_mock(args: MockArgs) -> Exit {
    let secrets = Secrets::default();
    let spec = match load::mock::load_mock(&args.file, &secrets) {
        Ok(spec) => spec,
        Err(errors) => return input_errors(&errors, &secrets),
    };
    let routes = spec.routes.len();
    let mock = match server::start(spec, &args.host, args.port, LogMode::Print).await {
        Ok(mock) => mock,
        Err(e) => {
            return input_errors(
                &[general(format!(
                    "cannot listen on {}:{}: {e}",
                    args.host, args.port
                ))],
                &secrets,
            );
        }
    };
    // listening before the address is printed: a stop request right after it is clean
    let signals = signal::StopSignals::new();
    println!(
        "mock listening on {} ({routes} routes from {})",
        mock.url,
        args.file.display()
    );
    let stop = async {
        match signals {
            Ok(mut signals) => signals.next().await,
            Err(e) => Err(e),
        }
    };
    tokio::select! {
        () = mock.wait() => Exit::Failed,
        _ = stop => Exit::Passed,
    }
}
