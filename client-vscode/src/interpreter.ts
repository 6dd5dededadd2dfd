/**
 * Finding the server: which command line starts `promptwise serve`.
 *
 * `promptwise.path`, when set, is the whole command line, used as given.
 * Otherwise the server runs on a Python: `promptwise.interpreter` if set, else
 * the Python extension's interpreter (only in a trusted workspace: it may
 * point into the workspace) and the Pythons on PATH.
 *
 * `promptwise.importStrategy` decides what that Python runs. `useBundled`
 * (the default) runs the server this extension carries in `bundled/`, so any
 * CPython 3.10+ will do, with nothing installed: each Python found is tried in
 * turn until one can load the bundled libraries. `fromEnvironment` runs the
 * `promptwise` installed in that Python (`promptwise serve`, with the working
 * directory kept off `sys.path`: see SERVER_MODULE_ARGS); a Python
 * without it is reported (with an offer to install it), not silently replaced
 * by another one, except among the PATH fallbacks. A build of the extension
 * without `bundled/libs` (a plain `npm run package`) always uses the
 * environment.
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ImportStrategy } from './settings';

export type ServerSource = 'promptwise.path' | 'promptwise.interpreter' | 'Python extension' | 'PATH';

/** How a candidate runs the server: a user's command, the bundled libraries, or the Python's own install. */
export type ServerMode = 'command' | 'bundled' | 'environment';

export interface ServerCandidate {
  source: ServerSource;
  mode: ServerMode;
  /** The command line that starts the language server on stdio. */
  command: string[];
  /** The Python command line the server runs on (absent for `promptwise.path`). */
  python?: string[];
  /** The bundled launcher, when `mode` is `bundled`. */
  launcher?: string;
}

export interface CandidateInputs {
  path: readonly string[];
  interpreter: readonly string[];
  /** The Python extension's interpreter, if installed and usable here. */
  pythonExtension?: readonly string[];
  /** Pythons found on PATH, in preference order, each a command line (`py -3` on Windows). */
  pathPythons: readonly (readonly string[])[];
  strategy: ImportStrategy;
  /** `bundled/tool/launch.py`, when this build of the extension carries the server. */
  bundledLauncher?: string;
}

/**
 * `fromEnvironment` runs the promptwise installed in the interpreter, never one
 * from the workspace. `python -m promptwise` (and `-c`) put the working
 * directory first on `sys.path`, and the server starts in the workspace folder:
 * a `promptwise.py` or `promptwise/` folder committed there would be imported
 * and run. `-I` or `-P` would prevent that, but `-I` also drops the user's
 * site-packages and `PYTHONPATH` (where a `pip install --user` puts
 * promptwise) and `-P` needs Python 3.11. So the code below removes that first
 * entry itself before anything is imported. `tests/hardening/test_vscode_launch.py`
 * runs these exact strings (kept in JSON-compatible double quotes for it) in a
 * hostile workspace folder.
 */
export const SAFE_PATH = "import os, sys\nif sys.path and sys.path[0] in ('', '.', os.getcwd()):\n    del sys.path[0]\n";
export const SERVER_MODULE_ARGS = ['-c', SAFE_PATH + "from promptwise.cli import main\nsys.exit(main(sys.argv[1:]))\n", 'serve'] as const;
export const IMPORT_CHECK = SAFE_PATH + "import promptwise\nsys.stdout.write(promptwise.__version__)\n";
/**
 * Isolated mode for the bundled server: no user site-packages, no PYTHON*
 * variables, no script or working directory on sys.path, so the bundled
 * libraries are the ones imported and nothing in the workspace can shadow
 * them. `-X utf8` stands in for PYTHONUTF8, which -I ignores.
 */
export const BUNDLED_PYTHON_FLAGS = ['-I', '-X', 'utf8'] as const;
/** Prints the version of any Python, even 2.7, which does not know -I. */
export const VERSION_CHECK = "import sys; sys.stdout.write('%d.%d.%d' % tuple(sys.version_info[:3]))";
export const MINIMUM_PYTHON = [3, 10] as const;

