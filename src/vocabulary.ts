import {
  AGGREGATIONS,
  BUCKET_GRANULARITIES,
  CQL_TYPES,
  FILL_MODES,
  QUERY_DEFAULTS,
  TIME_KINDS,
} from './vocabulary.generated';

/**
 * The editors' checks over the backend's vocabulary (vocabulary.generated.ts, written by
 * pkg/vocab): they accept what the backend accepts, as src/vocabulary.test.ts checks against the
 * backend's table of cases. Durations are in duration.ts.
 */

export type Aggregation = (typeof AGGREGATIONS)[number];
export type FillMode = (typeof FILL_MODES)[number];
export type TimeKind = (typeof TIME_KINDS)[number];

// The backend reads names with case and surrounding space ignored (query.Parse).
const normalize = (s: string) => s.trim().toLowerCase();

/** Whether the backend takes this aggregation name. */
export function isAggregation(name: string): boolean {
  return (AGGREGATIONS as readonly string[]).includes(normalize(name));
}

/** The fill mode the backend reads from this text (empty is the default), or undefined. */
export function fillModeOf(text: string | undefined): FillMode | undefined {
  const t = normalize(text ?? '');
  if (t === '') {
    return QUERY_DEFAULTS.fill;
  }
  return (FILL_MODES as readonly string[]).includes(t) ? (t as FillMode) : undefined;
}

/** Whether the backend takes this fill mode. */
export function isFillMode(text: string): boolean {
  return fillModeOf(text) !== undefined;
}

/** Whether the backend takes this bucket granularity. */
export function isBucketGranularity(text: string): boolean {
  return (BUCKET_GRANULARITIES as readonly string[]).includes(normalize(text));
}

const has = (list: readonly string[], type?: string) => type !== undefined && list.includes(normalize(type));

/**
 * How a column of this CQL type can hold time (the backend's schema.TimeKindOf): timestamp, date
 * and timeuuid hold their own, int, bigint and varint hold epoch units, others none.
 */
export function timeKindOf(type?: string): TimeKind | undefined {
  if (has(CQL_TYPES.time, type)) {
    return normalize(type!) as TimeKind;
  }
  return has(CQL_TYPES.epoch, type) ? 'epoch' : undefined;
}

/** Whether the type holds its own time (timestamp, date, timeuuid). */
export function isTimeType(type?: string): boolean {
  return has(CQL_TYPES.time, type);
}

/** Whether a column can hold epoch time in some unit. */
export function isEpochType(type?: string): boolean {
  return has(CQL_TYPES.epoch, type);
}

/** Whether the type can be a value column. */
export function isNumericType(type?: string): boolean {
  return has(CQL_TYPES.numeric, type);
}

/** Whether a partition key column of this type can hold a time bucket. */
export function isBucketType(type?: string): boolean {
  return has(CQL_TYPES.bucket, type);
}

/** Whether a bucket column of this type needs a format (text and int columns do). */
export function needsBucketFormat(type?: string): boolean {
  return has(CQL_TYPES.bucketFormat, type);
}
