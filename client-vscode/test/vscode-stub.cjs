// A stand-in for the 'vscode' module in unit tests (see register-vscode-stub.cjs).
class Uri {
  constructor(scheme, path) {
    this.scheme = scheme;
    this.path = path;
    this.fsPath = path;
  }
  static parse(value) {
    const match = /^([a-z][\w+.-]*):(?:\/\/[^/]*)?(.*)$/i.exec(value);
    return match ? new Uri(match[1], decodeURIComponent(match[2])) : new Uri('file', value);
  }
  static file(path) {
    return new Uri('file', path);
  }
  toString() {
    return `${this.scheme}://${this.path}`;
  }
}
class EventEmitter {
  constructor() {
    this.listeners = [];
    this.event = (listener) => {
      this.listeners.push(listener);
      return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
    };
  }
  fire(value) {
    for (const l of this.listeners) {
      l(value);
    }
  }
  dispose() {
    this.listeners = [];
  }
}
const noop = () => ({ dispose() {} });
module.exports = {
  Uri,
  EventEmitter,
  StatusBarAlignment: { Left: 1, Right: 2 },
  ViewColumn: { Active: -1, Beside: -2, One: 1 },
  workspace: { workspaceFolders: undefined, isTrusted: true, getConfiguration: () => ({ get: () => undefined, inspect: () => undefined }), onDidChangeConfiguration: noop },
  window: { activeTextEditor: undefined, createOutputChannel: () => ({}) },
  extensions: { getExtension: () => undefined },
  commands: { registerCommand: noop, executeCommand: async () => undefined },
  languages: { match: () => 0, getDiagnostics: () => [] },
};
