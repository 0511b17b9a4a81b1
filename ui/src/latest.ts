import { useEffect, useRef, useState } from "react";
import { errorCodeOf, type UiErrorCode } from "./ipc";

export interface Answer<T> {
  /** The key the answer is for. */
  key: string;
  value: T | null;
  error: UiErrorCode | null;
}

/** Calls `load(key)` `delayMs` after `key` last changed (`null`: nothing to ask), and keeps the
 * answer of the latest call only: an older answer that arrives late never replaces a newer one.
 * Returns the latest answer received, which may be for an earlier key. */
export function useLatestAnswer<T>(key: string | null, delayMs: number, load: (key: string) => Promise<T>): Answer<T> | null {
  const [answer, setAnswer] = useState<Answer<T> | null>(null);
  const seq = useRef(0);
  const loader = useRef(load);
  useEffect(() => {
    loader.current = load;
  });
  useEffect(() => {
    const my = ++seq.current;
    if (key === null) return;
    const timer = setTimeout(() => {
      loader.current(key).then(
        (value) => {
          if (seq.current === my) setAnswer({ key, value, error: null });
        },
        (e: unknown) => {
          if (seq.current === my) setAnswer({ key, value: null, error: errorCodeOf(e) });
        },
      );
    }, delayMs);
    return () => clearTimeout(timer);
  }, [key, delayMs]);
  return answer;
}
