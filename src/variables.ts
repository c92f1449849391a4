import { createDataFrame, CustomVariableSupport, DataQueryRequest, DataQueryResponse, FieldType } from '@grafana/data';
import { from, Observable } from 'rxjs';

import { VariableQueryEditor, VariableValuesSource } from './components/VariableQueryEditor';
import { CassandraVariableQuery, VariableValue } from './types';
import { variableCql } from './variableQuery';

/** Query variables: a CQL SELECT answered by the backend's `variable` resource. */
export class CassandraVariableSupport extends CustomVariableSupport<VariableValuesSource, CassandraVariableQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: VariableValuesSource) {
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

// Grafana reads variable options from fields named `text` and `value`.
function toFrame(values: VariableValue[]) {
  return createDataFrame({
    fields: [
      { name: 'text', type: FieldType.string, values: values.map((v) => v.text) },
      { name: 'value', type: FieldType.string, values: values.map((v) => v.value) },
    ],
  });
}
