//! Why a template could not be rendered, and where the template is written.

use crate::location::Location;

/// Why a template could not be rendered.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TemplateError {
    /// A variable the context does not define.
    #[error("undefined variable `{name}` in {field}{}", suggestion_text(.suggestion))]
    Undefined {
        /// The variable.
        name: String,
        /// The field the template stands in (e.g. `headers.Authorization`).
        field: String,
        /// A known variable with a close name.
        suggestion: Option<String>,
        /// Where the template is written.
        location: Location,
    },
    /// Any other evaluation failure.
    #[error("cannot render {field}: {message}")]
    Eval {
        /// The field the template stands in.
        field: String,
        /// minijinja's description.
        message: String,
        /// Where the template is written.
        location: Location,
    },
}

impl TemplateError {
    /// Where the failing template is written.
    pub fn location(&self) -> &Location {
        match self {
            TemplateError::Undefined { location, .. } | TemplateError::Eval { location, .. } => {
                location
            }
        }
    }
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

impl TemplateError {
    /// The undefined variable, where that is the cause.
    pub fn undefined_name(&self) -> Option<&str> {
        match self {
            TemplateError::Undefined { name, .. } => Some(name),
            TemplateError::Eval { .. } => None,
        }
    }
}
