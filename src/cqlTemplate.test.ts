import { ScopedVars } from '@grafana/data';

import {
  CqlTemplateError,
  formatCqlValue,
  interpolateCql,
  isVariableReference,
  quoteLiteral,
  ReplaceFn,
} from './cqlTemplate';
import { SceneVar, sceneTemplateSrv } from './testUtils/sceneTemplateSrv';

// Interpolation goes through @grafana/scenes, the code Grafana's dashboards run.
function replacer(vars: Record<string, SceneVar | string | string[]>): ReplaceFn {
  const srv = sceneTemplateSrv(vars);
  return (target, scopedVars, format) => srv.replace(target, scopedVars, format as string);
}

const vars = {
  env: 'prod',
  tricky: "o'prod",
  n: '42',
  neg: '-1',
  apps: { options: ['api', 'web', "o'api"], value: ['api', "o'api"], multi: true },
  all: { options: ['api', 'web'], value: '$__all', multi: true, includeAll: true },
  allCustom: { options: ['api', 'web'], value: '$__all', includeAll: true, allValue: "'api','web'" },
};
const replace = replacer(vars);

describe('interpolateCql: the rules of the README', () => {
  const cases: Array<[string, string, string]> = [
    ["'$var' inside a literal: the value, quotes doubled", "WHERE e = '$tricky'", "WHERE e = 'o''prod'"],
    ['text around the reference stays in the literal', "WHERE e = 'env-$env-x'", "WHERE e = 'env-prod-x'"],
    ['bare $var: a quoted literal', 'WHERE e = $tricky', "WHERE e = 'o''prod'"],
    ['bare ${var}', 'WHERE e = ${env}', "WHERE e = 'prod'"],
    ['bare number stays bare', 'LIMIT $n', 'LIMIT 42'],
    ['multi-value in IN', 'WHERE a IN ($apps)', "WHERE a IN ('api', 'o''api')"],
    ['multi-value in a literal: comma-separated', "WHERE a = '$apps'", "WHERE a = 'api,o''api'"],
    ['All without a custom value: every option', 'WHERE a IN ($all)', "WHERE a IN ('api', 'web')"],
    ['All with a custom all value: as written', 'WHERE a IN ($allCustom)', "WHERE a IN ('api','web')"],
    ['${var:raw} keeps Grafana meaning', 'FROM t_${env:raw}', 'FROM t_prod'],
    ['${var:csv}', "WHERE a = '${apps:csv}'", "WHERE a = 'api,o''api'"],
    ['${var:sqlstring}', 'WHERE a IN (${apps:sqlstring})', "WHERE a IN ('api','o''api')"],
    [
      '${var:singlequote}: CQL quoting, not backslashes',
      'WHERE a IN (${apps:singlequote})',
      "WHERE a IN ('api','o''api')",
    ],
    ['${var:doublequote} quotes names', 'SELECT ${env:doublequote} FROM t', 'SELECT "prod" FROM t'],
    ['${var:pipe}', "WHERE a = '${apps:pipe}'", "WHERE a = 'api|o''api'"],
    ['[[var]]', 'WHERE e = [[env]]', "WHERE e = 'prod'"],
    ['backend macros stay', 'WHERE $__timeFilter(ts) AND x < $__timeTo', 'WHERE $__timeFilter(ts) AND x < $__timeTo'],
    ['unknown variables stay', 'WHERE e = $nope', 'WHERE e = $nope'],
    ['comments are left alone', 'SELECT * FROM t -- $env\nWHERE e = $env', "SELECT * FROM t -- $env\nWHERE e = 'prod'"],
    ['quoted identifiers', 'SELECT "col_$env" FROM t', 'SELECT "col_prod" FROM t'],
    ['$$ strings', 'WHERE e = $$x-$env$$', 'WHERE e = $$x-prod$$'],
    ['a negative number after - does not start a comment', 'WHERE x = -$neg', 'WHERE x = - -1'],
    ['escaped quotes in the template survive', "WHERE e = 'it''s $env'", "WHERE e = 'it''s prod'"],
  ];
  it.each(cases)('%s', (_, cql, want) => {
    expect(interpolateCql(cql, replace)).toBe(want);
  });

  it('scoped variables win (repeated panels, $__interval-like values)', () => {
    const scoped: ScopedVars = { env: { text: 'staging', value: 'staging' } };
    expect(interpolateCql("WHERE e = '$env' AND f = $env", replace, scoped)).toBe(
      "WHERE e = 'staging' AND f = 'staging'"
    );
  });
});

