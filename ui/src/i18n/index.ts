import type { Language } from "../bindings/Language";

// Type only: the app loads one catalog at a time (see loadCatalog), never all four.
export type MessageId = keyof typeof import("./en.json");
export type Catalog = Record<MessageId, string>;

export const languages: readonly Language[] = ["en", "fr", "sv", "he"];

/** One chunk per catalog: only the language in use is fetched and kept in memory. */
const loaders: Record<Language, () => Promise<{ default: Catalog }>> = {
  en: () => import("./en.json"),
  fr: () => import("./fr.json"),
  sv: () => import("./sv.json"),
  he: () => import("./he.json"),
};

export async function loadCatalog(language: Language): Promise<Catalog> {
  return (await loaders[language]()).default;
}

/** Each language's name in itself, as language pickers show them. */
export const languageNames: Record<Language, string> = {
  en: "English",
  fr: "Français",
  sv: "Svenska",
  he: "עברית",
};

export function directionOf(language: Language): "ltr" | "rtl" {
  return language === "he" ? "rtl" : "ltr";
}

/** Screen readers and the browser's own mirroring read lang and dir from <html>. */
export function applyDocumentLanguage(language: Language): void {
  // Written only when it changes, so that a render which changes nothing writes nothing to the DOM.
  const html = document.documentElement;
  const dir = directionOf(language);
  if (html.lang !== language) html.lang = language;
  if (html.dir !== dir) html.dir = dir;
}
