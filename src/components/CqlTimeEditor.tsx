import React, { useId } from 'react';
import { Combobox, InlineField } from '@grafana/ui';

import { CassandraQuery, TimeUnit } from '../types';
import { BlurInput } from './queryBuilder/BlurInput';
import { UNIT_OPTIONS } from './queryBuilder/TimeShapeEditor';

interface Props {
  query: CassandraQuery;
  onChange: (patch: Partial<CassandraQuery>) => void;
}

const NONE = '';

/**
 * Which result column of raw CQL is the time, and its epoch unit when it holds a number: a table
 * that keeps time as epoch seconds or milliseconds has no timestamp column for the backend to find.
 */
export function CqlTimeEditor({ query, onChange }: Props) {
  const columnId = useId();
  const unitId = useId();
  return (
    <>
      <InlineField
        label="Time column"
        labelWidth={14}
        htmlFor={columnId}
        tooltip="The result column that holds the time. Empty: the first timestamp, date or timeuuid column. Name an int, bigint or varint column and set its unit for epoch time."
        invalid={Boolean(query.timeUnit) && !query.timeColumn}
        error="Name the column that holds the epoch time"
      >
        <BlurInput
          id={columnId}
          width={24}
          placeholder="first time column"
          value={query.timeColumn ?? ''}
          onCommit={(text) => onChange({ timeColumn: text.trim() || undefined })}
        />
      </InlineField>
      <InlineField
        label="Time unit"
        labelWidth={12}
        htmlFor={unitId}
        tooltip="For a time column that holds a number: seconds, milliseconds, microseconds or nanoseconds since 1970-01-01 UTC"
      >
        <Combobox
          id={unitId}
          width={20}
          options={[
            { label: 'not a number', value: NONE, description: 'timestamp, date or timeuuid' },
            ...UNIT_OPTIONS,
          ]}
          value={query.timeUnit ?? NONE}
          onChange={(o) => onChange({ timeUnit: (o.value || undefined) as TimeUnit | undefined })}
        />
      </InlineField>
    </>
  );
}
