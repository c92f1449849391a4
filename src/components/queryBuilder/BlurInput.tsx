import React, { ComponentProps } from 'react';
import { Input } from '@grafana/ui';

type Props = Omit<ComponentProps<typeof Input>, 'value' | 'defaultValue' | 'onBlur' | 'onChange'> & {
  value?: string | number;
  /** Called when the field loses focus or Enter is pressed, with the text as typed. */
  onCommit: (text: string) => void;
};

/**
 * An input that reports its value once editing ends instead of on every keystroke, so queries run
 * when the user is done typing. Remounting on a new `value` keeps it in step with the query.
 */
export function BlurInput({ value, onCommit, ...rest }: Props) {
  const initial = value === undefined || value === null ? '' : String(value);
  return (
    <Input
      key={initial}
      {...rest}
      defaultValue={initial}
      onBlur={(e) => {
        if (e.currentTarget.value !== initial) {
          onCommit(e.currentTarget.value);
        }
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.currentTarget.blur();
        }
      }}
    />
  );
}
