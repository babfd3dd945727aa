//! The context one request carries through its stages: the collection-wide state it reads
//! and updates, and the transport that sends it.

use std::collections::HashMap;

use super::transport::Transport;
use super::vars::Vars;
use crate::check::snapshot::SnapshotSettings;
use crate::model::Collection;

/// What the stages of one request read and update.
pub(super) struct RequestContext<'a> {
    /// The collection (templates, scopes).
    pub collection: &'a Collection,
    /// The unit's variables: captures are set here.
    pub vars: &'a mut Vars,
    /// Capture name → request that failed before making it, to explain undefined variables.
    pub missing_captures: &'a HashMap<String, String>,
    /// Retries of throttled or reset requests (token and page requests too).
    pub max_retries: u32,
    /// Where snapshot assertions keep their files.
    pub snapshots: &'a SnapshotSettings,
    /// The request path with data row and loop element: one snapshot file each.
    pub snapshot_key: String,
    /// What sends the request.
    pub transport: &'a Transport,
}
