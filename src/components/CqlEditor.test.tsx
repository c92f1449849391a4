import React from 'react';
import { act, fireEvent, render, screen } from '@testing-library/react';

import { fakeMonaco } from '../testUtils/fakeMonaco';
import { installTemplateSrv } from '../testUtils/fakeTemplateSrv';
import { mockDataSource, seedResources } from '../testUtils/mockDataSource';
import { CassandraQuery } from '../types';
import { CqlEditor } from './CqlEditor';

let fake: ReturnType<typeof fakeMonaco>;

jest.mock('@grafana/ui', () => {
  const actual = jest.requireActual('@grafana/ui');
  const mockReact = jest.requireActual('react');
  return {
    ...actual,
    CodeEditor: ({ onEditorDidMount }: { onEditorDidMount?: (e: unknown, m: unknown) => void }) => {
      mockReact.useEffect(() => onEditorDidMount?.(fake.editor, fake.monaco), []);
      return mockReact.createElement('div', { 'data-testid': 'monaco' });
    },
  };
});

beforeEach(() => {
  jest.useFakeTimers();
  installTemplateSrv({});
});
afterEach(() => jest.useRealTimers());

async function renderCql(rawCql: string, answer: (cql: string) => unknown) {
  fake = fakeMonaco(rawCql);
  const { ds, postResource } = mockDataSource({}, (path, params) =>
    path === 'validate' ? answer((params as { query: string }).query) : seedResources(path, params)
  );
  const onChange = jest.fn();
  const query: CassandraQuery = { refId: 'A', queryType: 'cql', rawCql };
  await act(async () => {
    render(<CqlEditor datasource={ds} query={query} onChange={onChange} />);
  });
  return { onChange, postResource };
}

const SECOND = 'SELECT * FROM t;\nSELECT 1';
const problem = {
  message: "only one statement can run: remove everything after the first ';'",
  offset: 17,
  line: 2,
  column: 1,
  endLine: 2,
  endColumn: 9,
};

describe('CqlEditor', () => {
  it('marks the problem the backend finds where it says, and clears it when the text is fixed', async () => {
    const { postResource } = await renderCql(SECOND, (cql) =>
      cql.includes(';') ? { valid: false, problems: [problem] } : { valid: true, problems: [] }
    );
    expect(postResource).toHaveBeenCalledWith('validate', { query: SECOND });
    expect(fake.markers['cassandra-metrics-validate']).toEqual([
      {
        severity: 8,
        message: problem.message,
        startLineNumber: 2,
        startColumn: 1,
        endLineNumber: 2,
        endColumn: 9,
      },
    ]);

    // Typing asks again once typing pauses, not on every key.
    fake.type('SELECT * FROM t');
    fake.type('SELECT * FROM t WHERE a = 1');
    expect(postResource).toHaveBeenCalledTimes(1);
    await act(async () => {
      jest.advanceTimersByTime(300);
    });
    expect(postResource).toHaveBeenCalledTimes(2);
    expect(postResource).toHaveBeenLastCalledWith('validate', { query: 'SELECT * FROM t WHERE a = 1' });
    expect(fake.markers['cassandra-metrics-validate']).toEqual([]);
  });

  it('runs the query with Ctrl/Cmd+Enter and with the Run button', async () => {
    const { onChange } = await renderCql('SELECT 1', () => ({ valid: true, problems: [] }));
    const action = fake.actions.find((a) => a.keybindings?.includes(2048 | 3));
    expect(action).toBeDefined();
    fake.type('SELECT * FROM t');
    action!.run(fake.editor);
    expect(onChange).toHaveBeenLastCalledWith({ rawCql: 'SELECT * FROM t' }, true);
    onChange.mockClear();
    fireEvent.click(screen.getByRole('button', { name: 'Run query' }));
    expect(onChange).toHaveBeenLastCalledWith({ rawCql: 'SELECT * FROM t' }, true);
  });

  it('formats the text in the editor and keeps the query without running it', async () => {
    const { onChange } = await renderCql("select a from t where b = 'x' and c = 1", () => ({
      valid: true,
      problems: [],
    }));
    fireEvent.click(screen.getByRole('button', { name: 'Format' }));
    const formatted = "SELECT a\nFROM t\nWHERE b = 'x'\n  AND c = 1";
    expect(fake.text()).toBe(formatted);
    expect(onChange).toHaveBeenLastCalledWith({ rawCql: formatted }, false);
  });

  it('marks where Cassandra placed the error of the last run', async () => {
    fake = fakeMonaco("SELECT * FROM t\nWHERE key = 'x' LIMT 1");
    const { ds } = mockDataSource();
    const query: CassandraQuery = { refId: 'A', queryType: 'cql', rawCql: fake.text() };
    const view = render(<CqlEditor datasource={ds} query={query} onChange={jest.fn()} />);
    await act(async () => {
      view.rerender(
        <CqlEditor
          datasource={ds}
          query={query}
          onChange={jest.fn()}
          runError="Cassandra refused the query: line 2:16 no viable alternative at input 'LIMT'"
        />
      );
    });
    expect(fake.markers['cassandra-metrics-run']).toMatchObject([
      { startLineNumber: 2, startColumn: 17, endLineNumber: 2, endColumn: 21 },
    ]);
    // Editing the text drops Cassandra's marker: it was about the text that ran.
    fake.type('SELECT 1');
    expect(fake.markers['cassandra-metrics-run']).toEqual([]);
  });
});
