// A stand-in for the Rust side, for the UI's own tests (Vitest in jsdom, Playwright in Chromium).
// It goes through @tauri-apps/api's mockIPC, so the app's real `invoke` path is exercised.
// The real backend is tested by the Rust tests and the end-to-end test of the app window.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { AppError } from "../src/bindings/AppError";
import type { AppInfo } from "../src/bindings/AppInfo";
import type { Language } from "../src/bindings/Language";
import type { LanguageView } from "../src/bindings/LanguageView";
import type { Account } from "../src/bindings/Account";
import type { SessionView } from "../src/bindings/SessionView";

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

export const fakeAccounts: Account[] = [
  {
    id: "a1.t1",
    username: "admin@contoso.com",
    displayName: "Ada Admin",
    tenantId: "7e1c5a2e-3b1d-4c5e-9f0a-1b2c3d4e5f60",
    tenantName: "Contoso Demo",
    authority: "demo",
    clientId: "b2bc0a7e-5e1d-4c0b-9d1e-5e0000000001",
    graphUrl: "demo",
  },
  {
    id: "h1.t1",
    username: "helpdesk@contoso.com",
    displayName: "Hal Helpdesk",
    tenantId: "7e1c5a2e-3b1d-4c5e-9f0a-1b2c3d4e5f60",
    tenantName: "Contoso Demo",
    authority: "demo",
    clientId: "b2bc0a7e-5e1d-4c0b-9d1e-5e0000000001",
    graphUrl: "demo",
  },
];

export type FakeStart = "signedIn" | "firstRun" | "signIn";

export interface FakeBackendOptions {
  /** The OS language the backend reports. */
  os: Language;
  /** Make set_language fail as a full disk would. */
  failSave?: boolean;
  /** Where the app starts. Default: signed in to the demo tenant as Ada Admin. */
  start?: FakeStart;
}

export interface Call {
  cmd: string;
  args: unknown;
}

export function installFakeBackend({ os, failSave = false, start = "signedIn" }: FakeBackendOptions): Call[] {
  let chosen: Language | null = null;
  const calls: Call[] = [];
  const view = (): LanguageView => ({ effective: chosen ?? os, chosen, os });
  let connected = start !== "firstRun";
  let signedIn: Account[] = start === "signedIn" ? [...fakeAccounts] : [];
  let current: string | null = signedIn[0]?.id ?? null;
  let cancelPending: (() => void) | null = null;
  const session = (): SessionView => {
    const cur = signedIn.find((a) => a.id === current) ?? null;
    return {
      connection: connected ? { mode: "demo" } : null,
      accounts: signedIn,
      current: cur,
      capabilities: cur
        ? cur.username.startsWith("admin")
          ? { roles: ["User Administrator"], scopes: ["User.Invite.All", "User.ReadWrite.All"], canConvert: true, canReset: true, missing: [] }
          : { roles: ["Guest Inviter"], scopes: ["User.Invite.All", "User.ReadWrite.All"], canConvert: false, canReset: false, missing: ["role_user_administrator"] }
        : null,
      problem: null,
    };
  };
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
      case "get_session":
        return session();
      case "use_demo":
        connected = true;
        return session();
      case "reset_connection":
        connected = false;
        return session();
      case "sign_in_browser":
        signedIn = [...fakeAccounts];
        current = fakeAccounts[0]?.id ?? null;
        return session();
      case "finish_device_code":
        // Waits like a person who has not entered the code yet, until the sign-in is cancelled.
        return new Promise((_, reject) => {
          cancelPending = () => reject({ code: "sign_in_cancelled", message: "cancelled" } satisfies AppError);
        });
      case "start_device_code":
        return { userCode: "ABCD2345E", verificationUri: "http://127.0.0.1:1/devicelogin", expiresInS: 900 };
      case "cancel_sign_in":
        cancelPending?.();
        cancelPending = null;
        return null;
      case "switch_account":
        current = (args as { id: string }).id;
        return session();
      case "sign_out": {
        const id = (args as { id: string }).id;
        signedIn = signedIn.filter((a) => a.id !== id);
        current = signedIn[0]?.id ?? null;
        return session();
      }
      default:
        throw new Error(`the fake backend has no command ${cmd}`);
    }
  });
  return calls;
}
