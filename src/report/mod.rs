//! Reporters: what a run looks like to people (and, later, to CI).

pub mod terminal;
