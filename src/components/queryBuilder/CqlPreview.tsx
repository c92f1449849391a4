import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { InlineField, useStyles2 } from '@grafana/ui';

import { DataSource } from '../../datasource';
import { BuilderPreview, EditorRange, previewBuilder } from '../../resources';
import { CassandraQuery } from '../../types';
import { formatCql } from '../cql/format';
import { useResource } from './useResource';

interface Props {
  datasource: DataSource;
  query: CassandraQuery;
}

/** The dashboard's time range in epoch ms, when there is one (Grafana's $__from and $__to). */
function dashboardRange(): EditorRange {
  const ms = (name: string) => {
    const n = Number(getTemplateSrv().replace(name));
    return Number.isFinite(n) && n > 0 ? n : undefined;
  };
  const from = ms('$__from');
  const to = ms('$__to');
  return from !== undefined && to !== undefined && to > from ? { from, to } : {};
}

/** The preview's text: the first statement laid out, then what happens after the rows are read. */
export function previewText(p: BuilderPreview, query: CassandraQuery): string {
  const lines = [formatCql(p.cql)];
  if (p.statementCount > 1 && p.statementPartitions > 1) {
    lines.push(
      `-- and ${p.statementCount - 1} more statements like it, run in parallel: ` +
        `${p.partitionCount} partitions in all, at most ${p.statementPartitions} in one statement`
    );
  } else if (p.statementCount > 1) {
    lines.push(`-- and ${p.statementCount - 1} more statements like it, one per partition, run in parallel`);
  }
  const measures = p.measures ?? [];
  for (const m of measures.filter((m) => m.formula)) {
    lines.push(`-- derived by the server: ${m.name} = ${m.formula}`);
  }
  const aggs = measures.flatMap((m) => m.aggregations.map((a) => `${a}(${m.name})`)).join(', ');
  if (query.format === 'table') {
    lines.push("-- table: the rows as they are, up to the query's limit or the data source's max rows");
  } else if (aggs) {
    if (p.instant) {
      lines.push(`-- instant: latest ${aggs} per series`);
    } else {
      const interval = !query.interval || query.interval === 'auto' ? 'auto' : query.interval;
      const fill = query.fill === 'value' ? `value ${query.fillValue ?? 0}` : (query.fill ?? 'null');
      lines.push(`-- bins: ${interval}, fill ${fill}`, `-- per bin: ${aggs}`);
    }
  }
  return lines.join('\n');
}

/**
 * Read-only view of the CQL the builder's query runs, from the backend's own builder (the preview
 * resource): the same statements the engine sends, with the bound values written in.
 */
export function CqlPreview({ datasource, query }: Props) {
  const styles = useStyles2(getStyles);
  const runnable = datasource.filterQuery(query);
  const target = runnable ? datasource.applyTemplateVariables(query, {}) : undefined;
  const range = dashboardRange();
  const key = target ? JSON.stringify([target, range]) : undefined;
  const preview = useResource<BuilderPreview>(key, () => previewBuilder(datasource, target!, range));

  let text = '-- choose a keyspace, a table and at least one value';
  if (runnable && preview.loading) {
    text = '-- asking the server for the CQL...';
  } else if (runnable && preview.error) {
    text = `-- ${preview.error}`;
  } else if (runnable && preview.value?.error) {
    text = `-- ${preview.value.error}`;
  } else if (runnable && preview.value) {
    text = previewText(preview.value, query);
  }
  return (
    <InlineField
      label="CQL preview"
      labelWidth={14}
      grow
      tooltip="The statement the server runs for this query. Values are sent as bound parameters; they are written in here to read them."
    >
      <pre
        className={styles.pre}
        data-testid="cql-preview"
        data-executed={(!preview.loading && preview.value?.executed) || undefined}
        aria-label="CQL preview"
      >
        {text}
      </pre>
    </InlineField>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  pre: css({
    flexGrow: 1,
    margin: 0,
    padding: theme.spacing(0.5, 1),
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
    color: theme.colors.text.secondary,
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
});
