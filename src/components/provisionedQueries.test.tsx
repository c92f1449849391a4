import fs from 'fs';
import path from 'path';
import React from 'react';
import { act, render } from '@testing-library/react';

import { mockDataSource, ResourceHandler, seedColumns, seedMeasures, seedResources } from '../testUtils/mockDataSource';
import { installTemplateSrv } from '../testUtils/fakeTemplateSrv';
import { CassandraQuery, ColumnInfo, MeasureInfo } from '../types';
import { QueryEditor } from './QueryEditor';
import { VariableQueryEditor } from './VariableQueryEditor';

jest.mock('@grafana/ui', () => {
  const actual = jest.requireActual('@grafana/ui');
  const mockReact = jest.requireActual('react');
  return {
    ...actual,
    CodeEditor: ({ value }: { value: string }) =>
      mockReact.createElement('textarea', { 'aria-label': 'CQL editor', defaultValue: value }),
  };
});

// The seed's timer tables: the counter columns plus the timer measures.
const TIMER_MEASURES = ['max', 'mean', 'min', 'std_dev', 'median', 'p75', 'p95', 'p98', 'p99', 'p999'];
const timerColumns: ColumnInfo[] = [
  ...seedColumns,
  ...TIMER_MEASURES.map((name) => ({ name, type: 'float', kind: 'regular' as const, position: -1 })),
];
const timerMeasures: MeasureInfo[] = [
  ...seedMeasures,
  ...TIMER_MEASURES.map((name) => ({
    name,
    type: 'float',
    derived: false,
    defaultAggregation: name === 'min' ? 'min' : name === 'mean' ? 'avg' : 'max',
  })),
];
const resources: ResourceHandler = (p, params) => {
  const timer = String(params?.table ?? '').startsWith('raw_timer');
  if (p === 'columns' && timer) {
    return timerColumns;
  }
  if (p === 'measures' && timer) {
    return timerMeasures;
  }
  if (p === 'tables') {
    return ['raw_counter_with_interval', 'raw_timer_with_interval'];
  }
  return seedResources(p, params);
};

const dir = path.join(__dirname, '..', '..', 'provisioning', 'dashboards');
const dashboards = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, json: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) }));

const targets: Array<[string, CassandraQuery]> = dashboards.flatMap(({ file, json }) => [
  ...(json.panels ?? []).flatMap((p: { title: string; targets?: CassandraQuery[] }) =>
    (p.targets ?? []).map((t): [string, CassandraQuery] => [`${file}: panel "${p.title}" ${t.refId}`, t])
  ),
  ...(json.annotations?.list ?? [])
    .filter((a: { target?: CassandraQuery }) => a.target)
    .map((a: { name: string; target: CassandraQuery }): [string, CassandraQuery] => [
      `${file}: annotation "${a.name}"`,
      a.target,
    ]),
]);

const variables: Array<[string, unknown]> = dashboards.flatMap(({ file, json }) =>
  (json.templating?.list ?? [])
    .filter((v: { type: string }) => v.type === 'query')
    .map((v: { name: string; query: unknown }): [string, unknown] => [`${file}: variable $${v.name}`, v.query])
);

beforeEach(() => installTemplateSrv({ environment: 'prod', application: 'checkout', metric: ['http.requests'] }));

describe('saved queries of the provisioned dashboards round-trip through the editors', () => {
  it('has targets and variables to check', () => {
    expect(targets.length).toBeGreaterThan(0);
    expect(variables.length).toBeGreaterThan(0);
  });

  it.each(targets)('%s opens in the query editor and is not changed without an edit', async (_, saved) => {
    const { ds } = mockDataSource({ keyspace: 'metric_data' }, resources);
    const onChange = jest.fn();
    const before = JSON.parse(JSON.stringify(saved));
    await act(async () => {
      render(<QueryEditor datasource={ds} query={saved} onChange={onChange} onRunQuery={jest.fn()} />);
    });
    // Any change the editor makes on its own must give back the same query.
    for (const [changed] of onChange.mock.calls) {
      expect(changed).toEqual(before);
    }
    expect(saved).toEqual(before);
  });

  it.each(variables)('%s opens in the variable editor and is not changed without an edit', async (_, saved) => {
    const { ds } = mockDataSource({ keyspace: 'metric_data' }, resources);
    const onChange = jest.fn();
    await act(async () => {
      render(
        <VariableQueryEditor
          datasource={ds}
          query={saved as CassandraQuery}
          onChange={onChange}
          onRunQuery={jest.fn()}
        />
      );
    });
    expect(onChange).not.toHaveBeenCalled();
  });
});
