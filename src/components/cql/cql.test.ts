import fs from 'fs';
import path from 'path';

import { ColumnInfo } from '../../types';
import { completionPlace, SchemaSource, suggestions, tableInFrom } from './completion';
import { formatCql } from './format';
import { MACROS } from './language';
import { locateCassandraError } from './markers';
import { cqlIdentifier, isSignificant, tokenize } from './tokens';

const columns: ColumnInfo[] = [
  { name: 'environment', type: 'text', kind: 'partition_key', position: 0 },
  { name: 'metric_timestamp', type: 'timestamp', kind: 'clustering', position: 0 },
  { name: 'Count', type: 'bigint', kind: 'regular', position: -1 },
];

function source(overrides: Partial<SchemaSource> = {}): SchemaSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    defaultKeyspace: 'metric_data',
    keyspaces: async () => (asked.push('keyspaces'), ['metric_data', 'system']),
    tables: async (ks) => (asked.push(`tables ${ks}`), ks === 'system' ? ['local', 'peers'] : ['raw_timer']),
    columns: async (ks, t) => (asked.push(`columns ${ks}.${t}`), columns),
    variables: () => ['env'],
    ...overrides,
  };
}

// The cursor is where | is.
const at = (text: string) => [text.replace('|', ''), text.indexOf('|')] as const;

describe('completion', () => {
  it.each([
    ['SELECT * FROM |', { kind: 'from' }],
    ['SELECT * FROM met|', { kind: 'from' }],
    ['SELECT * FROM system.|', { kind: 'tableOf', keyspace: 'system' }],
    ['SELECT * FROM "System".pe|', { kind: 'tableOf', keyspace: 'System' }],
    ['SELECT env| FROM t', { kind: 'expression' }],
    ["SELECT * FROM t WHERE a = 'FROM |", { kind: 'none' }],
    ['SELECT * FROM t -- FROM |', { kind: 'none' }],
    ['SELECT * FROM t WHERE $__ti|', { kind: 'macro' }],
    ['SELECT * FROM t WHERE $|', { kind: 'macro' }],
    ['SELECT * FROM t /* note */ WHERE |', { kind: 'expression' }],
  ])('%s is %j', (text, want) => {
    const [t, offset] = at(text);
    expect(completionPlace(t, offset)).toEqual(want);
  });

  it('finds the table in FROM, with the default keyspace when none is named', () => {
    expect(tableInFrom('SELECT a FROM ks.tbl WHERE', 'x')).toEqual({ keyspace: 'ks', table: 'tbl' });
    expect(tableInFrom('SELECT a FROM "Ks"."My Table"', 'x')).toEqual({ keyspace: 'Ks', table: 'My Table' });
    expect(tableInFrom('SELECT a FROM Tbl', 'metric_data')).toEqual({ keyspace: 'metric_data', table: 'tbl' });
    expect(tableInFrom('SELECT a FROM tbl')).toBeUndefined();
    expect(tableInFrom('SELECT a')).toBeUndefined();
  });

  it('offers the columns of the table in FROM, quoted where CQL needs it, then macros, functions, keywords', async () => {
    const src = source();
    const [text, offset] = at('SELECT | FROM system.local');
    const got = await suggestions(text, offset, src);
    expect(src.asked).toEqual(['columns system.local']);
    const cols = got.filter((s) => s.kind === 'column');
    expect(cols.map((c) => [c.label, c.insertText, c.detail])).toEqual([
      ['environment', 'environment', 'text, partition key'],
      ['metric_timestamp', 'metric_timestamp', 'timestamp, clustering'],
      ['Count', '"Count"', 'bigint, regular'],
    ]);
    const kinds = new Set(got.map((s) => s.kind));
    expect([...kinds]).toEqual(['column', 'macro', 'variable', 'function', 'keyword']);
    expect(got.find((s) => s.label === 'count')?.detail).toBe('count(*) | count(col)');
  });

  it('knows exactly the macros the backend expands', () => {
    // pkg/resources keeps this file equal to query.Macros().
    const file = path.join(__dirname, '../../../pkg/resources/testdata/macros.json');
    const backend: string[] = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(MACROS.map((m) => m.name.replace(/\(.*\)$/, '')).sort()).toEqual([...backend].sort());
  });

  it('offers every macro with its documentation after $', async () => {
    const [text, offset] = at('SELECT * FROM t WHERE $__t|');
    const got = await suggestions(text, offset, source());
    expect(got.filter((s) => s.kind === 'macro').map((s) => s.detail)).toEqual(MACROS.map((m) => m.name));
    for (const s of got.filter((s) => s.kind === 'macro')) {
      expect(s.documentation).toBeTruthy();
    }
    expect(got.find((s) => s.label === '$__timeFilter')?.insertText).toBe('\\$__timeFilter(${1:column})');
    expect(got.find((s) => s.kind === 'variable')?.label).toBe('$env');
  });

  it('offers keyspaces and the default keyspace tables after FROM, and a keyspace tables after its dot', async () => {
    let [text, offset] = at('SELECT * FROM |');
    let got = await suggestions(text, offset, source());
    expect(got.map((s) => [s.kind, s.insertText])).toEqual([
      ['table', 'raw_timer'],
      ['keyspace', 'metric_data.'],
      ['keyspace', 'system.'],
    ]);
    expect(got.find((s) => s.kind === 'keyspace')?.retrigger).toBe(true);
    [text, offset] = at('SELECT * FROM system.|');
    got = await suggestions(text, offset, source());
    expect(got.map((s) => s.label)).toEqual(['local', 'peers']);
  });

  it('gives nothing inside strings and no schema suggestions when a lookup fails', async () => {
    let [text, offset] = at("SELECT * FROM t WHERE a = 'x|");
    expect(await suggestions(text, offset, source())).toEqual([]);
    [text, offset] = at('SELECT | FROM ks.t');
    const failing = source({ columns: () => Promise.reject(new Error('down')) });
    const got = await suggestions(text, offset, failing);
    expect(got.some((s) => s.kind === 'column')).toBe(false);
    expect(got.some((s) => s.kind === 'macro')).toBe(true);
  });
});

