// Every catalog at once, for tests only: the app loads the one it needs with loadCatalog.
import type { Language } from "../bindings/Language";
import type { Catalog } from ".";
import en from "./en.json";
import fr from "./fr.json";
import sv from "./sv.json";
import he from "./he.json";

/** Every catalog must have exactly English's keys: `satisfies` makes a missing key a type error. */
export const catalogs: Record<Language, Catalog> = {
  en: en satisfies Catalog,
  fr: fr satisfies Catalog,
  sv: sv satisfies Catalog,
  he: he satisfies Catalog,
};
