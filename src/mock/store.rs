//! In-memory state for mock routes: collections of JSON records with ids and BC-style ETags.

use std::collections::BTreeMap;
use std::sync::Mutex;

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::mock::spec::Action;

/// What a store action produced.
#[derive(Debug)]
pub enum StoreOutcome {
    /// One record (create, get, update).
    Record(Value),
    /// Every record (list).
    Records(Vec<Value>),
    /// The record is gone.
    Deleted,
    /// The action was refused the way Business Central refuses it.
    Refused {
        /// HTTP status.
        status: u16,
        /// BC error code.
        code: &'static str,
        /// BC error message.
        message: String,
    },
}

/// The request data an action needs.
pub struct ActionInput<'a> {
    /// The record key, for get/update/delete.
    pub id: Option<&'a str>,
    /// The request's JSON body, for create/update.
    pub json: Option<&'a Value>,
    /// The If-Match header, if sent.
    pub if_match: Option<&'a str>,
}

/// All collections of one mock server.
#[derive(Debug, Default)]
pub struct Store {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    collections: BTreeMap<String, Vec<Value>>,
    version: u64,
}

const ETAG: &str = "@odata.etag";

impl Store {
    /// Applies an action to a collection.
    pub fn apply(&self, collection: &str, action: Action, input: &ActionInput) -> StoreOutcome {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.version += 1;
        let version = state.version;
        let records = state.collections.entry(collection.to_string()).or_default();
        let position = input.id.and_then(|id| {
            records
                .iter()
                .position(|r| r.get("id").and_then(Value::as_str) == Some(id))
        });
        match action {
            Action::List => StoreOutcome::Records(records.clone()),
            Action::Create => {
                let Some(Value::Object(fields)) = input.json else {
                    return bad_body();
                };
                let mut record = fields.clone();
                let id = match record.get("id").and_then(Value::as_str) {
                    Some(id) => id.to_string(),
                    None => uuid::Uuid::new_v4().to_string(),
                };
                if records
                    .iter()
                    .any(|r| r.get("id").and_then(Value::as_str) == Some(&id))
                {
                    return StoreOutcome::Refused {
                        status: 400,
                        code: "Internal_EntityWithSameKeyExists",
                        message: format!(
                            "The record in table {collection} already exists. Identification fields and values: Id='{id}'"
                        ),
                    };
                }
                record.insert("id".into(), Value::String(id));
                stamp(&mut record, version);
                let record = Value::Object(record);
                records.push(record.clone());
                StoreOutcome::Record(record)
            }
            Action::Get => match position {
                Some(i) => StoreOutcome::Record(records[i].clone()),
                None => not_found(collection),
            },
            Action::Update => {
                let Some(i) = position else {
                    return not_found(collection);
                };
                if let Some(refused) = check_if_match(&records[i], input.if_match, true) {
                    return refused;
                }
                let Some(Value::Object(changes)) = input.json else {
                    return bad_body();
                };
                let Value::Object(record) = &mut records[i] else {
                    return bad_body();
                };
                for (key, value) in changes {
                    if key != "id" && key != ETAG {
                        record.insert(key.clone(), value.clone());
                    }
                }
                stamp(record, version);
                StoreOutcome::Record(records[i].clone())
            }
            Action::Delete => {
                let Some(i) = position else {
                    return not_found(collection);
                };
                if let Some(refused) = check_if_match(&records[i], input.if_match, false) {
                    return refused;
                }
                records.remove(i);
                StoreOutcome::Deleted
            }
        }
    }
}

/// A new ETag in BC's shape: weak, base64 of `'<len>;<version>;00;'`.
fn stamp(record: &mut Map<String, Value>, version: u64) {
    let digits = version.to_string();
    let payload = format!("'{};{digits};00;'", digits.len());
    let etag = format!(
        "W/\"{}\"",
        base64::engine::general_purpose::STANDARD.encode(payload)
    );
    record.insert(ETAG.into(), Value::String(etag));
    record.insert(
        "lastModifiedDateTime".into(),
        Value::String(humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()),
    );
}

/// The record's ETag, for the response header.
pub fn etag(record: &Value) -> Option<&str> {
    record.get(ETAG).and_then(Value::as_str)
}

/// PATCH must carry If-Match; DELETE is checked only when it does (as BC behaves).
fn check_if_match(record: &Value, if_match: Option<&str>, required: bool) -> Option<StoreOutcome> {
    match if_match {
        None if required => Some(StoreOutcome::Refused {
            status: 400,
            code: "BadRequest_InvalidToken",
            message: "Could not validate the client concurrency token required by the service. Please provide a valid token in the client request.".into(),
        }),
        None => None,
        Some(given) if given.trim() == "*" || Some(given.trim()) == etag(record) => None,
        Some(_) => Some(StoreOutcome::Refused {
            status: 409,
            code: "Request_EntityChanged",
            message: "Another user has already changed the record.".into(),
        }),
    }
}

fn not_found(collection: &str) -> StoreOutcome {
    StoreOutcome::Refused {
        status: 404,
        code: "Internal_RecordNotFound",
        message: format!("The {collection} record does not exist."),
    }
}

fn bad_body() -> StoreOutcome {
    StoreOutcome::Refused {
        status: 400,
        code: "BadRequest",
        message: "The request body must be a JSON object.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input<'a>(
        id: Option<&'a str>,
        json: Option<&'a Value>,
        if_match: Option<&'a str>,
    ) -> ActionInput<'a> {
        ActionInput { id, json, if_match }
    }

    #[test]
    fn crud_with_etags() {
        let store = Store::default();
        let body = json!({"displayName": "Adatum"});
        let StoreOutcome::Record(created) =
            store.apply("c", Action::Create, &input(None, Some(&body), None))
        else {
            panic!("create failed")
        };
        let id = created["id"].as_str().unwrap().to_string();
        let etag1 = etag(&created).unwrap().to_string();
        assert!(etag1.starts_with("W/\""));

        let change = json!({"displayName": "Adatum Corp"});
        let refused = store.apply("c", Action::Update, &input(Some(&id), Some(&change), None));
        assert!(matches!(
            refused,
            StoreOutcome::Refused {
                status: 400,
                code: "BadRequest_InvalidToken",
                ..
            }
        ));

        let StoreOutcome::Record(updated) = store.apply(
            "c",
            Action::Update,
            &input(Some(&id), Some(&change), Some(&etag1)),
        ) else {
            panic!("update failed")
        };
        assert_eq!(updated["displayName"], "Adatum Corp");
        assert_ne!(etag(&updated).unwrap(), etag1);

        let stale = store.apply("c", Action::Delete, &input(Some(&id), None, Some(&etag1)));
        assert!(matches!(stale, StoreOutcome::Refused { status: 409, .. }));
        assert!(matches!(
            store.apply("c", Action::Delete, &input(Some(&id), None, None)),
            StoreOutcome::Deleted
        ));
        assert!(matches!(
            store.apply("c", Action::Get, &input(Some(&id), None, None)),
            StoreOutcome::Refused { status: 404, .. }
        ));
    }
}
