import { ComboboxOption } from '@grafana/ui';
import { getTemplateSrv } from '@grafana/runtime';

export function toOptions(values: string[], description?: (v: string) => string | undefined): ComboboxOption[] {
  return values.map((value) => {
    const d = description?.(value);
    return d ? { label: value, value, description: d } : { label: value, value };
  });
}

/** `$name` options for the dashboard's variables, so they can be picked like any value. */
export function templateVariableOptions(): ComboboxOption[] {
  let names: string[] = [];
  try {
    names = (getTemplateSrv()?.getVariables() ?? []).map((v) => v.name);
  } catch {
    // Outside a dashboard (e.g. data source settings) there may be no template service.
  }
  return names.map((name) => ({ label: `$${name}`, value: `$${name}`, description: 'Dashboard variable' }));
}

/** Options plus any current values not among them, so a saved value always shows. */
export function withCurrent(options: ComboboxOption[], current: Array<string | undefined>): ComboboxOption[] {
  const out = [...options];
  for (const v of current) {
    if (v && !out.some((o) => o.value === v)) {
      out.push({ label: v, value: v });
    }
  }
  return out;
}

/**
 * Width, in grid units, that a MultiCombobox needs to show these values as pills (or its
 * placeholder when there are none). With width="auto" it only grows with typed text, so pills that
 * do not fit its minimum width collapse into "… 2" and a long placeholder is cut off.
 */
export function multiComboboxWidth(values: string[], placeholder: string, min = 24, max = 80): number {
  // About 7 px a character; MultiCombobox counts 50 px more for each pill (padding, remove
  // button), and the field needs room for its counter, chevron and padding.
  const px =
    values.length > 0 ? values.reduce((sum, v) => sum + v.length * 7 + 56, 0) + 64 : placeholder.length * 7 + 48;
  return Math.min(max, Math.max(min, Math.ceil(px / 8)));
}
