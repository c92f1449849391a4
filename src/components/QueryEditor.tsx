import React from 'react';
import { QueryEditorProps } from '@grafana/data';
import { Stack } from '@grafana/ui';

import { DataSource } from '../datasource';
import { queryModeOf } from '../templating';
import { CassandraOptions, CassandraQuery, QueryMode } from '../types';
import { CqlEditor } from './CqlEditor';
import { BuilderEditor } from './queryBuilder/BuilderEditor';
import { ModeSwitch } from './queryBuilder/ModeSwitch';

type Props = QueryEditorProps<DataSource, CassandraQuery, CassandraOptions>;

export function QueryEditor({ query, datasource, onChange, onRunQuery, data }: Props) {
  const mode = queryModeOf(query);

  // Every change records the mode explicitly; queries run on selections and finished edits only.
  const update = (patch: Partial<CassandraQuery>, run = true) => {
    onChange({ ...query, queryType: mode, ...patch });
    if (run) {
      onRunQuery();
    }
  };

  // Both modes' fields live in the same query, so switching back and forth loses nothing.
  const onModeChange = (next: QueryMode) => update({ queryType: next });

  return (
    <Stack direction="column" gap={1}>
      {/* In a row so the switch keeps its own width instead of stretching across the editor. */}
      <Stack direction="row">
        <ModeSwitch value={mode} onChange={onModeChange} />
      </Stack>
      {mode === 'builder' ? (
        <BuilderEditor datasource={datasource} query={query} onChange={update} />
      ) : (
        <CqlEditor
          datasource={datasource}
          query={query}
          onChange={update}
          runError={data?.errors?.find((e) => !e.refId || e.refId === query.refId)?.message}
        />
      )}
    </Stack>
  );
}
