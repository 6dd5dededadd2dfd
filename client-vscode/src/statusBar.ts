/**
 * The status bar item: tokens and cost per call of the active prompt file,
 * as the server words them (`promptwise/status`). Hidden for other files;
 * a click opens the cost comparison.
 */
import * as vscode from 'vscode';

export const STATUS_REQUEST = 'promptwise/status';

/** The server's answer to `promptwise/status`. */
export interface PromptStatus {
  text?: string;
  tooltip?: string;
  tokens?: number;
  approximate?: boolean;
  costPerCall?: number | null;
  model?: string;
}

export type ServerState = 'starting' | 'running' | 'stopped' | 'failed';

export interface StatusView {
  text: string;
  tooltip: string;
  command: string;
}

const COST_COMMAND = 'promptwise.openCostComparison';
const OUTPUT_COMMAND = 'promptwise.showOutput';

export function formatTokens(tokens: number, approximate: boolean): string {
  return `${approximate ? '≈' : ''}${Math.round(tokens).toLocaleString('en-US')}`;
}

/** Dollars with enough digits to tell a cheap prompt from a cheaper one. */
export function formatCost(cost: number): string {
  if (cost === 0) {
    return '$0';
  }
  if (cost < 0.0001) {
    return '<$0.0001';
  }
  return cost < 1 ? `$${cost.toFixed(4)}` : `$${cost.toFixed(2)}`;
}

/** What the item shows, from the server state and its last status answer. */
export function statusView(state: ServerState, status: PromptStatus | undefined, error?: string): StatusView {
  if (state === 'starting') {
    return { text: '$(loading~spin) Promptwise', tooltip: 'Promptwise: starting the language server', command: OUTPUT_COMMAND };
  }
  if (state === 'failed' || state === 'stopped') {
    return {
      text: '$(warning) Promptwise',
      tooltip: `Promptwise: the language server is not running${error ? ` (${error})` : ''}. Click to show the log.`,
      command: OUTPUT_COMMAND,
    };
  }
  if (!status) {
    return {
      text: '$(symbol-numeric) Promptwise',
      tooltip: error ? `Promptwise: no token count (${error})` : 'Promptwise: counting tokens…',
      command: error ? OUTPUT_COMMAND : COST_COMMAND,
    };
  }
  let text = status.text;
  if (!text) {
    const parts = [`$(symbol-numeric) ${formatTokens(status.tokens ?? 0, status.approximate ?? false)} tok`];
    if (typeof status.costPerCall === 'number') {
      parts.push(formatCost(status.costPerCall));
    }
    text = parts.join(' · ');
  }
  let tooltip = status.tooltip;
  if (!tooltip) {
    const model = status.model ? ` with ${status.model}` : '';
    const cost = typeof status.costPerCall === 'number' ? `, ${formatCost(status.costPerCall)} per call` : '';
    tooltip = `Promptwise: ${formatTokens(status.tokens ?? 0, status.approximate ?? false)} input tokens${model}${cost}`;
  }
  return { text, tooltip: `${tooltip}\n\nClick to compare models.`, command: COST_COMMAND };
}

export interface StatusSource {
  readonly state: ServerState;
  readonly lastError: string | undefined;
  isPromptDocument(document: vscode.TextDocument): boolean;
  requestStatus(uri: vscode.Uri): Promise<PromptStatus | undefined>;
}

/** Keeps the item in step with the active editor, edits, diagnostics and settings. */
export class PromptStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: { dispose(): unknown }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;
  private status: { uri: string; value: PromptStatus | undefined; error?: string } | undefined;

  constructor(private readonly source: StatusSource) {
    this.item = vscode.window.createStatusBarItem('promptwise.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Promptwise';
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.refresh(0)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === vscode.window.activeTextEditor?.document) {
          this.refresh(400);
        }
      }),
      // The server publishes after each analysis: the cheapest "done" signal.
      vscode.languages.onDidChangeDiagnostics((e) => {
        const active = vscode.window.activeTextEditor?.document.uri.toString();
        if (active && e.uris.some((uri) => uri.toString() === active)) {
          this.refresh(50);
        }
      }),
    );
  }

  /** Ask the server again after `delay` ms; later calls win. */
  refresh(delay = 0): void {
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => void this.update(), delay);
  }

  private async update(): Promise<void> {
    const generation = ++this.generation;
    const document = vscode.window.activeTextEditor?.document;
    if (!document || !this.source.isPromptDocument(document)) {
      this.item.hide();
      return;
    }
    const uri = document.uri.toString();
    if (this.status?.uri !== uri) {
      this.status = undefined;
    }
    if (this.source.state === 'running') {
      try {
        const value = await this.source.requestStatus(document.uri);
        if (generation !== this.generation) {
          return;
        }
        this.status = { uri, value };
      } catch (error) {
        if (generation !== this.generation) {
          return;
        }
        this.status = { uri, value: this.status?.value, error: error instanceof Error ? error.message : String(error) };
      }
    }
    const view = statusView(this.source.state, this.status?.value, this.status?.error ?? this.source.lastError);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.command = view.command === COST_COMMAND ? { title: 'Compare models', command: COST_COMMAND, arguments: [document.uri] } : view.command;
    this.item.show();
  }

  dispose(): void {
    if (this.timer) {
      clearTimeout(this.timer);
    }
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
