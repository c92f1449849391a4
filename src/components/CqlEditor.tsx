import React, { useCallback, useLayoutEffect, useRef, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Button, CodeEditor, InlineField, InlineFieldRow, InlineSwitch, Stack, useStyles2 } from '@grafana/ui';

import { CassandraQuery } from '../types';
import { CqlTimeEditor } from './CqlTimeEditor';
import { formatCql } from './cql/format';
import { MACROS } from './cql/language';
import { CqlLanguageClient, useCqlLanguage } from './cql/useCqlLanguage';
import { AggregationEditor } from './queryBuilder/AggregationEditor';
import { CacheSwitch } from './queryBuilder/CacheSwitch';
import { FormatSelect } from './queryBuilder/FormatSelect';
import { IntervalFillEditor } from './queryBuilder/IntervalFillEditor';

export { MACROS } from './cql/language';

interface Props {
  /** Resource calls for completion and validation; the editor still edits text without it. */
  datasource?: CqlLanguageClient;
  query: CassandraQuery;
  onChange: (patch: Partial<CassandraQuery>, run?: boolean) => void;
  /** The last run's error for this query, marked in the text where Cassandra places it. */
  runError?: string;
}

const EXAMPLE = `SELECT metric_timestamp, environment, metric_name, count
FROM metric_data.raw_counter_with_interval
WHERE environment = $environment AND application = 'api' AND metric_name IN ($metric)
  AND $__timeFilter(metric_timestamp)`;

export function CqlEditor({ datasource, query, onChange, runError }: Props) {
  const styles = useStyles2(getStyles);
  const [showHelp, setShowHelp] = useState(false);
  // Monaco's callbacks are bound once at mount: they read the latest props through refs.
  const latest = useRef({ query, onChange });
  useLayoutEffect(() => {
    latest.current = { query, onChange };
  });

  const commit = useCallback((rawCql: string, run = true) => {
    const { query: q, onChange: change } = latest.current;
    if (rawCql !== (q.rawCql ?? '') || run) {
      change({ rawCql }, run);
    }
  }, []);

  const { editorRef, editorProps } = useCqlLanguage({
    datasource,
    runError,
    onMount: (editor, monaco) =>
      editor.addAction({
        id: 'cassandra-metrics-run-query',
        label: 'Run query',
        keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter],
        run: (ed) => commit(ed.getValue(), true),
      }),
  });

  const format = () => {
    const text = editorRef.current?.editor.getValue() ?? query.rawCql ?? '';
    const formatted = formatCql(text);
    const ed = editorRef.current?.editor;
    const model = ed?.getModel();
    if (ed && model && formatted !== text) {
      // An edit rather than setValue keeps the undo history.
      ed.executeEdits('format', [{ range: model.getFullModelRange(), text: formatted }]);
    }
    commit(formatted, false);
  };

  // As the backend reads the query: a time series is binned unless binning is turned off, a table never.
  const isTable = query.format === 'table';
  const binning = !isTable && (query.binning ?? true);

  const run = () => commit(editorRef.current?.editor.getValue() ?? query.rawCql ?? '', true);

  return (
    <Stack direction="column" gap={1}>
      <div className={styles.toolbar}>
        <Button variant="secondary" size="sm" icon="brackets-curly" onClick={format} tooltip="Lay out the CQL">
          Format
        </Button>
        <Button variant="primary" size="sm" icon="play" onClick={run} tooltip="Run the query (Ctrl/Cmd+Enter)">
          Run query
        </Button>
      </div>
      <div className={styles.editor} data-testid="cql-editor">
        <CodeEditor
          {...editorProps}
          value={query.rawCql ?? ''}
          height={160}
          showLineNumbers
          showMiniMap={false}
          onBlur={(text) => commit(text, text !== (latest.current.query.rawCql ?? ''))}
          onSave={(text) => commit(text, true)}
        />
      </div>
      <InlineFieldRow>
        <FormatSelect value={query.format} onChange={onChange} />
        <InlineField
          label="Binning"
          labelWidth={10}
          tooltip={
            isTable
              ? 'Tables show the rows as they are; binning is for time series'
              : 'Group rows into time bins and aggregate them, as in the builder (on unless turned off)'
          }
          disabled={isTable}
        >
          <InlineSwitch
            aria-label="Binning"
            value={binning}
            onChange={(e) => onChange({ binning: e.currentTarget.checked })}
          />
        </InlineField>
        {binning && (
          <IntervalFillEditor
            interval={query.interval}
            fill={query.fill}
            fillValue={query.fillValue}
            onChange={onChange}
          />
        )}
        {binning && <CacheSwitch cache={query.cache} onChange={onChange} />}
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
      <InlineFieldRow>
        <CqlTimeEditor query={query} onChange={onChange} />
      </InlineFieldRow>
      {binning && (
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
        Ctrl/Cmd+Enter to run the query (leaving the editor runs it too), Ctrl+Space to complete keyspaces, tables, the
        columns of the table in <code>FROM</code>, macros and functions. Problems are underlined as you type.
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
  toolbar: css({ display: 'flex', gap: theme.spacing(1), justifyContent: 'flex-end' }),
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
