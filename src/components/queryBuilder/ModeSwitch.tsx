import React from 'react';
import { RadioButtonGroup } from '@grafana/ui';

import { QueryMode } from '../../types';

const MODES: Array<{ label: string; value: QueryMode; description: string }> = [
  { label: 'Builder', value: 'builder', description: 'Pick a table, columns and filters' },
  { label: 'CQL', value: 'cql', description: 'Write a CQL SELECT' },
];

interface Props {
  value: QueryMode;
  onChange: (mode: QueryMode) => void;
}

export function ModeSwitch({ value, onChange }: Props) {
  return <RadioButtonGroup size="sm" options={MODES} value={value} onChange={onChange} aria-label="Query mode" />;
}
