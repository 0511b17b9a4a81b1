// The AppImage as a user gets it: one file, run as it is. Its runtime (src-tauri/appimage-runtime)
// extracts the image into a private folder and starts AppRun, which starts the app, or `b2b`.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readSync, closeSync, readlinkSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startsToFirstRun } from "./firstRun";

const appimage = process.env.B2B_APPIMAGE ?? "";

function bytesAt(offset: number, length: number): Buffer {
  const fd = openSync(appimage, "r");
  try {
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, offset);
    return buf;
  } finally {
    closeSync(fd);
  }
}

describe("the AppImage", () => {
  it("is an ELF program with the type 2 magic and a SquashFS image after it", () => {
    expect(appimage).toMatch(/\.AppImage$/);
    expect(bytesAt(0, 4).toString("latin1")).toBe("\x7fELF");
    expect(bytesAt(8, 3).toString("latin1")).toBe("AI\x02");
    const offset = Number(execFileSync(appimage, ["--appimage-offset"], { encoding: "utf8" }).trim());
    expect(offset).toBeGreaterThan(64);
    expect(bytesAt(offset, 4).toString("latin1")).toBe("hsqs");
  });

  it("extracts to an AppDir with AppRun, the .desktop entry, the icon, the app and b2b", () => {
    const dir = mkdtempSync(join(tmpdir(), "b2b-appimage-"));
    try {
      execFileSync(appimage, ["--appimage-extract"], { cwd: dir, encoding: "utf8" });
      const root = join(dir, "squashfs-root");
      for (const f of ["AppRun", "b2b-convert.desktop", "usr/bin/b2b-convert", "usr/bin/b2b"]) {
        expect(existsSync(join(root, f)), f).toBe(true);
      }
      const entry = readFileSync(join(root, "b2b-convert.desktop"), "utf8");
      const icon = /^Icon=(.+)$/m.exec(entry)?.[1] ?? "";
      expect(existsSync(join(root, `${icon}.png`))).toBe(true);
      expect(readlinkSync(join(root, ".DirIcon"))).toBe(`${icon}.png`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs b2b when asked, or when called through a link named b2b", () => {
    const help = execFileSync(appimage, ["b2b", "--help"], { encoding: "utf8" });
    expect(help).toContain("convert");
    const dir = mkdtempSync(join(tmpdir(), "b2b-appimage-link-"));
    try {
      symlinkSync(appimage, join(dir, "b2b"));
      const viaLink = execFileSync(join(dir, "b2b"), ["--version"], { encoding: "utf8" });
      expect(viaLink).toMatch(/^b2b /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("starts the app to its first-run window", async () => {
    await startsToFirstRun(appimage, "appimage-first-run.png");
  });
});
