import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import {
  bundledLauncher,
  displayCommand,
  expandVariables,
  failureNotice,
  findOnPath,
  findPythons,
  IMPORT_CHECK,
  isTooOld,
  parseBundleCheck,
  probeBundle,
  pythonNames,
  resolveServer,
  SAFE_PATH,
  SERVER_MODULE_ARGS,
  serverCandidates,
  type BundleProbe,
  type CandidateInputs,
  type ImportProbe,
  type Probes,
} from '../src/interpreter';

const LAUNCHER = '/ext/bundled/tool/launch.py';
const environment: CandidateInputs = { path: [], interpreter: [], pathPythons: [], strategy: 'fromEnvironment' };
const bundled: CandidateInputs = { ...environment, strategy: 'useBundled', bundledLauncher: LAUNCHER };

describe('serverCandidates, fromEnvironment: the order the server is looked for in', () => {
  test('1. promptwise.path, used as the whole command line', () => {
    const c = serverCandidates({ ...environment, path: ['/opt/pw', 'serve'], interpreter: ['/py'], pythonExtension: ['/ext/py'], pathPythons: [['/usr/bin/python3']] });
    assert.deepEqual(c, [{ source: 'promptwise.path', mode: 'command', command: ['/opt/pw', 'serve'] }]);
  });
  test('2. promptwise.interpreter, running its promptwise serve', () => {
    const c = serverCandidates({ ...environment, interpreter: ['uv', 'run', 'python'], pythonExtension: ['/ext/py'], pathPythons: [['/usr/bin/python3']] });
    assert.deepEqual(c, [
      { source: 'promptwise.interpreter', mode: 'environment', python: ['uv', 'run', 'python'], command: ['uv', 'run', 'python', ...SERVER_MODULE_ARGS] },
    ]);
  });
  test('the installed server never runs with the working directory on sys.path', () => {
    const [c] = serverCandidates({ ...environment, interpreter: ['/py'] });
    assert.ok(!c.command.includes('-m'), 'python -m puts the workspace folder first on sys.path');
    assert.equal(c.command[1], '-c');
    assert.ok(c.command[2].startsWith(SAFE_PATH) && IMPORT_CHECK.startsWith(SAFE_PATH));
    assert.equal(c.command[c.command.length - 1], 'serve');
  });
  test('3. the Python extension interpreter, alone', () => {
    const c = serverCandidates({ ...environment, pythonExtension: ['/ext/py'], pathPythons: [['/usr/bin/python3']] });
    assert.deepEqual(c.map((x) => [x.source, x.command[0]]), [['Python extension', '/ext/py']]);
  });
  test('4. the Pythons on PATH', () => {
    const c = serverCandidates({ ...environment, pathPythons: [['/usr/bin/python3'], ['/usr/bin/python']] });
    assert.deepEqual(c.map((x) => [x.source, x.command.join(' ')]), [
      ['PATH', ['/usr/bin/python3', ...SERVER_MODULE_ARGS].join(' ')],
      ['PATH', ['/usr/bin/python', ...SERVER_MODULE_ARGS].join(' ')],
    ]);
  });
  test('an empty extension answer falls through to PATH', () => {
    assert.equal(serverCandidates({ ...environment, pythonExtension: [], pathPythons: [['/p3']] })[0].source, 'PATH');
  });
  test('useBundled without a bundle (a plain npm run package) uses the environment', () => {
    const c = serverCandidates({ ...bundled, bundledLauncher: undefined, pathPythons: [['/p3']] });
    assert.deepEqual(c.map((x) => x.mode), ['environment']);
  });
});

