import type { Monaco, monacoTypes } from '@grafana/ui';

/** Monaco language id of the CQL editor; its own, so other plugins' SQL completion never mixes in. */
export const CQL_LANGUAGE_ID = 'metricsserver-cql';

export interface MacroDoc {
  /** The macro as written, with its arguments. */
  name: string;
  /** What it becomes, for the help table and the completion's documentation. */
  description: string;
  /** Snippet inserted by completion. */
  snippet: string;
}

/** The backend's macros (pkg/query/macros.go), expanded on the server so alert rules get them too. */
export const MACROS: MacroDoc[] = [
  {
    name: '$__timeFilter(col)',
    description:
      'col >= start AND col < end of the dashboard time range (epoch ms): the start is included, the end is not',
    snippet: '\\$__timeFilter(${1:column})',
  },
  { name: '$__timeFrom', description: 'Start of the time range, epoch milliseconds', snippet: '\\$__timeFrom' },
  { name: '$__timeTo', description: 'End of the time range, epoch milliseconds', snippet: '\\$__timeTo' },
  { name: '$__unixEpochFrom', description: 'Start of the time range, epoch seconds', snippet: '\\$__unixEpochFrom' },
  { name: '$__unixEpochTo', description: 'End of the time range, epoch seconds', snippet: '\\$__unixEpochTo' },
  {
    name: '$__interval',
    description: 'Bin width or panel interval as a CQL duration, e.g. 30s',
    snippet: '\\$__interval',
  },
  { name: '$__interval_ms', description: 'Bin width or panel interval in milliseconds', snippet: '\\$__interval_ms' },
  ...(
    [
      ['s', 'seconds'],
      ['ms', 'milliseconds'],
      ['us', 'microseconds'],
      ['ns', 'nanoseconds'],
    ] as const
  ).flatMap(([unit, word]): MacroDoc[] => [
    {
      name: `$__timeFilter_${unit}(col)`,
      description: `For a numeric column of epoch ${word}: col >= start AND col < end, each rounded up to a whole unit`,
      snippet: `\\$__timeFilter_${unit}(\${1:column})`,
    },
    {
      name: `$__timeFrom_${unit}`,
      description: `Start of the time range, epoch ${word} (rounded up)`,
      snippet: `\\$__timeFrom_${unit}`,
    },
    {
      name: `$__timeTo_${unit}`,
      description: `End of the time range, epoch ${word} (rounded up)`,
      snippet: `\\$__timeTo_${unit}`,
    },
  ]),
  {
    name: '$__timeuuidFilter(col)',
    description: 'For a timeuuid column: col >= minTimeuuid(start) AND col < minTimeuuid(end)',
    snippet: '\\$__timeuuidFilter(${1:column})',
  },
];

/**
 * Clause keywords: completion offers them and the editor highlights them. The formatter's list of
 * words it upper-cases (format.ts) is narrower on purpose: it leaves `true`, `false` and a column
 * named `key` as written.
 */
export const CQL_KEYWORDS = [
  'SELECT',
  'DISTINCT',
  'JSON',
  'FROM',
  'WHERE',
  'AND',
  'IN',
  'CONTAINS',
  'CONTAINS KEY',
  'LIKE',
  'IS NOT NULL',
  'AS',
  'GROUP BY',
  'ORDER BY',
  'ASC',
  'DESC',
  'PER PARTITION LIMIT',
  'LIMIT',
  'ALLOW FILTERING',
  'NULL',
  'TRUE',
  'FALSE',
];

export interface FunctionDoc {
  name: string;
  signature: string;
  description: string;
}

