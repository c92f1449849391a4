import type { Monaco, monacoTypes } from '@grafana/ui';

import { ColumnInfo } from '../../types';
import { CQL_FUNCTIONS, CQL_KEYWORDS, CQL_LANGUAGE_ID, MACROS } from './language';
import { cqlIdentifier, identifierName, isSignificant, Token, tokenize } from './tokens';

/** Where the cursor is, as far as completion cares. */
export type CompletionPlace =
  | { kind: 'none' } // inside a string or a comment
  | { kind: 'macro' } // after $
  | { kind: 'from' } // the table after FROM: keyspaces and the default keyspace's tables
  | { kind: 'tableOf'; keyspace: string } // after FROM keyspace.
  | { kind: 'expression' }; // anywhere else: columns, functions, keywords, macros

/** The place of the cursor at offset in text. */
export function completionPlace(text: string, offset: number): CompletionPlace {
  const before = tokenize(text.slice(0, offset));
  const last = before[before.length - 1];
  if (last && (last.kind === 'string' || last.kind === 'quoted' || last.kind === 'dollarString') && last.open) {
    return last.kind === 'quoted' ? placeAfter(before.slice(0, -1)) : { kind: 'none' };
  }
  if (last && last.kind === 'comment' && (last.open || !last.text.startsWith('/*'))) {
    return { kind: 'none' };
  }
  if (last && last.kind === 'variable') {
    return { kind: 'macro' };
  }
  if (last && last.kind === 'punct' && last.text === '$') {
    return { kind: 'macro' };
  }
  // The word being typed is replaced by the completion; what matters is what comes before it.
  const typing = last && (last.kind === 'word' || last.kind === 'quoted') ? before.slice(0, -1) : before;
  return placeAfter(typing);
}

function placeAfter(tokens: Token[]): CompletionPlace {
  const sig = tokens.filter(isSignificant);
  const prev = sig[sig.length - 1];
  if (prev && prev.kind === 'word' && prev.text.toUpperCase() === 'FROM') {
    return { kind: 'from' };
  }
  if (prev && prev.kind === 'punct' && prev.text === '.') {
    const ks = sig[sig.length - 2];
    const from = sig[sig.length - 3];
    const name = ks && identifierName(ks);
    if (name && from && from.kind === 'word' && from.text.toUpperCase() === 'FROM') {
      return { kind: 'tableOf', keyspace: name };
    }
  }
  return { kind: 'expression' };
}

/** The table the statement reads: keyspace (or the default) and table after FROM. */
export function tableInFrom(text: string, defaultKeyspace?: string): { keyspace: string; table: string } | undefined {
  const sig = tokenize(text).filter(isSignificant);
  const i = sig.findIndex((t) => t.kind === 'word' && t.text.toUpperCase() === 'FROM');
  if (i < 0 || !sig[i + 1]) {
    return undefined;
  }
  const first = identifierName(sig[i + 1]);
  if (!first) {
    return undefined;
  }
  if (sig[i + 2]?.text === '.' && sig[i + 3]) {
    const second = identifierName(sig[i + 3]);
    return second ? { keyspace: first, table: second } : undefined;
  }
  return defaultKeyspace ? { keyspace: defaultKeyspace, table: first } : undefined;
}

export type SuggestionKind = 'keyspace' | 'table' | 'column' | 'macro' | 'variable' | 'function' | 'keyword';

export interface Suggestion {
  label: string;
  kind: SuggestionKind;
  insertText: string;
  /** insertText is a snippet (with ${1:placeholder} stops). */
  snippet?: boolean;
  detail?: string;
  documentation?: string;
  /** Sort group: lower comes first. */
  rank: number;
  /** Ask for completion again after inserting (a keyspace leads to its tables). */
  retrigger?: boolean;
}

/** Where completion gets the live schema and the dashboard's variables. */
export interface SchemaSource {
  defaultKeyspace?: string;
  keyspaces(): Promise<string[]>;
  tables(keyspace: string): Promise<string[]>;
  columns(keyspace: string, table: string): Promise<ColumnInfo[]>;
  variables(): string[];
}

const macroSuggestions = (): Suggestion[] =>
  MACROS.map((m) => ({
    label: m.name.replace(/\(.*\)$/, ''),
    kind: 'macro',
    insertText: m.snippet,
    snippet: true,
    detail: m.name,
    documentation: m.description,
    rank: 1,
  }));

const variableSuggestions = (source: SchemaSource): Suggestion[] =>
  source.variables().map((v) => ({
    label: `$${v}`,
    kind: 'variable',
    insertText: `\\$${v}`,
    snippet: true,
    detail: 'Dashboard variable',
    documentation: 'Replaced by the variable’s value as a CQL literal; a multi-value variable needs IN ($var).',
    rank: 2,
  }));

