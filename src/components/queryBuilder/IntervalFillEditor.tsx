import React, { useId, useState } from 'react';
import { Combobox, InlineField, RadioButtonGroup } from '@grafana/ui';

import { parseInterval } from '../../duration';
import { FILL_MODES, FillMode } from '../../types';
import { fillModeOf } from '../../vocabulary';
import { BlurInput } from './BlurInput';
import { withCurrent } from './options';

const INTERVALS = ['auto', '1s', '5s', '10s', '30s', '1m', '5m', '10m', '15m', '30m', '1h', '6h', '12h', '1d'];
const VARIABLE = /^\$/;

const FILL_TEXT: Record<FillMode, { label: string; description: string }> = {
  null: { label: 'Null', description: 'Empty bins are gaps' },
  previous: { label: 'Previous', description: 'Empty bins repeat the last value' },
  zero: { label: 'Zero', description: 'Empty bins are 0' },
  value: { label: 'Value', description: 'Empty bins get a fixed value' },
  none: { label: 'None', description: 'Empty bins are left out' },
};
// The backend's fill modes, in its order.
const FILLS = FILL_MODES.map((value) => ({ value, ...FILL_TEXT[value] }));

/**
 * Whether the backend takes this interval (the grammar of duration.ts: auto, 30s, 1h30m, 1.5h, 1d,
 * 1w; at least 1ms), or it is a dashboard variable, which is replaced before the query is sent.
 */
export function isValidInterval(value: string): boolean {
  return VARIABLE.test(value) || parseInterval(value).error === undefined;
}

export interface IntervalFillValue {
  interval?: string;
  fill?: FillMode;
  fillValue?: number;
}

interface Props extends IntervalFillValue {
  onChange: (patch: IntervalFillValue) => void;
  disabled?: boolean;
}

export function IntervalFillEditor({ interval, fill, fillValue, onChange, disabled }: Props) {
  const intervalId = useId();
  const fillValueId = useId();
  const [invalidInterval, setInvalidInterval] = useState<string | undefined>();
  const [invalidFillValue, setInvalidFillValue] = useState(false);
  const current = interval || 'auto';

  return (
    <>
      <InlineField
        label="Interval"
        labelWidth={10}
        htmlFor={intervalId}
        disabled={disabled}
        tooltip="Width of each time bin. Auto follows the panel's interval and max data points."
        invalid={Boolean(invalidInterval)}
        error={invalidInterval && `"${invalidInterval}" is not a duration such as 30s, 5m or 1h`}
      >
        <Combobox
          id={intervalId}
          width={14}
          createCustomValue
          options={withCurrent(
            INTERVALS.map((i) => ({ label: i, value: i })),
            [current]
          )}
          value={current}
          onChange={(o) => {
            if (!isValidInterval(o.value)) {
              setInvalidInterval(o.value);
              return;
            }
            setInvalidInterval(undefined);
            if (o.value !== current) {
              onChange({ interval: o.value });
            }
          }}
        />
      </InlineField>
      <InlineField label="Fill" labelWidth={8} disabled={disabled} tooltip="What time bins without data show">
        <RadioButtonGroup
          size="sm"
          options={FILLS}
          value={fillModeOf(fill)}
          onChange={(f) => onChange(f === 'value' ? { fill: f, fillValue: fillValue ?? 0 } : { fill: f })}
        />
      </InlineField>
      {fill === 'value' && (
        <InlineField
          label="Fill value"
          labelWidth={12}
          htmlFor={fillValueId}
          disabled={disabled}
          invalid={invalidFillValue}
          error="Enter a number"
        >
          <BlurInput
            id={fillValueId}
            type="number"
            width={10}
            value={fillValue ?? 0}
            onCommit={(text) => {
              const n = Number(text);
              const ok = text.trim() !== '' && Number.isFinite(n);
              setInvalidFillValue(!ok);
              if (ok) {
                onChange({ fillValue: n });
              }
            }}
          />
        </InlineField>
      )}
    </>
  );
}
