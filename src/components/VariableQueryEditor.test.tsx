import React from 'react';
import { act, fireEvent, render, screen } from '@testing-library/react';

import { installTemplateSrv } from '../testUtils/fakeTemplateSrv';
import { mockDataSource } from '../testUtils/mockDataSource';
import { VariableQueryEditor } from './VariableQueryEditor';

jest.mock('@grafana/ui', () => {
  const actual = jest.requireActual('@grafana/ui');
  const mockReact = jest.requireActual('react');
  return {
    ...actual,
    CodeEditor: ({ value, onBlur }: { value: string; onBlur?: (v: string) => void }) =>
      mockReact.createElement('textarea', {
        'aria-label': 'CQL editor',
        defaultValue: value,
        onBlur: (e: { currentTarget: { value: string } }) => onBlur?.(e.currentTarget.value),
      }),
  };
});

beforeEach(() => installTemplateSrv({ env: "o'prod" }));

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
});
