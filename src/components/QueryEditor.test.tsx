import React, { useState } from 'react';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';

import { installTemplateSrv } from '../testUtils/fakeTemplateSrv';
import { optionLabels, pickOption, typeCustomValue } from '../testUtils/combobox';
import { mockDataSource } from '../testUtils/mockDataSource';
import { CassandraQuery } from '../types';
import { QueryEditor } from './QueryEditor';

// Monaco does not run in jsdom; a textarea with the same callbacks stands in for it.
jest.mock('@grafana/ui', () => {
  const actual = jest.requireActual('@grafana/ui');
  const mockReact = jest.requireActual('react');
  return {
    ...actual,
    CodeEditor: ({ value, onBlur }: { value: string; onBlur?: (v: string) => void }) =>
      mockReact.createElement('textarea', {
        'aria-label': 'CQL editor',
        defaultValue: value,
        onBlur: (e: { currentTarget: { value: string } }) => onBlur?.(e.currentTarget.value),
      }),
  };
});

async function renderEditor(initial: CassandraQuery, jsonData = {}) {
  const { ds, getResource, postResource } = mockDataSource(jsonData);
  const onRunQuery = jest.fn();
  const changes: CassandraQuery[] = [];
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <QueryEditor
        datasource={ds}
        query={query}
        onRunQuery={onRunQuery}
        onChange={(q) => {
          changes.push(q);
          setQuery(q);
        }}
      />
    );
  }
  // Resource answers arrive right after the first render; let them settle inside act().
  await act(async () => {
    render(<Harness />);
  });
  return { ds, getResource, postResource, onRunQuery, latest: () => changes[changes.length - 1], changes };
}

const field = (name: string) => screen.getByLabelText(name);
// By role: the format's Table option is labelled "Table" too.
const tablePicker = () => screen.getByRole('combobox', { name: 'Table' });

/** A change asks the server for a new CQL preview: let its answer land inside act(). */
const previewAnswered = () => act(async () => {});

const complete: CassandraQuery = {
  refId: 'A',
  queryType: 'builder',
  keyspace: 'metric_data',
  table: 'raw_counter_with_interval',
  timeColumn: 'metric_timestamp',
  valueColumns: ['count'],
  seriesColumns: ['environment', 'application', 'metric_name'],
  filters: [{ column: 'environment', op: '=', values: ['prod'] }],
  aggregations: [],
  interval: 'auto',
  fill: 'null',
};

// The query once keyspace, table and values are picked, before filters, interval and fill.
const picked: CassandraQuery = {
  refId: 'A',
  queryType: 'builder',
  keyspace: 'metric_data',
  table: 'raw_counter_with_interval',
  timeColumn: 'metric_timestamp',
  valueColumns: ['count', 'interval_count'],
  seriesColumns: [],
  filters: [],
};

