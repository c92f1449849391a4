import { multiComboboxWidth } from './options';

describe('multiComboboxWidth', () => {
  it('fits the pills or the placeholder, within the bounds', () => {
    expect(multiComboboxWidth([], 'One series')).toBe(24);
    expect(multiComboboxWidth([], 'Default: max(p99), sum(interval_count)')).toBe(40);
    expect(multiComboboxWidth(['environment', 'application', 'metric_name'], 'One series')).toBe(58);
    expect(multiComboboxWidth(['x'.repeat(400)], '')).toBe(80);
  });
});
