import React, { useId } from 'react';
import { Button, Combobox, IconButton, InlineField, InlineFieldRow, MultiCombobox, Stack } from '@grafana/ui';

import { DataSource } from '../../datasource';
import { getColumnValues, sortByKey } from '../../resources';
import { ColumnInfo, FILTER_OPS, FilterOp, QueryFilter } from '../../types';
import { multiComboboxWidth, templateVariableOptions, toOptions, withCurrent } from './options';
import { kindLabel } from './TimeColumnSelect';
import { useResource } from './useResource';

interface Props {
  datasource: DataSource;
  keyspace?: string;
  table?: string;
  columns: ColumnInfo[];
  filters: QueryFilter[];
  /** `run` is false for edits that cannot change the result yet, such as adding an empty row. */
  onChange: (filters: QueryFilter[], run: boolean) => void;
}

// Shown on the "Filters" label, whichever row carries it.
const FILTERS_TOOLTIP =
  'Restrict partition key, clustering and indexed columns. Every partition key column should be fixed with = or IN; otherwise Cassandra must scan (Allow filtering). An SAI index answers = and ranges on numbers and times; a secondary index answers =; any other column needs Allow filtering.';
const VALUES_PLACEHOLDER = 'Values or $variable';
const OP_OPTIONS = FILTER_OPS.map((op) => ({ label: op, value: op }));
const MULTI_OPS: FilterOp[] = ['=', 'IN'];

/** Filters on key columns: partition key columns (values suggested from the table) and clustering columns. */
export function FilterEditor({ datasource, keyspace, table, columns, filters, onChange }: Props) {
  // Key columns, then columns with an index of their own: Cassandra serves both without ALLOW FILTERING.
  const keyColumns = sortByKey(columns).filter(
    (c) => c.kind === 'partition_key' || c.kind === 'clustering' || Boolean(c.index)
  );

  const update = (index: number, filter: QueryFilter) => {
    const next = filters.map((f, i) => (i === index ? filter : f));
    onChange(next, true);
  };
  const remove = (index: number) => {
    const removed = filters[index];
    onChange(
      filters.filter((_, i) => i !== index),
      (removed?.values ?? []).length > 0
    );
  };
  const add = () => {
    const used = new Set(filters.map((f) => f.column));
    const next = keyColumns.find((c) => c.kind === 'partition_key' && !used.has(c.name)) ?? keyColumns[0];
    onChange([...filters, { column: next?.name ?? '', op: '=', values: [] }], false);
  };

  // One width for every row's values, so the rows line up.
  const valuesWidth = Math.max(24, ...filters.map((f) => multiComboboxWidth(f.values, VALUES_PLACEHOLDER)));

  return (
    <Stack direction="column" gap={0}>
      {filters.map((filter, index) => (
        <FilterRow
          valuesWidth={valuesWidth}
          key={index}
          index={index}
          datasource={datasource}
          keyspace={keyspace}
          table={table}
          columns={keyColumns}
          filter={filter}
          onChange={(f) => update(index, f)}
          onRemove={() => remove(index)}
        />
      ))}
      <InlineFieldRow>
        <InlineField
          label={filters.length === 0 ? 'Filters' : ''}
          labelWidth={14}
          tooltip={filters.length === 0 ? FILTERS_TOOLTIP : undefined}
        >
          <Button variant="secondary" size="sm" icon="plus" onClick={add} disabled={!table}>
            Add filter
          </Button>
        </InlineField>
      </InlineFieldRow>
    </Stack>
  );
}

interface RowProps {
  valuesWidth: number;
  index: number;
  datasource: DataSource;
  keyspace?: string;
  table?: string;
  columns: ColumnInfo[];
  filter: QueryFilter;
  onChange: (filter: QueryFilter) => void;
  onRemove: () => void;
}

function FilterRow({ index, valuesWidth, datasource, keyspace, table, columns, filter, onChange, onRemove }: RowProps) {
  const columnId = useId();
  const opId = useId();
  const valuesId = useId();
  const column = columns.find((c) => c.name === filter.column);
  const ks = datasource.interpolate(keyspace) || datasource.defaultKeyspace || '';
  const tbl = datasource.interpolate(table);
  // The values resource lists distinct partition keys; clustering values are typed in.
  const valuesKey = column?.kind === 'partition_key' && ks && tbl ? [ks, tbl, column.name].join('\u0000') : undefined;
  const known = useResource(valuesKey, () => getColumnValues(datasource, ks, tbl, filter.column));

  const valueOptions = withCurrent([...toOptions(known.value ?? []), ...templateVariableOptions()], filter.values);
  const isMulti = MULTI_OPS.includes(filter.op);
  const label = `Filter ${index + 1}`;

  return (
    <div role="group" aria-label={label}>
      <InlineFieldRow>
        <InlineField
          label={index === 0 ? 'Filters' : ''}
          labelWidth={14}
          htmlFor={columnId}
          tooltip={index === 0 ? FILTERS_TOOLTIP : undefined}
        >
          <Combobox
            id={columnId}
            width={22}
            placeholder="Column"
            createCustomValue
            options={withCurrent(
              columns.map((c) => ({ label: c.name, value: c.name, description: columnDescription(c) })),
              [filter.column]
            )}
            value={filter.column || null}
            onChange={(o) => o.value !== filter.column && onChange({ ...filter, column: o.value, values: [] })}
          />
        </InlineField>
        <InlineField htmlFor={opId}>
          <Combobox
            id={opId}
            width={8}
            options={OP_OPTIONS}
            value={filter.op}
            onChange={(o) =>
              onChange({
                ...filter,
                op: o.value,
                values: MULTI_OPS.includes(o.value) ? filter.values : filter.values.slice(0, 1),
              })
            }
          />
        </InlineField>
        <InlineField htmlFor={valuesId} invalid={Boolean(known.error)} error={known.error}>
          {isMulti ? (
            <MultiCombobox
              id={valuesId}
              width="auto"
              minWidth={valuesWidth}
              maxWidth={80}
              placeholder={VALUES_PLACEHOLDER}
              loading={known.loading}
              createCustomValue
              options={valueOptions}
              value={filter.values}
              onChange={(selected) => {
                const values = selected.map((o) => o.value);
                onChange({ ...filter, values, op: values.length > 1 ? 'IN' : filter.op });
              }}
            />
          ) : (
            <Combobox
              id={valuesId}
              width={valuesWidth}
              placeholder="Value or $variable"
              loading={known.loading}
              createCustomValue
              options={valueOptions}
              value={filter.values[0] ?? null}
              onChange={(o) => onChange({ ...filter, values: [o.value] })}
            />
          )}
        </InlineField>
        <IconButton name="trash-alt" tooltip="Remove filter" onClick={onRemove} />
      </InlineFieldRow>
    </div>
  );
}

/** Type, key role and index of a column, e.g. "text, regular, SAI index". */
export function columnDescription(c: ColumnInfo): string {
  const index =
    c.index === 'sai'
      ? ', SAI index'
      : c.index
        ? `, ${c.index} index`
        : c.kind === 'regular' || c.kind === 'static'
          ? ', needs Allow filtering'
          : '';
  return `${c.type}, ${kindLabel(c)}${index}`;
}
