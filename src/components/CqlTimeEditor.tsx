import React, { useId } from 'react';
import { InlineField } from '@grafana/ui';

import { CassandraQuery } from '../types';
import { BlurInput } from './queryBuilder/BlurInput';
import { TimeUnitSelect } from './queryBuilder/TimeUnitSelect';

interface Props {
  query: CassandraQuery;
  onChange: (patch: Partial<CassandraQuery>) => void;
}

/**
 * Which result column of raw CQL is the time, and its epoch unit when it holds a number: a table
 * that keeps time as epoch seconds or milliseconds has no timestamp column for the backend to find.
 */
export function CqlTimeEditor({ query, onChange }: Props) {
  const columnId = useId();
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
      <TimeUnitSelect value={query.timeUnit} onChange={onChange} />
    </>
  );
}
