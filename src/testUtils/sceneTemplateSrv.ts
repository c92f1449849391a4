import { ScopedVars } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';
import {
  CustomVariable,
  EmbeddedScene,
  SceneFlexLayout,
  sceneGraph,
  SceneVariableSet,
  VariableValueOption,
} from '@grafana/scenes';

/** A variable as a dashboard would hold it: its options, the current selection and the All settings. */
export interface SceneVar {
  options: string[];
  /** One value, several (multi-value), or '$__all' for All. */
  value: string | string[];
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
}

/**
 * Grafana's template service as dashboards run it: @grafana/scenes' interpolation (the code behind
 * templateSrv.replace on a dashboard), with custom variables in a scene, so that formats, All and
 * scoped variables behave exactly as in Grafana.
 */
export function sceneTemplateSrv(vars: Record<string, SceneVar | string | string[]>): TemplateSrv {
  const variables = Object.entries(vars).map(([name, v]) => {
    const def: SceneVar = typeof v === 'string' || Array.isArray(v) ? { options: [v].flat(), value: v } : v;
    const options: VariableValueOption[] = def.options.map((o) => ({ label: o, value: o }));
    return new CustomVariable({
      name,
      query: def.options.join(','),
      options,
      value: def.value,
      text: def.value,
      isMulti: def.multi ?? Array.isArray(def.value),
      includeAll: def.includeAll ?? def.value === '$__all',
      allValue: def.allValue,
    });
  });
  const scene = new EmbeddedScene({
    $variables: new SceneVariableSet({ variables }),
    body: new SceneFlexLayout({ children: [] }),
  });
  return {
    getVariables: () => [],
    replace: (target?: string, scopedVars?: ScopedVars, format?: string | Function) =>
      sceneGraph.interpolate(scene, target, scopedVars, format as Parameters<typeof sceneGraph.interpolate>[3]),
    containsTemplate: (target?: string) => Boolean(target && target.includes('$')),
    updateTimeRange: () => {},
  };
}
