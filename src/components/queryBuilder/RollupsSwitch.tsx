import React, { useId } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, GrafanaTheme2 } from '@grafana/data';
import { InlineField, InlineSwitch, useStyles2 } from '@grafana/ui';

import { RollupInfo, RollupsInfo } from '../../types';
import { ResourceState } from './useResource';

interface Props {
  /** The query's `rollups` field: absent means on. */
  rollups?: boolean;
  /** Set when the query never reads rollups (table, instant, limit); the switch then shows off. */
  unusedBecause?: string;
  /** What the rollup keyspace holds of the chosen table (the rollups resource); nothing is shown without it. */
  available?: ResourceState<RollupsInfo>;
  onChange: (patch: { rollups?: boolean }) => void;
}

/**
 * The per-query opt-out of metrics-server's rollups. Only `false` is saved, so queries saved
 * before the switch existed keep the default. Beside it, a read-only line says which rollups
 * exist for the chosen table.
 */
export function RollupsSwitch({ rollups, unusedBecause, available, onChange }: Props) {
  const id = useId();
  const styles = useStyles2(getStyles);
  const tooltip =
    "Read long ranges from metrics-server's rollups (pre-aggregated bins) where they exist, and raw rows elsewhere. " +
    'Turn it off to read every raw row.' +
    (unusedBecause ? ` Not used here: ${unusedBecause}.` : '');
  const summary = available ? rollupsSummary(available) : undefined;
  return (
    <>
      <InlineField label="Rollups" labelWidth={10} htmlFor={id} tooltip={tooltip} disabled={Boolean(unusedBecause)}>
        <InlineSwitch
          id={id}
          value={!unusedBecause && rollups !== false}
          onChange={(e) => onChange({ rollups: e.currentTarget.checked ? undefined : false })}
        />
      </InlineField>
      {summary && (
        <span
          className={styles.summary}
          data-testid="rollups-available"
          title={available?.value ? rollupsDetails(available.value.rollups) : undefined}
        >
          {summary}
        </span>
      )}
    </>
  );
}

/** A rollup width as the interval field writes it: 1m, 1h, 1d (ms when it is not whole seconds). */
export function formatWidth(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86400000],
    ['h', 3600000],
    ['m', 60000],
    ['s', 1000],
  ];
  for (const [unit, size] of units) {
    if (ms > 0 && ms % size === 0) {
      return `${ms / size}${unit}`;
    }
  }
  return `${ms}ms`;
}

/** A time in the user's time zone: the time of day alone when it is today. */
function formatTime(time: string, now: number): string {
  const day = (t: string | number) => dateTimeFormat(t, { format: 'YYYY-MM-DD' });
  return dateTimeFormat(time, { format: day(time) === day(now) ? 'HH:mm' : 'YYYY-MM-DD HH:mm' });
}

/**
 * The line beside the switch: which widths exist, of which measures, up to when
 * ("1h, 1m rollups of p99, interval_count up to 12:05"); nothing while it is being asked.
 */
export function rollupsSummary(state: ResourceState<RollupsInfo>, now = Date.now()): string | undefined {
  if (state.error) {
    return `rollups unknown: ${state.error}`;
  }
  const info = state.value;
  if (!info) {
    return undefined;
  }
  if (info.disabled) {
    return 'off in the data source settings';
  }
  if (info.rollups.length === 0) {
    return 'no rollups for this table';
  }
  const widths = info.rollups.map((r) => formatWidth(r.widthMs));
  const columns = [...new Set(info.rollups.flatMap((r) => r.valueColumns))];
  const latest = info.rollups.reduce((a, b) => (Date.parse(b.to) > Date.parse(a.to) ? b : a)).to;
  return `${widths.join(', ')} rollups of ${columns.join(', ')} up to ${formatTime(latest, now)}`;
}

/** Each width's rollup in full, one a line, for the summary's tooltip. */
export function rollupsDetails(rollups: RollupInfo[], now = Date.now()): string | undefined {
  if (rollups.length === 0) {
    return undefined;
  }
  return rollups
    .map((r) => {
      const by = r.seriesColumns.length ? ` by ${r.seriesColumns.join(', ')}` : '';
      return (
        `${formatWidth(r.widthMs)}: ${r.valueColumns.join(', ')}${by}, time column ${r.timeColumn}, ` +
        `from ${formatTime(r.from, now)} up to ${formatTime(r.to, now)}`
      );
    })
    .join('\n');
}

const getStyles = (theme: GrafanaTheme2) => ({
  summary: css({
    display: 'flex',
    alignItems: 'center',
    minHeight: theme.spacing(theme.components.height.md),
    marginRight: theme.spacing(0.5),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});
