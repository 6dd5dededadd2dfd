// Lets the unit tests import modules that `import * as vscode from 'vscode'`:
// resolves 'vscode' to a small stand-in. Only import-time shapes are provided;
// the functions under test are pure.
const Module = require('node:module');
const path = require('node:path');

const stub = path.join(__dirname, 'vscode-stub.cjs');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? stub : resolve.call(this, request, ...rest);
};
