//! A Zed extension that starts `runner lsp` (the `runner` found on the worktree's PATH) for
//! YAML files, passing `lsp.runner.initialization_options` from the user's settings.

use zed_extension_api::{self as zed, settings::LspSettings};

struct RunnerExtension;

impl zed::Extension for RunnerExtension {
    fn new() -> Self {
        RunnerExtension
    }

    fn language_server_command(
        &mut self,
        _id: &zed::LanguageServerId,
        worktree: &zed::Worktree,
    ) -> zed::Result<zed::Command> {
        let command = worktree
            .which("runner")
            .ok_or("runner is not on PATH: install it, or set lsp.runner.binary.path")?;
        Ok(zed::Command {
            command,
            args: vec!["lsp".to_string()],
            env: Vec::new(),
        })
    }

    fn language_server_initialization_options(
        &mut self,
        _id: &zed::LanguageServerId,
        worktree: &zed::Worktree,
    ) -> zed::Result<Option<zed::serde_json::Value>> {
        Ok(LspSettings::for_worktree("runner", worktree)
            .ok()
            .and_then(|settings| settings.initialization_options))
    }
}

zed::register_extension!(RunnerExtension);
