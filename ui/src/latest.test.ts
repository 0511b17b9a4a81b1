import { describe, expect, it } from "vitest";
import { act, renderHook, waitFor } from "@testing-library/react";
import { useLatestAnswer } from "./latest";

const sleep = (ms: number) => act(() => new Promise<void>((r) => setTimeout(r, ms)));

describe("useLatestAnswer", () => {
  it("keeps the newest answer when an older one arrives later, and waits for a pause", async () => {
    const asked: string[] = [];
    const load = (k: string) => {
      asked.push(k);
      return new Promise<string>((r) => setTimeout(() => r(`value of ${k}`), k === "slow" ? 300 : 10));
    };
    const { result, rerender } = renderHook(({ k }: { k: string | null }) => useLatestAnswer(k, 50, load), {
      initialProps: { k: "s" as string | null },
    });
    rerender({ k: "slow" }); // "s" never goes out: it changed within the delay
    await sleep(80); // "slow" is on its way
    rerender({ k: "fast" });
    await waitFor(() => expect(result.current?.key).toBe("fast"));
    await sleep(350); // the "slow" answer has come back by now
    expect(result.current).toEqual({ key: "fast", value: "value of fast", error: null });
    expect(asked).toEqual(["slow", "fast"]);
    rerender({ k: null });
    await sleep(80);
    expect(asked).toEqual(["slow", "fast"]);
  });
});
