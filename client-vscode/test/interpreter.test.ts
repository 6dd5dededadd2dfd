import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { displayCommand, expandVariables, findOnPath, resolveServer, serverCandidates, type ImportProbe } from '../src/interpreter';

const none = { path: [], interpreter: [], pathPythons: [] };

describe('serverCandidates: the order the server is looked for in', () => {
  test('1. promptwise.path, used as the whole command line', () => {
    const c = serverCandidates({ ...none, path: ['/opt/pw', 'serve'], interpreter: ['/py'], pythonExtension: ['/ext/py'], pathPythons: ['/usr/bin/python3'] });
    assert.deepEqual(c, [{ source: 'promptwise.path', command: ['/opt/pw', 'serve'] }]);
  });
  test('2. promptwise.interpreter, running -m promptwise serve', () => {
    const c = serverCandidates({ ...none, interpreter: ['uv', 'run', 'python'], pythonExtension: ['/ext/py'], pathPythons: ['/usr/bin/python3'] });
    assert.deepEqual(c, [{ source: 'promptwise.interpreter', python: ['uv', 'run', 'python'], command: ['uv', 'run', 'python', '-m', 'promptwise', 'serve'] }]);
  });
  test('3. the Python extension interpreter', () => {
    const c = serverCandidates({ ...none, pythonExtension: ['/ext/py'], pathPythons: ['/usr/bin/python3'] });
    assert.deepEqual(c.map((x) => [x.source, x.command[0]]), [['Python extension', '/ext/py']]);
  });
  test('4. python3 then python on PATH', () => {
    const c = serverCandidates({ ...none, pathPythons: ['/usr/bin/python3', '/usr/bin/python'] });
    assert.deepEqual(c.map((x) => [x.source, x.command.join(' ')]), [
      ['PATH', '/usr/bin/python3 -m promptwise serve'],
      ['PATH', '/usr/bin/python -m promptwise serve'],
    ]);
  });
  test('an empty extension answer falls through to PATH', () => {
    assert.equal(serverCandidates({ ...none, pythonExtension: [], pathPythons: ['/p3'] })[0].source, 'PATH');
  });
});

describe('resolveServer', () => {
  const probe =
    (importable: string[]): ImportProbe =>
    async (python) =>
      importable.includes(python[0]) ? { ok: true, version: '0.1.0' } : { ok: false, detail: "ModuleNotFoundError: No module named 'promptwise'" };

  test('takes the first Python that imports promptwise', async () => {
    const r = await resolveServer(serverCandidates({ ...none, pathPythons: ['/p3', '/p'] }), probe(['/p']));
    assert.equal(r.kind, 'found');
    assert.equal(r.kind === 'found' && r.candidate.command[0], '/p');
    assert.equal(r.kind === 'found' && r.version, '0.1.0');
  });
  test('a chosen interpreter without promptwise is reported, not replaced', async () => {
    const r = await resolveServer(serverCandidates({ ...none, interpreter: ['/venv/python'], pathPythons: ['/p3'] }), probe(['/p3']));
    assert.equal(r.kind, 'missing-module');
    assert.deepEqual(r.kind === 'missing-module' && r.candidate.python, ['/venv/python']);
    assert.match(r.kind === 'missing-module' ? r.detail : '', /No module named/);
  });
  test('when no PATH Python has it, the first one is offered for the install', async () => {
    const r = await resolveServer(serverCandidates({ ...none, pathPythons: ['/p3', '/p'] }), probe([]));
    assert.equal(r.kind === 'missing-module' && r.candidate.command[0], '/p3');
  });
  test('promptwise.path is not probed', async () => {
    let probed = 0;
    const r = await resolveServer(serverCandidates({ ...none, path: ['/opt/pw', 'serve'] }), async () => {
      probed++;
      return { ok: false, detail: '' };
    });
    assert.equal(r.kind, 'found');
    assert.equal(probed, 0);
  });
  test('no Python at all', async () => {
    assert.deepEqual(await resolveServer(serverCandidates(none), probe([])), { kind: 'no-python' });
  });
});

describe('expandVariables', () => {
  const context = { workspaceFolder: '/ws', home: '/home/me', env: { VENV: '/venvs/a' } };
  test('workspaceFolder, userHome, env and ~', () => {
    assert.equal(expandVariables('${workspaceFolder}/.venv/bin/python', context), '/ws/.venv/bin/python');
    assert.equal(expandVariables('${userHome}/py', context), '/home/me/py');
    assert.equal(expandVariables('${env:VENV}/bin/python', context), '/venvs/a/bin/python');
    assert.equal(expandVariables('${env:MISSING}x', context), 'x');
    assert.equal(expandVariables('~/bin/python', context), '/home/me/bin/python');
    assert.equal(expandVariables('a~b', context), 'a~b');
  });
  test('an unknown workspace folder stays visible in the command', () => {
    assert.equal(expandVariables('${workspaceFolder}/py', { home: '/h', env: {} }), '${workspaceFolder}/py');
  });
});

describe('findOnPath', () => {
  const files = new Set(['/usr/local/bin/python3', '/usr/bin/python3', '/usr/bin/python']);
  test('name order first, then PATH order', () => {
    assert.deepEqual(findOnPath(['python3', 'python'], '/usr/local/bin:/usr/bin', (f) => files.has(f), 'linux'), ['/usr/local/bin/python3', '/usr/bin/python']);
  });
  test('nothing on PATH', () => {
    assert.deepEqual(findOnPath(['python3'], undefined, () => true, 'linux'), []);
  });
});

test('displayCommand quotes what needs it', () => {
  assert.equal(displayCommand(['/a b/python', '-m', 'promptwise']), '"/a b/python" -m promptwise');
});
