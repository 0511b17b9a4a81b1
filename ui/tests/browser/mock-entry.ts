// Bundled by global-setup into an IIFE that Playwright injects before the app loads.
import type { Language } from "../../src/bindings/Language";
import { installFakeBackend } from "../fakeBackend";

import type { FakeStart } from "../fakeBackend";

declare global {
  interface Window {
    __B2B_FAKE_OS_LANGUAGE__?: Language;
    __B2B_FAKE_START__?: FakeStart;
  }
}

installFakeBackend({ os: window.__B2B_FAKE_OS_LANGUAGE__ ?? "en", start: window.__B2B_FAKE_START__ ?? "signedIn" });
