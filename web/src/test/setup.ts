import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";
import "../i18n";

afterEach(() => cleanup());

// findBy/waitFor wait for what a user would see; 1 s (the default) is too short on a busy
// two-core CI machine, where a first render of the table alone can take several seconds.
configure({ asyncUtilTimeout: 10_000 });

// Mantine reads these browser APIs that jsdom does not have.
Object.defineProperty(window, "matchMedia", {
  writable: true,
  value: (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  }),
});
class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
window.ResizeObserver = ResizeObserverStub as unknown as typeof ResizeObserver;
window.HTMLElement.prototype.scrollIntoView = () => {};

// jsdom's AbortSignal comes from another realm than the Request of Node's fetch, which refuses
// it ("Expected signal to be an instance of AbortSignal"): component tests drop the signal
// (cancelling requests is a browser matter, the browser tests run it for real).
const NodeRequest = globalThis.Request;
globalThis.Request = class extends NodeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(input, init?.signal ? { ...init, signal: undefined } : init);
  }
} as typeof Request;