describe('identifiers', () => {
  it('quotes what CQL would not read back unchanged', () => {
    expect(cqlIdentifier('metric_name')).toBe('metric_name');
    expect(cqlIdentifier('Time')).toBe('"Time"');
    expect(cqlIdentifier('select')).toBe('"select"');
    expect(cqlIdentifier('a"b')).toBe('"a""b"');
    expect(cqlIdentifier('1st')).toBe('"1st"');
  });
});

describe('formatCql', () => {
  it('puts clauses on their own lines and each AND of the WHERE clause indented', () => {
    expect(
      formatCql(
        "select   environment, count(*) from metric_data.raw_timer where environment = 'prod'  and   application IN ('a','b') and $__timeFilter(metric_timestamp) group by environment per partition limit 2 limit 10 allow filtering"
      )
    ).toBe(
      [
        'SELECT environment, count(*)',
        'FROM metric_data.raw_timer',
        "WHERE environment = 'prod'",
        "  AND application IN ('a','b')",
        '  AND $__timeFilter(metric_timestamp)',
        'GROUP BY environment',
        'PER PARTITION LIMIT 2',
        'LIMIT 10',
        'ALLOW FILTERING',
      ].join('\n')
    );
  });

  const samples = [
    'SELECT * FROM t WHERE a = \'from  where -- and\' AND "Odd  Name" = $$ x  and y $$ -- trailing and\nAND b = 1',
    'select a,b from t where token(a) > 0 and b in (1, 2) and c = ${var:csv} // note\n limit 5;',
    'SELECT * FROM t /* where\n and */ WHERE x = [[v]]',
    'SELECT json * FROM ks.t WHERE a=1 AND b<=2 ORDER BY c DESC',
  ];

  it.each(samples)('changes nothing but layout and keyword case, and is stable: %s', (sample) => {
    const once = formatCql(sample);
    expect(formatCql(once)).toBe(once);
    const sig = (s: string) =>
      tokenize(s)
        .filter((t) => t.kind !== 'space')
        .map((t) => (t.kind === 'word' ? t.text.toUpperCase() : t.text));
    expect(sig(once)).toEqual(sig(sample));
    // A line comment still ends its line.
    for (const t of tokenize(once).filter((t) => t.kind === 'comment' && !t.text.startsWith('/*'))) {
      const after = once.slice(t.start + t.text.length);
      expect(after === '' || after.startsWith('\n')).toBe(true);
    }
  });

  it('keeps touching tokens touching', () => {
    expect(formatCql('SELECT count(*)FROM t WHERE a>=1')).toBe('SELECT count(*)\nFROM t\nWHERE a>=1');
  });
});

describe('tokenize', () => {
  it('gives back the text and marks what the text ends inside', () => {
    const text = "SELECT 'a''b', \"q\"\"x\" FROM t -- c\n WHERE $$x$$ = $v AND 'open";
    const tokens = tokenize(text);
    expect(tokens.map((t) => t.text).join('')).toBe(text);
    expect(tokens.filter(isSignificant).map((t) => t.kind)).toEqual([
      'word',
      'string',
      'punct',
      'quoted',
      'word',
      'word',
      'word',
      'dollarString',
      'punct',
      'variable',
      'word',
      'string',
    ]);
    expect(tokens[tokens.length - 1].open).toBe(true);
  });
});

describe('locateCassandraError', () => {
  it('finds the input Cassandra names at its line and column', () => {
    const text = "SELECT * FROM system.local\nWHERE key = 'local' LIMT 1";
    const msg =
      "Cassandra refused the query: line 2:20 no viable alternative at input 'LIMT' (...localWHERE key = 'local' [LIMT]...)";
    expect(locateCassandraError(text, msg)).toEqual({ line: 2, column: 21, endLine: 2, endColumn: 25 });
  });

  it('finds the input on its line when expanded macros moved it', () => {
    // Cassandra saw "$__timeFilter(ts)" expanded to a longer text.
    const text = 'SELECT * FROM t WHERE $__timeFilter(ts) ANDD x = 1';
    const msg = "line 1:60 no viable alternative at input 'ANDD'";
    expect(locateCassandraError(text, msg)).toEqual({ line: 1, column: 41, endLine: 1, endColumn: 45 });
  });

  it('finds unknown names, and nothing when the message names no place', () => {
    expect(
      locateCassandraError('SELECT nope\nFROM system.local', 'Undefined column name nope in table system.local')
    ).toEqual({
      line: 1,
      column: 8,
      endLine: 1,
      endColumn: 12,
    });
    expect(locateCassandraError('SELECT * FROM ks.nope', 'table nope does not exist')).toEqual({
      line: 1,
      column: 18,
      endLine: 1,
      endColumn: 22,
    });
    expect(locateCassandraError('SELECT 1', 'Cassandra timed out')).toBeUndefined();
  });
});
