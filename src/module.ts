import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import { CassandraOptions, CassandraQuery } from './types';

// The variable editor (components/VariableQueryEditor) is wired through DataSource.variables
// (CustomVariableSupport), which replaces the deprecated setVariableQueryEditor.
export const plugin = new DataSourcePlugin<DataSource, CassandraQuery, CassandraOptions>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