/** CQL's native functions in Cassandra 5.0 that make sense in a SELECT. */
export const CQL_FUNCTIONS: FunctionDoc[] = [
  { name: 'count', signature: 'count(*) | count(col)', description: 'Number of rows, or of non-null values' },
  { name: 'min', signature: 'min(col)', description: 'Smallest value' },
  { name: 'max', signature: 'max(col)', description: 'Largest value' },
  { name: 'sum', signature: 'sum(col)', description: 'Sum of the values' },
  { name: 'avg', signature: 'avg(col)', description: 'Average of the values (in the column type)' },
  { name: 'floor', signature: 'floor(ts, 5m)', description: 'Start of the time bin holding ts, for GROUP BY' },
  { name: 'token', signature: 'token(pk...)', description: 'Partition token of the partition key' },
  { name: 'writetime', signature: 'writetime(col)', description: 'When the value was written, microseconds' },
  { name: 'maxwritetime', signature: 'maxwritetime(col)', description: 'Latest write time of a collection' },
  { name: 'ttl', signature: 'ttl(col)', description: 'Seconds left before the value expires' },
  { name: 'cast', signature: 'cast(col AS type)', description: 'Converts a value to another native type' },
  { name: 'now', signature: 'now()', description: 'A new timeuuid for the current time' },
  { name: 'currentTimestamp', signature: 'currentTimestamp()', description: 'Current time as a timestamp' },
  { name: 'currentDate', signature: 'currentDate()', description: 'Current date' },
  { name: 'currentTime', signature: 'currentTime()', description: 'Current time of day' },
  { name: 'currentTimeUUID', signature: 'currentTimeUUID()', description: 'Current time as a timeuuid' },
  { name: 'toTimestamp', signature: 'toTimestamp(timeuuid | date)', description: 'Converts to a timestamp' },
  { name: 'toDate', signature: 'toDate(timeuuid | timestamp)', description: 'Converts to a date' },
  {
    name: 'toUnixTimestamp',
    signature: 'toUnixTimestamp(timeuuid | timestamp | date)',
    description: 'Converts to epoch milliseconds (bigint)',
  },
  { name: 'minTimeuuid', signature: 'minTimeuuid(timestamp)', description: 'Smallest timeuuid of that time' },
  { name: 'maxTimeuuid', signature: 'maxTimeuuid(timestamp)', description: 'Largest timeuuid of that time' },
  { name: 'toJson', signature: 'toJson(col)', description: 'The value as JSON text' },
  { name: 'abs', signature: 'abs(n)', description: 'Absolute value' },
  { name: 'round', signature: 'round(n)', description: 'Rounds to the nearest whole number' },
  { name: 'exp', signature: 'exp(n)', description: 'e to the power n' },
  { name: 'log', signature: 'log(n)', description: 'Natural logarithm' },
  { name: 'log10', signature: 'log10(n)', description: 'Base-10 logarithm' },
  { name: 'map_keys', signature: 'map_keys(map)', description: 'The keys of a map, as a set' },
  { name: 'map_values', signature: 'map_values(map)', description: 'The values of a map, as a list' },
  { name: 'collection_count', signature: 'collection_count(coll)', description: 'Number of elements' },
  { name: 'collection_min', signature: 'collection_min(coll)', description: 'Smallest element' },
  { name: 'collection_max', signature: 'collection_max(coll)', description: 'Largest element' },
  { name: 'collection_sum', signature: 'collection_sum(coll)', description: 'Sum of the elements' },
  { name: 'collection_avg', signature: 'collection_avg(coll)', description: 'Average of the elements' },
  { name: 'blobAsText', signature: 'blobAsText(blob)', description: 'A blob read as UTF-8 text' },
  { name: 'textAsBlob', signature: 'textAsBlob(text)', description: 'Text as a blob' },
];

const registered = new WeakSet<object>();

/**
 * Registers the CQL language (tokens, brackets, comments, word pattern) once per Monaco instance.
 * Completion is registered separately (completion.ts) for the same language.
 */
export function registerCqlLanguage(monaco: Monaco): boolean {
  if (registered.has(monaco)) {
    return false;
  }
  registered.add(monaco);
  monaco.languages.register({ id: CQL_LANGUAGE_ID, aliases: ['CQL'] });
  monaco.languages.setLanguageConfiguration(CQL_LANGUAGE_ID, {
    comments: { lineComment: '--', blockComment: ['/*', '*/'] },
    brackets: [['(', ')']],
    autoClosingPairs: [
      { open: '(', close: ')' },
      { open: "'", close: "'", notIn: ['string', 'comment'] },
      { open: '"', close: '"', notIn: ['string', 'comment'] },
    ],
    // Like Monaco's default, but $ belongs to a word so that $__timeFilter completes as one.
    wordPattern: /(-?\d*\.\d\w*)|([^`~!@#%^&*()\-=+[{\]}\\|;:'",.<>/?\s]+)/g,
  });
  monaco.languages.setMonarchTokensProvider(CQL_LANGUAGE_ID, monarch);
  return true;
}

const monarch: monacoTypes.languages.IMonarchLanguage = {
  ignoreCase: true,
  defaultToken: '',
  keywords: [
    ...new Set(CQL_KEYWORDS.flatMap((k) => k.split(' '))),
    'KEY',
    'NOT',
    'TOKEN',
    'CAST',
    'WRITETIME',
    'TTL',
  ].map((k) => k.toLowerCase()),
  functions: CQL_FUNCTIONS.map((f) => f.name.toLowerCase()),
  tokenizer: {
    root: [
      [/--.*$/, 'comment'],
      [/\/\/.*$/, 'comment'],
      [/\/\*/, 'comment', '@blockComment'],
      [/\$\$/, 'string', '@dollarString'],
      [/\$__\w+/, 'predefined'],
      [/\$\w+|\$\{[^}]*\}|\[\[[^\]]*\]\]/, 'variable'],
      [/'/, 'string', '@string'],
      [/"/, 'identifier.quote', '@quoted'],
      [/-?\d+(\.\d+)?([eE][-+]?\d+)?[a-zA-Z]*/, 'number'],
      [/[a-zA-Z_]\w*/, { cases: { '@keywords': 'keyword', '@functions': 'predefined', '@default': 'identifier' } }],
      [/[<>=!]+/, 'operator'],
      [/[;,.()*?]/, 'delimiter'],
      [/\s+/, 'white'],
    ],
    blockComment: [
      [/\*\//, 'comment', '@pop'],
      [/./, 'comment'],
    ],
    string: [
      [/''/, 'string'],
      [/'/, 'string', '@pop'],
      [/[^']+/, 'string'],
    ],
    quoted: [
      [/""/, 'identifier.quote'],
      [/"/, 'identifier.quote', '@pop'],
      [/[^"]+/, 'identifier'],
    ],
    dollarString: [
      [/\$\$/, 'string', '@pop'],
      [/./, 'string'],
    ],
  },
};