describe('interpolateCql refuses what would change the statement', () => {
  const hostile = replacer({
    semi: 'x; DROP TABLE t',
    quote: "it's",
    comment: 'a -- b',
  });
  it.each([
    ['${semi:raw}', /second statement/],
    ['${quote:raw}', /unterminated literal/],
    ['${comment:raw}', /comment/],
  ])('%s', (ref, message) => {
    expect(() => interpolateCql(`SELECT * FROM t WHERE a = ${ref}`, hostile)).toThrow(CqlTemplateError);
    expect(() => interpolateCql(`SELECT * FROM t WHERE a = ${ref}`, hostile)).toThrow(message);
  });
  it('the same values are fine where they are plain values', () => {
    expect(interpolateCql("WHERE a = $semi AND b = '$quote' AND c = ${comment:sqlstring}", hostile)).toBe(
      "WHERE a = 'x; DROP TABLE t' AND b = 'it''s' AND c = 'a -- b'"
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Property: whatever the values, every value ends up as exactly one literal (or a bare number) in
// the place of its reference, and the text of the template around it is unchanged. The oracle is
// an independent reader of CQL literals below, not the lexer under test.

const PIECES = [
  "'",
  "''",
  '"',
  '$$',
  '$',
  '--',
  '/*',
  '*/',
  '//',
  ';',
  '\n',
  '\\',
  '${x}',
  '$env',
  '[[env]]',
  'DROP TABLE t',
  ' ',
  '-',
  '1',
  'é',
  '中',
  '😀',
  '\u2028',
  '\u202e',
  ')',
  '(',
  ',',
  '%',
  '?',
  'AND',
];

function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function hostileValue(rand: () => number): string {
  const n = 1 + Math.floor(rand() * 6);
  let out = '';
  for (let i = 0; i < n; i++) {
    out += PIECES[Math.floor(rand() * PIECES.length)];
  }
  return out;
}

/** Reads `'...'` literals (with `''`) and bare numbers at the given position; returns the rest. */
function readTerm(text: string): { value: string; rest: string } {
  if (text.startsWith("'")) {
    let value = '';
    let i = 1;
    for (;;) {
      if (i >= text.length) {
        throw new Error(`unterminated literal in ${JSON.stringify(text)}`);
      }
      if (text[i] === "'") {
        if (text[i + 1] === "'") {
          value += "'";
          i += 2;
          continue;
        }
        return { value, rest: text.slice(i + 1) };
      }
      value += text[i++];
    }
  }
  const m = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(text);
  if (!m) {
    throw new Error(`no term at ${JSON.stringify(text.slice(0, 40))}`);
  }
  return { value: m[0], rest: text.slice(m[0].length) };
}

function expectText(text: string, prefix: string): string {
  expect(text.slice(0, prefix.length)).toBe(prefix);
  return text.slice(prefix.length);
}

describe('interpolateCql with hostile values (property)', () => {
  it('never lets a value end a literal or add a statement', () => {
    const rand = seeded(20261130);
    for (let run = 0; run < 400; run++) {
      const a = hostileValue(rand);
      const b = hostileValue(rand);
      const list = [hostileValue(rand), hostileValue(rand), hostileValue(rand)];
      const r = replacer({ a, b, m: { options: list, value: list, multi: true } });
      const out = interpolateCql("SELECT x FROM t WHERE a = $a AND b = '$b' AND c IN ($m) AND d = 'k' -- end", r);

      let rest = expectText(out, 'SELECT x FROM t WHERE a = ');
      let term = readTerm(rest);
      expect(term.value).toBe(a);
      rest = expectText(term.rest, ' AND b = ');
      term = readTerm(rest);
      expect(term.value).toBe(b);
      rest = expectText(term.rest, ' AND c IN (');
      for (let i = 0; i < list.length; i++) {
        term = readTerm(rest);
        expect(term.value).toBe(list[i]);
        rest = i < list.length - 1 ? expectText(term.rest, ', ') : term.rest;
      }
      expect(rest).toBe(") AND d = 'k' -- end");
    }
  });

  it('formats values as CQL terms', () => {
    expect(formatCqlValue("O'Brien'); DROP TABLE x; --")).toBe("'O''Brien''); DROP TABLE x; --'");
    expect(formatCqlValue('-1.5e3')).toBe('-1.5e3');
    expect(formatCqlValue('42 OR 1=1')).toBe("'42 OR 1=1'");
    expect(formatCqlValue([])).toBe("''");
  });
});

describe('quoting', () => {
  it('doubles quotes inside literals', () => {
    expect(quoteLiteral("O'Brien')")).toBe("'O''Brien'')'");
  });

  it('recognises whole variable references only', () => {
    expect(isVariableReference('$env')).toBe(true);
    expect(isVariableReference('${env:csv}')).toBe(true);
    expect(isVariableReference('[[env]]')).toBe(true);
    expect(isVariableReference('prod-$env')).toBe(false);
    expect(isVariableReference('US$')).toBe(false);
  });
});