/** The launcher and the libraries it needs, relative to the extension's folder. */
export const BUNDLED_LAUNCHER = ['bundled', 'tool', 'launch.py'] as const;
export const BUNDLED_MANIFEST = ['bundled', 'libs', 'bundle.json'] as const;

function pythonCandidate(source: ServerSource, python: readonly string[], launcher: string | undefined): ServerCandidate {
  if (launcher) {
    return { source, mode: 'bundled', python: [...python], launcher, command: [...python, ...BUNDLED_PYTHON_FLAGS, launcher, 'serve'] };
  }
  return { source, mode: 'environment', python: [...python], command: [...python, ...SERVER_MODULE_ARGS] };
}

/**
 * The candidates, best first. The first source that is set decides, except
 * that the bundled server tries every Python found (the Python extension's,
 * then PATH's): any 3.10+ can run it, so an old one is no reason to stop.
 */
export function serverCandidates(inputs: CandidateInputs): ServerCandidate[] {
  if (inputs.path.length > 0) {
    return [{ source: 'promptwise.path', mode: 'command', command: [...inputs.path] }];
  }
  const launcher = inputs.strategy === 'useBundled' ? inputs.bundledLauncher : undefined;
  if (inputs.interpreter.length > 0) {
    return [pythonCandidate('promptwise.interpreter', inputs.interpreter, launcher)];
  }
  const found: [ServerSource, readonly string[]][] = [];
  if (inputs.pythonExtension && inputs.pythonExtension.length > 0) {
    found.push(['Python extension', inputs.pythonExtension]);
  }
  if (launcher || found.length === 0) {
    found.push(...inputs.pathPythons.map((python): [ServerSource, readonly string[]] => ['PATH', python]));
  }
  const seen = new Set<string>();
  const candidates: ServerCandidate[] = [];
  for (const [source, python] of found) {
    const key = JSON.stringify(python);
    if (!seen.has(key)) {
      seen.add(key);
      candidates.push(pythonCandidate(source, python, launcher));
    }
  }
  return candidates;
}

/** One Python that was tried and could not run the server, and why. */
export interface Rejected {
  candidate: ServerCandidate;
  detail: string;
}

export type Resolution =
  | { kind: 'found'; candidate: ServerCandidate; version?: string; pythonVersion?: string }
  /** fromEnvironment: the Python runs, but cannot import promptwise. */
  | { kind: 'missing-module'; candidate: ServerCandidate; detail: string }
  /** useBundled: Pythons were found, none of them can run the bundled server. */
  | { kind: 'no-usable-python'; rejected: Rejected[] }
  | { kind: 'no-python' };

export type ProbeResult = { ok: true; version: string; pythonVersion?: string } | { ok: false; detail: string };

/** Whether `python` can import promptwise: its version, or why not. */
export type ImportProbe = (python: readonly string[]) => Promise<ProbeResult>;

/** Whether `python` can run the bundled server through `launcher`: promptwise's version, or why not. */
export type BundleProbe = (python: readonly string[], launcher: string) => Promise<ProbeResult>;

export interface Probes {
  importProbe: ImportProbe;
  bundleProbe: BundleProbe;
}

/**
 * Pick the server: the first candidate that can run it. `promptwise.path` is
 * trusted as written (it may not be Python at all).
 */
export async function resolveServer(candidates: readonly ServerCandidate[], probes: Probes): Promise<Resolution> {
  if (candidates.length === 0) {
    return { kind: 'no-python' };
  }
  const rejected: Rejected[] = [];
  for (const candidate of candidates) {
    if (!candidate.python) {
      return { kind: 'found', candidate };
    }
    const result = candidate.launcher ? await probes.bundleProbe(candidate.python, candidate.launcher) : await probes.importProbe(candidate.python);
    if (result.ok) {
      return { kind: 'found', candidate, version: result.version, pythonVersion: result.pythonVersion };
    }
    rejected.push({ candidate, detail: result.detail });
  }
  if (rejected[0].candidate.mode === 'bundled') {
    return { kind: 'no-usable-python', rejected };
  }
  return { kind: 'missing-module', ...rejected[0] };
}

