// The .deb as a user gets it: unpacked by `cargo xtask test` into $B2B_PACKAGE_ROOT, its files
// where Debian puts them, and its app started under Xvfb until the first-run window shows.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { startsToFirstRun } from "./firstRun";

const root = process.env.B2B_PACKAGE_ROOT ?? "";
const binary = process.env.B2B_APP_BINARY ?? "";

describe("the .deb package", () => {
  it("holds the app, b2b, a .desktop entry and icons", () => {
    expect(binary).toBe(join(root, "usr/bin/b2b-convert"));
    expect(existsSync(binary)).toBe(true);
    const help = execFileSync(join(root, "usr/bin/b2b"), ["--help"], { encoding: "utf8" });
    expect(help).toContain("convert");
    const desktop = readdirSync(join(root, "usr/share/applications")).filter((f) => f.endsWith(".desktop"));
    expect(desktop.length).toBe(1);
    const entry = readFileSync(join(root, "usr/share/applications", desktop[0] ?? ""), "utf8");
    expect(entry).toMatch(/^Exec=b2b-convert/m);
    expect(entry).toMatch(/^Name=B2B Convert$/m);
    expect(existsSync(join(root, "usr/share/icons/hicolor"))).toBe(true);
  });

  it("starts the packaged app to its first-run window", async () => {
    await startsToFirstRun(binary, "package-first-run.png");
  });
});
