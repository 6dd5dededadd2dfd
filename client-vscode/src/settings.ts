/**
 * Settings: which files the client attaches to, what the server is told, and
 * which changes need a restart.
 *
 * Settings flow one way: VS Code -> workspace/configuration (and
 * didChangeConfiguration) -> server. Only values the user actually set are
 * sent, so a `promptwise.yaml` next to the prompt still beats the built-in
 * defaults shown in the Settings editor (precedence: defaults < config file <
 * editor settings). Client-only settings never reach the server, whose
 * validation rejects unknown keys.
 *
 * Nothing here imports `vscode` at run time, so it is unit-tested in Node.
 */
import type { TextDocumentFilter } from 'vscode-languageclient';
import { contributes } from '../package.json';

export const SECTION = 'promptwise';

/** Languages this extension contributes (grammars in `syntaxes/`). */
export const PROMPT_LANGUAGES = ['prompty', 'dotprompt'] as const;

/**
 * Prompt files attached by name, whatever language another extension gives
 * them (Google's Dotprompt extension also owns `dotprompt`; `.mdc` is Cursor's
 * or Nuxt's): matching by pattern never fights over a language id.
 */
export const PROMPT_FILE_PATTERNS = [
  '**/*.prompty',
  '**/*.prompt',
  '**/*.prompt.md',
  '**/*.instructions.md',
  '**/*.agent.md',
  '**/*.chatmode.md',
  '**/*.skill.md',
  '**/SKILL.md',
  '**/AGENTS.md',
  '**/CLAUDE.md',
  '**/GEMINI.md',
  '**/copilot-instructions.md',
  '**/*.mdc',
] as const;

/**
 * The one document selector: the client syncs these documents, the status
 * bar shows for them and the server starts when the first one opens.
 *
 * `include` patterns are workspace-relative like the server's `include`
 * setting, so they are anchored to each workspace folder (or to any folder
 * when there is none); absolute and `**`-prefixed patterns are kept as given.
 */
export function documentSelector(include: readonly string[], workspaceFolders: readonly string[]): TextDocumentFilter[] {
  const selector: TextDocumentFilter[] = [];
  for (const language of PROMPT_LANGUAGES) {
    selector.push({ scheme: 'file', language }, { scheme: 'untitled', language });
  }
  for (const pattern of PROMPT_FILE_PATTERNS) {
    selector.push({ scheme: 'file', pattern });
  }
  for (const pattern of includePatterns(include, workspaceFolders)) {
    selector.push({ scheme: 'file', pattern });
  }
  return selector;
}

