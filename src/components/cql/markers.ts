import { tokenize } from './tokens';

/** A place in the editor's text: lines and columns from 1, the end exclusive (Monaco's convention). */
export interface TextRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

function rangeOfOffsets(text: string, start: number, end: number): TextRange {
  const at = (offset: number) => {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length, column: Array.from(before[before.length - 1]).length + 1 };
  };
  const a = at(start);
  const b = at(Math.max(end, start + 1 <= text.length ? start + 1 : start));
  return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
}

const wordAt = (text: string, name: string): number => {
  const lower = text.toLowerCase();
  const needle = name.toLowerCase();
  for (const t of tokenize(text)) {
    if ((t.kind === 'word' || t.kind === 'quoted') && t.text.replace(/"/g, '').toLowerCase() === needle) {
      return t.start;
    }
  }
  return lower.indexOf(needle);
};

/**
 * Where in the editor's text a Cassandra error is. Cassandra reports syntax errors as
 * `line L:C ... input 'X'` (C counted from 0) in the statement it received, which is the editor's
 * text with macros and variables expanded: the offending input is looked for at that place first,
 * then on that line, then anywhere. Unknown columns, tables and keyspaces are found by name.
 * Undefined when the message names no place.
 */
export function locateCassandraError(text: string, message: string): TextRange | undefined {
  const syntax = /line (\d+):(\d+)\b[^']*?(?:input|at) '([^']*)'/.exec(message) ?? /line (\d+):(\d+)/.exec(message);
  if (syntax) {
    const line = Number(syntax[1]);
    const column = Number(syntax[2]);
    const input = syntax[3];
    const lines = text.split('\n');
    const lineStart = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    if (line <= lines.length) {
      const lineText = lines[line - 1];
      if (input) {
        if (lineText.slice(column, column + input.length).toLowerCase() === input.toLowerCase()) {
          return rangeOfOffsets(text, lineStart + column, lineStart + column + input.length);
        }
        const onLine = lineText.toLowerCase().indexOf(input.toLowerCase());
        if (onLine >= 0) {
          return rangeOfOffsets(text, lineStart + onLine, lineStart + onLine + input.length);
        }
      }
      const col = Math.min(column, lineText.length);
      return rangeOfOffsets(text, lineStart + col, lineStart + Math.max(col + 1, lineText.length));
    }
    if (input) {
      const anywhere = text.toLowerCase().indexOf(input.toLowerCase());
      if (anywhere >= 0) {
        return rangeOfOffsets(text, anywhere, anywhere + input.length);
      }
    }
    return undefined;
  }
  const named =
    /Undefined column name (\S+)/i.exec(message) ??
    /table (\S+) does not exist/i.exec(message) ??
    /keyspace (\S+) does not exist/i.exec(message) ??
    /unconfigured table (\S+)/i.exec(message);
  if (named) {
    const name = named[1].replace(/^["']|["',.]+$/g, '');
    const at = wordAt(text, name);
    if (at >= 0) {
      return rangeOfOffsets(text, at, at + name.length);
    }
  }
  return undefined;
}
