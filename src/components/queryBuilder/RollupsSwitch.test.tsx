import React, { useState } from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';

import { pickOption } from '../../testUtils/combobox';
import { installTemplateSrv } from '../../testUtils/fakeTemplateSrv';
import { mockDataSource, seedResources } from '../../testUtils/mockDataSource';
import { CassandraQuery, RollupInfo, RollupsInfo } from '../../types';
import { BuilderEditor } from './BuilderEditor';
import { formatWidth, rollupsDetails, rollupsSummary, RollupsSwitch } from './RollupsSwitch';

// The shared mock of react-inlinesvg drops the ref and events that open a tooltip; this one keeps
// them, so that hovering the field's info icon shows its tooltip.
jest.mock('react-inlinesvg', () => {
  const mockReact = jest.requireActual('react');
  return {
    __esModule: true,
    default: ({ innerRef, src, onLoad, onError, ...rest }: Record<string, unknown>) =>
      mockReact.createElement('svg', { ref: innerRef, ...rest }),
  };
});

function renderSwitch(
  initial: Partial<CassandraQuery>,
  unusedBecause?: string,
  available?: React.ComponentProps<typeof RollupsSwitch>['available']
) {
  const changes: Array<Partial<CassandraQuery>> = [];
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <RollupsSwitch
        rollups={query.rollups}
        unusedBecause={unusedBecause}
        available={available}
        onChange={(patch) => {
          const next = { ...query, ...patch };
          changes.push(next);
          setQuery(next);
        }}
      />
    );
  }
  render(<Harness />);
  return { latest: () => changes[changes.length - 1] };
}

/** The text of the field's tooltip, which shows when its info icon is hovered. */
async function tooltipText() {
  const icon = screen.getByText('Rollups').querySelector('svg')!;
  fireEvent.pointerEnter(icon);
  fireEvent.mouseEnter(icon);
  return (await screen.findByRole('tooltip')).textContent;
}

