import React, { useId } from 'react';
import { InlineField, InlineSwitch } from '@grafana/ui';

interface Props {
  /** The query's `cache` field: absent means on. */
  cache?: boolean;
  /** Set when the query never uses the cache (instant, limit); the switch then shows off. */
  unusedBecause?: string;
  onChange: (patch: { cache?: boolean }) => void;
}

/**
 * The per-query opt-out of the data source's bin cache. Only `false` is saved, so queries saved
 * before the switch existed keep the default.
 */
export function CacheSwitch({ cache, unusedBecause, onChange }: Props) {
  const id = useId();
  const tooltip =
    "Take closed bins from the data source's bin cache, so a refresh reads only the newer rows. " +
    'Turn it off for tables whose old rows are rewritten later than the late data window.' +
    (unusedBecause ? ` Not used here: ${unusedBecause}.` : '');
  return (
    <InlineField label="Bin cache" labelWidth={12} htmlFor={id} tooltip={tooltip} disabled={Boolean(unusedBecause)}>
      <InlineSwitch
        id={id}
        value={!unusedBecause && cache !== false}
        onChange={(e) => onChange({ cache: e.currentTarget.checked ? undefined : false })}
      />
    </InlineField>
  );
}
