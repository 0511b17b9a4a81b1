import { useSyncExternalStore } from "react";

/** Whether a media query matches, following its changes while the app runs. */
export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const media = window.matchMedia?.(query);
      if (!media) return () => undefined;
      media.addEventListener("change", onChange);
      return () => media.removeEventListener("change", onChange);
    },
    () => window.matchMedia?.(query).matches ?? false,
  );
}

/** Below this width the navigation folds behind a menu button and tables drop minor columns. */
export const NARROW = "(max-width: 1023px)";
