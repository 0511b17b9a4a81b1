// jsdom has no matchMedia; the app reads it for light and dark.
if (!window.matchMedia) {
  window.matchMedia = (query: string) =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      addListener: () => undefined,
      removeListener: () => undefined,
      dispatchEvent: () => false,
    }) as MediaQueryList;
}

// jsdom has no ResizeObserver; Fluent's MessageBar and menus observe their size.
if (!("ResizeObserver" in window)) {
  class NoResize {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  (window as unknown as { ResizeObserver: typeof NoResize }).ResizeObserver = NoResize;
}

// Pages and catalogs load lazily; on a busy two-core CI machine the first import of a page can
// take longer than Testing Library's default second.
import { configure } from "@testing-library/dom";
configure({ asyncUtilTimeout: 5000 });
