// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';
import { configure } from '@testing-library/react';

// Role queries otherwise compute every element's visibility with getComputedStyle, which is very
// slow on the large DOM of a full query editor.
configure({ defaultHidden: true });

// Combobox measures option text on a canvas and sizes its virtual list from element boxes;
// jsdom has neither, so give both plausible values.
HTMLCanvasElement.prototype.getContext = () => ({ measureText: (text) => ({ width: text.length * 7 }) });
Object.defineProperty(Element.prototype, 'getBoundingClientRect', {
  configurable: true,
  value: () => ({ width: 320, height: 320, top: 0, left: 0, bottom: 320, right: 320, x: 0, y: 0, toJSON: () => ({}) }),
});
// The option list's scroll indicators observe visibility.
class NoopIntersectionObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
global.IntersectionObserver = NoopIntersectionObserver;
// Virtualised option lists read their viewport from clientWidth/clientHeight.
Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 2000 });
Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 2000 });
