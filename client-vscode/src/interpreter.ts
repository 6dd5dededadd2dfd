/**
 * Finding the server: which command line starts `promptwise serve`.
 *
 * In order: `promptwise.path` (a whole server command line, used as given),
 * `promptwise.interpreter`, the Python extension's active interpreter (only
 * when that extension is installed, and only in a trusted workspace: it may
 * point into the workspace), then `python3` / `python` on PATH. The first
 * source that is set decides; a Python without `promptwise` is reported, not
 * silently replaced by another one, except among the PATH fallbacks.
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

export type ServerSource = 'promptwise.path' | 'promptwise.interpreter' | 'Python extension' | 'PATH';

export interface ServerCandidate {
  source: ServerSource;
  /** The command line that starts the language server on stdio. */
  command: string[];
  /** The Python command line, when the server runs as `<python> -m promptwise serve`. */
  python?: string[];
}

export interface CandidateInputs {
  path: readonly string[];
  interpreter: readonly string[];
  /** The Python extension's interpreter, if installed and usable here. */
  pythonExtension?: readonly string[];
  /** Pythons found on PATH, in preference order (python3 before python). */
  pathPythons: readonly string[];
}

export const SERVER_MODULE_ARGS = ['-m', 'promptwise', 'serve'] as const;
export const IMPORT_CHECK = 'import sys, promptwise; sys.stdout.write(promptwise.__version__)';

function pythonCandidate(source: ServerSource, python: readonly string[]): ServerCandidate {
  return { source, python: [...python], command: [...python, ...SERVER_MODULE_ARGS] };
}

/** The candidates of the first source that is set, best first. */
export function serverCandidates(inputs: CandidateInputs): ServerCandidate[] {
  if (inputs.path.length > 0) {
    return [{ source: 'promptwise.path', command: [...inputs.path] }];
  }
  if (inputs.interpreter.length > 0) {
    return [pythonCandidate('promptwise.interpreter', inputs.interpreter)];
  }
  if (inputs.pythonExtension && inputs.pythonExtension.length > 0) {
    return [pythonCandidate('Python extension', inputs.pythonExtension)];
  }
  return inputs.pathPythons.map((python) => pythonCandidate('PATH', [python]));
}

export type Resolution =
  | { kind: 'found'; candidate: ServerCandidate; version?: string }
  | { kind: 'missing-module'; candidate: ServerCandidate; detail: string }
  | { kind: 'no-python' };

/** Whether `python` can import promptwise: its version, or why not. */
export type ImportProbe = (python: readonly string[]) => Promise<{ ok: true; version: string } | { ok: false; detail: string }>;

/**
 * Pick the server: the first candidate whose Python imports `promptwise`.
 * `promptwise.path` is trusted as written (it may not be Python at all).
 */
export async function resolveServer(candidates: readonly ServerCandidate[], probe: ImportProbe): Promise<Resolution> {
  if (candidates.length === 0) {
    return { kind: 'no-python' };
  }
  let firstFailure: { candidate: ServerCandidate; detail: string } | undefined;
  for (const candidate of candidates) {
    if (!candidate.python) {
      return { kind: 'found', candidate };
    }
    const result = await probe(candidate.python);
    if (result.ok) {
      return { kind: 'found', candidate, version: result.version };
    }
    firstFailure ??= { candidate, detail: result.detail };
  }
  return firstFailure ? { kind: 'missing-module', ...firstFailure } : { kind: 'no-python' };
}

export interface VariableContext {
  workspaceFolder?: string;
  home: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** Expand `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~`. */
export function expandVariables(value: string, context: VariableContext): string {
  let result = value.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (match, name: string, envName?: string) => {
    if (envName) {
      return context.env[envName] ?? '';
    }
    if (name === 'userHome') {
      return context.home;
    }
    return context.workspaceFolder ?? match;
  });
  if (result === '~' || result.startsWith('~/') || result.startsWith('~\\')) {
    result = context.home + result.slice(1);
  }
  return result;
}

