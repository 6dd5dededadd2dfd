import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CLIENT_SETTINGS,
  clientSettings,
  configurationFor,
  documentSelector,
  explicitValue,
  includePatterns,
  needsRestart,
  affectsServer,
  PROMPT_FILE_PATTERNS,
  SERVER_SETTINGS,
  serverSettings,
  type InspectedSetting,
} from '../src/settings';

function inspector(values: Record<string, InspectedSetting>) {
  return (key: string) => values[key];
}

describe('documentSelector', () => {
  test('attaches to both languages and to every prompt file pattern', () => {
    const selector = documentSelector([], ['/ws']);
    assert.deepEqual(
      selector.filter((f) => 'language' in f).map((f) => [f.scheme, (f as { language: string }).language]),
      [
        ['file', 'prompty'],
        ['untitled', 'prompty'],
        ['file', 'dotprompt'],
        ['untitled', 'dotprompt'],
      ],
    );
    const patterns = selector.flatMap((f) => ('pattern' in f && typeof f.pattern === 'string' ? [f.pattern] : []));
    assert.deepEqual(patterns, [...PROMPT_FILE_PATTERNS]);
    for (const name of ['*.prompt.md', '*.instructions.md', '*.agent.md', '*.chatmode.md', 'SKILL.md', 'AGENTS.md', 'CLAUDE.md', '*.mdc']) {
      assert.ok((patterns as string[]).includes(`**/${name}`), name);
    }
  });

  test('the markdown prompt files are matched by pattern, not by a language another extension owns', () => {
    const selector = documentSelector([], []);
    assert.ok(selector.every((f) => !('language' in f) || ['prompty', 'dotprompt'].includes((f as { language: string }).language)));
    assert.ok(selector.some((f) => 'pattern' in f && f.pattern === '**/*.prompt'), '.prompt by pattern too (Google Dotprompt owns `dotprompt`)');
  });

  test('include patterns are anchored to each workspace folder', () => {
    assert.deepEqual(includePatterns(['prompts/**/*.txt', './x/*.md'], ['/a', '/b/']), [
      '/a/prompts/**/*.txt',
      '/b/prompts/**/*.txt',
      '/a/x/*.md',
      '/b/x/*.md',
    ]);
  });

  test('absolute and ** include patterns are kept; with no folder they match anywhere', () => {
    assert.deepEqual(includePatterns(['**/*.txt', '/abs/*.txt', 'rel.txt', ' '], []), ['**/*.txt', '/abs/*.txt', '**/rel.txt']);
    assert.deepEqual(includePatterns(['C:\\p\\*.txt'], ['/a']), ['C:/p/*.txt']);
  });

  test('include patterns end up in the selector', () => {
    const selector = documentSelector(['*.txt'], ['/ws']);
    assert.ok(selector.some((f) => 'pattern' in f && f.pattern === '/ws/*.txt'));
  });
});

describe('serverSettings', () => {
  test('sends only what the user set, so a promptwise.yaml beats the defaults', () => {
    const settings = serverSettings(
      inspector({
        model: { globalValue: 'gpt-4o-mini' },
        callsPerDay: {},
        expectedOutputTokens: { globalValue: undefined },
      }),
    );
    assert.deepEqual(settings, { model: 'gpt-4o-mini' });
  });

  test('most specific scope wins: folder over workspace over user', () => {
    const settings = serverSettings(
      inspector({
        model: { globalValue: 'a', workspaceValue: 'b', workspaceFolderValue: 'c' },
        callsPerDay: { globalValue: 10, workspaceValue: 20 },
        preview: { globalValue: true },
      }),
    );
    assert.deepEqual(settings, { model: 'c', callsPerDay: 20, preview: true });
  });

  test('object settings merge across scopes like VS Code does', () => {
    const settings = serverSettings(inspector({ severity: { globalValue: { PW2: 'info', PW3: 'error' }, workspaceValue: { PW2: 'hint' } } }));
    assert.deepEqual(settings, { severity: { PW2: 'hint', PW3: 'error' } });
  });

  test('dotted keys become the nested objects the server expects', () => {
    const settings = serverSettings(
      inspector({
        'budget.maxTokens': { globalValue: 4000 },
        'budget.maxCostPerDay': { workspaceValue: 50 },
        'escalation.iterationThreshold': { globalValue: 40 },
        'escalation.logs': { workspaceValue: ['evals/*.jsonl'] },
      }),
    );
    assert.deepEqual(settings, {
      budget: { maxTokens: 4000, maxCostPerDay: 50 },
      escalation: { iterationThreshold: 40, logs: ['evals/*.jsonl'] },
    });
  });

  test('client-only settings never reach the server', () => {
    const all: Record<string, InspectedSetting> = {};
    for (const key of CLIENT_SETTINGS) {
      all[key] = { globalValue: ['x'] };
    }
    all.model = { globalValue: 'gpt-4o' };
    assert.deepEqual(Object.keys(serverSettings(inspector(all))), ['model']);
  });

  test('every server setting in package.json is sent, exclude and extendSelect included', () => {
    assert.ok(SERVER_SETTINGS.includes('exclude') && SERVER_SETTINGS.includes('extendSelect'));
    assert.ok(SERVER_SETTINGS.includes('escalation.promptfooDb'));
    assert.ok(!SERVER_SETTINGS.includes('include') && !SERVER_SETTINGS.includes('path'));
    const settings = serverSettings(
      inspector({
        exclude: { workspaceValue: ['vendor/'] },
        extendSelect: { globalValue: ['PW9'] },
        include: { workspaceValue: ['prompts/*.txt'] },
      }),
    );
    assert.deepEqual(settings, { exclude: ['vendor/'], extendSelect: ['PW9'] });
  });

  test('null means unset', () => {
    assert.equal(explicitValue({ globalValue: null }), undefined);
    assert.deepEqual(serverSettings(inspector({ 'budget.maxTokens': { globalValue: null } })), {});
  });
});