describe('serverCandidates, useBundled', () => {
  test('any Python runs the bundled launcher in isolated mode', () => {
    const [c] = serverCandidates({ ...bundled, pathPythons: [['/usr/bin/python3']] });
    assert.deepEqual(c, {
      source: 'PATH',
      mode: 'bundled',
      python: ['/usr/bin/python3'],
      launcher: LAUNCHER,
      command: ['/usr/bin/python3', '-I', '-X', 'utf8', LAUNCHER, 'serve'],
    });
  });
  test('the Python extension first, then every PATH Python, each once', () => {
    const c = serverCandidates({ ...bundled, pythonExtension: ['/venv/bin/python'], pathPythons: [['/venv/bin/python'], ['/usr/bin/python3'], ['py', '-3']] });
    assert.deepEqual(c.map((x) => [x.source, x.python]), [
      ['Python extension', ['/venv/bin/python']],
      ['PATH', ['/usr/bin/python3']],
      ['PATH', ['py', '-3']],
    ]);
  });
  test('promptwise.interpreter is the only one tried, and runs the bundle', () => {
    const c = serverCandidates({ ...bundled, interpreter: ['/opt/py3.12/bin/python'], pythonExtension: ['/ext/py'], pathPythons: [['/usr/bin/python3']] });
    assert.deepEqual(c.map((x) => [x.source, x.mode, x.command.join(' ')]), [
      ['promptwise.interpreter', 'bundled', `/opt/py3.12/bin/python -I -X utf8 ${LAUNCHER} serve`],
    ]);
  });
  test('promptwise.path still beats the bundle', () => {
    assert.deepEqual(serverCandidates({ ...bundled, path: ['pw', 'serve'] }).map((x) => x.mode), ['command']);
  });
});

/** Probes over a fake machine: which Pythons exist, their versions, which have promptwise. */
function machine(pythons: Record<string, { version: string; promptwise?: boolean; loadsBundle?: boolean }>): Probes & { calls: string[] } {
  const calls: string[] = [];
  const importProbe: ImportProbe = async (python) => {
    calls.push(`import ${python.join(' ')}`);
    const p = pythons[python[0]];
    if (!p) {
      return { ok: false, detail: `spawn ${python[0]} ENOENT` };
    }
    return p.promptwise ? { ok: true, version: '0.1.0' } : { ok: false, detail: "ModuleNotFoundError: No module named 'promptwise'" };
  };
  const bundleProbe: BundleProbe = async (python, launcher) => {
    calls.push(`bundle ${python.join(' ')} ${launcher}`);
    const p = pythons[python[0]];
    if (!p) {
      return { ok: false, detail: `spawn ${python[0]} ENOENT` };
    }
    if (isTooOld(p.version)) {
      return { ok: false, detail: `Python ${p.version} is too old (the server needs 3.10 or newer)` };
    }
    return p.loadsBundle === false ? { ok: false, detail: 'ImportError: wrong ELF class' } : { ok: true, version: '0.1.0', pythonVersion: p.version };
  };
  return { importProbe, bundleProbe, calls };
}

describe('resolveServer, fromEnvironment', () => {
  test('takes the first Python that imports promptwise', async () => {
    const r = await resolveServer(serverCandidates({ ...environment, pathPythons: [['/p3'], ['/p']] }), machine({ '/p3': { version: '3.11.2' }, '/p': { version: '3.12.1', promptwise: true } }));
    assert.equal(r.kind, 'found');
    assert.equal(r.kind === 'found' && r.candidate.command[0], '/p');
    assert.equal(r.kind === 'found' && r.version, '0.1.0');
  });
  test('a chosen interpreter without promptwise is reported, not replaced', async () => {
    const r = await resolveServer(serverCandidates({ ...environment, interpreter: ['/venv/python'], pathPythons: [['/p3']] }), machine({ '/venv/python': { version: '3.12.1' }, '/p3': { version: '3.12.1', promptwise: true } }));
    assert.equal(r.kind, 'missing-module');
    assert.deepEqual(r.kind === 'missing-module' && r.candidate.python, ['/venv/python']);
    assert.match(r.kind === 'missing-module' ? r.detail : '', /No module named/);
  });
  test('when no PATH Python has it, the first one is offered for the install', async () => {
    const r = await resolveServer(serverCandidates({ ...environment, pathPythons: [['/p3'], ['/p']] }), machine({ '/p3': { version: '3.11.2' }, '/p': { version: '3.11.2' } }));
    assert.equal(r.kind === 'missing-module' && r.candidate.command[0], '/p3');
  });
  test('promptwise.path is not probed', async () => {
    const probes = machine({});
    const r = await resolveServer(serverCandidates({ ...environment, path: ['/opt/pw', 'serve'] }), probes);
    assert.equal(r.kind, 'found');
    assert.deepEqual(probes.calls, []);
  });
  test('no Python at all', async () => {
    assert.deepEqual(await resolveServer(serverCandidates(environment), machine({})), { kind: 'no-python' });
  });
});

