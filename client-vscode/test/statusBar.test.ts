import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatCost, formatTokens, statusView } from '../src/statusBar';

describe('status text', () => {
  test("the server's own text is shown as is", () => {
    const view = statusView('running', { text: '$(symbol-numeric) ≈1,234 tok · $0.0031', tooltip: 'gpt-4o', tokens: 1234 });
    assert.equal(view.text, '$(symbol-numeric) ≈1,234 tok · $0.0031');
    assert.match(view.tooltip, /^gpt-4o/);
    assert.equal(view.command, 'promptwise.openCostComparison');
  });
  test('built from the numbers when the server sends no text', () => {
    const view = statusView('running', { tokens: 1234, approximate: true, costPerCall: 0.0031, model: 'claude-sonnet-4-5' });
    assert.equal(view.text, '$(symbol-numeric) ≈1,234 tok · $0.0031');
    assert.match(view.tooltip, /≈1,234 input tokens with claude-sonnet-4-5, \$0\.0031 per call/);
  });
  test('exact counts carry no ≈ and an unknown price no cost', () => {
    assert.equal(statusView('running', { tokens: 98, approximate: false, costPerCall: null }).text, '$(symbol-numeric) 98 tok');
  });
  test('server states', () => {
    assert.match(statusView('starting', undefined).text, /loading~spin/);
    const failed = statusView('failed', undefined, 'no Python found');
    assert.match(failed.text, /warning/);
    assert.match(failed.tooltip, /no Python found/);
    assert.equal(failed.command, 'promptwise.showOutput');
    assert.match(statusView('running', undefined).tooltip, /counting/);
  });
});

describe('number formatting', () => {
  test('tokens', () => {
    assert.equal(formatTokens(1234567, false), '1,234,567');
    assert.equal(formatTokens(12.6, true), '≈13');
  });
  test('cost', () => {
    assert.equal(formatCost(0), '$0');
    assert.equal(formatCost(0.00001), '<$0.0001');
    assert.equal(formatCost(0.0031), '$0.0031');
    assert.equal(formatCost(0.12345), '$0.1235');
    assert.equal(formatCost(12.5), '$12.50');
  });
});
