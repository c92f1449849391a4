import { ScopedVars } from '@grafana/data';

import { Token, tokenize } from './components/cql/tokens';

/**
 * Dashboard variables in raw CQL, with the conventions of Grafana's SQL data sources and no way
 * for a value to end a literal or add a statement:
 *
 * - `'$var'` (inside a string literal): the value with `'` doubled, no quotes added;
 * - bare `$var`: a quoted literal (`'prod'`), numbers bare (`42`);
 * - multi-value or All: `'a', 'b'` (for `IN ($var)`); inside a literal `a,b`;
 * - `${var:format}`: Grafana's format (raw, csv, sqlstring, singlequote, ...); inside a literal its
 *   output has `'` doubled; outside, an output that would open a literal, a comment or a second
 *   statement is refused with an error naming the variable;
 * - All with a custom all value: the value as written (it is the dashboard author's CQL).
 *
 * References in comments are left alone, and so are the backend's own macros (`$__timeFilter`,
 * `$__timeFrom`, `$__interval`, ...), which the backend expands so that alert rules get them too.
 */

/** The shape of templateSrv.replace, injected so that these helpers stay pure. */
export type ReplaceFn = (
  target: string | undefined,
  scopedVars?: ScopedVars,
  format?: string | ((value: unknown) => string)
) => string;

// Grafana's reference syntax: $name, [[name:format]] and ${name.path:format}.
const REFERENCE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)([^:}]*)(?::([^}]+))?\}/g;

// Macros the backend expands; the front end leaves them as written.
const BACKEND_MACRO = /^__(time|unixEpoch|interval)/;

const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/** A CQL string literal: `'value'`, with `'` doubled. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

const VARIABLE_REF = /^(\$\w+|\$\{[^}]+\}|\[\[[^\]]+\]\])$/;

/** True when the whole value is one variable reference ($var, ${var:fmt} or [[var]]). */
export function isVariableReference(value: string): boolean {
  return VARIABLE_REF.test(value.trim());
}

function cqlLiteral(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return NUMBER.test(text) ? text : quoteLiteral(text);
}

/**
 * A variable's value as a CQL term outside literals: a quoted literal with `'` doubled, a bare
 * number, or for several values a list body (`'a', 'b'`) for `IN ($var)`.
 */
export function formatCqlValue(value: unknown): string {
  if (Array.isArray(value)) {
    return value.length === 0 ? "''" : value.map(cqlLiteral).join(', ');
  }
  return cqlLiteral(value);
}

const asText = (value: unknown) => (Array.isArray(value) ? value.map(String).join(',') : String(value ?? ''));

// Formats whose meaning is "each value quoted": written with CQL's quoting (`'` doubled), since
// Grafana's singlequote/doublequote escape with a backslash, which CQL does not know.
const eachQuoted =
  (quote: (text: string) => string) =>
  (v: unknown): string =>
    (Array.isArray(v) ? v : [v]).map((x) => quote(String(x ?? ''))).join(',');
const QUOTING_FORMATS: Record<string, (value: unknown) => string> = {
  sqlstring: eachQuoted(quoteLiteral),
  singlequote: eachQuoted(quoteLiteral),
  doublequote: eachQuoted((x) => `"${x.replace(/"/g, '""')}"`),
};

// `open` is text from an unterminated literal to the end: left as written for the backend's guard
// to report.
type SegmentKind = 'code' | 'string' | 'identifier' | 'dollar' | 'comment' | 'open';
interface Segment {
  kind: SegmentKind;
  /** For literals and identifiers: the text between the delimiters. */
  text: string;
}

/**
 * Splits CQL into code, literals, quoted identifiers and comments, with the editor's one CQL
 * tokenizer (which follows the backend's lexer for what hides text).
 */
export function splitCql(cql: string): Segment[] {
  const out: Segment[] = [];
  let code = '';
  const flush = () => {
    if (code) {
      out.push({ kind: 'code', text: code });
      code = '';
    }
  };
  // The text between a literal's delimiters, its doubled quote read as one.
  const inner = (t: Token, quote: string) => t.text.slice(1, -1).split(quote + quote).join(quote);
  for (const t of tokenize(cql)) {
    const kind = SEGMENT_OF[t.kind];
    if (!kind) {
      code += t.text;
      continue;
    }
    flush();
    if (t.open && kind !== 'comment') {
      out.push({ kind: 'open', text: t.text });
    } else if (kind === 'string') {
      out.push({ kind, text: inner(t, "'") });
    } else if (kind === 'identifier') {
      out.push({ kind, text: inner(t, '"') });
    } else if (kind === 'dollar') {
      out.push({ kind, text: t.text.slice(2, -2) });
    } else {
      out.push({ kind, text: t.text });
    }
  }
  flush();
  return out;
}

