import { configure } from "@testing-library/react";

// Pages are lazy chunks that take a while to load the first time on a busy machine.
configure({ asyncUtilTimeout: 5_000 });

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
