import React from 'react';
import { act, fireEvent, render, screen } from '@testing-library/react';

import { fakeMonaco } from '../testUtils/fakeMonaco';
import { installTemplateSrv } from '../testUtils/fakeTemplateSrv';
import { mockDataSource, seedResources } from '../testUtils/mockDataSource';
import { VariableQueryEditor } from './VariableQueryEditor';

// The Monaco the editor mounts with; a test that looks at the language support sets its text.
let fake: ReturnType<typeof fakeMonaco>;

interface MockEditorProps {
  value: string;
  language?: string;
  onBlur?: (v: string) => void;
  onBeforeEditorMount?: (m: unknown) => void;
  onEditorDidMount?: (e: unknown, m: unknown) => void;
}

jest.mock('@grafana/ui', () => {
  const actual = jest.requireActual('@grafana/ui');
  const mockReact = jest.requireActual('react');
  return {
    ...actual,
    CodeEditor: ({ value, language, onBlur, onBeforeEditorMount, onEditorDidMount }: MockEditorProps) => {
      mockReact.useEffect(() => {
        onBeforeEditorMount?.(fake.monaco);
        onEditorDidMount?.(fake.editor, fake.monaco);
      }, []);
      return mockReact.createElement('textarea', {
        'aria-label': 'CQL editor',
        'data-language': language,
        defaultValue: value,
        onBlur: (e: { currentTarget: { value: string } }) => onBlur?.(e.currentTarget.value),
      });
    },
  };
});

beforeEach(() => {
  installTemplateSrv({ env: "o'prod" });
  fake = fakeMonaco('');
});

