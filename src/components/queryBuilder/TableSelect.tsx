import React, { useId } from 'react';
import { Combobox, InlineField } from '@grafana/ui';

import { DataSource } from '../../datasource';
import { getKeyspaces, getTables } from '../../resources';
import { templateVariableOptions, toOptions, withCurrent } from './options';
import { useResource } from './useResource';

interface Props {
  datasource: DataSource;
  keyspace?: string;
  table?: string;
  onKeyspaceChange: (keyspace: string) => void;
  onTableChange: (table: string) => void;
}

export function TableSelect({ datasource, keyspace, table, onKeyspaceChange, onTableChange }: Props) {
  const keyspaceId = useId();
  const tableId = useId();
  const keyspaces = useResource('keyspaces', () => getKeyspaces(datasource));
  const resolvedKeyspace = datasource.interpolate(keyspace);
  const tables = useResource(resolvedKeyspace || undefined, () => getTables(datasource, resolvedKeyspace));
  const variables = templateVariableOptions();

  return (
    <>
      <InlineField
        label="Keyspace"
        labelWidth={14}
        htmlFor={keyspaceId}
        invalid={Boolean(keyspaces.error)}
        error={keyspaces.error}
      >
        <Combobox
          id={keyspaceId}
          width={24}
          placeholder="Choose keyspace"
          loading={keyspaces.loading}
          createCustomValue
          options={withCurrent([...toOptions(keyspaces.value ?? []), ...variables], [keyspace])}
          value={keyspace ?? null}
          onChange={(o) => o.value !== keyspace && onKeyspaceChange(o.value)}
        />
      </InlineField>
      <InlineField label="Table" labelWidth={10} htmlFor={tableId} invalid={Boolean(tables.error)} error={tables.error}>
        <Combobox
          id={tableId}
          width={32}
          placeholder={keyspace ? 'Choose table' : 'Choose a keyspace first'}
          disabled={!keyspace}
          loading={tables.loading}
          createCustomValue
          options={withCurrent([...toOptions(tables.value ?? []), ...variables], [table])}
          value={table ?? null}
          onChange={(o) => o.value !== table && onTableChange(o.value)}
        />
      </InlineField>
    </>
  );
}
