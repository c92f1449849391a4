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