describe('resolveServer, useBundled', () => {
  test('a Python with nothing installed runs the bundled server', async () => {
    const probes = machine({ '/usr/bin/python3': { version: '3.12.3' } });
    const r = await resolveServer(serverCandidates({ ...bundled, pathPythons: [['/usr/bin/python3']] }), probes);
    assert.equal(r.kind, 'found');
    assert.equal(r.kind === 'found' && r.pythonVersion, '3.12.3');
    assert.deepEqual(probes.calls, [`bundle /usr/bin/python3 ${LAUNCHER}`], 'never asks whether promptwise is installed');
  });
  test('an old python3 is skipped for the python3.12 beside it', async () => {
    const r = await resolveServer(
      serverCandidates({ ...bundled, pathPythons: [['/usr/bin/python3'], ['/usr/bin/python3.12']] }),
      machine({ '/usr/bin/python3': { version: '3.8.10' }, '/usr/bin/python3.12': { version: '3.12.1' } }),
    );
    assert.equal(r.kind === 'found' && r.candidate.python?.[0], '/usr/bin/python3.12');
  });
  test("the Python extension's old interpreter falls back to PATH", async () => {
    const r = await resolveServer(
      serverCandidates({ ...bundled, pythonExtension: ['/venv39/bin/python'], pathPythons: [['/usr/bin/python3']] }),
      machine({ '/venv39/bin/python': { version: '3.9.18' }, '/usr/bin/python3': { version: '3.11.2' } }),
    );
    assert.equal(r.kind === 'found' && r.candidate.source, 'PATH');
  });
  test('a Python that cannot load the compiled libraries (another platform) is skipped', async () => {
    const r = await resolveServer(
      serverCandidates({ ...bundled, pathPythons: [['/x86/python3'], ['/arm/python3']] }),
      machine({ '/x86/python3': { version: '3.12.1', loadsBundle: false }, '/arm/python3': { version: '3.12.1' } }),
    );
    assert.equal(r.kind === 'found' && r.candidate.python?.[0], '/arm/python3');
  });
  test('nothing usable: every Python tried is listed with its reason', async () => {
    const r = await resolveServer(
      serverCandidates({ ...bundled, pathPythons: [['/usr/bin/python3'], ['/usr/bin/python']] }),
      machine({ '/usr/bin/python3': { version: '3.8.10' }, '/usr/bin/python': { version: '2.7.18' } }),
    );
    assert.equal(r.kind, 'no-usable-python');
    assert.deepEqual(
      r.kind === 'no-usable-python' && r.rejected.map((x) => [x.candidate.python?.[0], x.detail]),
      [
        ['/usr/bin/python3', 'Python 3.8.10 is too old (the server needs 3.10 or newer)'],
        ['/usr/bin/python', 'Python 2.7.18 is too old (the server needs 3.10 or newer)'],
      ],
    );
  });
  test('no Python on the machine at all', async () => {
    assert.deepEqual(await resolveServer(serverCandidates(bundled), machine({})), { kind: 'no-python' });
  });
});

