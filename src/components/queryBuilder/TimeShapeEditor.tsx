import React, { useId } from 'react';
import { Button, Combobox, InlineField, InlineFieldRow } from '@grafana/ui';

import { DataSource } from '../../datasource';
import { getColumnValues } from '../../resources';
import { BUCKET_GRANULARITIES, BucketGranularity, CassandraQuery, ColumnInfo } from '../../types';
import { BlurInput } from './BlurInput';
import { TimeUnitSelect } from './TimeUnitSelect';
import { bucketCandidates, isEpochType, needsFormat, suggestBucketFormat } from './bucketFormat';
import { useResource } from './useResource';

interface Props {
  datasource: DataSource;
  keyspace?: string;
  query: CassandraQuery;
  columns: ColumnInfo[];
  onChange: (patch: Partial<CassandraQuery>, run?: boolean) => void;
}

const GRANULARITY_OPTIONS = BUCKET_GRANULARITIES.map((g) => ({
  label: g,
  value: g,
  description: g === 'week' ? 'ISO week, starting Monday (UTC)' : 'UTC',
}));
const NONE = '';

/**
 * How the table keeps time: the epoch unit of a numeric time column, and the partition key column
 * that buckets time (a day, hour, week or month per partition), with the format of its values.
 */
export function TimeShapeEditor({ datasource, keyspace, query, columns, onChange }: Props) {
  const bucketId = useId();
  const granId = useId();
  const formatId = useId();
  const timeCol = columns.find((c) => c.name === query.timeColumn);
  const epoch = isEpochType(timeCol?.type) || Boolean(query.timeUnit);
  const candidates = bucketCandidates(columns);
  const bucketCol = columns.find((c) => c.name === query.bucketColumn);
  const withFormat = Boolean(query.bucketColumn) && (needsFormat(bucketCol?.type) || Boolean(query.bucketFormat));

  // Sample values of a text or int bucket column, to suggest its format for the user to confirm.
  const ks = datasource.interpolate(keyspace) || datasource.defaultKeyspace || '';
  const tbl = datasource.interpolate(query.table);
  const sampleKey =
    withFormat && bucketCol && ks && tbl ? [ks, tbl, bucketCol.name, 'bucket'].join('\u0000') : undefined;
  const sample = useResource(sampleKey, () => getColumnValues(datasource, ks, tbl, bucketCol!.name, 20));
  const suggestion = suggestBucketFormat(sample.value ?? []);
  const offerSuggestion =
    suggestion && (suggestion.format !== query.bucketFormat || suggestion.granularity !== query.bucketGranularity);

  const chooseBucket = (name: string) => {
    if (!name) {
      onChange({ bucketColumn: undefined, bucketGranularity: undefined, bucketFormat: undefined });
      return;
    }
    const col = columns.find((c) => c.name === name);
    // The bucket column's values come from the time range: it is no filter and names no series.
    onChange(
      {
        bucketColumn: name,
        bucketGranularity: query.bucketGranularity ?? (col?.type.toLowerCase() === 'date' ? 'day' : undefined),
        bucketFormat: needsFormat(col?.type) ? query.bucketFormat : undefined,
        filters: (query.filters ?? []).filter((f) => f.column !== name),
        seriesColumns: (query.seriesColumns ?? []).filter((c) => c !== name),
      },
      !needsFormat(col?.type)
    );
  };

  if (!epoch && candidates.length === 0 && !query.bucketColumn) {
    return null;
  }
  return (
    <InlineFieldRow>
      {epoch && <TimeUnitSelect value={query.timeUnit} required onChange={onChange} />}
      {(candidates.length > 0 || query.bucketColumn) && (
        <InlineField
          label="Time bucket"
          labelWidth={14}
          htmlFor={bucketId}
          tooltip="A partition key column that holds the time bucket of each row, such as day in PRIMARY KEY ((sensor, day), ts): the query reads every bucket the time range touches, in parallel"
        >
          <Combobox
            id={bucketId}
            width={20}
            options={[
              { label: 'None', value: NONE, description: 'The partition key does not depend on time' },
              ...candidates.map((c) => ({ label: c.name, value: c.name, description: c.type })),
            ]}
            value={query.bucketColumn ?? NONE}
            onChange={(o) => o.value !== (query.bucketColumn ?? NONE) && chooseBucket(o.value)}
          />
        </InlineField>
      )}
      {query.bucketColumn && (
        <InlineField
          label="Per"
          htmlFor={granId}
          invalid={!query.bucketGranularity}
          error="Choose how much time one bucket holds"
        >
          <Combobox
            id={granId}
            width={12}
            placeholder="Choose"
            options={GRANULARITY_OPTIONS}
            value={query.bucketGranularity ?? null}
            onChange={(o) => onChange({ bucketGranularity: o.value as BucketGranularity })}
          />
        </InlineField>
      )}
      {withFormat && (
        <InlineField
          label="Format"
          htmlFor={formatId}
          tooltip="How a bucket's start is written in the column: YYYY, MM, DD, HH and WW (ISO week); text in single quotes is literal, e.g. YYYY-MM-DD, YYYYMMDDHH, YYYY-'W'WW"
          invalid={!query.bucketFormat}
          error="Enter or confirm the format of the bucket values"
        >
          <BlurInput
            id={formatId}
            width={18}
            placeholder="YYYY-MM-DD"
            value={query.bucketFormat ?? ''}
            onCommit={(v: string) => onChange({ bucketFormat: v.trim() || undefined })}
          />
        </InlineField>
      )}
      {withFormat && offerSuggestion && suggestion && (
        <InlineField>
          <Button
            variant="secondary"
            size="sm"
            onClick={() => onChange({ bucketFormat: suggestion.format, bucketGranularity: suggestion.granularity })}
            tooltip={`From values such as ${(sample.value ?? []).slice(0, 3).join(', ')}`}
          >
            Use {suggestion.format} per {suggestion.granularity}
          </Button>
        </InlineField>
      )}
    </InlineFieldRow>
  );
}
