//! Requests to stop from outside the process, one stream for every platform: Ctrl-C
//! everywhere; SIGTERM too on Unix (what `kill`, CI runners and containers send); on
//! Windows Ctrl-Break and the console window closing.

use std::io;

use super::exit::Exit;

/// Which request to stop came: the exit code of a run it stopped follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopRequest {
    /// Ctrl-C, and on Windows Ctrl-Break or the console closing.
    Interrupt,
    /// SIGTERM (Unix only: Windows has no such signal).
    #[cfg(unix)]
    Terminate,
}

impl StopRequest {
    /// 130 after Ctrl-C, 143 after SIGTERM.
    pub(crate) fn exit(self) -> Exit {
        match self {
            StopRequest::Interrupt => Exit::Interrupted,
            #[cfg(unix)]
            StopRequest::Terminate => Exit::Terminated,
        }
    }
}

/// The stop requests this process listens to, all registered when created.
pub(crate) struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
    #[cfg(windows)]
    ctrl_break: tokio::signal::windows::CtrlBreak,
    #[cfg(windows)]
    ctrl_close: tokio::signal::windows::CtrlClose,
}

impl StopSignals {
    /// Starts listening (inside a tokio runtime). From then on these signals no longer end
    /// the process by themselves: whoever holds this decides.
    pub(crate) fn new() -> io::Result<Self> {
        #[cfg(unix)]
        use tokio::signal::unix::{SignalKind, signal};
        Ok(StopSignals {
            #[cfg(unix)]
            interrupt: signal(SignalKind::interrupt())?,
            #[cfg(unix)]
            terminate: signal(SignalKind::terminate())?,
            #[cfg(windows)]
            ctrl_c: tokio::signal::windows::ctrl_c()?,
            #[cfg(windows)]
            ctrl_break: tokio::signal::windows::ctrl_break()?,
            #[cfg(windows)]
            ctrl_close: tokio::signal::windows::ctrl_close()?,
        })
    }

    /// Waits for the next request to stop.
    #[cfg(unix)]
    pub(crate) async fn next(&mut self) -> io::Result<StopRequest> {
        let received = tokio::select! {
            received = self.interrupt.recv() => received.map(|()| StopRequest::Interrupt),
            received = self.terminate.recv() => received.map(|()| StopRequest::Terminate),
        };
        received.ok_or_else(closed)
    }

    /// Waits for the next request to stop.
    #[cfg(windows)]
    pub(crate) async fn next(&mut self) -> io::Result<StopRequest> {
        // closing the console leaves a few seconds before Windows ends the process: enough
        // for the summary and the reports
        let received = tokio::select! {
            received = self.ctrl_c.recv() => received,
            received = self.ctrl_break.recv() => received,
            received = self.ctrl_close.recv() => received,
        };
        received.map(|()| StopRequest::Interrupt).ok_or_else(closed)
    }

    /// Waits for the next request to stop.
    #[cfg(not(any(unix, windows)))]
    pub(crate) async fn next(&mut self) -> io::Result<StopRequest> {
        tokio::signal::ctrl_c()
            .await
            .map(|()| StopRequest::Interrupt)
    }
}

/// The runtime stopped delivering signals (it is shutting down).
#[cfg(any(unix, windows))]
fn closed() -> io::Error {
    io::Error::other("signal handling stopped")
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Sends `signal` to this test process with the shell's own `kill` (no extra tool).
    fn send(signal: &str) {
        let status = std::process::Command::new("sh")
            .args(["-c", &format!("kill -{signal} {}", std::process::id())])
            .status()
            .unwrap();
        assert!(status.success());
    }

    #[tokio::test]
    async fn sigterm_and_sigint_are_requests_to_stop() {
        let mut signals = StopSignals::new().unwrap();
        for (signal, request) in [
            ("TERM", StopRequest::Terminate),
            ("INT", StopRequest::Interrupt),
        ] {
            send(signal);
            let received = tokio::time::timeout(std::time::Duration::from_secs(10), signals.next())
                .await
                .unwrap_or_else(|_| panic!("SIG{signal} was not seen"))
                .unwrap();
            assert_eq!(received, request);
        }
    }
}
