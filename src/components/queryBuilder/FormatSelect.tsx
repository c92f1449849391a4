import React from 'react';
import { InlineField, RadioButtonGroup } from '@grafana/ui';

import { QueryFormat } from '../../types';

// Named "... format" for assistive technology: "Table" alone is the builder's table picker.
const FORMATS: Array<{ label: string; value: QueryFormat; description: string; ariaLabel: string }> = [
  {
    label: 'Time series',
    value: 'time_series',
    description: 'One series per label set, for graphs and alerts',
    ariaLabel: 'Time series format',
  },
  { label: 'Table', value: 'table', description: 'The rows as Cassandra returns them', ariaLabel: 'Table format' },
];

interface Props {
  value?: QueryFormat;
  onChange: (patch: { format: QueryFormat }) => void;
}

/** Time series or table: the same choice in the builder and in CQL mode. */
export function FormatSelect({ value, onChange }: Props) {
  return (
    <InlineField label="Format" labelWidth={10}>
      <RadioButtonGroup
        size="sm"
        options={FORMATS}
        value={value ?? 'time_series'}
        onChange={(format) => onChange({ format })}
      />
    </InlineField>
  );
}