/** `3.9.18` -> true: older than the oldest Python the server runs on. */
export function isTooOld(version: string): boolean {
  const [major, minor] = version.split('.').map((part) => Number.parseInt(part, 10));
  if (!Number.isFinite(major) || !Number.isFinite(minor)) {
    return false;
  }
  return major < MINIMUM_PYTHON[0] || (major === MINIMUM_PYTHON[0] && minor < MINIMUM_PYTHON[1]);
}

/**
 * What the launcher's `--check` printed, as a probe result: its JSON line, or
 * else the last line of its error output (a crash, a Python that cannot start).
 */
export function parseBundleCheck(stdout: string, stderr: string, failure?: string): ProbeResult {
  const line = stdout.trim().split(/\r?\n/).pop() ?? '';
  try {
    const answer = JSON.parse(line) as { ok?: unknown; promptwise?: unknown; python?: unknown; error?: unknown };
    if (answer.ok === true && typeof answer.promptwise === 'string') {
      return { ok: true, version: answer.promptwise, pythonVersion: typeof answer.python === 'string' ? answer.python : undefined };
    }
    if (typeof answer.error === 'string') {
      return { ok: false, detail: answer.error };
    }
  } catch {
    // not JSON: the error output says more
  }
  const lastLine = stderr.trim().split(/\r?\n/).pop() ?? '';
  return { ok: false, detail: lastLine || failure || 'the bundled server check printed nothing' };
}

function run(command: readonly string[], args: readonly string[]): Promise<{ error?: Error; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command[0], [...command.slice(1), ...args], { timeout: 30_000, windowsHide: true }, (error, stdout, stderr) => {
      resolve({ error: error ?? undefined, stdout, stderr });
    });
  });
}

/** Run `python -c "import promptwise"`; never throws. */
export const probeImport: ImportProbe = async (python) => {
  const { error, stdout, stderr } = await run(python, ['-c', IMPORT_CHECK]);
  if (error) {
    const lastLine = stderr.trim().split(/\r?\n/).pop() ?? '';
    return { ok: false, detail: lastLine || error.message };
  }
  return { ok: true, version: stdout.trim() };
};

/**
 * Ask `python` for its version (any Python answers that), then let the
 * launcher load the bundled libraries in it; never throws.
 */
export const probeBundle: BundleProbe = async (python, launcher) => {
  const version = await run(python, ['-c', VERSION_CHECK]);
  if (version.error) {
    const lastLine = version.stderr.trim().split(/\r?\n/).pop() ?? '';
    return { ok: false, detail: lastLine || version.error.message };
  }
  const found = version.stdout.trim();
  if (isTooOld(found)) {
    return { ok: false, detail: `Python ${found} is too old (the server needs ${MINIMUM_PYTHON.join('.')} or newer)` };
  }
  const check = await run(python, [...BUNDLED_PYTHON_FLAGS, launcher, '--check']);
  return parseBundleCheck(check.stdout, check.stderr, check.error?.message);
};