/** The suggestions for the cursor at offset in text. Schema lookups that fail give no suggestions of that kind. */
export async function suggestions(text: string, offset: number, source: SchemaSource): Promise<Suggestion[]> {
  const place = completionPlace(text, offset);
  const safe = async <T>(p: () => Promise<T[]>): Promise<T[]> => {
    try {
      return await p();
    } catch {
      return [];
    }
  };
  switch (place.kind) {
    case 'none':
      return [];
    case 'macro':
      return [...macroSuggestions(), ...variableSuggestions(source)];
    case 'tableOf':
      return (await safe(() => source.tables(place.keyspace))).map((t) => ({
        label: t,
        kind: 'table',
        insertText: cqlIdentifier(t),
        detail: `table in ${place.keyspace}`,
        rank: 0,
      }));
    case 'from': {
      const [keyspaces, tables] = await Promise.all([
        safe(() => source.keyspaces()),
        source.defaultKeyspace ? safe(() => source.tables(source.defaultKeyspace!)) : Promise.resolve([]),
      ]);
      return [
        ...tables.map((t): Suggestion => ({
          label: t,
          kind: 'table',
          insertText: cqlIdentifier(t),
          detail: `table in ${source.defaultKeyspace} (the default keyspace)`,
          rank: 0,
        })),
        ...keyspaces.map((k): Suggestion => ({
          label: k,
          kind: 'keyspace',
          insertText: `${cqlIdentifier(k)}.`,
          detail: 'keyspace',
          rank: 1,
          retrigger: true,
        })),
      ];
    }
    case 'expression': {
      const target = tableInFrom(text, source.defaultKeyspace);
      const columns = target ? await safe(() => source.columns(target.keyspace, target.table)) : [];
      return [
        ...columns.map((c): Suggestion => ({
          label: c.name,
          kind: 'column',
          insertText: cqlIdentifier(c.name),
          detail: `${c.type}, ${c.kind.replace('_', ' ')}`,
          documentation: target ? `Column of ${target.keyspace}.${target.table}` : undefined,
          rank: 0,
        })),
        ...macroSuggestions(),
        ...variableSuggestions(source),
        ...CQL_FUNCTIONS.map((f): Suggestion => ({
          label: f.name,
          kind: 'function',
          insertText: `${f.name}($0)`,
          snippet: true,
          detail: f.signature,
          documentation: f.description,
          rank: 3,
        })),
        ...CQL_KEYWORDS.map((k): Suggestion => ({ label: k, kind: 'keyword', insertText: k, rank: 4 })),
      ];
    }
  }
}

// Completion sources per editor model; one provider per Monaco instance serves every editor.
const sources = new Map<string, SchemaSource>();
const providers = new WeakSet<object>();

/** Attaches a schema source to an editor's model; returns the detach function. */
export function attachSchemaSource(monaco: Monaco, model: monacoTypes.editor.ITextModel, source: SchemaSource) {
  registerCompletion(monaco);
  const key = model.uri.toString();
  sources.set(key, source);
  return () => {
    if (sources.get(key) === source) {
      sources.delete(key);
    }
  };
}

function registerCompletion(monaco: Monaco) {
  if (providers.has(monaco)) {
    return;
  }
  providers.add(monaco);
  const kinds: Record<SuggestionKind, monacoTypes.languages.CompletionItemKind> = {
    keyspace: monaco.languages.CompletionItemKind.Module,
    table: monaco.languages.CompletionItemKind.Class,
    column: monaco.languages.CompletionItemKind.Field,
    macro: monaco.languages.CompletionItemKind.Snippet,
    variable: monaco.languages.CompletionItemKind.Variable,
    function: monaco.languages.CompletionItemKind.Function,
    keyword: monaco.languages.CompletionItemKind.Keyword,
  };
  monaco.languages.registerCompletionItemProvider(CQL_LANGUAGE_ID, {
    triggerCharacters: ['.', ' ', '$', '('],
    provideCompletionItems: async (model, position) => {
      const source = sources.get(model.uri.toString());
      if (!source) {
        return { suggestions: [] };
      }
      const word = model.getWordUntilPosition(position);
      const range = {
        startLineNumber: position.lineNumber,
        endLineNumber: position.lineNumber,
        startColumn: word.startColumn,
        endColumn: word.endColumn,
      };
      const items = await suggestions(model.getValue(), model.getOffsetAt(position), source);
      return {
        suggestions: items.map((s) => ({
          label: s.label,
          kind: kinds[s.kind],
          insertText: s.insertText,
          insertTextRules: s.snippet ? monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet : undefined,
          detail: s.detail,
          documentation: s.documentation,
          sortText: `${s.rank}${s.label.toLowerCase()}`,
          range,
          command: s.retrigger ? { id: 'editor.action.triggerSuggest', title: 'Tables' } : undefined,
        })),
      };
    },
  });
}