describe('configurationFor', () => {
  const settings = { model: 'gpt-4o', budget: { maxTokens: 10 } };
  test('answers the whole section and keys inside it', () => {
    assert.deepEqual(configurationFor('promptwise', settings), { handled: true, value: settings });
    assert.deepEqual(configurationFor('promptwise.budget.maxTokens', settings), { handled: true, value: 10 });
    assert.deepEqual(configurationFor('promptwise.callsPerDay', settings), { handled: true, value: null });
  });
  test('leaves other sections to VS Code', () => {
    assert.equal(configurationFor('editor', settings).handled, false);
    assert.equal(configurationFor(undefined, settings).handled, false);
    assert.equal(configurationFor('promptwiseX', settings).handled, false);
  });
});

describe('clientSettings', () => {
  const values = inspector({
    path: { globalValue: ['/usr/bin/pw', 'serve'], workspaceValue: ['./evil', 'serve'] },
    interpreter: { workspaceValue: ['.venv/bin/python'] },
    importStrategy: { workspaceValue: 'fromEnvironment' },
    include: { workspaceValue: ['*.txt'] },
  });
  test('a trusted workspace may choose the server', () => {
    assert.deepEqual(clientSettings(values, true), {
      path: ['./evil', 'serve'],
      interpreter: ['.venv/bin/python'],
      importStrategy: 'fromEnvironment',
      include: ['*.txt'],
    });
  });
  test('an untrusted workspace cannot choose what runs', () => {
    assert.deepEqual(clientSettings(values, false), { path: ['/usr/bin/pw', 'serve'], interpreter: [], importStrategy: 'useBundled', include: ['*.txt'] });
  });
  test('importStrategy: the bundled server unless fromEnvironment is asked for', () => {
    assert.equal(clientSettings(inspector({}), true).importStrategy, 'useBundled');
    assert.equal(clientSettings(inspector({ importStrategy: { globalValue: 'fromEnvironment' } }), false).importStrategy, 'fromEnvironment');
    assert.equal(clientSettings(inspector({ importStrategy: { globalValue: 'sideways' } }), true).importStrategy, 'useBundled');
  });
  test('a string is accepted where an array is expected', () => {
    assert.deepEqual(clientSettings(inspector({ interpreter: { globalValue: ' /py ' } }), true).interpreter, ['/py']);
  });
});

describe('change handling', () => {
  const only = (section: string) => (s: string) => s === section;
  test('path, interpreter and include restart the server', () => {
    assert.ok(needsRestart(only('promptwise.path')));
    assert.ok(needsRestart(only('promptwise.interpreter')));
    assert.ok(needsRestart(only('promptwise.importStrategy')));
    assert.ok(needsRestart(only('promptwise.include')));
  });
  test('analysis settings reach the running server without a restart', () => {
    for (const key of ['promptwise.model', 'promptwise.budget.maxTokens', 'promptwise.escalation.logs', 'promptwise.severity']) {
      assert.equal(needsRestart(only(key)), false, key);
      assert.ok(affectsServer(only(key)), key);
    }
    assert.equal(affectsServer(only('promptwise.trace.server')), false);
  });
});
