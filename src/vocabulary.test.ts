import fs from 'fs';
import path from 'path';

import { validateSettings } from './components/ConfigEditor';
import { isValidAggregation } from './components/queryBuilder/AggregationEditor';
import { isValidInterval } from './components/queryBuilder/IntervalFillEditor';
import { parseInterval, parseSettingDuration } from './duration';
import { AGGREGATIONS, FILL_MODES } from './vocabulary.generated';
import { isAggregation, isFillMode, isTimeType, timeKindOf } from './vocabulary';

// The backend's table of cases (pkg/vocab/testdata/vocabulary-cases.json): pkg/vocab's Go test
// feeds it to the backend's readers, this test to the editors' validators; both must agree with it.
interface Cases {
  durations: Array<{ input: string; interval: boolean; timeout: boolean; lateDataWindow: boolean; ns: string }>;
  aggregations: Array<{ input: string; accept: boolean }>;
  fills: Array<{ input: string; accept: boolean }>;
}
const cases: Cases = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'pkg', 'vocab', 'testdata', 'vocabulary-cases.json'), 'utf8')
);

describe('the editors accept and refuse what the backend does', () => {
  it.each(cases.durations)('duration "$input"', (c) => {
    const verdicts = {
      interval: isValidInterval(c.input),
      timeout: validateSettings({ hosts: ['h'], connectTimeout: c.input }).connectTimeout === undefined,
      queryTimeout: validateSettings({ hosts: ['h'], queryTimeout: c.input }).queryTimeout === undefined,
      lateDataWindow: validateSettings({ hosts: ['h'], lateDataWindow: c.input }).lateDataWindow === undefined,
    };
    expect(verdicts).toEqual({
      interval: c.interval,
      timeout: c.timeout,
      queryTimeout: c.timeout,
      lateDataWindow: c.lateDataWindow,
    });
    if (c.ns !== '') {
      if (c.interval) {
        expect(parseInterval(c.input).ns?.toString()).toBe(c.ns);
      }
      if (c.timeout || c.lateDataWindow) {
        expect(parseSettingDuration(c.input).ns?.toString()).toBe(c.ns);
      }
    }
  });

  it.each(cases.aggregations)('aggregation "$input"', (c) => {
    expect(isAggregation(c.input)).toBe(c.accept);
    expect(isValidAggregation(c.input)).toBe(c.accept);
  });

  it.each(cases.fills)('fill "$input"', (c) => {
    expect(isFillMode(c.input)).toBe(c.accept);
  });

  it('tries every aggregation and fill of the vocabulary', () => {
    const accepted = (list: Array<{ input: string; accept: boolean }>) =>
      list.filter((c) => c.accept).map((c) => c.input);
    for (const f of FILL_MODES) {
      expect(accepted(cases.fills)).toContain(f);
    }
    expect(AGGREGATIONS.filter((a) => !accepted(cases.aggregations).includes(a))).toEqual(['p75', 'p90', 'p95', 'p99']);
  });
});

describe('the CQL type classifier', () => {
  it('says a timeuuid holds time, as the backend does', () => {
    expect(isTimeType('timeuuid')).toBe(true);
    expect(timeKindOf('TimeUUID')).toBe('timeuuid');
    expect(timeKindOf('bigint')).toBe('epoch');
    expect(timeKindOf('text')).toBeUndefined();
  });
});
