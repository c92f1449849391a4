import React, { useId } from 'react';
import { InlineField, InlineSwitch } from '@grafana/ui';

interface Props {
  /** The query's `rollups` field: absent means on. */
  rollups?: boolean;
  /** Set when the query never reads rollups (table, instant, limit); the switch then shows off. */
  unusedBecause?: string;
  onChange: (patch: { rollups?: boolean }) => void;
}

/**
 * The per-query opt-out of metrics-server's rollups. Only `false` is saved, so queries saved
 * before the switch existed keep the default.
 */
export function RollupsSwitch({ rollups, unusedBecause, onChange }: Props) {
  const id = useId();
  const tooltip =
    "Read long ranges from metrics-server's rollups (pre-aggregated bins) where they exist, and raw rows elsewhere. " +
    'Turn it off to read every raw row.' +
    (unusedBecause ? ` Not used here: ${unusedBecause}.` : '');
  return (
    <InlineField label="Rollups" labelWidth={10} htmlFor={id} tooltip={tooltip} disabled={Boolean(unusedBecause)}>
      <InlineSwitch
        id={id}
        value={!unusedBecause && rollups !== false}
        onChange={(e) => onChange({ rollups: e.currentTarget.checked ? undefined : false })}
      />
    </InlineField>
  );
}
