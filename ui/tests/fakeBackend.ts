// A stand-in for the Rust side, for the UI's own tests (Vitest in jsdom, Playwright in Chromium).
// It goes through @tauri-apps/api's mockIPC, so the app's real `invoke` path is exercised.
// The real backend is tested by the Rust tests and the end-to-end test of the app window.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { AppError } from "../src/bindings/AppError";
import type { AppInfo } from "../src/bindings/AppInfo";
import type { Language } from "../src/bindings/Language";
import type { LanguageView } from "../src/bindings/LanguageView";

export const fakeAppInfo: AppInfo = {
  name: "B2B Convert",
  version: "9.8.7",
  os: { family: "windows", name: "Windows", version: "11", arch: "x86_64", locale: "sv-SE" },
  build: {
    profile: "release",
    commit: "abc123",
    target: "x86_64-pc-windows-msvc",
    rustc: "rustc 1.95.0",
    tauri: "2.9.0",
  },
};

export interface FakeBackendOptions {
  /** The OS language the backend reports. */
  os: Language;
  /** Make set_language fail as a full disk would. */
  failSave?: boolean;
}

export interface Call {
  cmd: string;
  args: unknown;
}

export function installFakeBackend({ os, failSave = false }: FakeBackendOptions): Call[] {
  let chosen: Language | null = null;
  const calls: Call[] = [];
  const view = (): LanguageView => ({ effective: chosen ?? os, chosen, os });
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    switch (cmd) {
      case "app_info":
        return fakeAppInfo;
      case "get_language":
        return view();
      case "set_language": {
        if (failSave) {
          const error: AppError = { code: "settings_io", message: "disk full" };
          throw error;
        }
        chosen = (args as { language: Language | null }).language;
        return view();
      }
      default:
        throw new Error(`the fake backend has no command ${cmd}`);
    }
  });
  return calls;
}