/** The bundled launcher inside the extension folder, if this build carries the server. */
export function bundledLauncher(extensionPath: string, exists: (file: string) => boolean = fs.existsSync): string | undefined {
  const launcher = path.join(extensionPath, ...BUNDLED_LAUNCHER);
  return exists(launcher) && exists(path.join(extensionPath, ...BUNDLED_MANIFEST)) ? launcher : undefined;
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

/**
 * The Pythons to look for on PATH, best first, as command lines. Versioned
 * names come after the plain ones, so a `python3` too old for the server
 * does not hide a `python3.12` next to it; on Windows the `py` launcher's
 * `-3` picks the newest Python 3 installed.
 */
export function pythonNames(platform: NodeJS.Platform = process.platform): string[][] {
  if (platform === 'win32') {
    return [['py', '-3'], ['python'], ['python3']];
  }
  const versioned = ['3.14', '3.13', '3.12', '3.11', '3.10'].map((v) => [`python${v}`]);
  return [['python3'], ['python'], ...versioned];
}

/** The Pythons on `pathEnv`, each found once (by the file it resolves to). */
export function findPythons(
  pathEnv: string | undefined,
  isExecutable: (file: string) => boolean,
  realPath: (file: string) => string,
  platform: NodeJS.Platform = process.platform,
): string[][] {
  const seen = new Set<string>();
  const found: string[][] = [];
  for (const [name, ...args] of pythonNames(platform)) {
    const [hit] = findOnPath([name], pathEnv, isExecutable, platform);
    if (!hit) {
      continue;
    }
    const key = [realPath(hit), ...args].join('\0');
    if (!seen.has(key)) {
      seen.add(key);
      found.push([hit, ...args]);
    }
  }
  return found;
}

function realPathOrSelf(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

export function pathPythons(): string[][] {
  return findPythons(process.env.PATH, isExecutableFile, realPathOrSelf);
}

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

/** What the user can do about a server that cannot start. */
export type NoticeAction = 'install' | 'select' | 'getPython' | 'useBundled';

export const NOTICE_ACTION_TITLES: Record<NoticeAction, string> = {
  install: 'Install into this interpreter',
  select: 'Select interpreter',
  getPython: 'Get Python',
  useBundled: 'Use bundled server',
};

export interface FailureNotice {
  /** Same key, same notice: shown once per session. */
  key: string;
  message: string;
  /** The short reason the status bar shows. */
  status: string;
  actions: NoticeAction[];
}

const MAX_LISTED = 4;

/**
 * The one notification for a server that cannot start, with the ways out.
 * `bundleAvailable`: this build carries the server, so `fromEnvironment`
 * users can switch to it instead of installing anything.
 */
export function failureNotice(resolution: Exclude<Resolution, { kind: 'found' }>, bundleAvailable: boolean, platform: NodeJS.Platform = process.platform): FailureNotice {
  const restartHint = 'then run "Promptwise: Restart Server"';
  if (resolution.kind === 'missing-module') {
    const python = displayCommand(resolution.candidate.python ?? []);
    return {
      key: `module:${python}`,
      message: `Promptwise: the Python at ${python} (${resolution.candidate.source}) cannot import \`promptwise\`, so prompt files are not checked.`,
      status: '`promptwise` is not installed in that Python',
      actions: bundleAvailable ? ['install', 'useBundled', 'select'] : ['install', 'select'],
    };
  }
  if (resolution.kind === 'no-python') {
    const names = pythonNames(platform).map((n) => n.join(' '));
    return {
      key: 'no-python',
      message: `Promptwise needs Python ${MINIMUM_PYTHON.join('.')} or newer and found none (looked for ${names.join(', ')} on PATH). Install Python, ${restartHint}, or set promptwise.interpreter.`,
      status: `no Python ${MINIMUM_PYTHON.join('.')}+ found`,
      actions: ['getPython', 'select'],
    };
  }
  const { rejected } = resolution;
  const only = rejected.length === 1 ? rejected[0] : undefined;
  if (only?.candidate.source === 'promptwise.interpreter') {
    return {
      key: `bundled:${displayCommand(only.candidate.python ?? [])}`,
      message: `Promptwise: the Python in promptwise.interpreter (${displayCommand(only.candidate.python ?? [])}) cannot run the bundled server: ${only.detail}`,
      status: 'that Python cannot run the bundled server',
      actions: ['select'],
    };
  }
  const listed = rejected.slice(0, MAX_LISTED).map((r) => `${displayCommand(r.candidate.python ?? [])}: ${r.detail}`);
  if (rejected.length > MAX_LISTED) {
    listed.push(`${rejected.length - MAX_LISTED} more in the Promptwise log`);
  }
  return {
    key: `bundled:${rejected.map((r) => displayCommand(r.candidate.python ?? [])).join('|')}`,
    message: `Promptwise needs Python ${MINIMUM_PYTHON.join('.')} or newer to run its bundled server, and none of the Pythons found can (${listed.join('; ')}). Install Python, ${restartHint}, or set promptwise.interpreter.`,
    status: `no Python ${MINIMUM_PYTHON.join('.')}+ that can run the server`,
    actions: ['getPython', 'select'],
  };
}
