import type { Language } from "../bindings/Language";
import en from "./en.json";
import fr from "./fr.json";
import sv from "./sv.json";
import he from "./he.json";

export type MessageId = keyof typeof en;
export type Catalog = Record<MessageId, string>;

/** Every catalog must have exactly English's keys: `satisfies` makes a missing key a type error. */
export const catalogs: Record<Language, Catalog> = {
  en,
  fr: fr satisfies Catalog,
  sv: sv satisfies Catalog,
  he: he satisfies Catalog,
};

export const languages: readonly Language[] = ["en", "fr", "sv", "he"];

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
  document.documentElement.lang = language;
  document.documentElement.dir = directionOf(language);
}
