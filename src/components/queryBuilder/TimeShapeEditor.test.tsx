import React, { useState } from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';

import { mockDataSource, seedResources } from '../../testUtils/mockDataSource';
import { pickOption } from '../../testUtils/combobox';
import { installTemplateSrv } from '../../testUtils/fakeTemplateSrv';
import { CassandraQuery, ColumnInfo } from '../../types';
import { TimeShapeEditor } from './TimeShapeEditor';

// PRIMARY KEY ((sensor, day, hour_bucket), ts): day a date, hour_bucket text like 2026113014,
// ts a bigint of epoch milliseconds.
const columns: ColumnInfo[] = [
  { name: 'sensor', type: 'text', kind: 'partition_key', position: 0 },
  { name: 'day', type: 'date', kind: 'partition_key', position: 1 },
  { name: 'hour_bucket', type: 'text', kind: 'partition_key', position: 2 },
  { name: 'ts', type: 'bigint', kind: 'clustering', position: 0, clusteringOrder: 'ASC' },
  { name: 'v', type: 'double', kind: 'regular', position: -1 },
];

async function renderShape(initial: CassandraQuery) {
  const { ds, getResource } = mockDataSource({}, (path, params) =>
    path === 'values' ? ['2026113013', '2026113014', '2026113015'] : seedResources(path, params)
  );
  const changes: CassandraQuery[] = [];
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <TimeShapeEditor
        datasource={ds}
        keyspace="ks"
        query={query}
        columns={columns}
        onChange={(patch) => {
          const next = { ...query, ...patch };
          changes.push(next);
          setQuery(next);
        }}
      />
    );
  }
  await act(async () => {
    render(<Harness />);
  });
  return { getResource, latest: () => changes[changes.length - 1] };
}

const base: CassandraQuery = {
  refId: 'A',
  queryType: 'builder',
  keyspace: 'ks',
  table: 't',
  timeColumn: 'ts',
  valueColumns: ['v'],
  filters: [
    { column: 'sensor', op: '=', values: ['s1'] },
    { column: 'day', op: '=', values: ['2026-11-30'] },
  ],
  seriesColumns: ['sensor', 'day'],
};

beforeEach(() => {
  jest.useFakeTimers();
  installTemplateSrv();
});
afterEach(() => {
  jest.useRealTimers();
});

describe('TimeShapeEditor', () => {
  it('asks for the unit of an epoch time column', async () => {
    const { latest } = await renderShape(base);
    expect(screen.getByText('Choose the unit of the epoch time column')).toBeInTheDocument();
    await pickOption(screen.getByLabelText('Time unit'), 'ms');
    expect(latest().timeUnit).toBe('ms');
    expect(screen.queryByText('Choose the unit of the epoch time column')).not.toBeInTheDocument();
  });

  it('makes a date partition key column the time bucket, taking it out of filters and series', async () => {
    const { latest } = await renderShape({ ...base, timeUnit: 'ms' });
    await pickOption(screen.getByLabelText('Time bucket'), 'day');
    expect(latest()).toMatchObject({
      bucketColumn: 'day',
      bucketGranularity: 'day',
      filters: [{ column: 'sensor', op: '=', values: ['s1'] }],
      seriesColumns: ['sensor'],
    });
    expect(screen.queryByLabelText('Format')).not.toBeInTheDocument();
  });

  it('suggests the format of a text bucket column from its values and applies it when confirmed', async () => {
    const { latest, getResource } = await renderShape({ ...base, timeUnit: 'ms' });
    await pickOption(screen.getByLabelText('Time bucket'), 'hour_bucket');
    expect(latest()).toMatchObject({ bucketColumn: 'hour_bucket', bucketFormat: undefined });
    expect(screen.getByText('Enter or confirm the format of the bucket values')).toBeInTheDocument();
    const button = await waitFor(() => screen.getByRole('button', { name: 'Use YYYYMMDDHH per hour' }));
    expect(getResource).toHaveBeenCalledWith('values', expect.objectContaining({ column: 'hour_bucket' }));
    fireEvent.click(button);
    expect(latest()).toMatchObject({
      bucketColumn: 'hour_bucket',
      bucketFormat: 'YYYYMMDDHH',
      bucketGranularity: 'hour',
    });
    expect(screen.queryByRole('button', { name: /^Use / })).not.toBeInTheDocument();
  });
});
