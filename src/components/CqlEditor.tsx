import React, { useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import {
  Button,
  CodeEditor,
  InlineField,
  InlineFieldRow,
  InlineSwitch,
  RadioButtonGroup,
  Stack,
  useStyles2,
} from '@grafana/ui';

import { CassandraQuery, QueryFormat } from '../types';
import { AggregationEditor } from './queryBuilder/AggregationEditor';
import { IntervalFillEditor } from './queryBuilder/IntervalFillEditor';

interface Props {
  query: CassandraQuery;
  onChange: (patch: Partial<CassandraQuery>, run?: boolean) => void;
}

const FORMATS: Array<{ label: string; value: QueryFormat }> = [
  { label: 'Time series', value: 'time_series' },
  { label: 'Table', value: 'table' },
];

export const MACROS: Array<{ name: string; description: string }> = [
  { name: '$__timeFilter(col)', description: 'col >= start AND col <= end of the dashboard time range' },
  { name: '$__timeFrom', description: 'Start of the time range, epoch milliseconds' },
  { name: '$__timeTo', description: 'End of the time range, epoch milliseconds' },
  { name: '$__unixEpochFrom', description: 'Start of the time range, epoch seconds' },
  { name: '$__unixEpochTo', description: 'End of the time range, epoch seconds' },
  { name: '$__interval', description: 'Panel interval as a duration, e.g. 30s' },
  { name: '$__interval_ms', description: 'Panel interval in milliseconds' },
];

const EXAMPLE = `SELECT metric_timestamp, environment, metric_name, count
FROM metric_data.raw_counter_with_interval
WHERE environment = $environment AND application = 'api' AND metric_name IN ($metric)
  AND $__timeFilter(metric_timestamp)`;

export function CqlEditor({ query, onChange }: Props) {
  const styles = useStyles2(getStyles);
  const [showHelp, setShowHelp] = useState(false);
  const commit = (rawCql: string) => {
    if (rawCql !== (query.rawCql ?? '')) {
      onChange({ rawCql });
    }
  };

  return (
    <Stack direction="column" gap={1}>
      <div className={styles.editor}>
        <CodeEditor
          language="sql"
          value={query.rawCql ?? ''}
          height={160}
          showLineNumbers
          showMiniMap={false}
          onBlur={commit}
          onSave={commit}
        />
      </div>
      <InlineFieldRow>
        <InlineField label="Format" labelWidth={10}>
          <RadioButtonGroup
            size="sm"
            options={FORMATS}
            value={query.format ?? 'time_series'}
            onChange={(format) => onChange({ format })}
          />
        </InlineField>
        <InlineField
          label="Binning"
          labelWidth={10}
          tooltip="Group rows into time bins and aggregate them, as in the builder"
        >
          <InlineSwitch
            aria-label="Binning"
            value={Boolean(query.binning)}
            onChange={(e) => onChange({ binning: e.currentTarget.checked })}
          />
        </InlineField>
        {query.binning && (
          <IntervalFillEditor
            interval={query.interval}
            fill={query.fill}
            fillValue={query.fillValue}
            onChange={onChange}
          />
        )}
        <Button
          variant="secondary"
          fill="text"
          size="sm"
          icon={showHelp ? 'angle-up' : 'question-circle'}
          onClick={() => setShowHelp(!showHelp)}
        >
          {showHelp ? 'Hide help' : 'Show help'}
        </Button>
      </InlineFieldRow>
      {query.binning && (
        <InlineFieldRow>
          <AggregationEditor value={query.aggregations ?? []} onChange={(aggregations) => onChange({ aggregations })} />
        </InlineFieldRow>
      )}
      {showHelp && <CqlHelp />}
    </Stack>
  );
}

export function CqlHelp() {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.help} data-testid="cql-help">
      <p>
        One <code>SELECT</code> per query. Time series need a timestamp column; text columns become series labels. Press
        Ctrl/Cmd+S or leave the editor to run the query.
      </p>
      <table className={styles.table}>
        <thead>
          <tr>
            <th>Macro</th>
            <th>Replaced by</th>
          </tr>
        </thead>
        <tbody>
          {MACROS.map((m) => (
            <tr key={m.name}>
              <td>
                <code>{m.name}</code>
              </td>
              <td>{m.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        Dashboard variables become CQL literals: text is single-quoted with quotes escaped, numbers stay as they are and
        multi-value selections become lists, so write <code>IN ($var)</code>. Use <code>{'${var:raw}'}</code> to insert
        a value unquoted.
      </p>
      <pre className={styles.example}>{EXAMPLE}</pre>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  editor: css({ width: '100%' }),
  help: css({
    padding: theme.spacing(1, 2),
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  table: css({
    marginBottom: theme.spacing(1),
    'td, th': { padding: theme.spacing(0.25, 2, 0.25, 0), textAlign: 'left' },
  }),
  example: css({ margin: 0, fontFamily: theme.typography.fontFamilyMonospace, whiteSpace: 'pre-wrap' }),
});
