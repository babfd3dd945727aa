//! The server's loop: the handshake, then the client's notifications and requests and the
//! results of runs, until `shutdown` and `exit`.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crossbeam_channel::{Receiver, Sender, select};
use lsp_server::{
    Connection, ErrorCode, Message, Notification, ProtocolError, Request, RequestId, Response,
};
use lsp_types::{
    CodeLensOptions, CompletionOptions, DidChangeTextDocumentParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, ExecuteCommandOptions, ExecuteCommandParams, GotoDefinitionParams,
    HoverParams, HoverProviderCapability, InitializeParams, OneOf, PositionEncodingKind,
    PublishDiagnosticsParams, ServerCapabilities, ShowMessageParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, Uri,
};
use serde_json::Value;

use super::batch;
use super::completion::complete;
use super::convert::uri_to_path;
use super::definition::definition;
use super::document::Document;
use super::hover::hover;
use super::run::{RUN_COMMAND, RunAsked, RunOutcome, lenses, parse_arguments, run};

/// Why the server stopped without a `shutdown`.
#[derive(Debug, thiserror::Error)]
pub enum LspError {
    /// The handshake or the shutdown went wrong.
    #[error("protocol error: {0}")]
    Protocol(#[from] ProtocolError),
    /// The client closed the connection without `shutdown` and `exit`.
    #[error("the client went away without a shutdown")]
    Disconnected,
    /// `exit` came before `shutdown`.
    #[error("exit without a shutdown")]
    ExitWithoutShutdown,
}

/// Serves one client on `connection` until it shuts the server down (`Ok`) or goes away
/// without doing so (`Err`).
pub fn serve(connection: &Connection) -> Result<(), LspError> {
    let (id, params) = connection.initialize_start()?;
    let environment = serde_json::from_value::<InitializeParams>(params)
        .ok()
        .and_then(|p| p.initialization_options)
        .and_then(|o| o.get("environment")?.as_str().map(str::to_string));
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": { "name": "runner", "version": env!("CARGO_PKG_VERSION") },
    });
    connection.initialize_finish(id, result)?;
    let (done, finished) = crossbeam_channel::unbounded();
    let mut server = Server {
        connection,
        environment,
        documents: HashMap::new(),
        shut_down: false,
        done,
    };
    server.run_loop(&finished)
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["<".to_string(), " ".to_string()]),
            ..CompletionOptions::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![RUN_COMMAND.to_string()],
            ..ExecuteCommandOptions::default()
        }),
        ..ServerCapabilities::default()
    }
}

/// What the lifecycle messages mean for the loop.
enum Lifecycle {
    /// Not one: handle it.
    Other,
    /// `shutdown`, answered.
    Answered,
    /// `exit`: end the loop with this.
    Exit(Result<(), LspError>),
}

struct Server<'c> {
    connection: &'c Connection,
    /// `initializationOptions.environment`: check against this environment only.
    environment: Option<String>,
    /// Open documents by URI.
    documents: HashMap<String, Document>,
    /// `shutdown` came: only `exit` is expected now.
    shut_down: bool,
    /// Where runs send their outcome, with the id of the `runner.run` request to answer.
    done: Sender<(RequestId, RunOutcome)>,
}

