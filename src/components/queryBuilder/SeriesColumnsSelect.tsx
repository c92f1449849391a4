import React, { useId } from 'react';
import { InlineField, MultiCombobox } from '@grafana/ui';

import { sortByKey } from '../../resources';
import { ColumnInfo } from '../../types';
import { multiComboboxWidth, templateVariableOptions, withCurrent } from './options';
import { kindLabel } from './TimeColumnSelect';

// What an empty list means: the backend's default series columns (defaultSeriesColumns in
// pkg/query), the partition key columns not fixed to one value.
const DEFAULT_SERIES = 'Default: partition key not fixed by =';

interface Props {
  columns: ColumnInfo[];
  timeColumn?: string;
  loading?: boolean;
  value: string[];
  onChange: (columns: string[]) => void;
}

export function SeriesColumnsSelect({ columns, timeColumn, loading, value, onChange }: Props) {
  const id = useId();
  const options = sortByKey(columns)
    .filter((c) => c.name !== timeColumn)
    .map((c) => ({ label: c.name, value: c.name, description: `${c.type}, ${kindLabel(c)}` }));
  return (
    <InlineField
      label="Series by"
      labelWidth={14}
      htmlFor={id}
      tooltip="Columns whose values split the data into series; they become the series labels. Empty: the partition key columns that the filters do not fix to one value with ="
    >
      <MultiCombobox
        id={id}
        width="auto"
        minWidth={multiComboboxWidth(value, DEFAULT_SERIES)}
        maxWidth={80}
        placeholder={DEFAULT_SERIES}
        loading={loading}
        createCustomValue
        options={withCurrent([...options, ...templateVariableOptions()], value)}
        value={value}
        onChange={(selected) => onChange(selected.map((o) => o.value))}
      />
    </InlineField>
  );
}
