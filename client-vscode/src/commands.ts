/**
 * The palette commands, and the panels that show what the server's commands
 * return (cost comparison, escalation report, rule documentation). The
 * server writes the markdown; the client only renders it.
 */
import * as vscode from 'vscode';
import type { PromptwiseServer } from './server';

/** Commands the server implements (workspace/executeCommand). */
export const SERVER_COMMANDS = {
  costComparison: 'promptwise.showCostComparison',
  escalationReport: 'promptwise.showEscalationReport',
  explainRule: 'promptwise.explainRule',
  workspaceTokens: 'promptwise.showWorkspaceTokens',
} as const;

/**
 * Commands this extension contributes. Their ids differ from the server's:
 * vscode-languageclient registers a VS Code command for every command the
 * server announces, and two registrations of one id fail.
 */
export const CLIENT_COMMANDS = {
  restartServer: 'promptwise.restartServer',
  showOutput: 'promptwise.showOutput',
  openCostComparison: 'promptwise.openCostComparison',
  openEscalationReport: 'promptwise.openEscalationReport',
  openRuleDocumentation: 'promptwise.openRuleDocumentation',
  openWorkspaceTokens: 'promptwise.openWorkspaceTokens',
} as const;

type PanelKind = 'costComparison' | 'escalationReport' | 'explainRule' | 'workspaceTokens';

const PANEL_TITLES: Record<PanelKind, string> = {
  costComparison: 'Cost comparison',
  escalationReport: 'Escalation report',
  explainRule: 'Rule',
  workspaceTokens: 'Prompts by cost',
};

