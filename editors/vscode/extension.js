// Starts `runner lsp` for YAML files. The ▶ run lenses call the server's `runner.run`
// command, which the language client registers from the server's capabilities.
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration('runner');
  const environment = config.get('environment');
  const server = { command: config.get('path') || 'runner', args: ['lsp'] };
  client = new LanguageClient(
    'runner',
    'runner',
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: 'file', language: 'yaml' }],
      initializationOptions: environment ? { environment } : {},
    },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
