import React, { useState } from 'react';
import { css } from '@emotion/css';
import { DataSourceApi, GrafanaTheme2, QueryEditorProps, ScopedVars, TimeRange } from '@grafana/data';
import { Alert, Button, CodeEditor, Field, Stack, Tag, Text, useStyles2 } from '@grafana/ui';

import { resourceErrorMessage } from '../resources';
import { CassandraOptions, CassandraQuery, CassandraVariableQuery, SavedVariableQuery, VariableValue } from '../types';
import { canonicalVariableQuery } from '../variableQuery';
import { CqlLanguageClient, useCqlLanguage } from './cql/useCqlLanguage';

/**
 * What the editor needs of the data source (an interface, so that it does not import the class):
 * the values, and the resource calls of the CQL editor's completion and validation.
 */
export interface VariableValuesSource extends DataSourceApi<CassandraQuery, CassandraOptions>, CqlLanguageClient {
  fetchVariableValues(rawCql: string, scopedVars?: ScopedVars, range?: TimeRange): Promise<VariableValue[]>;
}

// Saved dashboards may hold the variable query as `{query}` or a plain string as well.
type Props = Omit<
  QueryEditorProps<VariableValuesSource, CassandraQuery, CassandraOptions, CassandraVariableQuery>,
  'query'
> & {
  query: SavedVariableQuery;
};

const PREVIEW_COUNT = 20;

interface Preview {
  values?: VariableValue[];
  error?: string;
}

/**
 * Editor for query variables: a CQL SELECT, with a preview of the first values it returns. It opens
 * any saved shape and saves `{refId, rawCql}`. The text gets the panel's CQL language support:
 * completion, macros and the backend's validation markers.
 */
export function VariableQueryEditor({ query: saved, datasource, onChange, range }: Props) {
  const styles = useStyles2(getStyles);
  const query = canonicalVariableQuery(saved);
  const [preview, setPreview] = useState<Preview | undefined>();
  const [loading, setLoading] = useState(false);
  // A failed preview is marked in the text where Cassandra places it, as a panel query's run is.
  const { editorProps } = useCqlLanguage({ datasource, runError: preview?.error });

  const runPreview = async (rawCql: string) => {
    if (!rawCql.trim()) {
      setPreview(undefined);
      return;
    }
    setLoading(true);
    try {
      const values = await datasource.fetchVariableValues(rawCql, {}, range);
      setPreview({ values });
    } catch (err) {
      setPreview({ error: resourceErrorMessage(err) });
    } finally {
      setLoading(false);
    }
  };

  const commit = (rawCql: string) => {
    if (rawCql !== (query.rawCql ?? '')) {
      onChange({ ...query, rawCql });
    }
    runPreview(rawCql);
  };

  const values = preview?.values ?? [];
  return (
    <Stack direction="column" gap={1}>
      <Field
        label="CQL query"
        description="One SELECT whose rows become the variable's values. Other variables and time macros such as $__timeFilter(col) can be used; Ctrl+Space completes keyspaces, tables, columns, macros and functions."
      >
        <div className={styles.editor}>
          <CodeEditor
            {...editorProps}
            value={query.rawCql ?? ''}
            height={120}
            showLineNumbers
            showMiniMap={false}
            onBlur={commit}
            onSave={commit}
          />
        </div>
      </Field>
      <Stack direction="row" gap={1} alignItems="center">
        <Button
          variant="secondary"
          size="sm"
          icon={loading ? 'spinner' : 'eye'}
          disabled={loading || !(query.rawCql ?? '').trim()}
          onClick={() => runPreview(query.rawCql ?? '')}
        >
          Preview values
        </Button>
        {preview?.values && (
          <Text color="secondary" variant="bodySmall">
            {values.length === 0
              ? 'No values'
              : `${values.length} value${values.length === 1 ? '' : 's'}${values.length > PREVIEW_COUNT ? `, first ${PREVIEW_COUNT} shown` : ''}`}
          </Text>
        )}
      </Stack>
      {preview?.error && (
        <Alert severity="error" title="Query failed">
          {preview.error}
        </Alert>
      )}
      {values.length > 0 && (
        <div className={styles.values} data-testid="variable-preview">
          {values.slice(0, PREVIEW_COUNT).map((v, i) => (
            <Tag key={`${v.value}-${i}`} name={v.text === v.value ? v.text : `${v.text} (${v.value})`} colorIndex={9} />
          ))}
        </div>
      )}
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  editor: css({ width: '100%' }),
  values: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(0.5) }),
});
