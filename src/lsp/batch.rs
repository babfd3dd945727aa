//! Messages that arrived together, taken together: a full-text change followed by another
//! change of the same document is not checked (the later text replaces it), so a burst of
//! keystrokes costs one check, not one each.

use crossbeam_channel::Receiver;
use lsp_server::{Message, Notification};

/// The most messages taken at once.
const MAX_BATCH: usize = 256;

/// `first` and every message already waiting behind it (at most `MAX_BATCH`).
pub fn take(receiver: &Receiver<Message>, first: Message) -> Vec<Message> {
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match receiver.try_recv() {
            Ok(message) => batch.push(message),
            Err(_) => break,
        }
    }
    batch
}

fn changed_uri(message: &Message) -> Option<&str> {
    match message {
        Message::Notification(Notification { method, params })
            if method == "textDocument/didChange" =>
        {
            params.get("textDocument")?.get("uri")?.as_str()
        }
        _ => None,
    }
}

/// Whether message `index` of the batch is a change that a later one of the batch replaces.
pub fn superseded(batch: &[Message], index: usize) -> bool {
    let Some(uri) = changed_uri(&batch[index]) else {
        return false;
    };
    batch[index + 1..]
        .iter()
        .any(|later| changed_uri(later) == Some(uri))
}