describe('VariableQueryEditor', () => {
  it('saves the CQL and previews the values it returns', async () => {
    const { ds, getResource } = mockDataSource();
    const onChange = jest.fn();
    render(<VariableQueryEditor datasource={ds} query={{ refId: 'v' }} onChange={onChange} onRunQuery={jest.fn()} />);

    const editor = screen.getByLabelText('CQL editor');
    fireEvent.change(editor, { target: { value: 'SELECT application FROM apps WHERE environment = $env' } });
    await act(async () => {
      fireEvent.blur(editor);
    });

    expect(onChange).toHaveBeenCalledWith({
      refId: 'v',
      rawCql: 'SELECT application FROM apps WHERE environment = $env',
    });
    expect(getResource).toHaveBeenCalledWith('variable', {
      query: "SELECT application FROM apps WHERE environment = 'o''prod'",
      from: undefined,
      to: undefined,
    });
    expect(screen.getByText('2 values')).toBeInTheDocument();
    expect(screen.getByTestId('variable-preview').textContent).toContain('api');
    expect(screen.getByTestId('variable-preview').textContent).toContain('web');
  });

  it('previews a saved query on request and shows backend errors', async () => {
    const { ds } = mockDataSource(undefined, () => {
      throw { status: 400, data: { error: 'only SELECT statements are allowed' } };
    });
    render(
      <VariableQueryEditor
        datasource={ds}
        query={{ refId: 'v', rawCql: 'DELETE FROM apps' }}
        onChange={jest.fn()}
        onRunQuery={jest.fn()}
      />
    );
    await act(async () => {
      fireEvent.click(screen.getByText('Preview values'));
    });
    expect(screen.getByText('only SELECT statements are allowed')).toBeInTheDocument();
  });

  it.each([
    ['{query}', { refId: 'v', query: 'SELECT environment FROM apps' }],
    ['a plain string', 'SELECT environment FROM apps'],
  ])('opens a query saved as %s and saves {refId, rawCql} with the same text', async (_, saved) => {
    const { ds } = mockDataSource();
    const onChange = jest.fn();
    render(<VariableQueryEditor datasource={ds} query={saved} onChange={onChange} onRunQuery={jest.fn()} />);
    const editor = screen.getByLabelText('CQL editor');
    expect((editor as HTMLTextAreaElement).value).toBe('SELECT environment FROM apps');
    fireEvent.change(editor, { target: { value: 'SELECT environment FROM apps LIMIT 5' } });
    await act(async () => {
      fireEvent.blur(editor);
    });
    const refId = typeof saved === 'string' ? 'CassandraVariableQuery' : 'v';
    expect(onChange).toHaveBeenCalledWith({ refId, rawCql: 'SELECT environment FROM apps LIMIT 5' });
  });

  it('cannot preview an empty query', () => {
    const { ds } = mockDataSource();
    render(<VariableQueryEditor datasource={ds} query={{ refId: 'v' }} onChange={jest.fn()} onRunQuery={jest.fn()} />);
    expect(screen.getByText('Preview values').closest('button')).toBeDisabled();
  });

  describe('CQL language support, as in the panel editor', () => {
    it('is the CQL language and completes the keyspaces, the tables and the columns of the table in FROM', async () => {
      const { ds, getResource } = mockDataSource();
      await act(async () => {
        render(
          <VariableQueryEditor datasource={ds} query={{ refId: 'v' }} onChange={jest.fn()} onRunQuery={jest.fn()} />
        );
      });
      expect(screen.getByLabelText('CQL editor')).toHaveAttribute('data-language', 'metricsserver-cql');
      expect(fake.monaco.languages.register).toHaveBeenCalledWith(expect.objectContaining({ id: 'metricsserver-cql' }));
      expect(fake.providers.map((p) => p.language)).toEqual(['metricsserver-cql']);

      const from = await fake.complete('SELECT environment FROM |');
      expect(from.map((s) => s.label)).toEqual(expect.arrayContaining(['metric_data', 'system']));
      expect(getResource).toHaveBeenCalledWith('keyspaces');

      const cols = await fake.complete('SELECT | FROM metric_data.raw_counter_with_interval');
      expect(getResource).toHaveBeenCalledWith('columns', {
        keyspace: 'metric_data',
        table: 'raw_counter_with_interval',
      });
      const labels = cols.map((s) => s.label);
      expect(labels).toEqual(expect.arrayContaining(['environment', 'application', 'metric_timestamp', 'count']));
      // The dashboard's other variables and CQL's functions come with the columns.
      expect(labels).toEqual(expect.arrayContaining(['$env', 'toTimestamp', 'DISTINCT']));
    });

    it('completes the macros as snippets', async () => {
      const { ds } = mockDataSource();
      await act(async () => {
        render(
          <VariableQueryEditor datasource={ds} query={{ refId: 'v' }} onChange={jest.fn()} onRunQuery={jest.fn()} />
        );
      });
      const got = await fake.complete('SELECT application FROM apps WHERE $__ti|');
      const filter = got.find((s) => s.label === '$__timeFilter');
      expect(filter).toMatchObject({
        insertText: '\\$__timeFilter(${1:column})',
        insertTextRules: fake.monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet,
        detail: '$__timeFilter(col)',
      });
      expect(got.map((s) => s.label)).toEqual(
        expect.arrayContaining(['$__timeFrom', '$__timeTo', '$__timeFilter_ms', '$__timeuuidFilter', '$env'])
      );
      // Only macros and variables after $: no columns or keywords.
      expect(got.every((s) => s.label.startsWith('$'))).toBe(true);
    });

    it('marks the problem the backend finds in the CQL, and clears it once the text is fixed', async () => {
      jest.useFakeTimers();
      try {
        const bad = 'DELETE FROM apps';
        const problem = {
          message: 'only a single SELECT statement can run: found DELETE',
          offset: 0,
          line: 1,
          column: 1,
          endLine: 1,
          endColumn: 7,
        };
        fake = fakeMonaco(bad);
        const { ds, postResource } = mockDataSource(undefined, (path, params) =>
          path === 'validate'
            ? (params as { query: string }).query.startsWith('SELECT')
              ? { valid: true, problems: [] }
              : { valid: false, problems: [problem] }
            : seedResources(path, params)
        );
        await act(async () => {
          render(
            <VariableQueryEditor
              datasource={ds}
              query={{ refId: 'v', rawCql: bad }}
              onChange={jest.fn()}
              onRunQuery={jest.fn()}
            />
          );
        });
        expect(postResource).toHaveBeenCalledWith('validate', { query: bad });
        expect(fake.markers['cassandra-metrics-validate']).toEqual([
          { severity: 8, message: problem.message, startLineNumber: 1, startColumn: 1, endLineNumber: 1, endColumn: 7 },
        ]);

        fake.type('SELECT environment FROM apps');
        await act(async () => {
          jest.advanceTimersByTime(300);
        });
        expect(postResource).toHaveBeenLastCalledWith('validate', { query: 'SELECT environment FROM apps' });
        expect(fake.markers['cassandra-metrics-validate']).toEqual([]);
      } finally {
        jest.useRealTimers();
      }
    });
  });
});
