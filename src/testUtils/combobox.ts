import { act, fireEvent, waitFor } from '@testing-library/react';

// Options are found with plain DOM queries: role queries compute accessible names and styles for
// the whole editor, which is slow in jsdom.
function visibleOptions(): HTMLElement[] {
  return Array.from(document.querySelectorAll<HTMLElement>('[role="option"]'));
}

/** An option's label: its text without the description shown under it. */
function labelOf(option: HTMLElement): string {
  const body = option.querySelector('[class*="combobox-option-label"]');
  return (body?.textContent ?? option.textContent ?? '').trim();
}

// A multi-select stays open after a pick, and clicking it again would close it.
async function open(input: HTMLElement) {
  if (input.getAttribute('aria-expanded') !== 'true') {
    await act(async () => {
      fireEvent.click(input);
    });
  }
}

async function findOption(label: string): Promise<HTMLElement> {
  let found: HTMLElement | undefined;
  await waitFor(() => {
    found = visibleOptions().find((o) => labelOf(o) === label);
    if (!found) {
      throw new Error(`No option "${label}" among: ${visibleOptions().map(labelOf).join(', ')}`);
    }
  });
  return found!;
}

/** Opens a Combobox/MultiCombobox and clicks the option with this label. */
export async function pickOption(input: HTMLElement, label: string) {
  await open(input);
  const option = await findOption(label);
  await act(async () => {
    fireEvent.click(option);
  });
}

/** Lists the option labels a Combobox offers. */
export async function optionLabels(input: HTMLElement): Promise<string[]> {
  await open(input);
  await waitFor(() => {
    if (visibleOptions().length === 0) {
      throw new Error('No options');
    }
  });
  const labels = visibleOptions().map(labelOf);
  await act(async () => {
    fireEvent.keyDown(input, { key: 'Escape' });
  });
  return labels;
}

/** Types a value that is not among the options and confirms it. */
export async function typeCustomValue(input: HTMLElement, text: string) {
  await open(input);
  await act(async () => {
    fireEvent.change(input, { target: { value: text } });
  });
  const option = await findOption(text);
  await act(async () => {
    fireEvent.click(option);
  });
}