// The tokens that are not code, and the segment each becomes.
const SEGMENT_OF: Partial<Record<Token['kind'], SegmentKind>> = {
  string: 'string',
  quoted: 'identifier',
  dollarString: 'dollar',
  comment: 'comment',
};

export class CqlTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CqlTemplateError';
  }
}

// A value placed in code must stay a run of complete tokens: no literal, identifier or comment it
// opens without closing, and no statement separator.
function checkCodeValue(name: string, value: string): void {
  const segments = splitCql(value);
  const bad = segments.some((s) => s.kind === 'open')
    ? 'an unterminated literal'
    : segments.some((s) => s.kind === 'comment')
      ? 'a comment'
      : segments.some((s) => s.kind === 'code' && s.text.includes(';'))
        ? 'a second statement (;)'
        : undefined;
  if (bad) {
    throw new CqlTemplateError(
      `the value of $${name} would put ${bad} into the query; write the reference inside quotes ('$${name}') or use \${${name}:sqlstring}`
    );
  }
}

interface Reference {
  match: string;
  name: string;
  format?: string;
  index: number;
}

function references(text: string): Reference[] {
  const out: Reference[] = [];
  for (const m of text.matchAll(REFERENCE)) {
    out.push({ match: m[0], name: m[1] ?? m[2] ?? m[4], format: m[3] ?? m[6], index: m.index ?? 0 });
  }
  return out;
}

/** One reference, formatted by the template service; undefined when it names no variable. */
function resolve(
  ref: Reference,
  replace: ReplaceFn,
  scopedVars: ScopedVars,
  fallback: (value: unknown) => string
): string | undefined {
  const quoting = ref.format ? QUOTING_FORMATS[ref.format.split(':')[0]] : undefined;
  // A quoting format is applied here with CQL's escaping: the template service sees the bare name.
  const target = quoting ? (ref.match.startsWith('[[') ? `[[${ref.name}]]` : `\${${ref.name}}`) : ref.match;
  const out = replace(target, scopedVars, quoting ?? fallback);
  return out === target ? undefined : out;
}

// Inserts a space where a value would otherwise join the text before or after it into a comment
// or a $$ string (`x = -$v` with v = -1 must not become `x = --1`).
function joins(before: string, after: string): boolean {
  const pair = before.slice(-1) + after.slice(0, 1);
  return pair === '--' || pair === '//' || pair === '/*' || pair === '$$';
}

function interpolateCode(text: string, replace: ReplaceFn, scopedVars: ScopedVars): string {
  let out = '';
  let last = 0;
  for (const ref of references(text)) {
    if (BACKEND_MACRO.test(ref.name)) {
      continue;
    }
    const value = resolve(ref, replace, scopedVars, formatCqlValue);
    if (value === undefined) {
      continue;
    }
    checkCodeValue(ref.name, value);
    out += text.slice(last, ref.index);
    out += (joins(out, value) ? ' ' : '') + value;
    last = ref.index + ref.match.length;
    if (joins(value, text.slice(last))) {
      out += ' ';
    }
  }
  return out + text.slice(last);
}

function interpolateQuoted(text: string, replace: ReplaceFn, scopedVars: ScopedVars): string {
  let out = '';
  let last = 0;
  for (const ref of references(text)) {
    const value = resolve(ref, replace, scopedVars, asText);
    if (value === undefined) {
      continue;
    }
    out += text.slice(last, ref.index) + value;
    last = ref.index + ref.match.length;
  }
  return out + text.slice(last);
}

/** Interpolates dashboard variables in raw CQL (see the rules at the top of this file). */
export function interpolateCql(cql: string, replace: ReplaceFn, scopedVars: ScopedVars = {}): string {
  if (!cql || (!cql.includes('$') && !cql.includes('[['))) {
    return cql ?? '';
  }
  return splitCql(cql)
    .map((s) => {
      switch (s.kind) {
        case 'code':
          return interpolateCode(s.text, replace, scopedVars);
        case 'string':
          return quoteLiteral(interpolateQuoted(s.text, replace, scopedVars));
        case 'identifier':
          return `"${interpolateQuoted(s.text, replace, scopedVars).replace(/"/g, '""')}"`;
        case 'dollar': {
          const text = interpolateQuoted(s.text, replace, scopedVars);
          if (text.includes('$$') || text.endsWith('$')) {
            throw new CqlTemplateError('a variable value inside a $$ string contains $: use a quoted string instead');
          }
          return `$$${text}$$`;
        }
        default:
          return s.text;
      }
    })
    .join('');
}
