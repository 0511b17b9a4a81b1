import { describe, expect, it } from "vitest";
import { createIntl } from "react-intl";
import { directionOf, languages } from ".";
import { catalogs } from "./catalogs";
import { uiErrorCodes } from "../ipc";

/** The ICU argument names a message uses, e.g. {version} or {count, plural, ...}. */
function argumentsOf(message: string): string[] {
  return [...message.matchAll(/\{\s*([A-Za-z_][\w]*)\s*[,}]/g)].map((m) => m[1] ?? "").sort();
}

describe("message catalogs", () => {
  const english = catalogs.en;

  it.each(languages)("%s has exactly the English keys", (lang) => {
    expect(Object.keys(catalogs[lang]).sort()).toEqual(Object.keys(english).sort());
  });

  it.each(languages)("%s messages are valid ICU and use the same arguments as English", (lang) => {
    const errors: string[] = [];
    const intl = createIntl({ locale: lang, messages: catalogs[lang], onError: (e) => errors.push(String(e)) });
    for (const [id, message] of Object.entries(catalogs[lang])) {
      expect(message.trim(), `${lang} ${id} is empty`).not.toBe("");
      expect(argumentsOf(message), `${lang} ${id}`).toEqual(argumentsOf(english[id as keyof typeof english]));
      const values = Object.fromEntries(argumentsOf(message).map((a) => [a, "x"]));
      intl.formatMessage({ id }, values);
    }
    expect(errors).toEqual([]);
  });

  it("translates every error code", () => {
    for (const code of Object.keys(uiErrorCodes)) {
      expect(english, code).toHaveProperty(`error.${code}`);
    }
  });

  it("only Hebrew is right-to-left", () => {
    expect(languages.filter((l) => directionOf(l) === "rtl")).toEqual(["he"]);
  });
});
