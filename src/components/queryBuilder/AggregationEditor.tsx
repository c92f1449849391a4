import React, { useId, useState } from 'react';
import { InlineField, MultiCombobox } from '@grafana/ui';

import { AGGREGATIONS, MeasureInfo } from '../../types';
import { isAggregation } from '../../vocabulary';
import { multiComboboxWidth, templateVariableOptions, withCurrent } from './options';

const DESCRIPTIONS: Record<string, string> = {
  avg: 'Mean of the values in a bin',
  first: 'Earliest value in a bin',
  last: 'Latest value in a bin',
  stddev: 'Standard deviation',
  count: 'Number of rows in a bin',
  p50: 'Median (estimated)',
  p999: '99.9th percentile (estimated)',
};

interface Props {
  value: string[];
  onChange: (aggregations: string[]) => void;
  /** Measures of the table and the chosen value columns, to show what the default means. */
  measures?: MeasureInfo[];
  valueColumns?: string[];
  disabled?: boolean;
}

/** The defaults that apply when no aggregation is chosen, e.g. `max(count), sum(interval_count)`. */
export function describeDefaults(measures: MeasureInfo[] = [], valueColumns: string[] = []): string {
  return valueColumns
    .map((v) => {
      const agg = measures.find((m) => m.name === v)?.defaultAggregation;
      return agg ? `${agg}(${v})` : undefined;
    })
    .filter(Boolean)
    .join(', ');
}

/** Whether the backend takes this entry: an aggregation it knows, or a dashboard variable. */
export function isValidAggregation(text: string): boolean {
  return text.startsWith('$') || isAggregation(text);
}

export function AggregationEditor({ value, onChange, measures, valueColumns, disabled }: Props) {
  const id = useId();
  const [invalid, setInvalid] = useState<string | undefined>();
  const defaults = describeDefaults(measures, valueColumns);
  const placeholder = defaults ? `Default: ${defaults}` : 'Default per measure';
  const options = AGGREGATIONS.map((a) => ({
    label: a,
    value: a,
    description: DESCRIPTIONS[a] ?? (a.startsWith('p') ? `${a.slice(1)}th percentile (estimated)` : undefined),
  }));
  return (
    <InlineField
      label="Aggregations"
      labelWidth={14}
      htmlFor={id}
      disabled={disabled}
      tooltip="How values in each time bin are combined; each chosen aggregation applies to every value column. Empty uses each measure's default."
      invalid={invalid !== undefined}
      error={invalid !== undefined && `"${invalid}" is not an aggregation; use one of ${AGGREGATIONS.join(', ')}`}
    >
      <MultiCombobox
        id={id}
        width="auto"
        minWidth={multiComboboxWidth(value, placeholder)}
        maxWidth={80}
        placeholder={placeholder}
        createCustomValue
        options={withCurrent([...options, ...templateVariableOptions()], value)}
        value={value}
        onChange={(selected) => {
          const bad = selected.find((o) => !isValidAggregation(o.value));
          setInvalid(bad?.value);
          if (!bad) {
            onChange(selected.map((o) => o.value));
          }
        }}
      />
    </InlineField>
  );
}
