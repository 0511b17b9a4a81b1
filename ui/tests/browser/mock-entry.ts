// Bundled by global-setup into an IIFE that Playwright injects before the app loads.
import type { Language } from "../../src/bindings/Language";
import type { PolicyView } from "../../src/bindings/PolicyView";
import { installFakeBackend } from "../fakeBackend";

import type { FakeStart } from "../fakeBackend";

declare global {
  interface Window {
    __B2B_FAKE_OS_LANGUAGE__?: Language;
    __B2B_FAKE_START__?: FakeStart;
    __B2B_FAKE_POLICY__?: PolicyView;
  }
}

installFakeBackend({
  os: window.__B2B_FAKE_OS_LANGUAGE__ ?? "en",
  start: window.__B2B_FAKE_START__ ?? "signedIn",
  policy: window.__B2B_FAKE_POLICY__,
});
