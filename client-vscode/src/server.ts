/**
 * The language server as the client sees it: find it, start it when the
 * first prompt file opens, feed it settings, restart it (debounced) when the
 * interpreter or the files it serves change, and report what went wrong in
 * one place, the "Promptwise" log.
 */
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  type TextDocumentFilter,
  type LanguageClientOptions,
  type Middleware,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  bundledLauncher,
  displayCommand,
  expandVariables,
  failureNotice,
  hasPythonExtension,
  INSTALL_ARGS,
  installPromptwise,
  NOTICE_ACTION_TITLES,
  pathPythons,
  probeBundle,
  probeImport,
  pythonExtensionInterpreter,
  resolveServer,
  serverCandidates,
  variableContext,
  type NoticeAction,
  type Resolution,
  type ServerCandidate,
} from './interpreter';
import { clientSettings, configurationFor, documentSelector, SECTION, serverSettings, type ClientSettings } from './settings';
import { STATUS_REQUEST, type PromptStatus, type ServerState, type StatusSource } from './statusBar';

const CLIENT_ID = 'promptwise';
const CLIENT_NAME = 'Promptwise';
const RESTART_DEBOUNCE_MS = 500;
const PYTHON_DOWNLOADS = 'https://www.python.org/downloads/';

/** Server commands whose result the client shows (they may also come from code lenses). */
export type ServerResultHandler = (command: string, args: unknown[], result: unknown) => Promise<void>;

export function readClientSettings(): ClientSettings {
  const config = vscode.workspace.getConfiguration(SECTION);
  return clientSettings((key) => config.inspect(key), vscode.workspace.isTrusted);
}

export function readServerSettings(scope?: vscode.Uri): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  return serverSettings((key) => config.inspect(key));
}

