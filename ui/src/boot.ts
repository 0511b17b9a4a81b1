import type { BootView } from "./bindings/BootView";
import { languages, type Catalog } from "./i18n";

/**
 * What the app hands the window before its script runs (src-tauri/app/lib.rs, `boot_script`): the
 * language, the policy, the session on a first run, and the language's catalog. With it the first
 * screen is drawn at once. A hint only: the window still asks over IPC, and on a reload the data
 * is what was true when the app started.
 */
export type Boot = BootView & { catalog?: Catalog };

/** `window.__B2B_BOOT__` when it has the expected shape, else null (the window asks over IPC). */
export function readBoot(): Boot | null {
  const value: unknown = (window as { __B2B_BOOT__?: unknown }).__B2B_BOOT__;
  if (!value || typeof value !== "object") return null;
  const boot = value as Partial<Boot>;
  const known = (languages as readonly unknown[]).includes(boot.language?.effective);
  if (!known || !Array.isArray(boot.policy?.entries) || boot.session === undefined) return null;
  const catalog = boot.catalog && typeof boot.catalog === "object" ? boot.catalog : undefined;
  return { ...(boot as Boot), catalog };
}

/** The same answer twice keeps the first object, so React renders nothing again (nor repaints). */
export function keepIfSame<T>(next: T): (previous: T | null) => T {
  return (previous) => (previous !== null && JSON.stringify(previous) === JSON.stringify(next) ? previous : next);
}
