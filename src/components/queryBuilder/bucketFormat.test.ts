import { bucketCandidates, needsFormat, suggestBucketFormat } from './bucketFormat';
import { ColumnInfo } from '../../types';

describe('suggestBucketFormat', () => {
  it.each([
    [['2026-11-30', '2026-12-01'], { format: 'YYYY-MM-DD', granularity: 'day' }],
    [['20261130', '20261201'], { format: 'YYYYMMDD', granularity: 'day' }],
    [['2026113007', '2026113008'], { format: 'YYYYMMDDHH', granularity: 'hour' }],
    [['2026-11-30 07'], { format: 'YYYY-MM-DD HH', granularity: 'hour' }],
    [['2026-11', '2026-12'], { format: 'YYYY-MM', granularity: 'month' }],
    [['202611'], { format: 'YYYYMM', granularity: 'month' }],
    [['2026-W48', '2026-W49'], { format: "YYYY-'W'WW", granularity: 'week' }],
    // Only Mondays: a week bucket written as its first day.
    [['2026-11-30', '2026-12-07'], { format: 'YYYY-MM-DD', granularity: 'week' }],
  ])('%j', (values, want) => {
    expect(suggestBucketFormat(values)).toEqual(want);
  });

  it('gives no guess for mixed or unknown shapes', () => {
    expect(suggestBucketFormat(['2026-11-30', '20261201'])).toBeUndefined();
    expect(suggestBucketFormat(['sensor-1'])).toBeUndefined();
    expect(suggestBucketFormat([])).toBeUndefined();
  });
});

describe('bucketCandidates', () => {
  it('offers partition key columns that can hold a bucket', () => {
    const cols: ColumnInfo[] = [
      { name: 'sensor', type: 'uuid', kind: 'partition_key', position: 0 },
      { name: 'day', type: 'date', kind: 'partition_key', position: 1 },
      { name: 'hour', type: 'int', kind: 'partition_key', position: 2 },
      { name: 'ts', type: 'timestamp', kind: 'clustering', position: 0 },
    ];
    expect(bucketCandidates(cols).map((c) => c.name)).toEqual(['day', 'hour']);
    expect(needsFormat('date')).toBe(false);
    expect(needsFormat('int')).toBe(true);
  });
});