describe('failureNotice', () => {
  const py = (python: string[], source: 'PATH' | 'promptwise.interpreter' = 'PATH') => serverCandidates({ ...bundled, ...(source === 'PATH' ? { pathPythons: [python] } : { interpreter: python }) })[0];
  test('no Python: say what is needed, offer to get one', () => {
    const n = failureNotice({ kind: 'no-python' }, true, 'linux');
    assert.match(n.message, /needs Python 3\.10 or newer and found none \(looked for python3, python, python3\.14, .*python3\.10 on PATH\)/);
    assert.match(n.message, /Restart Server/);
    assert.deepEqual(n.actions, ['getPython', 'select']);
  });
  test('on Windows the py launcher is named', () => {
    assert.match(failureNotice({ kind: 'no-python' }, true, 'win32').message, /looked for py -3, python, python3 on PATH/);
  });
  test('only old Pythons: each one and why, no install offer', () => {
    const n = failureNotice({ kind: 'no-usable-python', rejected: [{ candidate: py(['/usr/bin/python3']), detail: 'Python 3.8.10 is too old' }] }, true);
    assert.match(n.message, /to run its bundled server, and none of the Pythons found can \(\/usr\/bin\/python3: Python 3\.8\.10 is too old\)/);
    assert.ok(!n.actions.includes('install'));
  });
  test('a long list is cut short', () => {
    const rejected = ['/a', '/b', '/c', '/d', '/e', '/f'].map((p) => ({ candidate: py([p]), detail: 'too old' }));
    const n = failureNotice({ kind: 'no-usable-python', rejected }, true);
    assert.match(n.message, /\/d: too old; 2 more in the Promptwise log/);
    assert.doesNotMatch(n.message, /\/e:/);
  });
  test('promptwise.interpreter that cannot run the bundle is named as such', () => {
    const n = failureNotice({ kind: 'no-usable-python', rejected: [{ candidate: py(['/old/python'], 'promptwise.interpreter'), detail: 'Python 3.9.1 is too old' }] }, true);
    assert.match(n.message, /the Python in promptwise.interpreter \(\/old\/python\) cannot run the bundled server: Python 3\.9\.1 is too old/);
    assert.deepEqual(n.actions, ['select']);
  });
  test('fromEnvironment without promptwise: install, or switch to the bundled server when there is one', () => {
    const candidate = serverCandidates({ ...environment, interpreter: ['/venv/python'] })[0];
    const missing = { kind: 'missing-module' as const, candidate, detail: 'No module named promptwise' };
    assert.deepEqual(failureNotice(missing, true).actions, ['install', 'useBundled', 'select']);
    assert.deepEqual(failureNotice(missing, false).actions, ['install', 'select']);
    assert.match(failureNotice(missing, false).message, /the Python at \/venv\/python \(promptwise.interpreter\) cannot import `promptwise`/);
  });
  test('the same problem gives the same key (one notification per session)', () => {
    const a = failureNotice({ kind: 'no-usable-python', rejected: [{ candidate: py(['/p']), detail: 'x' }] }, true);
    const b = failureNotice({ kind: 'no-usable-python', rejected: [{ candidate: py(['/p']), detail: 'y' }] }, true);
    assert.equal(a.key, b.key);
  });
});

describe('parseBundleCheck', () => {
  test('the launcher says yes', () => {
    assert.deepEqual(parseBundleCheck('{"ok": true, "promptwise": "0.1.0", "python": "3.12.1"}\n', ''), { ok: true, version: '0.1.0', pythonVersion: '3.12.1' });
  });
  test('the launcher says why not', () => {
    assert.deepEqual(parseBundleCheck('{"ok": false, "error": "bundles its server for CPython 3.10 to 3.14"}\n', 'promptwise: ...'), {
      ok: false,
      detail: 'bundles its server for CPython 3.10 to 3.14',
    });
  });
  test('no JSON: the last line of the error output', () => {
    assert.deepEqual(parseBundleCheck('', 'Traceback ...\nSyntaxError: invalid syntax\n', 'Command failed'), { ok: false, detail: 'SyntaxError: invalid syntax' });
    assert.deepEqual(parseBundleCheck('', '', 'spawn /nope ENOENT'), { ok: false, detail: 'spawn /nope ENOENT' });
  });
});

test('isTooOld', () => {
  assert.equal(isTooOld('3.9.18'), true);
  assert.equal(isTooOld('2.7.18'), true);
  assert.equal(isTooOld('3.10.0'), false);
  assert.equal(isTooOld('3.14.0'), false);
  assert.equal(isTooOld('4.0.0'), false);
  assert.equal(isTooOld('garbage'), false, 'an unreadable version is left to the launcher check');
});

