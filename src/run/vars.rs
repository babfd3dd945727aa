//! Variables: collection `vars` < environment < `--var` < captures, later wins.
//! Values may be templates over other variables; they are resolved in dependency order.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use minijinja::Value;

use crate::model::Collection;
use crate::template::{TValue, TemplateError, Templates, Tpl};

/// One layer of variable definitions with the templates their values use.
#[derive(Debug, Clone)]
pub struct VarLayer {
    /// Where the layer comes from, for messages (`collections/bc.yaml`, `--var`).
    pub origin: String,
    /// Name → value.
    pub vars: Vec<(String, TValue)>,
    /// The compiled templates of the values.
    pub templates: Arc<Templates>,
    /// Environment, `--var` and `--secret` win over group `vars`; collection defaults do not.
    pub overrides_groups: bool,
}

/// A variable that could not be resolved before the run.
#[derive(Debug, Clone, thiserror::Error)]
pub enum VarError {
    /// Rendering its template failed.
    #[error("variable `{name}` (from {origin}): {error}")]
    Render {
        /// The variable.
        name: String,
        /// Its layer.
        origin: String,
        /// Why.
        error: Box<TemplateError>,
    },
    /// Variables that refer to each other.
    #[error("variables refer to each other in a cycle: {}", .0.join(" → "))]
    Cycle(Vec<String>),
}

/// A definition waiting for a capture it refers to.
#[derive(Debug, Clone)]
struct Pending {
    name: String,
    value: TValue,
    templates: Arc<Templates>,
}

/// The variables of one collection run.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    values: BTreeMap<String, Value>,
    pending: Vec<Pending>,
    context: Option<Value>,
    /// Names set by layers that win over group vars, and by captures.
    fixed: HashSet<String>,
    /// Names set by captures (they win over include parameters too).
    captured: HashSet<String>,
}

impl Vars {
    /// Resolves the layers. A definition that refers to a variable one of `captured` will set
    /// waits until that capture is made; any other failure is an error.
    pub fn resolve(layers: &[VarLayer], captured: &HashSet<&str>) -> Result<Vars, VarError> {
        let mut winners: BTreeMap<&str, (&TValue, &VarLayer)> = BTreeMap::new();
        for layer in layers {
            for (name, value) in &layer.vars {
                winners.insert(name, (value, layer));
            }
        }
        let mut vars = Vars::default();
        vars.fixed = layers
            .iter()
            .filter(|l| l.overrides_groups)
            .flat_map(|l| l.vars.iter().map(|(name, _)| name.clone()))
            .collect();
        let mut resolver = Resolver {
            winners: &winners,
            captured,
            in_progress: Vec::new(),
            deferred: HashSet::new(),
        };
        for name in winners.keys() {
            resolver.resolve(name, &mut vars)?;
        }
        Ok(vars)
    }

    /// Sets a variable (a capture), then resolves definitions that were waiting for it.
    pub fn set(&mut self, name: &str, value: &serde_json::Value) {
        self.values
            .insert(name.to_string(), Value::from_serialize(value));
        self.fixed.insert(name.to_string());
        self.captured.insert(name.to_string());
        self.pending.retain(|p| p.name != name);
        self.context = None;
        let waiting = std::mem::take(&mut self.pending);
        for pending in waiting {
            let ctx = self.context();
            match pending.templates.render_value(&pending.value, &ctx) {
                Ok(v) => {
                    self.values
                        .insert(pending.name.clone(), Value::from_serialize(&v));
                    self.context = None;
                }
                Err(_) => self.pending.push(pending),
            }
        }
    }

    /// Removes a variable set for a loop.
    pub fn unset(&mut self, name: &str) {
        self.values.remove(name);
        self.fixed.remove(name);
        self.captured.remove(name);
        self.context = None;
    }

    /// Whether a variable has a value.
    pub fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The variables as a template context (rebuilt only after a change).
    pub fn context(&mut self) -> Value {
        self.context
            .get_or_insert_with(|| {
                Value::from_iter(self.values.iter().map(|(k, v)| (k.clone(), v.clone())))
            })
            .clone()
    }

