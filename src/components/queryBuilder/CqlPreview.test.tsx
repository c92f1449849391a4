import { BuilderPreview } from '../../resources';
import { CassandraQuery } from '../../types';
import { previewText } from './CqlPreview';

const query = { refId: 'A', queryType: 'builder', keyspace: 'metric_data', table: 't' } as CassandraQuery;

function preview(statementCount: number, partitionCount: number, statementPartitions: number): BuilderPreview {
  const cql = 'SELECT "ts" FROM "metric_data"."t" WHERE "k" IN (\'a\', \'b\')';
  return { cql, executed: cql, statements: [], statementCount, partitionCount, statementPartitions, keyspace: 'metric_data', table: 't' };
}

describe('previewText', () => {
  it('counts the partitions when statements name several each', () => {
    expect(previewText(preview(9, 900, 100), query)).toContain(
      '-- and 8 more statements like it, run in parallel: 900 partitions in all, at most 100 in one statement'
    );
  });

  it('says one per partition when each statement names one', () => {
    const text = previewText(preview(4, 4, 1), query);
    expect(text).toContain('-- and 3 more statements like it, one per partition, run in parallel');
    expect(text).not.toContain('partitions in all');
  });

  it('adds nothing for a single statement', () => {
    expect(previewText(preview(1, 1, 1), query)).not.toContain('more statements');
  });
});
