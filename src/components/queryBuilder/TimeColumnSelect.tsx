import React, { useId } from 'react';
import { Combobox, InlineField } from '@grafana/ui';

import { isTimeType, sortByKey } from '../../resources';
import { ColumnInfo } from '../../types';
import { isEpochType } from './bucketFormat';
import { withCurrent } from './options';

interface Props {
  columns: ColumnInfo[];
  loading?: boolean;
  value?: string;
  onChange: (column: string) => void;
}

export function TimeColumnSelect({ columns, loading, value, onChange }: Props) {
  const id = useId();
  // Epoch numbers count too when they order the rows (a clustering column); their unit is asked next.
  const timeColumns = sortByKey(columns).filter(
    (c) => isTimeType(c.type) || (c.kind === 'clustering' && isEpochType(c.type))
  );
  const options = timeColumns.map((c) => ({
    label: c.name,
    value: c.name,
    description: `${c.type}${isEpochType(c.type) ? ' (epoch)' : ''}, ${kindLabel(c)}`,
  }));
  return (
    <InlineField
      label="Time column"
      labelWidth={14}
      htmlFor={id}
      tooltip="Column the time range applies to, usually the first clustering column: a timestamp, date or timeuuid, or a number of epoch seconds, milliseconds, microseconds or nanoseconds"
      invalid={!loading && columns.length > 0 && timeColumns.length === 0}
      error="This table has no time column (timestamp, date, timeuuid or epoch number)"
    >
      <Combobox
        id={id}
        width={24}
        placeholder="Choose column"
        loading={loading}
        createCustomValue
        options={withCurrent(options, [value])}
        value={value ?? null}
        onChange={(o) => o.value !== value && onChange(o.value)}
      />
    </InlineField>
  );
}

export function kindLabel(c: ColumnInfo): string {
  switch (c.kind) {
    case 'partition_key':
      return 'partition key';
    case 'clustering':
      return c.clusteringOrder ? `clustering ${c.clusteringOrder.toLowerCase()}` : 'clustering';
    default:
      return c.kind;
  }
}