describe('RollupsSwitch', () => {
  it('is on when the query has no rollups field', () => {
    renderSwitch({ refId: 'A' });
    expect(screen.getByLabelText('Rollups')).toBeChecked();
    expect(screen.getByLabelText('Rollups')).toBeEnabled();
  });

  it('saves only false: turned off it writes rollups false, turned on again it removes the field', () => {
    const { latest } = renderSwitch({ refId: 'A' });
    fireEvent.click(screen.getByLabelText('Rollups'));
    expect(latest()).toEqual({ refId: 'A', rollups: false });
    expect(screen.getByLabelText('Rollups')).not.toBeChecked();
    fireEvent.click(screen.getByLabelText('Rollups'));
    expect(latest().rollups).toBeUndefined();
    expect(screen.getByLabelText('Rollups')).toBeChecked();
  });

  it('shows a saved false as off', () => {
    renderSwitch({ refId: 'A', rollups: false });
    expect(screen.getByLabelText('Rollups')).not.toBeChecked();
  });

  it('explains what it reads in its tooltip', async () => {
    renderSwitch({ refId: 'A' });
    const text = await tooltipText();
    expect(text).toMatch(/metrics-server's rollups \(pre-aggregated bins\) where they exist, and raw rows elsewhere/);
    expect(text).toMatch(/off to read every raw row/);
    expect(text).not.toMatch(/Not used here/);
  });

  it('shows as off and disabled where it does not apply, with the reason in its tooltip', async () => {
    renderSwitch({ refId: 'A' }, 'tables read the raw rows');
    expect(screen.getByLabelText('Rollups')).toBeDisabled();
    expect(screen.getByLabelText('Rollups')).not.toBeChecked();
    expect(await tooltipText()).toMatch(/Not used here: tables read the raw rows\./);
  });
});

/** Today at hh:mm UTC (the tests run in UTC), as the backend writes times. */
function today(hh: number, mm: number): string {
  const d = new Date();
  d.setUTCHours(hh, mm, 0, 0);
  return d.toISOString();
}

const hourly: RollupInfo = {
  widthMs: 3600000,
  timeColumn: 'metric_timestamp',
  valueColumns: ['p99', 'interval_count'],
  seriesColumns: ['environment', 'application', 'metric_name'],
  from: '2026-01-01T00:00:00Z',
  to: today(0, 0),
};
const minutely: RollupInfo = { ...hourly, widthMs: 60000, valueColumns: ['p99'], to: today(0, 5) };
const answered = (info: RollupsInfo) => ({ loading: false, value: info });

describe('what rollups exist', () => {
  it('writes widths as the interval field does', () => {
    expect([60000, 3600000, 86400000, 300000, 90000, 30000, 1500].map(formatWidth)).toEqual([
      '1m',
      '1h',
      '1d',
      '5m',
      '90s',
      '30s',
      '1500ms',
    ]);
  });

  it('sums up the widths, the measures and how far the newest reaches', () => {
    const now = Date.parse(today(12, 0));
    expect(rollupsSummary(answered({ rollups: [hourly, minutely], disabled: false }), now)).toBe(
      '1h, 1m rollups of p99, interval_count up to 00:05'
    );
    // A day other than today is written in full.
    const old = { ...minutely, to: '2026-02-10T12:05:00Z' };
    expect(rollupsSummary(answered({ rollups: [old], disabled: false }), Date.parse('2026-03-01T00:00:00Z'))).toBe(
      '1m rollups of p99 up to 2026-02-10 12:05'
    );
  });

  it('says when there are none, when they are off, when the answer failed, and nothing while asking', () => {
    expect(rollupsSummary(answered({ rollups: [], disabled: false }))).toBe('no rollups for this table');
    expect(rollupsSummary(answered({ rollups: [], disabled: true }))).toBe('off in the data source settings');
    expect(rollupsSummary({ loading: false, error: 'unavailable' })).toBe('rollups unknown: unavailable');
    expect(rollupsSummary({ loading: true })).toBeUndefined();
    expect(rollupsSummary({ loading: false })).toBeUndefined();
  });

  it('details each width in the tooltip', () => {
    const now = Date.parse('2026-03-01T00:00:00Z');
    const old = { ...hourly, to: '2026-02-10T12:00:00Z' };
    expect(rollupsDetails([old, { ...old, widthMs: 60000, seriesColumns: [] }], now)).toBe(
      '1h: p99, interval_count by environment, application, metric_name, time column metric_timestamp, ' +
        'from 2026-01-01 00:00 up to 2026-02-10 12:00\n' +
        '1m: p99, interval_count, time column metric_timestamp, from 2026-01-01 00:00 up to 2026-02-10 12:00'
    );
    expect(rollupsDetails([])).toBeUndefined();
  });

  it('shows the line beside the switch, which stays usable', () => {
    renderSwitch({ refId: 'A' }, undefined, answered({ rollups: [hourly, minutely], disabled: false }));
    const line = screen.getByTestId('rollups-available');
    expect(line).toHaveTextContent('1h, 1m rollups of p99, interval_count up to 00:05');
    expect(line.getAttribute('title')).toMatch(/^1h: p99, interval_count by environment/);
    expect(screen.getByLabelText('Rollups')).toBeChecked();
  });

  it('shows no line without an answer', () => {
    renderSwitch({ refId: 'A' }, undefined, { loading: true });
    expect(screen.queryByTestId('rollups-available')).not.toBeInTheDocument();
  });
});

describe("the builder's rollups line", () => {
  beforeEach(() => installTemplateSrv({ table: 'raw_timer_with_interval' }));

  const query: CassandraQuery = {
    refId: 'A',
    queryType: 'builder',
    keyspace: 'metric_data',
    table: 'raw_timer_with_interval',
    timeColumn: 'metric_timestamp',
    valueColumns: ['p99'],
  };

  async function renderBuilder(initial: CassandraQuery, answer: (table: string) => unknown) {
    const { ds, getResource } = mockDataSource({ keyspace: 'metric_data' }, (path, params) =>
      path === 'rollups' ? answer(String(params?.table)) : seedResources(path, params)
    );
    function Harness() {
      const [q, setQ] = useState(initial);
      return <BuilderEditor datasource={ds} query={q} onChange={(patch) => setQ((prev) => ({ ...prev, ...patch }))} />;
    }
    await act(async () => {
      render(<Harness />);
    });
    return { getResource };
  }

  it("asks for the chosen table's rollups and says what exists", async () => {
    const { getResource } = await renderBuilder(query, (table) =>
      table === 'raw_timer_with_interval'
        ? { rollups: [hourly, minutely], disabled: false }
        : { rollups: [], disabled: false }
    );
    expect(getResource).toHaveBeenCalledWith('rollups', { keyspace: 'metric_data', table: 'raw_timer_with_interval' });
    expect(await screen.findByTestId('rollups-available')).toHaveTextContent(
      '1h, 1m rollups of p99, interval_count up to 00:05'
    );

    // Another table: its own answer, never the last table's.
    await pickOption(screen.getByRole('combobox', { name: 'Table' }), 'raw_counter_with_interval');
    await waitFor(() =>
      expect(getResource).toHaveBeenCalledWith('rollups', {
        keyspace: 'metric_data',
        table: 'raw_counter_with_interval',
      })
    );
    await waitFor(() => expect(screen.getByTestId('rollups-available')).toHaveTextContent('no rollups for this table'));
  });

  it('reads the table a variable names', async () => {
    const { getResource } = await renderBuilder({ ...query, table: '$table' }, () => ({
      rollups: [],
      disabled: false,
    }));
    expect(getResource).toHaveBeenCalledWith('rollups', { keyspace: 'metric_data', table: 'raw_timer_with_interval' });
  });

  it('says when the data source turns rollups off', async () => {
    await renderBuilder(query, () => ({ rollups: [], disabled: true }));
    expect(await screen.findByTestId('rollups-available')).toHaveTextContent('off in the data source settings');
  });

  it("shows a failed answer's message", async () => {
    await renderBuilder(query, () => {
      throw { status: 502, data: { error: 'read the rollup checkpoints: timed out' } };
    });
    expect(await screen.findByTestId('rollups-available')).toHaveTextContent(
      'rollups unknown: read the rollup checkpoints: timed out'
    );
  });

  it('asks nothing before a table is chosen', async () => {
    const { getResource } = await renderBuilder({ ...query, table: undefined }, () => ({
      rollups: [],
      disabled: false,
    }));
    expect(getResource).not.toHaveBeenCalledWith('rollups', expect.anything());
    expect(screen.queryByTestId('rollups-available')).not.toBeInTheDocument();
  });
});