export function includePatterns(include: readonly string[], workspaceFolders: readonly string[]): string[] {
  const patterns: string[] = [];
  for (const raw of include) {
    const pattern = raw.trim().replace(/\\/g, '/').replace(/^\.\//, '');
    if (!pattern) {
      continue;
    }
    if (pattern.startsWith('/') || pattern.startsWith('**/') || /^[A-Za-z]:\//.test(pattern)) {
      patterns.push(pattern);
    } else if (workspaceFolders.length === 0) {
      patterns.push(`**/${pattern}`);
    } else {
      for (const folder of workspaceFolders) {
        patterns.push(`${folder.replace(/\\/g, '/').replace(/\/+$/, '')}/${pattern}`);
      }
    }
  }
  return [...new Set(patterns)];
}

/** Settings only the client reads; never sent to the server. */
export const CLIENT_SETTINGS = ['path', 'interpreter', 'importStrategy', 'include', 'trace.server'] as const;

/**
 * Settings the server analyses with, camelCase as in VS Code (dotted keys
 * become nested objects): every setting package.json contributes except the
 * client's own. Those entries are generated from the server's one definition
 * of each setting (`scripts/sync_settings.py`; a server test keeps them in
 * step), so a new server setting reaches the server without a change here.
 */
export const SERVER_SETTINGS: readonly string[] = Object.keys(contributes.configuration.properties)
  .map((key) => key.slice(SECTION.length + 1))
  .filter((key) => !(CLIENT_SETTINGS as readonly string[]).includes(key));

/** Client settings that change how or on what the server is started. */
export const RESTART_SETTINGS = ['path', 'interpreter', 'importStrategy', 'include'] as const;

/**
 * Client settings that choose what runs: only user-level values count in an
 * untrusted workspace (also declared as `restrictedConfigurations`).
 * `importStrategy` is one of them because `fromEnvironment` runs the
 * interpreter's own promptwise with the workspace as the working directory
 * (which is kept off `sys.path`, see SERVER_MODULE_ARGS in interpreter.ts).
 */
export const RESTRICTED_SETTINGS = ['path', 'interpreter', 'importStrategy'] as const;

/** `useBundled`: the server shipped in the extension; `fromEnvironment`: the one installed in the Python. */
export const IMPORT_STRATEGIES = ['useBundled', 'fromEnvironment'] as const;
export type ImportStrategy = (typeof IMPORT_STRATEGIES)[number];

/** The parts of `WorkspaceConfiguration.inspect()` this module reads. */
export interface InspectedSetting {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

export type Inspect = (key: string) => InspectedSetting | undefined;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The value the user set for one key, most specific scope first. Objects
 * (`severity`, `perFileIgnores`) merge across scopes as VS Code's own
 * `get()` does; `undefined` means "not set anywhere".
 */
export function explicitValue(inspected: InspectedSetting | undefined, userLevelOnly = false): unknown {
  if (!inspected) {
    return undefined;
  }
  const scopes = userLevelOnly
    ? [inspected.globalValue]
    : [inspected.globalValue, inspected.workspaceValue, inspected.workspaceFolderValue];
  let result: unknown = undefined;
  for (const value of scopes) {
    if (value === undefined || value === null) {
      continue;
    }
    result = isPlainObject(value) && isPlainObject(result) ? { ...result, ...value } : value;
  }
  return result;
}

/** The settings object sent to the server for one scope (`{model: ..., budget: {...}}`). */
export function serverSettings(inspect: Inspect): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const key of SERVER_SETTINGS) {
    const value = explicitValue(inspect(key));
    if (value === undefined) {
      continue;
    }
    const parts = key.split('.');
    let target = settings;
    for (const part of parts.slice(0, -1)) {
      const next = target[part];
      if (!isPlainObject(next)) {
        target[part] = {};
      }
      target = target[part] as Record<string, unknown>;
    }
    target[parts[parts.length - 1]] = value;
  }
  return settings;
}

/**
 * The answer to one workspace/configuration item. `section` is what the
 * server asked for: `promptwise`, a key inside it (`promptwise.budget`), or
 * something else (undefined: let VS Code answer).
 */
export function configurationFor(section: string | undefined | null, settings: Record<string, unknown>): { handled: boolean; value: unknown } {
  if (section === SECTION) {
    return { handled: true, value: settings };
  }
  if (!section || !section.startsWith(`${SECTION}.`)) {
    return { handled: false, value: undefined };
  }
  let value: unknown = settings;
  for (const part of section.slice(SECTION.length + 1).split('.')) {
    value = isPlainObject(value) ? value[part] : undefined;
  }
  return { handled: true, value: value ?? null };
}

export interface ClientSettings {
  /** `promptwise.path`: the full server command line; empty when unset. */
  path: string[];
  /** `promptwise.interpreter`: the Python command line; empty when unset. */
  interpreter: string[];
  /** `promptwise.importStrategy`; anything else than `fromEnvironment` means `useBundled`. */
  importStrategy: ImportStrategy;
  include: string[];
}

function stringArray(value: unknown): string[] {
  if (typeof value === 'string') {
    return value.trim() ? [value.trim()] : [];
  }
  if (!Array.isArray(value)) {
    return [];
  }
  return value.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim());
}

/** Client settings; in an untrusted workspace only user-level values choose what runs. */
export function clientSettings(inspect: Inspect, workspaceTrusted: boolean): ClientSettings {
  return {
    path: stringArray(explicitValue(inspect('path'), !workspaceTrusted)),
    interpreter: stringArray(explicitValue(inspect('interpreter'), !workspaceTrusted)),
    importStrategy: explicitValue(inspect('importStrategy'), !workspaceTrusted) === 'fromEnvironment' ? 'fromEnvironment' : 'useBundled',
    include: stringArray(explicitValue(inspect('include'))),
  };
}

/** True when a configuration change needs the server restarted (not just re-sent). */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return RESTART_SETTINGS.some((key) => affects(`${SECTION}.${key}`));
}

/** True when a change must be pushed to the running server. */
export function affectsServer(affects: (section: string) => boolean): boolean {
  return SERVER_SETTINGS.some((key) => affects(`${SECTION}.${key}`));
}