describe('finding Pythons on PATH', () => {
  test('POSIX: python3, python, then the versioned names', () => {
    assert.deepEqual(pythonNames('linux'), [['python3'], ['python'], ['python3.14'], ['python3.13'], ['python3.12'], ['python3.11'], ['python3.10']]);
  });
  test('Windows: the py launcher first', () => {
    assert.deepEqual(pythonNames('win32'), [['py', '-3'], ['python'], ['python3']]);
  });
  test('each Python once, by the file it resolves to', () => {
    const files = new Set(['/usr/bin/python3', '/usr/bin/python3.11', '/usr/local/bin/python3.12']);
    const real = (f: string) => (f === '/usr/bin/python3' ? '/usr/bin/python3.11' : f);
    assert.deepEqual(findPythons('/usr/local/bin:/usr/bin', (f) => files.has(f), real, 'linux'), [['/usr/bin/python3'], ['/usr/local/bin/python3.12']]);
  });
  test('Windows: py.exe with -3, python.exe', () => {
    const files = new Set([path.join('C:\\Windows', 'py.exe'), path.join('C:\\Py312', 'python.exe')]);
    const found = findPythons('C:\\Windows;C:\\Py312', (f) => files.has(f), (f) => f, 'win32');
    assert.deepEqual(found, [[path.join('C:\\Windows', 'py.exe'), '-3'], [path.join('C:\\Py312', 'python.exe')]]);
  });
  test('findOnPath: name order first, then PATH order', () => {
    const files = new Set(['/usr/local/bin/python3', '/usr/bin/python3', '/usr/bin/python']);
    assert.deepEqual(findOnPath(['python3', 'python'], '/usr/local/bin:/usr/bin', (f) => files.has(f), 'linux'), ['/usr/local/bin/python3', '/usr/bin/python']);
  });
  test('nothing on PATH', () => {
    assert.deepEqual(findOnPath(['python3'], undefined, () => true, 'linux'), []);
  });
});

describe('bundledLauncher', () => {
  test('needs both the launcher and the libraries', () => {
    const both = new Set([path.join('/ext', 'bundled', 'tool', 'launch.py'), path.join('/ext', 'bundled', 'libs', 'bundle.json')]);
    assert.equal(bundledLauncher('/ext', (f) => both.has(f)), path.join('/ext', 'bundled', 'tool', 'launch.py'));
    const launcherOnly = new Set([path.join('/ext', 'bundled', 'tool', 'launch.py')]);
    assert.equal(bundledLauncher('/ext', (f) => launcherOnly.has(f)), undefined);
  });
});

describe('probeBundle with real processes', () => {
  // A stand-in launcher: prints what the real one prints, so the probe's
  // process handling (version first, then --check in isolated mode) is real.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-probe-'));
  const launcher = path.join(dir, 'launch.py');
  fs.writeFileSync(
    launcher,
    'import json, sys\n' +
      'assert sys.flags.isolated and sys.flags.utf8_mode, "run in isolated UTF-8 mode"\n' +
      'print(json.dumps({"ok": sys.argv[1:] == ["--check"], "promptwise": "9.9.9", "python": "%d.%d.%d" % sys.version_info[:3], "error": "bad arguments"}))\n',
  );
  const python = findPythons(process.env.PATH, (f) => fs.existsSync(f), (f) => f).find((p) => p[0].endsWith('python3'));
  test('a real Python runs the check', { skip: python ? false : 'no python3 on PATH' }, async () => {
    const r = await probeBundle(python ?? [], launcher);
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.ok && r.version, '9.9.9');
  });
  test('a missing interpreter is a reason, not an exception', async () => {
    const r = await probeBundle([path.join(dir, 'no-such-python')], launcher);
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.detail, /ENOENT/);
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

test('displayCommand quotes what needs it', () => {
  assert.equal(displayCommand(['/a b/python', '-m', 'promptwise']), '"/a b/python" -m promptwise');
});
