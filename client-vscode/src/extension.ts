/**
 * Entry point: wire the server, the status bar and the commands together.
 * The server starts lazily, when the first prompt file is open, so opening an
 * ordinary Markdown file never launches Python.
 */
import * as vscode from 'vscode';
import { PromptwiseCommands } from './commands';
import { onDidChangePythonInterpreter } from './interpreter';
import { PromptwiseServer } from './server';
import { affectsServer, needsRestart, SECTION } from './settings';
import { PromptStatusBar } from './statusBar';

let server: PromptwiseServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Promptwise', { log: true });
  const running: PromptwiseServer = new PromptwiseServer(
    log,
    (command, args, result): Promise<void> => commands.showResult(command, args, result),
    context.extensionPath,
  );
  const commands: PromptwiseCommands = new PromptwiseCommands(running, log);
  server = running;
  const statusBar = new PromptStatusBar(running);

  context.subscriptions.push(
    log,
    running,
    commands,
    statusBar,
    ...commands.register(),
    running.onDidChangeState(() => statusBar.refresh(0)),
    vscode.workspace.onDidOpenTextDocument(() => running.startIfNeeded()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (needsRestart((s) => event.affectsConfiguration(s))) {
        running.restart('the server command or the files it serves changed');
      } else if (affectsServer((s) => event.affectsConfiguration(s))) {
        void running.pushSettings().catch((error: unknown) => {
          log.warn(`Could not send the settings to the server: ${String(error)}`);
        });
        statusBar.refresh(300);
        setTimeout(() => statusBar.refresh(0), 1500);
      } else if (event.affectsConfiguration(SECTION)) {
        statusBar.refresh(0);
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => running.restart('the workspace is now trusted')),
    vscode.workspace.onDidChangeWorkspaceFolders(() => running.restart('the workspace folders changed')),
  );
  const pythonChanges = await onDidChangePythonInterpreter(() => running.onPythonInterpreterChanged());
  if (pythonChanges) {
    context.subscriptions.push(pythonChanges);
  }
  running.startIfNeeded();
  statusBar.refresh(0);
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
