import { BucketGranularity, ColumnInfo } from '../../types';
import { isBucketType, isEpochType, needsBucketFormat } from '../../vocabulary';

/** A bucket format and granularity guessed from a bucket column's values. */
export interface BucketSuggestion {
  format: string;
  granularity: BucketGranularity;
}

// Value shapes users store, most specific first. Each regular expression matches the whole value.
const SHAPES: Array<{ re: RegExp; format: string; granularity: BucketGranularity }> = [
  { re: /^\d{4}-\d{2}-\d{2}[ T]\d{2}$/, format: 'YYYY-MM-DD HH', granularity: 'hour' },
  { re: /^\d{10}$/, format: 'YYYYMMDDHH', granularity: 'hour' },
  { re: /^\d{4}-\d{2}-\d{2}$/, format: 'YYYY-MM-DD', granularity: 'day' },
  { re: /^\d{8}$/, format: 'YYYYMMDD', granularity: 'day' },
  { re: /^\d{4}-W\d{2}$/, format: "YYYY-'W'WW", granularity: 'week' },
  { re: /^\d{4}-\d{2}$/, format: 'YYYY-MM', granularity: 'month' },
  { re: /^\d{6}$/, format: 'YYYYMM', granularity: 'month' },
];

/**
 * Guesses the format of a text or int bucket column from sample values; undefined when the values
 * do not all share one known shape. The user confirms the guess: it is never applied silently.
 */
export function suggestBucketFormat(values: string[]): BucketSuggestion | undefined {
  const sample = values.filter((v) => v !== '').slice(0, 50);
  if (sample.length === 0) {
    return undefined;
  }
  const shape = SHAPES.find((s) => sample.every((v) => s.re.test(v)));
  if (!shape) {
    return undefined;
  }
  // A day shape whose values are all Mondays is most likely a week bucket.
  if (shape.granularity === 'day' && sample.length >= 2 && sample.every(isMonday)) {
    return { format: shape.format, granularity: 'week' };
  }
  return { format: shape.format, granularity: shape.granularity };
}

function isMonday(v: string): boolean {
  const digits = v.replace(/-/g, '');
  const d = new Date(Date.UTC(+digits.slice(0, 4), +digits.slice(4, 6) - 1, +digits.slice(6, 8)));
  return d.getUTCDay() === 1;
}

/** Partition key columns that can hold a time bucket (the backend's classifier). */
export function bucketCandidates(columns: ColumnInfo[]): ColumnInfo[] {
  return columns.filter((c) => c.kind === 'partition_key' && isBucketType(c.type));
}

/** Whether a bucket column of this type needs a format (text and int columns do). */
export function needsFormat(type?: string): boolean {
  return needsBucketFormat(type);
}

// Whether a column can hold epoch time in some unit: the backend's classifier.
export { isEpochType };
