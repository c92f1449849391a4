import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { InlineField, useStyles2 } from '@grafana/ui';

interface Props {
  cql: string;
}

/** Read-only view of the CQL the builder will ask for. */
export function CqlPreview({ cql }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <InlineField
      label="CQL preview"
      labelWidth={14}
      grow
      tooltip="Values are sent as bound parameters; :from and :to are the dashboard's time range"
    >
      <pre className={styles.pre} data-testid="cql-preview" aria-label="CQL preview">
        {cql || '-- choose a keyspace and table'}
      </pre>
    </InlineField>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  pre: css({
    flexGrow: 1,
    margin: 0,
    padding: theme.spacing(0.5, 1),
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
    color: theme.colors.text.secondary,
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
});
