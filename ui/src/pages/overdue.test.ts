import { describe, expect, it } from "vitest";
import type { PendingRow } from "../bindings/PendingRow";
import { DEFAULT_OVERDUE_DAYS, isOverdue, parseDays } from "./PendingPage";

const row = (daysWaiting: number | null) => ({ user: {}, daysWaiting }) as unknown as PendingRow;

describe("overdue invitations", () => {
  it("counts whole days from the chosen age, and an unknown age is not overdue", () => {
    expect(DEFAULT_OVERDUE_DAYS).toBe(14);
    expect(isOverdue(row(14), 14)).toBe(true);
    expect(isOverdue(row(13), 14)).toBe(false);
    expect(isOverdue(row(0), 0)).toBe(true);
    expect(isOverdue(row(null), 0)).toBe(false);
  });

  it("reads a typed number of days, refusing what is not one", () => {
    expect(parseDays(" 30 ")).toBe(30);
    expect(parseDays("0")).toBe(0);
    expect(parseDays("3650")).toBe(3650);
    expect(parseDays("3651")).toBeNull();
    expect(parseDays("-1")).toBeNull();
    expect(parseDays("1.5")).toBeNull();
    expect(parseDays("")).toBeNull();
    expect(parseDays(undefined)).toBeNull();
  });
});
