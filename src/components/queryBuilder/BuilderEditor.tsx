import React from 'react';
import { Alert, InlineFieldRow, Stack } from '@grafana/ui';

import { DataSource } from '../../datasource';
import { defaultTimeColumn, getColumns, getMeasures, getRollups } from '../../resources';
import { CassandraQuery } from '../../types';
import { AggregationEditor } from './AggregationEditor';
import { isEpochType } from './bucketFormat';
import { CqlPreview } from './CqlPreview';
import { FilterEditor } from './FilterEditor';
import { FormatSelect } from './FormatSelect';
import { IntervalFillEditor } from './IntervalFillEditor';
import { OptionsEditor } from './OptionsEditor';
import { CacheSwitch } from './CacheSwitch';
import { RollupsSwitch } from './RollupsSwitch';
import { SeriesColumnsSelect } from './SeriesColumnsSelect';
import { TableSelect } from './TableSelect';
import { TimeColumnSelect } from './TimeColumnSelect';
import { TimeShapeEditor } from './TimeShapeEditor';
import { useResource } from './useResource';
import { ValueColumnsSelect } from './ValueColumnsSelect';

interface Props {
  datasource: DataSource;
  query: CassandraQuery;
  /** Applies a change; `run` false holds the query back (nothing runnable changed yet). */
  onChange: (patch: Partial<CassandraQuery>, run?: boolean) => void;
}

export function BuilderEditor({ datasource, query, onChange }: Props) {
  const keyspace = query.keyspace || datasource.defaultKeyspace;
  const ks = datasource.interpolate(keyspace);
  const table = datasource.interpolate(query.table);
  const schemaKey = ks && table ? `${ks}\u0000${table}` : undefined;
  const columns = useResource(schemaKey, () => getColumns(datasource, ks, table));
  const measures = useResource(schemaKey, () => getMeasures(datasource, ks, table));
  const rollups = useResource(schemaKey, () => getRollups(datasource, ks, table));
  const isTable = query.format === 'table';

  const onKeyspaceChange = (next: string) => {
    onChange(
      {
        keyspace: next,
        table: undefined,
        timeColumn: undefined,
        timeUnit: undefined,
        bucketColumn: undefined,
        bucketGranularity: undefined,
        bucketFormat: undefined,
        valueColumns: [],
        seriesColumns: [],
        filters: [],
      },
      false
    );
  };

  // A new table brings its own defaults: the first timestamp clustering column as time; value
  // columns and filters the new table also has are kept. Series are left to the backend's rule (an
  // empty list: the partition key columns not fixed to one value by =, bucket column aside), so
  // that the editor and the backend agree on them.
  const onTableChange = async (next: string) => {
    const noShape = {
      timeUnit: undefined,
      bucketColumn: undefined,
      bucketGranularity: undefined,
      bucketFormat: undefined,
    };
    onChange({ keyspace, table: next, ...noShape }, false);
    const nextKs = datasource.interpolate(keyspace);
    const nextTable = datasource.interpolate(next);
    try {
      const [cols, meas] = await Promise.all([
        getColumns(datasource, nextKs, nextTable),
        getMeasures(datasource, nextKs, nextTable).catch(() => []),
      ]);
      onChange({
        keyspace,
        table: next,
        timeColumn: defaultTimeColumn(cols),
        seriesColumns: [],
        valueColumns: (query.valueColumns ?? []).filter((v) => v.startsWith('$') || meas.some((m) => m.name === v)),
        filters: (query.filters ?? []).filter((f) => cols.some((c) => c.name === f.column)),
      });
    } catch {
      // The columns field shows the error; leave the rest for the user.
      onChange({ keyspace, table: next, timeColumn: undefined, seriesColumns: [], filters: [], ...noShape }, false);
    }
  };

  return (
    <Stack direction="column" gap={0}>
      <InlineFieldRow>
        <TableSelect
          datasource={datasource}
          keyspace={keyspace}
          table={query.table}
          onKeyspaceChange={onKeyspaceChange}
          onTableChange={onTableChange}
        />
        <TimeColumnSelect
          columns={columns.value ?? []}
          loading={columns.loading}
          value={query.timeColumn}
          onChange={(timeColumn) => {
            // An epoch unit belongs to the column it was chosen for.
            const col = (columns.value ?? []).find((c) => c.name === timeColumn);
            onChange(isEpochType(col?.type) ? { timeColumn } : { timeColumn, timeUnit: undefined });
          }}
        />
      </InlineFieldRow>
      <TimeShapeEditor
        datasource={datasource}
        keyspace={keyspace}
        query={query}
        columns={columns.value ?? []}
        onChange={onChange}
      />
      {columns.error && (
        <Alert severity="error" title="Could not read the table's columns">
          {columns.error}
        </Alert>
      )}
      <InlineFieldRow>
        <ValueColumnsSelect
          measures={measures.value ?? []}
          loading={measures.loading}
          error={measures.error}
          value={query.valueColumns ?? []}
          onChange={(valueColumns) => onChange({ valueColumns })}
        />
        <AggregationEditor
          value={query.aggregations ?? []}
          measures={measures.value}
          valueColumns={query.valueColumns}
          disabled={isTable}
          onChange={(aggregations) => onChange({ aggregations })}
        />
      </InlineFieldRow>
      <FilterEditor
        datasource={datasource}
        keyspace={keyspace}
        table={query.table}
        columns={columns.value ?? []}
        filters={query.filters ?? []}
        onChange={(filters, run) => onChange({ filters }, run)}
      />
      <InlineFieldRow>
        <SeriesColumnsSelect
          columns={columns.value ?? []}
          timeColumn={query.timeColumn}
          loading={columns.loading}
          value={query.seriesColumns ?? []}
          onChange={(seriesColumns) => onChange({ seriesColumns })}
        />
        <FormatSelect value={query.format} onChange={onChange} />
        <IntervalFillEditor
          interval={query.interval}
          fill={query.fill}
          fillValue={query.fillValue}
          disabled={query.instant || isTable}
          onChange={onChange}
        />
      </InlineFieldRow>
      <InlineFieldRow>
        <OptionsEditor
          limit={query.limit}
          instant={query.instant}
          allowFiltering={query.allowFiltering}
          alias={query.alias}
          onChange={onChange}
        />
        <CacheSwitch
          cache={query.cache}
          unusedBecause={
            isTable
              ? 'tables read every row'
              : query.instant
                ? 'instant queries read everything'
                : query.limit
                  ? 'queries with a limit read everything'
                  : undefined
          }
          onChange={onChange}
        />
        <RollupsSwitch
          rollups={query.rollups}
          available={rollups}
          unusedBecause={
            isTable
              ? 'tables read the raw rows'
              : query.instant
                ? 'instant queries read the latest raw rows'
                : query.limit
                  ? 'queries with a limit read raw rows'
                  : undefined
          }
          onChange={onChange}
        />
      </InlineFieldRow>
      <CqlPreview datasource={datasource} query={query} />
    </Stack>
  );
}
