/**
 * A stand-in for Monaco with the parts the CQL editors use: the text, content-change listeners,
 * actions with key bindings, edits, markers, the language registration and the completion
 * provider. Monaco itself does not run in jsdom.
 */
export function fakeMonaco(initial: string) {
  let text = initial;
  const listeners: Array<() => void> = [];
  const actions: Array<{ keybindings?: number[]; run: (ed: unknown) => void }> = [];
  const markers: Record<string, unknown[]> = {};
  const providers: Array<{
    language: string;
    provider: { provideCompletionItems: (model: unknown, position: unknown) => Promise<{ suggestions: unknown[] }> };
  }> = [];
  const offsetAt = (p: { lineNumber: number; column: number }) =>
    text
      .split('\n')
      .slice(0, p.lineNumber - 1)
      .reduce((n, l) => n + l.length + 1, 0) +
    p.column -
    1;
  const model = {
    uri: { toString: () => 'inmemory://model/1' },
    getValue: () => text,
    isDisposed: () => false,
    getFullModelRange: () => ({}),
    getOffsetAt: offsetAt,
    getWordUntilPosition: (p: { lineNumber: number; column: number }) => {
      const before = text.slice(0, offsetAt(p));
      const word = /[^\s(),.;'"=<>]*$/.exec(before)![0];
      return { word, startColumn: p.column - word.length, endColumn: p.column };
    },
  };
  const editor = {
    getModel: () => model,
    getValue: () => text,
    onDidChangeModelContent: (fn: () => void) => (listeners.push(fn), { dispose: () => {} }),
    onDidDispose: () => {},
    addAction: (a: { keybindings?: number[]; run: (ed: unknown) => void }) => actions.push(a),
    executeEdits: (_: string, edits: Array<{ text: string }>) => {
      text = edits[0].text;
      listeners.forEach((l) => l());
    },
  };
  const monaco = {
    KeyMod: { CtrlCmd: 2048 },
    KeyCode: { Enter: 3 },
    MarkerSeverity: { Error: 8 },
    languages: {
      CompletionItemKind: { Module: 8, Class: 5, Field: 3, Snippet: 27, Variable: 4, Function: 1, Keyword: 17 },
      CompletionItemInsertTextRule: { InsertAsSnippet: 4 },
      register: jest.fn(),
      setLanguageConfiguration: jest.fn(),
      setMonarchTokensProvider: jest.fn(),
      registerCompletionItemProvider: jest.fn((language: string, provider: (typeof providers)[number]['provider']) => {
        providers.push({ language, provider });
        return { dispose: () => {} };
      }),
    },
    editor: { setModelMarkers: (_m: unknown, owner: string, list: unknown[]) => (markers[owner] = list) },
  };
  const type = (next: string) => {
    text = next;
    listeners.forEach((l) => l());
  };
  /** What completion offers with the cursor where `|` is in text (the text becomes the editor's). */
  const complete = async (withCursor: string) => {
    const offset = withCursor.indexOf('|');
    type(withCursor.replace('|', ''));
    const before = text.slice(0, offset).split('\n');
    const position = { lineNumber: before.length, column: before[before.length - 1].length + 1 };
    const got = await Promise.all(providers.map((p) => p.provider.provideCompletionItems(model, position)));
    return got.flatMap((g) => g.suggestions) as Array<{
      label: string;
      kind: number;
      insertText: string;
      insertTextRules?: number;
      detail?: string;
    }>;
  };
  return { editor, monaco, markers, actions, providers, type, complete, text: () => text };
}
