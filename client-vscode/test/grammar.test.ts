// Tokenize real example prompts with the same TextMate engine VS Code uses.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const root = path.join(__dirname, '..');
let registry: textmate.Registry;

before(async () => {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  registry = new textmate.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scopeName) => {
      if (scopeName === 'source.yaml') {
        // Stands in for VS Code's YAML grammar: marks keys so embedding is visible.
        return textmate.parseRawGrammar(JSON.stringify({ scopeName, patterns: [{ match: '^\\s*[\\w-]+(?=:)', name: 'entity.name.tag.yaml' }] }), 'yaml.json');
      }
      const file = { 'source.prompty': 'prompty', 'source.dotprompt': 'dotprompt' }[scopeName];
      if (!file) {
        return null;
      }
      const p = path.join(root, 'syntaxes', `${file}.tmLanguage.json`);
      return textmate.parseRawGrammar(fs.readFileSync(p, 'utf8'), p);
    },
  });
});

interface Token {
  text: string;
  scopes: string[];
}

async function tokenize(scope: string, text: string): Promise<Token[][]> {
  const grammar = await registry.loadGrammar(scope);
  assert.ok(grammar);
  let state = textmate.INITIAL;
  return text.split('\n').map((line) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    return result.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}

function scopesOf(lines: Token[][], text: string): string[] {
  for (const line of lines) {
    const token = line.find((t) => t.text.trim() === text);
    if (token) {
      return token.scopes;
    }
  }
  assert.fail(`no token ${JSON.stringify(text)}`);
}

const has = (scopes: string[], prefix: string) => scopes.some((s) => s.startsWith(prefix));

describe('prompty grammar', () => {
  test('frontmatter embeds YAML, roles and variables are marked', async () => {
    const lines = await tokenize('source.prompty', fs.readFileSync(path.join(root, '../examples/support.prompty'), 'utf8'));
    assert.ok(has(scopesOf(lines, 'model'), 'entity.name.tag.yaml'), 'YAML key inside the frontmatter');
    assert.ok(has(scopesOf(lines, 'model'), 'meta.embedded.block.frontmatter'));
    assert.ok(has(scopesOf(lines, 'system'), 'keyword.other.role.prompty'));
    assert.ok(has(scopesOf(lines, 'user'), 'keyword.other.role.prompty'));
    assert.ok(has(scopesOf(lines, 'customer_name'), 'variable.other.jinja'));
    assert.ok(has(scopesOf(lines, '# Policy'.slice(2)), 'entity.name.section.markdown'));
    // The body after the closing --- is not YAML any more.
    assert.ok(!has(scopesOf(lines, 'customer_name'), 'meta.embedded.block.frontmatter'));
  });
  test('Jinja tags, comments and suppressions', async () => {
    const lines = await tokenize('source.prompty', 'system:\n{% for x in items %}{{ x | upper }}{% endfor %}\n{# promptwise: disable=PW201 #}');
    assert.ok(has(scopesOf(lines, 'for'), 'keyword.control.jinja'));
    assert.ok(has(scopesOf(lines, 'upper'), 'support.function.filter.jinja'));
    assert.ok(has(scopesOf(lines, 'disable'), 'keyword.control.directive'));
    assert.ok(has(scopesOf(lines, 'PW201'), 'constant.other.rule-code'));
  });
  test('a role word inside a sentence is not a role marker', async () => {
    const lines = await tokenize('source.prompty', 'the user: said');
    assert.ok(!lines[0].some((t) => has(t.scopes, 'keyword.other.role')));
  });
});

describe('dotprompt grammar', () => {
  test('frontmatter, role helpers, variables and comments', async () => {
    const lines = await tokenize('source.dotprompt', fs.readFileSync(path.join(root, '../examples/classify-ticket.prompt'), 'utf8'));
    assert.ok(lines.slice(1, 3).some((l) => l.some((t) => has(t.scopes, 'meta.embedded.block.frontmatter'))));
    const roles = lines.flat().filter((t) => has(t.scopes, 'keyword.other.role.dotprompt'));
    assert.ok(roles.length > 0, 'a {{role}} helper');
    assert.ok(lines.flat().some((t) => has(t.scopes, 'variable.other.handlebars')));
  });
  test('block helpers and comments', async () => {
    const lines = await tokenize('source.dotprompt', '{{#role "user"}}{{#each items}}{{this}}{{/each}}{{/role}}\n{{! promptwise: disable-next-line=PW2 }}\n{{>header}}');
    assert.ok(has(scopesOf(lines, '"user"'), 'string.quoted.double.role'));
    assert.ok(has(scopesOf(lines, 'each'), 'support.function.helper'));
    assert.ok(has(scopesOf(lines, 'this'), 'variable.language.this'));
    assert.ok(has(scopesOf(lines, 'PW2'), 'constant.other.rule-code'));
    assert.ok(has(scopesOf(lines, 'header'), 'variable.other.handlebars'));
  });
});