    /// The context of a request in a group: the group vars (outer groups first) on top of
    /// collection vars, under environment, `--var` and captures.
    pub fn context_for(
        &mut self,
        collection: &Collection,
        scope: usize,
    ) -> Result<Value, TemplateError> {
        let mut chain = Vec::new();
        let mut current = Some(scope);
        while let Some(index) = current.filter(|i| *i != 0) {
            chain.push(index);
            current = collection.scopes[index].parent;
        }
        if chain.is_empty() {
            return Ok(self.context());
        }
        let mut values = self.values.clone();
        for index in chain.into_iter().rev() {
            let scope = &collection.scopes[index];
            let defaults = scope
                .vars
                .iter()
                .filter(|(name, _)| !self.fixed.contains(name));
            let params = scope
                .params
                .iter()
                .filter(|(name, _)| !self.captured.contains(name));
            // entries of one scope may read each other: render in rounds until all are done
            let mut waiting: Vec<&(String, TValue)> = defaults.chain(params).collect();
            while !waiting.is_empty() {
                let ctx = Value::from_iter(values.iter().map(|(k, v)| (k.clone(), v.clone())));
                let before = waiting.len();
                let mut last_error = None;
                waiting.retain(|(name, value)| {
                    match collection.templates.render_value(value, &ctx) {
                        Ok(rendered) => {
                            values.insert(name.clone(), Value::from_serialize(&rendered));
                            false
                        }
                        Err(e) => {
                            last_error = Some(e);
                            true
                        }
                    }
                });
                if waiting.len() == before {
                    return Err(last_error.expect("a failed entry left an error"));
                }
            }
        }
        Ok(Value::from_iter(values))
    }

    /// The context with extra entries on top (e.g. `response`).
    pub fn context_with(&self, extra: &[(&str, Value)]) -> Value {
        Value::from_iter(
            self.values
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .chain(extra.iter().map(|(k, v)| (k.to_string(), v.clone()))),
        )
    }
}

struct Resolver<'a> {
    winners: &'a BTreeMap<&'a str, (&'a TValue, &'a VarLayer)>,
    captured: &'a HashSet<&'a str>,
    in_progress: Vec<String>,
    deferred: HashSet<String>,
}

impl Resolver<'_> {
    fn resolve(&mut self, name: &str, vars: &mut Vars) -> Result<(), VarError> {
        if vars.values.contains_key(name) || self.deferred.contains(name) {
            return Ok(());
        }
        if let Some(start) = self.in_progress.iter().position(|n| n == name) {
            let mut cycle = self.in_progress[start..].to_vec();
            cycle.push(name.to_string());
            return Err(VarError::Cycle(cycle));
        }
        let Some((value, layer)) = self.winners.get(name).copied() else {
            return Ok(());
        };
        self.in_progress.push(name.to_string());
        for dependency in referenced(value, &layer.templates) {
            if dependency != name {
                self.resolve(&dependency, vars)?;
            }
        }
        self.in_progress.pop();
        let ctx = vars.context();
        match layer.templates.render_value(value, &ctx) {
            Ok(v) => {
                vars.values
                    .insert(name.to_string(), Value::from_serialize(&v));
                vars.context = None;
                Ok(())
            }
            Err(error) => {
                let waits = error.undefined_name().is_some_and(|missing| {
                    self.captured.contains(missing) || self.deferred.contains(missing)
                });
                if waits {
                    self.deferred.insert(name.to_string());
                    vars.pending.push(Pending {
                        name: name.to_string(),
                        value: value.clone(),
                        templates: layer.templates.clone(),
                    });
                    Ok(())
                } else {
                    Err(VarError::Render {
                        name: name.to_string(),
                        origin: layer.origin.clone(),
                        error: Box::new(error),
                    })
                }
            }
        }
    }
}

/// Every variable the templates in a value read.
pub fn referenced(value: &TValue, templates: &Templates) -> Vec<String> {
    match value {
        TValue::Str(Tpl::Text(id) | Tpl::Expr(id)) => templates.variables(*id),
        TValue::Seq(items) => items
            .iter()
            .flat_map(|v| referenced(v, templates))
            .collect(),
        TValue::Map(entries) => entries
            .iter()
            .flat_map(|(_, v)| referenced(v, templates))
            .collect(),
        _ => Vec::new(),
    }
}
