import React, { useState } from 'react';
import { fireEvent, render, screen } from '@testing-library/react';

import { CassandraQuery } from '../../types';
import { RollupsSwitch } from './RollupsSwitch';

// The shared mock of react-inlinesvg drops the ref and events that open a tooltip; this one keeps
// them, so that hovering the field's info icon shows its tooltip.
jest.mock('react-inlinesvg', () => {
  const mockReact = jest.requireActual('react');
  return {
    __esModule: true,
    default: ({ innerRef, src, onLoad, onError, ...rest }: Record<string, unknown>) =>
      mockReact.createElement('svg', { ref: innerRef, ...rest }),
  };
});

function renderSwitch(initial: Partial<CassandraQuery>, unusedBecause?: string) {
  const changes: Array<Partial<CassandraQuery>> = [];
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <RollupsSwitch
        rollups={query.rollups}
        unusedBecause={unusedBecause}
        onChange={(patch) => {
          const next = { ...query, ...patch };
          changes.push(next);
          setQuery(next);
        }}
      />
    );
  }
  render(<Harness />);
  return { latest: () => changes[changes.length - 1] };
}

/** The text of the field's tooltip, which shows when its info icon is hovered. */
async function tooltipText() {
  const icon = screen.getByText('Rollups').querySelector('svg')!;
  fireEvent.pointerEnter(icon);
  fireEvent.mouseEnter(icon);
  return (await screen.findByRole('tooltip')).textContent;
}

describe('RollupsSwitch', () => {
  it('is on when the query has no rollups field', () => {
    renderSwitch({ refId: 'A' });
    expect(screen.getByLabelText('Rollups')).toBeChecked();
    expect(screen.getByLabelText('Rollups')).toBeEnabled();
  });

  it('saves only false: turned off it writes rollups false, turned on again it removes the field', () => {
    const { latest } = renderSwitch({ refId: 'A' });
    fireEvent.click(screen.getByLabelText('Rollups'));
    expect(latest()).toEqual({ refId: 'A', rollups: false });
    expect(screen.getByLabelText('Rollups')).not.toBeChecked();
    fireEvent.click(screen.getByLabelText('Rollups'));
    expect(latest().rollups).toBeUndefined();
    expect(screen.getByLabelText('Rollups')).toBeChecked();
  });

  it('shows a saved false as off', () => {
    renderSwitch({ refId: 'A', rollups: false });
    expect(screen.getByLabelText('Rollups')).not.toBeChecked();
  });

  it('explains what it reads in its tooltip', async () => {
    renderSwitch({ refId: 'A' });
    const text = await tooltipText();
    expect(text).toMatch(/metrics-server's rollups \(pre-aggregated bins\) where they exist, and raw rows elsewhere/);
    expect(text).toMatch(/off to read every raw row/);
    expect(text).not.toMatch(/Not used here/);
  });

  it('shows as off and disabled where it does not apply, with the reason in its tooltip', async () => {
    renderSwitch({ refId: 'A' }, 'tables read the raw rows');
    expect(screen.getByLabelText('Rollups')).toBeDisabled();
    expect(screen.getByLabelText('Rollups')).not.toBeChecked();
    expect(await tooltipText()).toMatch(/Not used here: tables read the raw rows\./);
  });
});