function escapeCell(value: unknown): string {
  if (value === null || value === undefined) {
    return '–';
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A markdown table from the server's rows, for a result that carries no markdown. */
export function rowsToMarkdown(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) {
    return '_No models to compare._';
  }
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const lines = [
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${columns.map((c) => escapeCell(row[c])).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** The markdown in a server command's result: `{markdown}`, `{rows}` or a bare string. */
export function resultMarkdown(result: unknown): string | undefined {
  if (typeof result === 'string') {
    return result;
  }
  if (typeof result !== 'object' || result === null) {
    return undefined;
  }
  const record = result as Record<string, unknown>;
  if (typeof record.markdown === 'string') {
    return record.markdown;
  }
  if (Array.isArray(record.rows)) {
    return rowsToMarkdown(record.rows.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null));
  }
  return undefined;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** The built-in markdown extension's renderer (tables, images, inline SVG); plain text if it is missing. */
async function renderMarkdown(markdown: string): Promise<string> {
  try {
    const html = await vscode.commands.executeCommand<string>('markdown.api.render', markdown);
    if (typeof html === 'string') {
      return html;
    }
  } catch {
    // Markdown extension disabled: fall through.
  }
  return `<pre>${escapeHtml(markdown)}</pre>`;
}

function pageHtml(webview: vscode.Webview, title: string, body: string): string {
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} https: data:`,
    `style-src ${webview.cspSource} 'unsafe-inline'`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 1.5em 2em; line-height: 1.5; }
  table { border-collapse: collapse; margin: 1em 0; }
  th, td { border: 1px solid var(--vscode-panel-border, #8884); padding: 0.3em 0.8em; text-align: left; }
  td { font-variant-numeric: tabular-nums; }
  th { background: var(--vscode-editorWidget-background); }
  code, pre { font-family: var(--vscode-editor-font-family); }
  pre { background: var(--vscode-textCodeBlock-background); padding: 0.8em; overflow-x: auto; }
  img, svg { max-width: 100%; height: auto; }
  a { color: var(--vscode-textLink-foreground); }
</style></head>
<body class="promptwise-${escapeHtml(title.split(':')[0].toLowerCase().replace(/\W+/g, '-'))}">${body}</body></html>`;
}

/** One reusable webview panel per kind of result. */
export class ResultPanels implements vscode.Disposable {
  private readonly panels = new Map<PanelKind, vscode.WebviewPanel>();

  async show(kind: PanelKind, subject: string | undefined, markdown: string): Promise<void> {
    const title = `${PANEL_TITLES[kind]}${subject ? `: ${subject}` : ''}`;
    let panel = this.panels.get(kind);
    if (!panel) {
      panel = vscode.window.createWebviewPanel(`promptwise.${kind}`, title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
        enableScripts: false,
        enableFindWidget: true,
        localResourceRoots: [],
      });
      const created = panel;
      created.onDidDispose(() => {
        if (this.panels.get(kind) === created) {
          this.panels.delete(kind);
        }
      });
      this.panels.set(kind, created);
    }
    panel.title = title;
    panel.webview.html = pageHtml(panel.webview, title, await renderMarkdown(markdown));
    panel.reveal(undefined, true);
  }

  dispose(): void {
    for (const panel of this.panels.values()) {
      panel.dispose();
    }
    this.panels.clear();
  }
}

function kindOf(command: string): PanelKind | undefined {
  switch (command) {
    case SERVER_COMMANDS.costComparison:
      return 'costComparison';
    case SERVER_COMMANDS.escalationReport:
      return 'escalationReport';
    case SERVER_COMMANDS.explainRule:
      return 'explainRule';
    case SERVER_COMMANDS.workspaceTokens:
      return 'workspaceTokens';
    default:
      return undefined;
  }
}

function subjectOf(kind: PanelKind, args: readonly unknown[]): string | undefined {
  const first = args[0];
  if (typeof first !== 'string' && !(first instanceof vscode.Uri)) {
    return undefined;
  }
  if (kind === 'explainRule') {
    return String(first);
  }
  if (kind === 'workspaceTokens') {
    return undefined;
  }
  const uri = typeof first === 'string' ? vscode.Uri.parse(first) : first;
  return uri.path.split('/').pop();
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A server without the command (older version, advisor not built in). */
function isUnknownCommand(error: unknown): boolean {
  const text = errorText(error).toLowerCase();
  const code = (error as { code?: number } | undefined)?.code;
  return code === -32601 || /unknown command|not found|no command|not supported|method not found/.test(text);
}

export class PromptwiseCommands implements vscode.Disposable {
  private readonly panels = new ResultPanels();
  private readonly disposables: { dispose(): unknown }[] = [this.panels];

  constructor(
    private readonly server: PromptwiseServer,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  register(): { dispose(): unknown }[] {
    const register = (id: string, handler: (...args: unknown[]) => unknown) => {
      this.disposables.push(vscode.commands.registerCommand(id, handler));
    };
    register(CLIENT_COMMANDS.restartServer, () => this.server.restart('restart requested', 0, true));
    register(CLIENT_COMMANDS.showOutput, () => this.log.show());
    register(CLIENT_COMMANDS.openCostComparison, (uri) => this.runForDocument(SERVER_COMMANDS.costComparison, uri));
    register(CLIENT_COMMANDS.openEscalationReport, (uri) => this.runForDocument(SERVER_COMMANDS.escalationReport, uri));
    register(CLIENT_COMMANDS.openRuleDocumentation, (code) => this.openRuleDocumentation(code));
    // From the explorer's context menu the argument is the folder; from the palette, every workspace folder.
    register(CLIENT_COMMANDS.openWorkspaceTokens, (folder) =>
      this.runServerCommand(SERVER_COMMANDS.workspaceTokens, folder instanceof vscode.Uri ? [folder.toString()] : []),
    );
    return this.disposables;
  }

  /** Shows a server command's result; also called for commands run from code lenses. */
  async showResult(command: string, args: readonly unknown[], result: unknown): Promise<void> {
    const kind = kindOf(command);
    if (!kind) {
      return;
    }
    const markdown = resultMarkdown(result);
    if (markdown === undefined) {
      this.log.warn(`${command} returned nothing to show: ${JSON.stringify(result)}`);
      void vscode.window.showWarningMessage(`Promptwise: ${PANEL_TITLES[kind].toLowerCase()} is empty.`);
      return;
    }
    await this.panels.show(kind, subjectOf(kind, args), markdown);
  }

  private promptUri(arg: unknown): vscode.Uri | undefined {
    if (arg instanceof vscode.Uri) {
      return arg;
    }
    if (typeof arg === 'string' && arg) {
      return vscode.Uri.parse(arg);
    }
    const document = vscode.window.activeTextEditor?.document;
    return document && this.server.isPromptDocument(document) ? document.uri : undefined;
  }

  private async runForDocument(command: string, arg: unknown): Promise<void> {
    const uri = this.promptUri(arg);
    if (!uri) {
      void vscode.window.showInformationMessage('Promptwise: open a prompt file first.');
      return;
    }
    await this.runServerCommand(command, [uri.toString()]);
  }

  private async runServerCommand(command: string, args: unknown[]): Promise<void> {
    let result: unknown;
    try {
      result = await this.server.executeCommand(command, args);
    } catch (error) {
      this.log.error(`${command} failed: ${errorText(error)}`);
      const what = PANEL_TITLES[kindOf(command) ?? 'costComparison'].toLowerCase();
      const message = isUnknownCommand(error)
        ? `Promptwise: this version of the language server has no ${what}.`
        : `Promptwise: could not get the ${what}: ${errorText(error)}`;
      const choice = await vscode.window.showWarningMessage(message, 'Show log');
      if (choice === 'Show log') {
        this.log.show();
      }
      return;
    }
    await this.showResult(command, args, result);
  }

  private async openRuleDocumentation(arg: unknown): Promise<void> {
    let code = typeof arg === 'string' ? arg : undefined;
    if (!code) {
      code = await this.pickRule();
    }
    if (code) {
      // The open prompt's URI lets the server find rules from its `ruleDirs`.
      const document = vscode.window.activeTextEditor?.document;
      const uri = document && this.server.isPromptDocument(document) ? [document.uri.toString()] : [];
      await this.runServerCommand(SERVER_COMMANDS.explainRule, [code.trim().toUpperCase(), ...uri]);
    }
  }

  /** Codes found in the active file first, or any code typed in. */
  private async pickRule(): Promise<string | undefined> {
    const document = vscode.window.activeTextEditor?.document;
    const items = new Map<string, vscode.QuickPickItem>();
    for (const diagnostic of document ? vscode.languages.getDiagnostics(document.uri) : []) {
      const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
      if (code !== undefined && /^PW\d{3}$/i.test(String(code)) && !items.has(String(code))) {
        items.set(String(code), { label: String(code), description: diagnostic.message, detail: `line ${diagnostic.range.start.line + 1}` });
      }
    }
    if (items.size === 0) {
      return vscode.window.showInputBox({ title: 'Promptwise rule', prompt: 'Rule code, e.g. PW201', validateInput: (v) => (/^\s*PW\d{3}\s*$/i.test(v) ? undefined : 'A code like PW201') });
    }
    const other: vscode.QuickPickItem = { label: 'Another rule…', alwaysShow: true };
    const choice = await vscode.window.showQuickPick([...items.values(), other], { title: 'Promptwise: open rule documentation', matchOnDescription: true });
    if (choice === other) {
      return vscode.window.showInputBox({ title: 'Promptwise rule', prompt: 'Rule code, e.g. PW201' });
    }
    return choice?.label;
  }

  dispose(): void {
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
