//! Requests to stop from outside the process, one stream for every platform: Ctrl-C
//! everywhere; SIGTERM too on Unix (what `kill`, CI runners and containers send); on
//! Windows Ctrl-Break and the console window closing.

use std::io;

/// The stop requests this process listens to, registered when created.
pub(crate) struct StopSignals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_break: tokio::signal::windows::CtrlBreak,
    #[cfg(windows)]
    ctrl_close: tokio::signal::windows::CtrlClose,
}

impl StopSignals {
    /// Starts listening (inside a tokio runtime). From then on these signals no longer end
    /// the process by themselves: whoever holds this decides.
    pub(crate) fn new() -> io::Result<Self> {
        Ok(StopSignals {
            #[cfg(unix)]
            terminate: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?,
            #[cfg(windows)]
            ctrl_break: tokio::signal::windows::ctrl_break()?,
            #[cfg(windows)]
            ctrl_close: tokio::signal::windows::ctrl_close()?,
        })
    }

    /// Waits for the next request to stop.
    #[cfg(unix)]
    pub(crate) async fn next(&mut self) -> io::Result<()> {
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = self.terminate.recv() => Ok(()),
        }
    }

    /// Waits for the next request to stop.
    #[cfg(windows)]
    pub(crate) async fn next(&mut self) -> io::Result<()> {
        // closing the console leaves a few seconds before Windows ends the process: enough
        // for the summary and the reports
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = self.ctrl_break.recv() => Ok(()),
            _ = self.ctrl_close.recv() => Ok(()),
        }
    }

    /// Waits for the next request to stop.
    #[cfg(not(any(unix, windows)))]
    pub(crate) async fn next(&mut self) -> io::Result<()> {
        tokio::signal::ctrl_c().await
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sigterm_is_a_request_to_stop() {
        let mut signals = StopSignals::new().unwrap();
        // the shell's own `kill`: no extra tool needed
        let status = std::process::Command::new("sh")
            .args(["-c", &format!("kill -TERM {}", std::process::id())])
            .status()
            .unwrap();
        assert!(status.success());
        tokio::time::timeout(std::time::Duration::from_secs(10), signals.next())
            .await
            .expect("SIGTERM was not seen")
            .unwrap();
    }
}
