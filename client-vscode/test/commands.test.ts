import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLIENT_COMMANDS, resultMarkdown, rowsToMarkdown, SERVER_COMMANDS } from '../src/commands';

describe('server command results', () => {
  test('markdown is taken as the server wrote it', () => {
    assert.equal(resultMarkdown({ markdown: '# Report', rows: [] }), '# Report');
    assert.equal(resultMarkdown('plain'), 'plain');
    assert.equal(resultMarkdown(null), undefined);
    assert.equal(resultMarkdown({}), undefined);
  });
  test('rows alone become a table', () => {
    const md = resultMarkdown({ rows: [{ model: 'gpt-4o', costPerCall: 0.01 }, { model: 'a|b', approximate: true }] });
    assert.equal(md, ['| model | costPerCall | approximate |', '| --- | --- | --- |', '| gpt-4o | 0.01 | – |', '| a\\|b | – | true |'].join('\n'));
    assert.equal(rowsToMarkdown([]), '_No models to compare._');
  });
});

test('client command ids never collide with the server commands vscode-languageclient registers', () => {
  const server = new Set<string>(Object.values(SERVER_COMMANDS));
  for (const id of Object.values(CLIENT_COMMANDS)) {
    assert.ok(!server.has(id), id);
  }
});

test('the workspace view is shown from the server command of the same name', () => {
  // tests/lsp/test_lifecycle.py holds the server to the same id.
  assert.equal(SERVER_COMMANDS.workspaceTokens, 'promptwise.showWorkspaceTokens');
  assert.equal(CLIENT_COMMANDS.openWorkspaceTokens, 'promptwise.openWorkspaceTokens');
  const md = resultMarkdown({ prompts: [], total: {}, markdown: '### Prompts by cost per day' });
  assert.equal(md, '### Prompts by cost per day');
});
