import {
  defaultTimeColumn,
  getColumns,
  getCachedColumns,
  getKeyspaces,
  getRollups,
  getVariableValues,
  partitionKeyColumns,
  resourceErrorMessage,
  ResourceClient,
} from './resources';
import { ColumnInfo } from './types';

function client(answer: unknown): ResourceClient {
  return { getResource: async <T>() => answer as T };
}

describe('resources', () => {
  it('treats a missing answer as an empty list', async () => {
    expect(await getKeyspaces(client(null))).toEqual([]);
  });

  it('remembers the last columns seen per table', async () => {
    const cols: ColumnInfo[] = [{ name: 'k', type: 'text', kind: 'partition_key', position: 0 }];
    const c = client(cols);
    expect(getCachedColumns(c, 'ks', 't')).toBeUndefined();
    await getColumns(c, 'ks', 't');
    expect(getCachedColumns(c, 'ks', 't')).toEqual(cols);
    expect(getCachedColumns(c, 'ks', 'other')).toBeUndefined();
  });

  it("asks for a table's rollups and fills in what an answer leaves out", async () => {
    const getResource = jest.fn(async () => ({
      rollups: [
        {
          widthMs: 60000,
          timeColumn: 'ts',
          valueColumns: null,
          from: '2026-01-01T00:00:00Z',
          to: '2026-01-02T00:00:00Z',
        },
      ],
    }));
    expect(await getRollups({ getResource } as unknown as ResourceClient, 'ks', 't')).toEqual({
      rollups: [
        {
          widthMs: 60000,
          timeColumn: 'ts',
          valueColumns: [],
          seriesColumns: [],
          from: '2026-01-01T00:00:00Z',
          to: '2026-01-02T00:00:00Z',
        },
      ],
      disabled: false,
    });
    expect(getResource).toHaveBeenCalledWith('rollups', { keyspace: 'ks', table: 't' });
    expect(await getRollups(client(null), 'ks', 't')).toEqual({ rollups: [], disabled: false });
    expect(await getRollups(client({ rollups: [], disabled: true }), 'ks', 't')).toEqual({
      rollups: [],
      disabled: true,
    });
  });

  it('normalises variable values to strings', async () => {
    const c = client([{ text: 'a', value: 1 }, { value: 'b' }]);
    expect(await getVariableValues(c, 'SELECT x FROM t')).toEqual([
      { text: 'a', value: '1' },
      { text: 'b', value: 'b' },
    ]);
  });

  it('picks the first timestamp clustering column and partition key in key order', () => {
    const cols: ColumnInfo[] = [
      { name: 'ts', type: 'timestamp', kind: 'clustering', position: 1 },
      { name: 'bucket', type: 'int', kind: 'clustering', position: 0 },
      { name: 'b', type: 'text', kind: 'partition_key', position: 1 },
      { name: 'a', type: 'text', kind: 'partition_key', position: 0 },
      { name: 'seen', type: 'timestamp', kind: 'regular', position: -1 },
    ];
    expect(defaultTimeColumn(cols)).toBe('ts');
    expect(partitionKeyColumns(cols).map((c) => c.name)).toEqual(['a', 'b']);
    expect(defaultTimeColumn(cols.filter((c) => c.name !== 'ts'))).toBeUndefined();
  });

  it('reads error messages from backend answers', () => {
    expect(resourceErrorMessage({ status: 400, data: { error: 'unknown table' } })).toBe('unknown table');
    expect(resourceErrorMessage({ status: 400, data: { message: 'bad keyspace' } })).toBe('bad keyspace');
    expect(resourceErrorMessage(new Error('network down'))).toBe('network down');
    expect(resourceErrorMessage({ status: 502, statusText: 'Bad Gateway' })).toBe('Bad Gateway');
    expect(resourceErrorMessage(undefined)).toBe('Request failed');
  });
});