export class PromptwiseServer implements StatusSource, vscode.Disposable {
  private client: LanguageClient | undefined;
  private _state: ServerState = 'stopped';
  private _lastError: string | undefined;
  private selector: TextDocumentFilter[] = [];
  private starting: Promise<void> | undefined;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private candidate: ServerCandidate | undefined;
  private pendingPush: Promise<void> | undefined;
  private readonly notified = new Set<string>();
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.stateEmitter.event;
  /** `bundled/tool/launch.py`, when this build of the extension carries the server. */
  private readonly launcher: string | undefined;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly onServerResult: ServerResultHandler,
    extensionPath: string,
  ) {
    this.launcher = bundledLauncher(extensionPath);
    this.updateSelector();
  }

  get state(): ServerState {
    return this._state;
  }

  get lastError(): string | undefined {
    return this._lastError;
  }

  /** Where the running server came from, for messages. */
  get source(): ServerCandidate | undefined {
    return this.candidate;
  }

  private setState(state: ServerState, error?: string): void {
    this._state = state;
    this._lastError = error;
    this.stateEmitter.fire(state);
  }

  private updateSelector(): void {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    this.selector = documentSelector(readClientSettings().include, folders);
  }

  isPromptDocument(document: vscode.TextDocument): boolean {
    return vscode.languages.match(this.selector, document) > 0;
  }

  /** Start the server if it is not running and a prompt file is open. */
  startIfNeeded(): void {
    if (this.client || this.starting || this._state === 'failed') {
      return;
    }
    if (vscode.workspace.textDocuments.some((d) => this.isPromptDocument(d))) {
      void this.start();
    }
  }

  start(): Promise<void> {
    this.starting ??= this.doStart().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async doStart(): Promise<void> {
    this.setState('starting');
    const resolution = await this.findServer();
    if (resolution.kind !== 'found') {
      this.reportFailure(resolution);
      return;
    }
    this.candidate = resolution.candidate;
    const [command, ...args] = resolution.candidate.command;
    const about = [
      resolution.candidate.mode === 'bundled' ? 'bundled' : resolution.candidate.mode === 'environment' ? 'installed in the interpreter' : 'own command',
      resolution.candidate.source,
      resolution.pythonVersion ? `Python ${resolution.pythonVersion}` : undefined,
      resolution.version ? `promptwise ${resolution.version}` : undefined,
    ].filter(Boolean);
    this.log.info(`Starting the server (${about.join(', ')}): ${displayCommand(resolution.candidate.command)}`);
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const serverOptions: ServerOptions = { command, args, options: { cwd, env: { ...process.env, PYTHONUTF8: '1' } } };
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, this.clientOptions());
    client.onDidChangeState((e) => {
      if (this.client !== client) {
        return;
      }
      if (e.newState === State.Running) {
        this.setState('running');
      } else if (e.newState === State.Stopped) {
        this.setState('stopped', 'the server stopped; see the Promptwise log');
      }
    });
    this.client = client;
    try {
      await client.start();
      this.setState('running');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.error(`The server did not start: ${message}`);
      this.client = undefined;
      await client.dispose().catch(() => undefined);
      this.setState('failed', message);
    }
  }

  private clientOptions(): LanguageClientOptions {
    return {
      documentSelector: this.selector,
      outputChannel: this.log,
      traceOutputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher('**/{promptwise.yaml,.promptwise.yaml,pyproject.toml}'),
      },
      middleware: this.middleware(),
    };
  }

  private middleware(): Middleware {
    return {
      workspace: {
        // The server pulls `promptwise`: answer with what the user set, never client-only keys.
        configuration: async (params, token, next) => {
          const results: unknown[] = [];
          for (const item of params.items) {
            const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
            const answer = configurationFor(item.section, readServerSettings(scope));
            if (answer.handled) {
              results.push(answer.value);
            } else {
              const other = await next({ items: [item] }, token);
              results.push(Array.isArray(other) ? other[0] : null);
            }
          }
          return results;
        },
        // If the server registers for pushes itself, it gets the same mapped object.
        didChangeConfiguration: () => this.pushSettings(),
      },
      // Code lenses run the server's commands directly; show what they return.
      executeCommand: async (command, args, next) => {
        const result: unknown = await next(command, args);
        await this.onServerResult(command, args, result);
        return result;
      },
    };
  }

  private async findServer(): Promise<Resolution> {
    const settings = readClientSettings();
    const resource = vscode.window.activeTextEditor?.document.uri;
    const context = variableContext(resource);
    const expand = (parts: string[]) => parts.map((p) => expandVariables(p, context));
    const usesPython = settings.path.length === 0 && settings.interpreter.length === 0;
    if (settings.importStrategy === 'useBundled' && !this.launcher && settings.path.length === 0) {
      this.log.info('This build of the extension carries no bundled server (bundled/libs); using promptwise from the interpreter\'s environment');
    }
    const candidates = serverCandidates({
      path: expand(settings.path),
      interpreter: expand(settings.interpreter),
      pythonExtension: usesPython ? await pythonExtensionInterpreter(resource, this.log) : undefined,
      pathPythons: usesPython ? pathPythons() : [],
      strategy: settings.importStrategy,
      bundledLauncher: this.launcher,
    });
    const resolution = await resolveServer(candidates, { importProbe: probeImport, bundleProbe: probeBundle });
    if (resolution.kind === 'missing-module') {
      this.log.warn(`${displayCommand(resolution.candidate.python ?? [])} (${resolution.candidate.source}) cannot import promptwise: ${resolution.detail}`);
    } else if (resolution.kind === 'no-usable-python') {
      for (const { candidate, detail } of resolution.rejected) {
        this.log.warn(`${displayCommand(candidate.python ?? [])} (${candidate.source}) cannot run the bundled server: ${detail}`);
      }
    }
    return resolution;
  }

  /** One notification per problem and session, with the ways out. */
  private reportFailure(resolution: Exclude<Resolution, { kind: 'found' }>): void {
    const notice = failureNotice(resolution, this.launcher !== undefined);
    this.setState('failed', notice.status);
    this.log.error(notice.message);
    if (this.notified.has(notice.key)) {
      return;
    }
    this.notified.add(notice.key);
    const titles = notice.actions.map((action) => NOTICE_ACTION_TITLES[action]);
    void vscode.window.showWarningMessage(notice.message, ...titles).then((choice) => {
      const action = notice.actions.find((a) => NOTICE_ACTION_TITLES[a] === choice);
      if (action) {
        void this.runNoticeAction(action, resolution);
      }
    });
  }

  private async runNoticeAction(action: NoticeAction, resolution: Exclude<Resolution, { kind: 'found' }>): Promise<void> {
    const candidate = resolution.kind === 'missing-module' ? resolution.candidate : undefined;
    switch (action) {
      case 'install':
        if (candidate?.python) {
          await this.installInto(candidate.python);
        }
        return;
      case 'useBundled': {
        // Where the user set fromEnvironment; the configuration change restarts the server.
        const config = vscode.workspace.getConfiguration(SECTION);
        const inWorkspace = config.inspect('importStrategy')?.workspaceValue !== undefined && vscode.workspace.isTrusted;
        await config.update('importStrategy', 'useBundled', inWorkspace ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
        return;
      }
      case 'getPython':
        await vscode.env.openExternal(vscode.Uri.parse(PYTHON_DOWNLOADS));
        return;
      case 'select': {
        const source = candidate?.source ?? (resolution.kind === 'no-usable-python' ? resolution.rejected[0]?.candidate.source : undefined);
        await this.selectInterpreter(source);
        return;
      }
    }
  }

  /** `<python> -m pip install promptwise` in a terminal the user sees; restart when it succeeds. */
  async installInto(python: readonly string[]): Promise<void> {
    this.log.info(`Installing: ${displayCommand([...python, ...INSTALL_ARGS])}`);
    const code = await installPromptwise(python);
    if (code === 0) {
      this.log.info('promptwise installed; restarting the server');
      this.restart('promptwise was installed', 0, true);
    } else {
      this.log.warn(`pip exited with ${String(code)}; see the "Promptwise: install" terminal`);
    }
  }

  async selectInterpreter(source?: string): Promise<void> {
    if (source !== 'promptwise.interpreter' && hasPythonExtension()) {
      await vscode.commands.executeCommand('python.setInterpreter');
    } else {
      await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.interpreter`);
    }
  }

  /**
   * Restart after `delay` ms; requests in between collapse into one. A restart
   * the user asked for may show the "cannot import promptwise" notice again.
   */
  restart(reason: string, delay = RESTART_DEBOUNCE_MS, userRequested = false): void {
    if (userRequested) {
      this.notified.clear();
    }
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.doRestart(reason);
    }, delay);
  }

  private async doRestart(reason: string): Promise<void> {
    this.log.info(`Restarting the server: ${reason}`);
    await this.starting;
    await this.stop();
    this.updateSelector();
    this.setState('stopped');
    if (vscode.workspace.textDocuments.some((d) => this.isPromptDocument(d))) {
      await this.start();
    }
  }

  /** The interpreter changed in the Python extension: matters only if it chose the server. */
  onPythonInterpreterChanged(): void {
    const source = this.candidate?.source;
    if (source === undefined || source === 'Python extension' || source === 'PATH' || this._state === 'failed') {
      this.restart('the Python extension selected another interpreter');
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.candidate = undefined;
    if (client) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.log.warn(`Stopping the server: ${String(error)}`);
      }
      await client.dispose().catch(() => undefined);
    }
  }

  /**
   * Tell the running server that `promptwise.*` changed, with the mapped
   * settings (it pulls them again through workspace/configuration anyway).
   * One change can arrive twice, from our listener and from a dynamic
   * registration by the server: calls within 50 ms become one notification.
   */
  pushSettings(): Promise<void> {
    this.pendingPush ??= new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        this.pendingPush = undefined;
        const client = this.client;
        if (!client || this._state !== 'running') {
          resolve();
          return;
        }
        this.log.info('Settings changed; sending them to the server');
        client.sendNotification(DidChangeConfigurationNotification.type, { settings: { [SECTION]: readServerSettings() } }).then(resolve, reject);
      }, 50);
    });
    return this.pendingPush;
  }

  async requestStatus(uri: vscode.Uri): Promise<PromptStatus | undefined> {
    if (!this.client || this._state !== 'running') {
      return undefined;
    }
    return this.client.sendRequest<PromptStatus | undefined>(STATUS_REQUEST, { uri: uri.toString() });
  }

  /** workspace/executeCommand, for the palette commands (lenses go through the middleware). */
  async executeCommand(command: string, args: unknown[]): Promise<unknown> {
    if (!this.client || this._state !== 'running') {
      await this.start();
    }
    if (!this.client || this._state !== 'running') {
      throw new Error(`the language server is not running${this._lastError ? ` (${this._lastError})` : ''}`);
    }
    return this.client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  dispose(): void {
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
    }
    this.stateEmitter.dispose();
    void this.stop();
  }
}
