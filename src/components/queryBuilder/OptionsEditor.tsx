import React, { useId, useState } from 'react';
import { InlineField, InlineSwitch } from '@grafana/ui';

import { BlurInput } from './BlurInput';

export interface OptionsValue {
  limit?: number;
  instant?: boolean;
  allowFiltering?: boolean;
  alias?: string;
}

interface Props extends OptionsValue {
  onChange: (patch: OptionsValue) => void;
}

export const ALIAS_PLACEHOLDER = '{{environment}}/{{metric_name}} {{measure}} {{aggregation}}';

export function OptionsEditor({ limit, instant, allowFiltering, alias, onChange }: Props) {
  const limitId = useId();
  const aliasId = useId();
  const instantId = useId();
  const filteringId = useId();
  const [badLimit, setBadLimit] = useState(false);

  return (
    <>
      <InlineField
        label="Limit"
        labelWidth={10}
        htmlFor={limitId}
        tooltip="Maximum number of rows read from Cassandra. Empty means the data source's maximum."
        invalid={badLimit}
        error="Enter a whole number above 0"
      >
        <BlurInput
          id={limitId}
          type="number"
          min={1}
          width={10}
          placeholder="none"
          value={limit}
          onCommit={(text) => {
            if (text.trim() === '') {
              setBadLimit(false);
              onChange({ limit: undefined });
              return;
            }
            const n = Number(text);
            const ok = Number.isInteger(n) && n > 0;
            setBadLimit(!ok);
            if (ok) {
              onChange({ limit: n });
            }
          }}
        />
      </InlineField>
      <InlineField
        label="Instant"
        labelWidth={10}
        htmlFor={instantId}
        tooltip="Return one value per series (the latest), e.g. for stat panels and alert rules"
      >
        <InlineSwitch
          id={instantId}
          value={Boolean(instant)}
          onChange={(e) => onChange({ instant: e.currentTarget.checked })}
        />
      </InlineField>
      <InlineField
        label="Allow filtering"
        labelWidth={16}
        htmlFor={filteringId}
        tooltip="Adds ALLOW FILTERING, letting Cassandra scan partitions for filters that are not on the key. This can be slow on large tables."
      >
        <InlineSwitch
          id={filteringId}
          value={Boolean(allowFiltering)}
          onChange={(e) => onChange({ allowFiltering: e.currentTarget.checked })}
        />
      </InlineField>
      <InlineField
        label="Alias"
        labelWidth={10}
        htmlFor={aliasId}
        grow
        tooltip="Series name template: {{column}} for a series column's value, {{measure}} and {{aggregation}}. Dashboard variables work too."
      >
        <BlurInput
          id={aliasId}
          placeholder={ALIAS_PLACEHOLDER}
          value={alias ?? ''}
          onCommit={(text) => onChange({ alias: text.trim() === '' ? undefined : text })}
        />
      </InlineField>
    </>
  );
}
