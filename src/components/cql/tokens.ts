/**
 * A forgiving CQL tokenizer for the editor (completion, formatting, error positions). It follows
 * the backend's lexer (pkg/query/lexer.go) for what hides text from a reader — strings, $$ strings,
 * quoted identifiers, comments — but never fails: an unterminated one runs to the end of the text,
 * which is what a user has while typing. The backend's validate route decides what is an error.
 */
export type TokenKind =
  'word' | 'quoted' | 'string' | 'dollarString' | 'comment' | 'space' | 'semicolon' | 'variable' | 'punct';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offset of the first character in the text. */
  start: number;
  /** True for a string, quoted identifier or comment that the text ends inside. */
  open?: boolean;
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
const isWordChar = (c: string) => /[A-Za-z0-9_]/.test(c);

function scanQuoted(text: string, i: number, q: string): [number, boolean] {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === q) {
      if (text[j + 1] === q) {
        j++;
        continue;
      }
      return [j + 1, true];
    }
  }
  return [text.length, false];
}

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const start = i;
    const c = text[i];
    const next = text[i + 1];
    let kind: TokenKind = 'punct';
    let open = false;
    if (isSpace(c)) {
      while (i < text.length && isSpace(text[i])) {
        i++;
      }
      kind = 'space';
    } else if ((c === '-' && next === '-') || (c === '/' && next === '/')) {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') {
        i++;
      }
      kind = 'comment';
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      open = end < 0;
      i = open ? text.length : end + 2;
      kind = 'comment';
    } else if (c === "'" || c === '"') {
      const [j, closed] = scanQuoted(text, i, c);
      i = j;
      open = !closed;
      kind = c === "'" ? 'string' : 'quoted';
    } else if (c === '$' && next === '$') {
      const end = text.indexOf('$$', i + 2);
      open = end < 0;
      i = open ? text.length : end + 2;
      kind = 'dollarString';
    } else if (c === '$' && next === '{') {
      const end = text.indexOf('}', i + 2);
      i = end < 0 ? text.length : end + 1;
      kind = 'variable';
    } else if (c === '$' && next !== undefined && /[A-Za-z_]/.test(next)) {
      i++;
      while (i < text.length && isWordChar(text[i])) {
        i++;
      }
      kind = 'variable';
    } else if (c === '[' && next === '[') {
      const end = text.indexOf(']]', i + 2);
      i = end < 0 ? text.length : end + 2;
      kind = 'variable';
    } else if (c === ';') {
      i++;
      kind = 'semicolon';
    } else if (isWordChar(c)) {
      while (i < text.length && isWordChar(text[i])) {
        i++;
      }
      kind = 'word';
    } else {
      i++;
    }
    out.push(open ? { kind, text: text.slice(start, i), start, open } : { kind, text: text.slice(start, i), start });
  }
  return out;
}

export const isSignificant = (t: Token) => t.kind !== 'space' && t.kind !== 'comment';

/** The name an identifier token stands for: quotes removed ("" is a quote), unquoted names lower-cased as CQL does. */
export function identifierName(t: Token): string | undefined {
  if (t.kind === 'quoted') {
    return t.text.slice(1, t.open ? undefined : -1).replace(/""/g, '"');
  }
  if (t.kind === 'word' && /^[A-Za-z]/.test(t.text)) {
    return t.text.toLowerCase();
  }
  return undefined;
}

/** Writes a name as a CQL identifier: bare when CQL would read it back unchanged, else double-quoted. */
export function cqlIdentifier(name: string): string {
  return /^[a-z][a-z0-9_]*$/.test(name) && !RESERVED.has(name.toUpperCase()) ? name : `"${name.replace(/"/g, '""')}"`;
}

// Reserved words cannot be bare identifiers (cassandra.apache.org, CQL appendix A).
const RESERVED = new Set(
  (
    'ADD ALLOW ALTER AND APPLY ASC AUTHORIZE BATCH BEGIN BY COLUMNFAMILY CREATE DELETE DESC DESCRIBE DROP ENTRIES ' +
    'EXECUTE FROM FULL GRANT IF IN INDEX INFINITY INSERT INTO KEYSPACE LIMIT MODIFY NAN NORECURSIVE NOT NULL OF ON ' +
    'OR ORDER PRIMARY RENAME REPLACE REVOKE SCHEMA SELECT SET TABLE TO TOKEN TRUNCATE UNLOGGED UPDATE USE USING ' +
    'VIEW WHERE WITH'
  ).split(' ')
);
