import React, { useId } from 'react';
import { InlineField, MultiCombobox } from '@grafana/ui';

import { MeasureInfo } from '../../types';
import { multiComboboxWidth, templateVariableOptions, withCurrent } from './options';

interface Props {
  measures: MeasureInfo[];
  loading?: boolean;
  error?: string;
  value: string[];
  onChange: (columns: string[]) => void;
}

export function ValueColumnsSelect({ measures, loading, error, value, onChange }: Props) {
  const id = useId();
  const options = measures.map((m) => ({
    label: m.name,
    value: m.name,
    description: [m.derived ? 'derived' : m.type, m.defaultAggregation && `default ${m.defaultAggregation}`]
      .filter(Boolean)
      .join(', '),
  }));
  return (
    <InlineField
      label="Values"
      labelWidth={14}
      htmlFor={id}
      tooltip="Numeric columns (and derived measures) to plot"
      invalid={Boolean(error)}
      error={error}
    >
      <MultiCombobox
        id={id}
        width="auto"
        minWidth={multiComboboxWidth(value, 'Choose measures')}
        maxWidth={80}
        placeholder="Choose measures"
        loading={loading}
        createCustomValue
        options={withCurrent([...options, ...templateVariableOptions()], value)}
        value={value}
        onChange={(selected) => onChange(selected.map((o) => o.value))}
      />
    </InlineField>
  );
}
