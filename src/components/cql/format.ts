import { Token, tokenize } from './tokens';

// Clauses that start a new line, longest first so PER PARTITION LIMIT wins over LIMIT.
const CLAUSES = [
  ['PER', 'PARTITION', 'LIMIT'],
  ['ALLOW', 'FILTERING'],
  ['GROUP', 'BY'],
  ['ORDER', 'BY'],
  ['FROM'],
  ['WHERE'],
  ['LIMIT'],
];
// Words written in capitals; unquoted CQL names are case-insensitive, so this changes no meaning.
const UPPER = new Set([
  'SELECT',
  'DISTINCT',
  'JSON',
  'FROM',
  'WHERE',
  'AND',
  'IN',
  'CONTAINS',
  'LIKE',
  'IS',
  'NOT',
  'NULL',
  'AS',
  'GROUP',
  'ORDER',
  'BY',
  'ASC',
  'DESC',
  'PER',
  'PARTITION',
  'LIMIT',
  'ALLOW',
  'FILTERING',
]);

/**
 * Lays out one CQL statement: each clause on its own line, each AND of the WHERE clause on its own
 * indented line, keywords in capitals, runs of spaces made one. Strings, quoted identifiers,
 * comments, variables and macros are kept exactly, and tokens that touched still touch, so the
 * statement means the same; formatting twice gives the same text.
 */
export function formatCql(text: string): string {
  const tokens = tokenize(text.trim());
  const out: string[] = [];
  let depth = 0;
  let inWhere = false;
  let pendingSpace = false;
  let lineComment = false; // the previous token was a -- or // comment: a newline must follow
  let clauseEnd = -1; // the last token of a multi-word clause: its words start no clause
  const words = (i: number, n: number) =>
    tokens
      .slice(i)
      .filter((t) => t.kind !== 'space')
      .slice(0, n);

  const newline = (indent = '') => {
    while (out.length > 0 && out[out.length - 1] === ' ') {
      out.pop();
    }
    if (out.length > 0) {
      out.push('\n' + indent);
    }
    pendingSpace = false;
  };

  for (let i = 0; i < tokens.length; i++) {
    const t: Token = tokens[i];
    if (t.kind === 'space') {
      // Blank lines and indentation go; a line break after a line comment stays.
      pendingSpace = out.length > 0;
      continue;
    }
    const upper = t.kind === 'word' ? t.text.toUpperCase() : '';
    const clause =
      depth === 0 && t.kind === 'word' && i > clauseEnd
        ? CLAUSES.find((c) => words(i, c.length).every((w, k) => w.kind === 'word' && w.text.toUpperCase() === c[k]))
        : undefined;
    if (clause) {
      clauseEnd = tokens.indexOf(words(i, clause.length)[clause.length - 1]);
    }
    if (lineComment) {
      newline(inWhere && upper === 'AND' ? '  ' : '');
      lineComment = false;
    } else if (clause) {
      newline();
    } else if (depth === 0 && inWhere && upper === 'AND') {
      newline('  ');
    } else if (pendingSpace) {
      out.push(' ');
    }
    pendingSpace = false;
    if (clause) {
      inWhere = clause[0] === 'WHERE';
    }
    if (t.kind === 'punct' && t.text === '(') {
      depth++;
    } else if (t.kind === 'punct' && t.text === ')') {
      depth = Math.max(0, depth - 1);
    }
    out.push(t.kind === 'word' && UPPER.has(upper) ? upper : t.text);
    if (t.kind === 'comment' && !t.text.startsWith('/*')) {
      lineComment = true;
    }
  }
  return out.join('');
}