impl Server<'_> {
    fn run_loop(&mut self, finished: &Receiver<(RequestId, RunOutcome)>) -> Result<(), LspError> {
        loop {
            select! {
                recv(self.connection.receiver) -> message => {
                    let Ok(first) = message else {
                        return Err(LspError::Disconnected);
                    };
                    let batch = batch::take(&self.connection.receiver, first);
                    for index in 0..batch.len() {
                        if batch::superseded(&batch, index) {
                            continue;
                        }
                        match self.lifecycle(&batch[index]) {
                            Lifecycle::Other => {}
                            Lifecycle::Answered => continue,
                            Lifecycle::Exit(result) => return result,
                        }
                        let message = batch[index].clone();
                        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| self.handle(message))) {
                            eprintln!("runner lsp: a handler failed: {}", panic_text(&panic));
                        }
                    }
                }
                recv(finished) -> outcome => {
                    if let Ok((id, outcome)) = outcome {
                        self.finish_run(id, outcome);
                    }
                }
            }
        }
    }

    /// `shutdown` is answered; `exit` ends the loop: `Ok` after a `shutdown`, an error
    /// without one.
    fn lifecycle(&mut self, message: &Message) -> Lifecycle {
        match message {
            Message::Request(request) if request.method == "shutdown" => {
                self.shut_down = true;
                self.send(Response::new_ok(request.id.clone(), ()).into());
                Lifecycle::Answered
            }
            Message::Notification(n) if n.method == "exit" => Lifecycle::Exit(if self.shut_down {
                Ok(())
            } else {
                Err(LspError::ExitWithoutShutdown)
            }),
            _ => Lifecycle::Other,
        }
    }

    fn send(&self, message: Message) {
        // the writer is gone only when the client is: the loop ends on the next receive
        let _ = self.connection.sender.send(message);
    }

    fn handle(&mut self, message: Message) {
        match message {
            Message::Request(request) => {
                let id = request.id.clone();
                let answer = catch_unwind(AssertUnwindSafe(|| self.request(request)))
                    .unwrap_or_else(|panic| {
                        let text = format!("internal error: {}", panic_text(&panic));
                        Err((ErrorCode::InternalError, text))
                    });
                match answer {
                    Ok(Some(result)) => self.send(Response::new_ok(id, result).into()),
                    Ok(None) => {}
                    Err((code, message)) => {
                        eprintln!("runner lsp: {message}");
                        self.send(Response::new_err(id, code as i32, message).into());
                    }
                }
            }
            Message::Notification(notification) => self.notification(notification),
            Message::Response(_) => {}
        }
    }

    /// Answers a request: `Ok(None)` when the answer comes later (a run).
    fn request(&mut self, request: Request) -> Result<Option<Value>, (ErrorCode, String)> {
        let Request { id, method, params } = request;
        let json = |value: Result<Value, serde_json::Error>| {
            value
                .map(Some)
                .map_err(|e| (ErrorCode::InternalError, e.to_string()))
        };
        match method.as_str() {
            "textDocument/completion" => {
                let p: lsp_types::CompletionParams = parse(params)?;
                let position = p.text_document_position.position;
                let items = self.with_document(&p.text_document_position.text_document.uri, |d| {
                    complete(d, position)
                });
                json(serde_json::to_value(items.unwrap_or_default()))
            }
            "textDocument/hover" => {
                let p: HoverParams = parse(params)?;
                let at = p.text_document_position_params;
                json(serde_json::to_value(
                    self.with_document(&at.text_document.uri, |d| hover(d, at.position))
                        .flatten(),
                ))
            }
            "textDocument/definition" => {
                let p: GotoDefinitionParams = parse(params)?;
                let at = p.text_document_position_params;
                let found =
                    self.with_document(&at.text_document.uri, |d| definition(d, at.position));
                json(serde_json::to_value(found.unwrap_or_default()))
            }
            "textDocument/codeLens" => {
                let p: lsp_types::CodeLensParams = parse(params)?;
                json(serde_json::to_value(
                    self.with_document(&p.text_document.uri, lenses)
                        .unwrap_or_default(),
                ))
            }
            "workspace/executeCommand" => {
                let p: ExecuteCommandParams = parse(params)?;
                self.start_run(id, &p)
                    .map(|()| None)
                    .map_err(|e| (ErrorCode::InvalidParams, e))
            }
            other => Err((
                ErrorCode::MethodNotFound,
                format!("unsupported request {other}"),
            )),
        }
    }

    fn with_document<T>(&self, uri: &Uri, answer: impl FnOnce(&Document) -> T) -> Option<T> {
        self.documents.get(uri.as_str()).map(answer)
    }

    fn notification(&mut self, notification: Notification) {
        let Notification { method, params } = notification;
        let env = self.environment.clone();
        match method.as_str() {
            "textDocument/didOpen" => {
                let Ok(p) = parse::<DidOpenTextDocumentParams>(params) else {
                    return;
                };
                let item = p.text_document;
                let Some(path) = uri_to_path(&item.uri) else {
                    return;
                };
                let key = item.uri.as_str().to_string();
                let document =
                    Document::open(item.uri, path, item.text, item.version, env.as_deref());
                self.documents.insert(key.clone(), document);
                self.publish(&key);
            }
            "textDocument/didChange" => {
                let Ok(p) = parse::<DidChangeTextDocumentParams>(params) else {
                    return;
                };
                let key = p.text_document.uri.as_str().to_string();
                let (Some(document), Some(change)) = (
                    self.documents.get_mut(&key),
                    p.content_changes.into_iter().next_back(),
                ) else {
                    return;
                };
                let previous =
                    document.change(change.text, p.text_document.version, env.as_deref());
                self.publish(&key);
                // a large collection takes a while to free: after the answer, not before
                drop(previous);
            }
            "textDocument/didSave" => {
                // an environment or included file may have changed: check every open document
                let keys: Vec<String> = self.documents.keys().cloned().collect();
                for key in keys {
                    if let Some(document) = self.documents.get_mut(&key) {
                        let text = std::mem::take(&mut document.text);
                        let _previous = document.change(text, document.version, env.as_deref());
                    }
                    self.publish(&key);
                }
            }
            "textDocument/didClose" => {
                let Ok(p) = parse::<DidCloseTextDocumentParams>(params) else {
                    return;
                };
                if let Some(document) = self.documents.remove(p.text_document.uri.as_str()) {
                    self.publish_diagnostics(document.uri, Vec::new(), None);
                }
            }
            _ => {}
        }
    }

    fn publish(&self, key: &str) {
        if let Some(document) = self.documents.get(key) {
            self.publish_diagnostics(
                document.uri.clone(),
                document.diagnostics(),
                Some(document.version),
            );
        }
    }

    fn publish_diagnostics(
        &self,
        uri: Uri,
        diagnostics: Vec<lsp_types::Diagnostic>,
        version: Option<i32>,
    ) {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.send(Notification::new("textDocument/publishDiagnostics".to_string(), params).into());
    }

    fn start_run(&mut self, id: RequestId, params: &ExecuteCommandParams) -> Result<(), String> {
        if params.command != RUN_COMMAND {
            return Err(format!("unknown command {}", params.command));
        }
        let (uri, request) = parse_arguments(&params.arguments)
            .ok_or("runner.run takes the file's URI and optionally a request's path")?;
        let path = uri_to_path(&uri).ok_or("runner.run runs files (file:// URIs)")?;
        let asked = RunAsked {
            uri,
            path,
            request,
            environment: self.environment.clone(),
        };
        let done = self.done.clone();
        std::thread::Builder::new()
            .name("runner-run".to_string())
            .spawn(move || {
                let outcome = run(asked);
                let _ = done.send((id, outcome));
            })
            .map(|_| ())
            .map_err(|e| format!("cannot start the run: {e}"))
    }

    fn finish_run(&mut self, id: RequestId, outcome: RunOutcome) {
        let key = outcome.asked.uri.as_str().to_string();
        // the run's own output is masked by the run; the editor's secrets are a second net
        let mut summary = outcome.summary.clone();
        if let Some(document) = self.documents.get_mut(&key) {
            document.run_failures = outcome.diagnostics(document);
            summary = document.secrets().mask(&summary).into_owned();
        }
        self.publish(&key);
        let message = ShowMessageParams {
            typ: outcome.message_type(),
            message: summary,
        };
        self.send(Notification::new("window/showMessage".to_string(), &message).into());
        let result = serde_json::json!({
            "passed": outcome.passed,
            "summary": message.message,
            "failures": outcome.failures.len(),
        });
        self.send(Response::new_ok(id, result).into());
    }
}

fn parse<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, (ErrorCode, String)> {
    serde_json::from_value(params)
        .map_err(|e| (ErrorCode::InvalidParams, format!("invalid parameters: {e}")))
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string())
}
