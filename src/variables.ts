import { createDataFrame, CustomVariableSupport, DataQueryRequest, DataQueryResponse, FieldType } from '@grafana/data';
import { from, Observable } from 'rxjs';

import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { DataSource } from './datasource';
import { CassandraVariableQuery, VariableValue } from './types';

/** Query variables: a CQL SELECT answered by the backend's `variable` resource. */
export class CassandraVariableSupport extends CustomVariableSupport<DataSource, CassandraVariableQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  query(request: DataQueryRequest<CassandraVariableQuery>): Observable<DataQueryResponse> {
    return from(
      this.datasource
        .fetchVariableValues(variableCql(request.targets[0]), request.scopedVars, request.range)
        .then((values) => ({ data: [toFrame(values)] }))
    );
  }
}

/** The CQL of a variable query; variables saved before this editor existed may hold a bare string. */
export function variableCql(query: CassandraVariableQuery | string | undefined): string {
  return typeof query === 'string' ? query : (query?.rawCql ?? '');
}

// Grafana reads variable options from fields named `text` and `value`.
function toFrame(values: VariableValue[]) {
  return createDataFrame({
    fields: [
      { name: 'text', type: FieldType.string, values: values.map((v) => v.text) },
      { name: 'value', type: FieldType.string, values: values.map((v) => v.value) },
    ],
  });
}
