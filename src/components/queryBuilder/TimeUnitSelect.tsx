import React, { useId } from 'react';
import { Combobox, InlineField } from '@grafana/ui';

import { TIME_UNITS, TimeUnit } from '../../types';

const UNIT_LABELS: Record<TimeUnit, string> = {
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds (µs)',
  ns: 'nanoseconds',
};
const UNIT_OPTIONS = TIME_UNITS.map((u) => ({ label: u === 'us' ? 'µs' : u, value: u, description: UNIT_LABELS[u] }));
const NONE = '';

interface Props {
  value?: TimeUnit;
  /** The builder knows the column holds a number, so a unit is required; raw CQL may have none. */
  required?: boolean;
  onChange: (patch: { timeUnit?: TimeUnit }) => void;
}

/** The epoch unit of a time column that holds a number, in the builder and in CQL mode. */
export function TimeUnitSelect({ value, required, onChange }: Props) {
  const id = useId();
  return (
    <InlineField
      label="Time unit"
      labelWidth={14}
      htmlFor={id}
      tooltip="For a time column that holds a number: seconds, milliseconds, microseconds or nanoseconds since 1970-01-01 UTC"
      invalid={required && !value}
      error="Choose the unit of the epoch time column"
    >
      {required ? (
        <Combobox
          id={id}
          width={20}
          placeholder="Choose unit"
          options={UNIT_OPTIONS}
          value={value ?? null}
          onChange={(o) => onChange({ timeUnit: o.value })}
        />
      ) : (
        <Combobox
          id={id}
          width={20}
          options={[
            { label: 'not a number', value: NONE, description: 'timestamp, date or timeuuid' },
            ...UNIT_OPTIONS,
          ]}
          value={value ?? NONE}
          onChange={(o) => onChange({ timeUnit: (o.value || undefined) as TimeUnit | undefined })}
        />
      )}
    </InlineField>
  );
}