/** Executables named `names` on `pathEnv`, in the order of the names. */
export function findOnPath(
  names: readonly string[],
  pathEnv: string | undefined,
  isExecutable: (file: string) => boolean,
  platform: NodeJS.Platform = process.platform,
): string[] {
  const dirs = (pathEnv ?? '').split(platform === 'win32' ? ';' : ':').filter(Boolean);
  const suffixes = platform === 'win32' ? ['.exe', ''] : [''];
  const found: string[] = [];
  for (const name of names) {
    for (const dir of dirs) {
      const hit = suffixes.map((s) => path.join(dir, name + s)).find(isExecutable);
      if (hit) {
        found.push(hit);
        break;
      }
    }
  }
  return found;
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function pathPythons(): string[] {
  const names = process.platform === 'win32' ? ['python', 'py'] : ['python3', 'python'];
  return findOnPath(names, process.env.PATH, isExecutableFile);
}

/** Run `python -c "import promptwise"`; never throws. */
export const probeImport: ImportProbe = (python) =>
  new Promise((resolve) => {
    execFile(python[0], [...python.slice(1), '-c', IMPORT_CHECK], { timeout: 30_000, windowsHide: true }, (error, stdout, stderr) => {
      if (error) {
        const lastLine = stderr.trim().split(/\r?\n/).pop() ?? '';
        resolve({ ok: false, detail: lastLine || error.message });
      } else {
        resolve({ ok: true, version: stdout.trim() });
      }
    });
  });

export function variableContext(resource?: vscode.Uri): VariableContext {
  const folder = (resource && vscode.workspace.getWorkspaceFolder(resource)) ?? vscode.workspace.workspaceFolders?.[0];
  return { workspaceFolder: folder?.uri.fsPath, home: os.homedir(), env: process.env };
}

const PYTHON_EXTENSION_ID = 'ms-python.python';

/**
 * The Python extension's active interpreter, through its public API, or
 * undefined when the extension is not installed, the workspace is untrusted,
 * or it has no valid interpreter.
 */
export async function pythonExtensionInterpreter(resource: vscode.Uri | undefined, log: vscode.LogOutputChannel): Promise<string[] | undefined> {
  if (!vscode.workspace.isTrusted || !vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) {
    return undefined;
  }
  try {
    const { PythonExtension } = await import('@vscode/python-extension');
    const api = await PythonExtension.api();
    const active = api.environments.getActiveEnvironmentPath(resource);
    const resolved = await api.environments.resolveEnvironment(active);
    const executable = resolved?.executable.uri?.fsPath;
    return executable ? [executable] : undefined;
  } catch (error) {
    log.warn(`Could not ask the Python extension for its interpreter: ${String(error)}`);
    return undefined;
  }
}

/** Calls `listener` when the Python extension's active interpreter changes (if installed). */
export async function onDidChangePythonInterpreter(listener: () => void): Promise<vscode.Disposable | undefined> {
  if (!vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) {
    return undefined;
  }
  try {
    const { PythonExtension } = await import('@vscode/python-extension');
    const api = await PythonExtension.api();
    return api.environments.onDidChangeActiveEnvironmentPath(() => listener());
  } catch {
    return undefined;
  }
}

export function hasPythonExtension(): boolean {
  return vscode.extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined;
}

/** Human-readable command line, for messages and logs. */
export function displayCommand(command: readonly string[]): string {
  return command.map((part) => (/[\s"']/.test(part) ? JSON.stringify(part) : part)).join(' ');
}

export const INSTALL_ARGS = ['-m', 'pip', 'install', 'promptwise'] as const;

/**
 * Run `<python> -m pip install promptwise` in a terminal the user sees. The
 * terminal is ours (a pseudoterminal over the process), so it stays open with
 * pip's output whatever happens, works in Restricted Mode, and tells us the
 * exit code.
 */
export function installPromptwise(python: readonly string[]): Promise<number | null> {
  const args = [...python.slice(1), ...INSTALL_ARGS];
  const write = new vscode.EventEmitter<string>();
  const crlf = (text: string) => text.replace(/\r?\n/g, '\r\n');
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn> | undefined;
    const terminal = vscode.window.createTerminal({
      name: 'Promptwise: install',
      pty: {
        onDidWrite: write.event,
        open: () => {
          write.fire(`\x1b[1m$ ${displayCommand([python[0], ...args])}\x1b[0m\r\n\r\n`);
          child = spawn(python[0], args, { env: { ...process.env, PIP_NO_INPUT: '1' }, windowsHide: true });
          child.stdout?.on('data', (data: Buffer) => {
            write.fire(crlf(data.toString()));
          });
          child.stderr?.on('data', (data: Buffer) => {
            write.fire(crlf(data.toString()));
          });
          child.on('error', (error) => {
            write.fire(crlf(`\n${error.message}\n`));
            resolve(null);
          });
          child.on('close', (code) => {
            write.fire(
              code === 0
                ? '\r\n\x1b[32mpromptwise is installed; the language server starts now.\x1b[0m\r\n'
                : `\r\n\x1b[31mpip exited with code ${String(code)}.\x1b[0m Fix the problem above, then run "Promptwise: Restart Server".\r\n`,
            );
            resolve(code);
          });
        },
        close: () => {
          child?.kill();
          write.dispose();
        },
      },
    });
    terminal.show();
  });
}