beforeEach(() => {
  // With Jest's clock, waitFor's budget is a number of polls, each after pending work has run,
  // not a second of wall time that a busy machine can use up.
  jest.useFakeTimers();
  installTemplateSrv({ env: 'prod', app: ['api', 'web'] });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('QueryEditor builder', () => {
  it('fills dropdowns from the backend and picks a table the way it is keyed', async () => {
    const { getResource, onRunQuery, latest } = await renderEditor({ refId: 'A' });

    expect(await optionLabels(field('Keyspace'))).toEqual(['metric_data', 'system', '$env', '$app']);
    await pickOption(field('Keyspace'), 'metric_data');
    expect(latest()).toMatchObject({ queryType: 'builder', keyspace: 'metric_data' });
    expect(onRunQuery).not.toHaveBeenCalled();

    await waitFor(() => expect(getResource).toHaveBeenCalledWith('tables', { keyspace: 'metric_data' }));
    await pickOption(tablePicker(), 'raw_counter_with_interval');

    // Picking a table picks the time column the way the table is keyed; the series are the
    // backend's default (the partition key columns not fixed by =), so the list stays empty.
    await waitFor(() => expect(latest().timeColumn).toBe('metric_timestamp'));
    expect(latest().seriesColumns).toEqual([]);
    expect(getResource).toHaveBeenCalledWith('columns', {
      keyspace: 'metric_data',
      table: 'raw_counter_with_interval',
    });
    expect(getResource).toHaveBeenCalledWith('measures', {
      keyspace: 'metric_data',
      table: 'raw_counter_with_interval',
    });

    expect(await optionLabels(field('Values'))).toEqual(['count', 'previous_count', 'interval_count', '$env', '$app']);
    await pickOption(field('Values'), 'count');
    await pickOption(field('Values'), 'interval_count');
    expect(latest().valueColumns).toEqual(['count', 'interval_count']);

    // No aggregation chosen: each measure's default applies, and the editor says which.
    expect(screen.getByPlaceholderText('Default: max(count), sum(interval_count)')).toBeInTheDocument();
    expect(latest()).toEqual(picked);
  });

  it('adds a filter, interval and fill and builds the documented query', async () => {
    const { getResource, postResource, onRunQuery, latest } = await renderEditor(picked);
    expect(onRunQuery).not.toHaveBeenCalled();

    await act(async () => fireEvent.click(screen.getByText('Add filter')));
    const row = screen.getByRole('group', { name: 'Filter 1' });
    const [, , valuesInput] = within(row).getAllByRole('combobox');
    await waitFor(() =>
      expect(getResource).toHaveBeenCalledWith('values', {
        keyspace: 'metric_data',
        table: 'raw_counter_with_interval',
        column: 'environment',
        limit: 1000,
      })
    );
    await pickOption(valuesInput, 'prod');
    await pickOption(valuesInput, '$env');

    await pickOption(field('Interval'), '1m');
    fireEvent.click(screen.getByLabelText('Previous'));

    expect(latest()).toEqual({
      refId: 'A',
      queryType: 'builder',
      keyspace: 'metric_data',
      table: 'raw_counter_with_interval',
      timeColumn: 'metric_timestamp',
      valueColumns: ['count', 'interval_count'],
      seriesColumns: [],
      filters: [{ column: 'environment', op: 'IN', values: ['prod', '$env'] }],
      interval: '1m',
      fill: 'previous',
    });
    expect(onRunQuery).toHaveBeenCalled();

    // The preview is the backend's CQL for the query as it runs: variables expanded, posted to the
    // preview resource (a stand-in answers here; pkg/resources tests the real one).
    await waitFor(() => expect(screen.getByTestId('cql-preview').textContent).toMatch(/^SELECT/));
    const posted = postResource.mock.calls.filter(([path]) => path === 'preview').pop()?.[1] as { query: object };
    expect(posted.query).toMatchObject({
      keyspace: 'metric_data',
      table: 'raw_counter_with_interval',
      filters: [{ column: 'environment', op: 'IN', values: ['prod'] }],
      valueColumns: ['count', 'interval_count'],
    });
    expect(screen.getByTestId('cql-preview').textContent).toBe(
      [
        'SELECT *',
        'FROM "metric_data"."raw_counter_with_interval"',
        `WHERE "environment" IN ('prod')`,
        '-- bins: 1m, fill previous',
        '-- per bin: max(count), max(interval_count)',
      ].join('\n')
    );
  });

  it('uses the data source default keyspace', async () => {
    const { getResource } = await renderEditor({ refId: 'A', queryType: 'builder' }, { keyspace: 'metric_data' });
    expect(field('Keyspace')).toHaveValue('metric_data');
    await waitFor(() => expect(getResource).toHaveBeenCalledWith('tables', { keyspace: 'metric_data' }));
  });

  it('clears table choices when the keyspace changes', async () => {
    const { latest } = await renderEditor(complete);
    await pickOption(field('Keyspace'), 'system');
    expect(latest()).toMatchObject({
      keyspace: 'system',
      table: undefined,
      timeColumn: undefined,
      valueColumns: [],
      filters: [],
    });
  });

  it('keeps value columns and filters the new table also has', async () => {
    const { latest } = await renderEditor(complete);
    await pickOption(tablePicker(), 'raw_timer_with_interval');
    await waitFor(() => expect(latest().table).toBe('raw_timer_with_interval'));
    await waitFor(() => expect(latest().timeColumn).toBe('metric_timestamp'));
    expect(latest().valueColumns).toEqual(['count']);
    expect(latest().filters).toEqual(complete.filters);
  });

  it('runs the query when text fields are left, not while typing', async () => {
    const { onRunQuery, latest } = await renderEditor(complete);
    const alias = field('Alias');
    fireEvent.change(alias, { target: { value: '{{environment}} {{measure}}' } });
    expect(onRunQuery).not.toHaveBeenCalled();
    fireEvent.blur(alias);
    expect(latest().alias).toBe('{{environment}} {{measure}}');
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    const limit = field('Limit');
    fireEvent.change(limit, { target: { value: '250' } });
    fireEvent.keyDown(limit, { key: 'Enter' });
    fireEvent.blur(limit);
    expect(latest().limit).toBe(250);
    await previewAnswered();
  });

  it('rejects a limit that is not a positive whole number', async () => {
    const { latest } = await renderEditor(complete);
    const limit = field('Limit');
    fireEvent.change(limit, { target: { value: '-3' } });
    fireEvent.blur(limit);
    expect(screen.getByText('Enter a whole number above 0')).toBeInTheDocument();
    expect(latest()).toBeUndefined();
  });

  it('sets instant and allow filtering', async () => {
    const { latest, onRunQuery } = await renderEditor(complete);
    fireEvent.click(field('Instant'));
    expect(latest().instant).toBe(true);
    fireEvent.click(field('Allow filtering'));
    expect(latest().allowFiltering).toBe(true);
    expect(onRunQuery).toHaveBeenCalledTimes(2);
    await previewAnswered();
  });

  it('turns the bin cache off for one query and back on', async () => {
    const { latest } = await renderEditor(complete);
    expect(field('Bin cache')).toBeChecked();
    fireEvent.click(field('Bin cache'));
    expect(latest().cache).toBe(false);
    expect(field('Bin cache')).not.toBeChecked();
    fireEvent.click(field('Bin cache'));
    expect(latest()).not.toHaveProperty('cache', false);
    expect(latest().cache).toBeUndefined();
    await previewAnswered();
  });

  it('shows the bin cache as unused for instant queries and queries with a limit', async () => {
    await renderEditor({ ...complete, instant: true });
    expect(field('Bin cache')).toBeDisabled();
    expect(field('Bin cache')).not.toBeChecked();
  });

  it('turns rollups off for one query and back on, saving only false', async () => {
    const { latest, onRunQuery } = await renderEditor(complete);
    expect(field('Rollups')).toBeChecked();
    expect(field('Rollups')).toBeEnabled();
    fireEvent.click(field('Rollups'));
    expect(latest()).toEqual({ ...complete, rollups: false });
    expect(field('Rollups')).not.toBeChecked();
    fireEvent.click(field('Rollups'));
    expect(latest()).not.toHaveProperty('rollups', false);
    expect(latest().rollups).toBeUndefined();
    expect(field('Rollups')).toBeChecked();
    expect(onRunQuery).toHaveBeenCalledTimes(2);
    await previewAnswered();
  });

  it('shows rollups as unused for the table format, instant queries and queries with a limit', async () => {
    const { latest } = await renderEditor({ ...complete, rollups: false });
    expect(field('Rollups')).toBeEnabled();
    fireEvent.click(screen.getByLabelText('Table format'));
    expect(field('Rollups')).toBeDisabled();
    expect(field('Rollups')).not.toBeChecked();
    fireEvent.click(screen.getByLabelText('Time series format'));
    expect(field('Rollups')).toBeEnabled();
    fireEvent.click(field('Instant'));
    expect(field('Rollups')).toBeDisabled();
    fireEvent.click(field('Instant'));
    expect(field('Rollups')).toBeEnabled();
    const limit = field('Limit');
    fireEvent.change(limit, { target: { value: '100' } });
    fireEvent.blur(limit);
    expect(field('Rollups')).toBeDisabled();
    expect(field('Rollups')).not.toBeChecked();
    // Shown off where unused, the saved choice is kept for when it applies again.
    expect(latest().rollups).toBe(false);
    await previewAnswered();
  });

  it('offers no rollups switch in CQL mode', async () => {
    await renderEditor({ refId: 'A', queryType: 'cql', rawCql: 'SELECT * FROM t' });
    expect(field('Bin cache')).toBeInTheDocument();
    expect(screen.queryByLabelText('Rollups')).not.toBeInTheDocument();
  });

  it('switches the builder to the table format, where bins do not apply', async () => {
    const { latest } = await renderEditor(complete);
    await waitFor(() => expect(screen.getByTestId('cql-preview').textContent).toMatch(/-- per bin: /));
    fireEvent.click(screen.getByLabelText('Table format'));
    expect(latest().format).toBe('table');
    expect(field('Interval')).toBeDisabled();
    expect(field('Aggregations')).toBeDisabled();
    expect(field('Bin cache')).toBeDisabled();
    await waitFor(() =>
      expect(screen.getByTestId('cql-preview').textContent).toMatch(/-- table: the rows as they are/)
    );
    expect(screen.getByTestId('cql-preview').textContent).not.toMatch(/per bin/);
    fireEvent.click(screen.getByLabelText('Time series format'));
    expect(latest().format).toBe('time_series');
    expect(field('Interval')).toBeEnabled();
    await previewAnswered();
  });

  it('accepts a custom interval and refuses nonsense', async () => {
    const { latest } = await renderEditor(complete);
    await typeCustomValue(field('Interval'), '45s');
    expect(latest().interval).toBe('45s');
    await typeCustomValue(field('Interval'), 'often');
    expect(screen.getByText('"often" is not a duration such as 30s, 5m or 1h')).toBeInTheDocument();
    expect(latest().interval).toBe('45s');
  });

  it('asks for a fill value when filling with a value', async () => {
    const { latest } = await renderEditor(complete);
    fireEvent.click(screen.getByLabelText('Value'));
    expect(latest()).toMatchObject({ fill: 'value', fillValue: 0 });
    const input = field('Fill value');
    fireEvent.change(input, { target: { value: '-1.5' } });
    fireEvent.blur(input);
    expect(latest().fillValue).toBe(-1.5);
    await previewAnswered();
  });

  it('picks aggregations', async () => {
    const { latest } = await renderEditor(complete);
    await pickOption(field('Aggregations'), 'p99');
    await pickOption(field('Aggregations'), 'avg');
    expect(latest().aggregations).toEqual(['p99', 'avg']);
  });

  it('removes a filter', async () => {
    const { latest, onRunQuery } = await renderEditor(complete);
    fireEvent.click(
      within(screen.getByRole('group', { name: 'Filter 1' })).getByRole('button', { name: 'Remove filter' })
    );
    expect(latest().filters).toEqual([]);
    expect(onRunQuery).toHaveBeenCalled();
    await previewAnswered();
  });

  it('limits filters to key columns and switches to a single value for range operators', async () => {
    const { latest } = await renderEditor(complete);
    const row = screen.getByRole('group', { name: 'Filter 1' });
    const [columnInput, opInput] = within(row).getAllByRole('combobox');
    expect(await optionLabels(columnInput)).toEqual(['environment', 'application', 'metric_name', 'metric_timestamp']);
    await pickOption(opInput, '>=');
    expect(latest().filters).toEqual([{ column: 'environment', op: '>=', values: ['prod'] }]);
  });

  it('shows backend errors from resource calls', async () => {
    const { ds } = mockDataSource();
    ds.getResource = jest.fn(async (path: string) => {
      if (path === 'keyspaces') {
        throw { status: 400, data: { error: 'connection refused: 127.0.0.1:9042' } };
      }
      return [];
    }) as unknown as typeof ds.getResource;
    await act(async () => {
      render(<QueryEditor datasource={ds} query={{ refId: 'A' }} onChange={jest.fn()} onRunQuery={jest.fn()} />);
    });
    expect(await screen.findByText('connection refused: 127.0.0.1:9042')).toBeInTheDocument();
  });
});

describe('QueryEditor modes', () => {
  it('keeps every field when switching between builder and CQL', async () => {
    const { latest, onRunQuery } = await renderEditor(complete);
    fireEvent.click(screen.getByLabelText('CQL'));
    expect(latest()).toEqual({ ...complete, queryType: 'cql' });

    const editor = screen.getByLabelText('CQL editor');
    fireEvent.change(editor, { target: { value: 'SELECT * FROM metric_data.raw_timer' } });
    fireEvent.blur(editor);
    expect(latest().rawCql).toBe('SELECT * FROM metric_data.raw_timer');
    expect(onRunQuery).toHaveBeenCalled();

    // Back in the builder, the table's columns are fetched again.
    await act(async () => {
      fireEvent.click(screen.getByLabelText('Builder'));
    });
    expect(latest()).toEqual({ ...complete, rawCql: 'SELECT * FROM metric_data.raw_timer' });
    expect(tablePicker()).toHaveValue('raw_counter_with_interval');
  });

  it('opens CQL queries in CQL mode', async () => {
    await renderEditor({ refId: 'A', rawCql: 'SELECT 1' });
    expect(screen.getByLabelText('CQL')).toBeChecked();
  });

  it('shows binning as the backend applies it and sets format and binning options in CQL mode', async () => {
    const { latest } = await renderEditor({ refId: 'A', queryType: 'cql', rawCql: 'SELECT * FROM t' });
    // A time series without a saved binning field is binned.
    expect(field('Binning')).toBeChecked();
    await pickOption(field('Interval'), '5m');
    await pickOption(field('Aggregations'), 'max');
    fireEvent.click(field('Bin cache'));
    expect(latest()).toMatchObject({ interval: '5m', aggregations: ['max'], cache: false, rawCql: 'SELECT * FROM t' });
    expect(latest().binning).toBeUndefined();

    // A table is never binned: the switch shows off and the bin options go away.
    fireEvent.click(screen.getByLabelText('Table format'));
    expect(latest().format).toBe('table');
    expect(field('Binning')).not.toBeChecked();
    expect(field('Binning')).toBeDisabled();
    expect(screen.queryByLabelText('Interval')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Bin cache')).not.toBeInTheDocument();

    // Turned off for a time series, the raw points come back.
    fireEvent.click(screen.getByLabelText('Time series format'));
    fireEvent.click(field('Binning'));
    expect(latest()).toMatchObject({ format: 'time_series', binning: false });
    expect(screen.queryByLabelText('Interval')).not.toBeInTheDocument();
    fireEvent.click(field('Binning'));
    expect(latest().binning).toBe(true);
    expect(field('Interval')).toBeInTheDocument();
  });

  it('names an epoch time column and its unit in CQL mode', async () => {
    const { latest } = await renderEditor({
      refId: 'A',
      queryType: 'cql',
      rawCql: 'SELECT sensor, ts, v FROM k.t WHERE $__timeFilter_ms(ts)',
    });
    await pickOption(field('Time unit'), 'ms');
    expect(latest().timeUnit).toBe('ms');
    expect(screen.getByText('Name the column that holds the epoch time')).toBeInTheDocument();
    const column = field('Time column');
    fireEvent.change(column, { target: { value: ' ts ' } });
    fireEvent.blur(column);
    expect(latest()).toMatchObject({ timeColumn: 'ts', timeUnit: 'ms' });
    expect(screen.queryByText('Name the column that holds the epoch time')).not.toBeInTheDocument();
    await pickOption(field('Time unit'), 'not a number');
    expect(latest().timeUnit).toBeUndefined();
  });

  it('documents the macros behind a help toggle', async () => {
    await renderEditor({ refId: 'A', queryType: 'cql' });
    expect(screen.queryByTestId('cql-help')).not.toBeInTheDocument();
    fireEvent.click(screen.getByText('Show help'));
    const help = screen.getByTestId('cql-help');
    for (const macro of [
      '$__timeFrom',
      '$__timeTo',
      '$__unixEpochFrom',
      '$__unixEpochTo',
      '$__timeFilter(col)',
      '$__interval',
      '$__interval_ms',
    ]) {
      expect(within(help).getByText(macro)).toBeInTheDocument();
    }
    fireEvent.click(screen.getByText('Hide help'));
    expect(screen.queryByTestId('cql-help')).not.toBeInTheDocument();
  });
});
