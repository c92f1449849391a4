import {
  AdHocVariableFilter,
  AnnotationSupport,
  CoreApp,
  DataSourceGetTagKeysOptions,
  DataSourceGetTagValuesOptions,
  DataSourceInstanceSettings,
  LegacyMetricFindQueryOptions,
  MetricFindValue,
  ScopedVars,
  TimeRange,
} from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import {
  getCachedColumns,
  getColumns,
  getColumnValues,
  getVariableValues,
  partitionKeyColumns,
  ResourceClient,
} from './resources';
import { interpolateCql } from './cqlTemplate';
import { interpolateQuery, isRunnable, queryModeOf, ReplaceFn } from './templating';
import { CassandraOptions, CassandraQuery, DEFAULT_QUERY, SavedVariableQuery, VariableValue } from './types';
import { variableCql } from './variableQuery';
import { CassandraVariableSupport } from './variables';

export class DataSource extends DataSourceWithBackend<CassandraQuery, CassandraOptions> implements ResourceClient {
  readonly defaultKeyspace?: string;

  // An empty object makes Grafana offer annotations with this data source's own query editor; the
  // backend answers with time, timeEnd, title/text and tags fields.
  annotations: AnnotationSupport<CassandraQuery> = {
    getDefaultQuery: () => ({ queryType: 'cql', format: 'table' }),
  };

  constructor(instanceSettings: DataSourceInstanceSettings<CassandraOptions>) {
    super(instanceSettings);
    this.defaultKeyspace = instanceSettings.jsonData?.keyspace || undefined;
    this.variables = new CassandraVariableSupport(this);
  }

  getDefaultQuery(_: CoreApp): Partial<CassandraQuery> {
    return { ...DEFAULT_QUERY, ...(this.defaultKeyspace ? { keyspace: this.defaultKeyspace } : {}) };
  }

  filterQuery(query: CassandraQuery): boolean {
    return isRunnable(query, this.defaultKeyspace);
  }

  applyTemplateVariables(
    query: CassandraQuery,
    scopedVars: ScopedVars,
    filters?: AdHocVariableFilter[]
  ): CassandraQuery {
    return interpolateQuery(query, {
      replace: this.replace,
      scopedVars,
      adhocFilters: filters,
      defaultKeyspace: this.defaultKeyspace,
      columnsFor: (keyspace, table) => getCachedColumns(this, keyspace, table),
    });
  }

  /** Interpolates dashboard variables in a plain value such as a keyspace or table name. */
  interpolate(value: string | undefined, scopedVars?: ScopedVars): string {
    return value ? getTemplateSrv().replace(value, scopedVars) : '';
  }

  /** Runs a variable query, with dashboard variables in the CQL formatted as CQL literals. */
  fetchVariableValues(rawCql: string, scopedVars?: ScopedVars, range?: TimeRange): Promise<VariableValue[]> {
    const cql = interpolateCql(rawCql, this.replace, scopedVars ?? {}).trim();
    if (!cql) {
      return Promise.resolve([]);
    }
    return getVariableValues(this, cql, range ? { from: range.from.valueOf(), to: range.to.valueOf() } : undefined);
  }

  async metricFindQuery(query: SavedVariableQuery, options?: LegacyMetricFindQueryOptions): Promise<MetricFindValue[]> {
    const values = await this.fetchVariableValues(variableCql(query), options?.scopedVars, options?.range);
    return values.map((v) => ({ text: v.text, value: v.value }));
  }

  /** Ad hoc filter keys: the partition key columns of the table the dashboard's queries use. */
  async getTagKeys(options?: DataSourceGetTagKeysOptions<CassandraQuery>): Promise<MetricFindValue[]> {
    const target = this.adHocTarget(options?.queries);
    if (!target) {
      return [];
    }
    const columns = await getColumns(this, target.keyspace, target.table);
    return partitionKeyColumns(columns).map((c) => ({ text: c.name, value: c.name }));
  }

  async getTagValues(options: DataSourceGetTagValuesOptions<CassandraQuery>): Promise<MetricFindValue[]> {
    const target = this.adHocTarget(options.queries);
    if (!target || !options.key) {
      return [];
    }
    const values = await getColumnValues(this, target.keyspace, target.table, options.key);
    return values.map((v) => ({ text: v, value: v }));
  }

  // The first builder query that names a table; ad hoc filters only make sense against a known table.
  private adHocTarget(queries?: CassandraQuery[]): { keyspace: string; table: string } | undefined {
    for (const q of queries ?? []) {
      if (queryModeOf(q) !== 'builder' || !q.table) {
        continue;
      }
      const keyspace = this.interpolate(q.keyspace) || this.defaultKeyspace;
      const table = this.interpolate(q.table);
      if (keyspace && table) {
        return { keyspace, table };
      }
    }
    return undefined;
  }

  private replace: ReplaceFn = (target, scopedVars, format) =>
    getTemplateSrv().replace(target, scopedVars, format as Parameters<ReturnType<typeof getTemplateSrv>['replace']>[2]);
}
