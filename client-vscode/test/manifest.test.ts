// package.json is code too: what it contributes must match what the source reads.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { CLIENT_COMMANDS } from '../src/commands';
import { CLIENT_SETTINGS, IMPORT_STRATEGIES, PROMPT_FILE_PATTERNS, PROMPT_LANGUAGES, RESTRICTED_SETTINGS, SERVER_SETTINGS } from '../src/settings';

interface Manifest {
  icon: string;
  engines: { vscode: string };
  devDependencies: Record<string, string>;
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
  contributes: {
    configuration: { properties: Record<string, { type: unknown; default: unknown; enum?: unknown[]; markdownDescription?: string; description?: string }> };
    commands: { command: string }[];
    languages: { id: string; configuration: string }[];
    grammars: { path: string }[];
  };
}

const root = path.join(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
const properties = manifest.contributes.configuration.properties;

describe('package.json', () => {
  test('every setting the code reads is contributed, and nothing else', () => {
    const expected = [...SERVER_SETTINGS, ...CLIENT_SETTINGS].map((k) => `promptwise.${k}`).sort();
    assert.deepEqual(Object.keys(properties).sort(), expected);
  });

  test('every setting has a type, a default and a description', () => {
    for (const [key, schema] of Object.entries(properties)) {
      assert.ok(schema.type, `${key} type`);
      assert.ok('default' in schema, `${key} default`);
      assert.ok((schema.markdownDescription ?? schema.description ?? '').length > 20, `${key} description`);
    }
  });

  test('defaults match the server defaults documented in the README', () => {
    assert.equal(properties['promptwise.model'].default, 'gpt-4o');
    assert.equal(properties['promptwise.expectedOutputTokens'].default, 400);
    assert.equal(properties['promptwise.callsPerDay'].default, 1000);
    assert.equal(properties['promptwise.escalation.iterationThreshold'].default, 30);
    assert.equal(properties['promptwise.escalation.minExperiments'].default, 30);
    assert.deepEqual(properties['promptwise.comparisonModels'].default, ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1-mini', 'claude-sonnet-4-5', 'gemini-2.5-flash']);
  });

  test('importStrategy offers the strategies the client knows, the bundled server first', () => {
    const setting = properties['promptwise.importStrategy'];
    assert.deepEqual(setting.enum, [...IMPORT_STRATEGIES]);
    assert.equal(setting.default, 'useBundled');
  });

  test('the bundled server goes into the package when it is there', () => {
    const ignore = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8').split(/\r?\n/);
    assert.ok(ignore.includes('!bundled/tool/launch.py'));
    assert.ok(ignore.includes('!bundled/libs/**'));
    assert.ok(fs.existsSync(path.join(root, 'bundled', 'tool', 'launch.py')));
  });

  test('the commands contributed are the ones registered', () => {
    assert.deepEqual(manifest.contributes.commands.map((c) => c.command).sort(), Object.values(CLIENT_COMMANDS).sort());
  });

  test('untrusted workspaces cannot set what runs', () => {
    const trust = manifest.capabilities.untrustedWorkspaces;
    assert.equal(trust.supported, 'limited');
    assert.deepEqual(trust.restrictedConfigurations, RESTRICTED_SETTINGS.map((k) => `promptwise.${k}`));
  });

  test('languages, grammars and activation cover every prompt file', () => {
    assert.deepEqual(manifest.contributes.languages.map((l) => l.id), [...PROMPT_LANGUAGES]);
    for (const grammar of manifest.contributes.grammars) {
      assert.ok(fs.existsSync(path.join(root, grammar.path)), grammar.path);
    }
    for (const language of manifest.contributes.languages) {
      assert.ok(fs.existsSync(path.join(root, language.configuration)), language.configuration);
    }
    for (const pattern of PROMPT_FILE_PATTERNS) {
      assert.ok(manifest.activationEvents.includes(`workspaceContains:${pattern}`), pattern);
    }
    for (const language of PROMPT_LANGUAGES) {
      assert.ok(manifest.activationEvents.includes(`onLanguage:${language}`), language);
    }
  });

  test('engines, icon and the files vsce needs', () => {
    assert.equal(manifest.engines.vscode, '^1.90.0');
    assert.match(manifest.devDependencies['@types/vscode'], /1\.90/);
    const icon = fs.readFileSync(path.join(root, manifest.icon));
    assert.deepEqual([...icon.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a real PNG');
    for (const file of ['README.md', 'CHANGELOG.md', 'LICENSE']) {
      assert.ok(fs.existsSync(path.join(root, file)), file);
    }
  });
});
