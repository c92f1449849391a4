import { ScopedVars, TypedVariableModel } from '@grafana/data';
import { setTemplateSrv, TemplateSrv } from '@grafana/runtime';

type Values = Record<string, string | string[]>;

const REF = /\$(\w+)|\$\{(\w+)(?::([^}]+))?\}|\[\[(\w+)(?::([^\]]+))?\]\]/g;

function sqlString(v: string) {
  return `'${v.replace(/'/g, "''")}'`;
}

/**
 * A stand-in for Grafana's template service with the behaviour the data source relies on:
 * scoped variables win, a formatter function receives a string or (multi-value) an array,
 * and a format written in the reference (`${var:raw}`) takes precedence over the formatter.
 */
export function fakeTemplateSrv(values: Values = {}): TemplateSrv {
  const replace = (target?: string, scopedVars?: ScopedVars, format?: string | Function): string => {
    if (!target) {
      return target ?? '';
    }
    return target.replace(REF, (match, a, b, bFmt, c, cFmt) => {
      const name = a ?? b ?? c;
      const refFormat = bFmt ?? cFmt;
      const scoped = scopedVars?.[name];
      const value = scoped !== undefined ? scoped.value : values[name];
      if (value === undefined) {
        return match;
      }
      const fmt = refFormat ?? format;
      const list = Array.isArray(value) ? value : [String(value)];
      if (typeof fmt === 'function') {
        return fmt(value);
      }
      switch (fmt) {
        case 'raw':
        case 'csv':
          return list.join(',');
        case 'sqlstring':
          return list.map(sqlString).join(',');
        default:
          return Array.isArray(value) && value.length > 1 ? `{${value.join(',')}}` : list.join(',');
      }
    });
  };
  return {
    getVariables: () => Object.keys(values).map((name) => ({ name }) as TypedVariableModel),
    replace,
    containsTemplate: (target?: string) => Boolean(target && new RegExp(REF.source).test(target)),
    updateTimeRange: () => {},
  };
}

export function installTemplateSrv(values: Values = {}): TemplateSrv {
  const srv = fakeTemplateSrv(values);
  setTemplateSrv(srv);
  return srv;
}
