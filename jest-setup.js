// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';
import { configure } from '@testing-library/react';

// i18next (through @grafana/i18n) prints a sponsor notice on its first init, once per test file;
// this is its documented switch for turning that off.
process.env.I18NEXT_NO_SUPPORT_NOTICE = '1';

// React 19's react-dom/server (which @grafana/ui's Text imports) creates a MessageChannel when it
// loads, and jsdom has none. Node's own keeps the Jest worker alive, so this one delivers each
// message to the other port's onmessage on a timer, as a browser does (a task), with the real
// setTimeout captured here so that a test's fake timers do not hold React's work back.
if (typeof global.MessageChannel === 'undefined') {
  const realSetTimeout = setTimeout;
  class Port {
    onmessage = null;
    other = null;
    postMessage(data) {
      realSetTimeout(() => this.other?.onmessage?.({ data }), 0);
    }
    start() {}
    close() {
      this.other = null;
    }
  }
  global.MessageChannel = class MessageChannel {
    constructor() {
      this.port1 = new Port();
      this.port2 = new Port();
      this.port1.other = this.port2;
      this.port2.other = this.port1;
    }
  };
}

// Role queries otherwise compute every element's visibility with getComputedStyle, which is very
// slow on the large DOM of a full query editor.
configure({ defaultHidden: true });

// Every Combobox keeps its closed menu mounted and floating-ui's autoUpdate positions it on mount,
// reading the computed style of each ancestor; jsdom answers each read by matching every emotion
// rule, so a full query editor spent about 2 s per render there. jsdom has no layout, so the
// positions mean nothing: menus and tooltips are left unpositioned.
jest.mock('@floating-ui/dom', () => ({ ...jest.requireActual('@floating-ui/dom'), autoUpdate: () => () => {} }));

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
