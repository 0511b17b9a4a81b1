import { describe, expect, it } from "vitest";
import type { BulkLoaded } from "../bindings/BulkLoaded";
import type { BulkReport } from "../bindings/BulkReport";
import type { Progress } from "../bindings/Progress";
import { bulkReducer, noBulk } from "./bulkStatus";

const loaded = { fileName: "a.csv", doneBefore: 0, runBefore: false, preview: { rows: [], ready: 2, needsFix: 0, blocked: 0 } } as unknown as BulkLoaded;
const progress = { state: "running", done: 1, total: 2, etaS: 30 } as unknown as Progress;
const report = { rows: [], converted: 2, alreadyDone: 0, failed: 0, skipped: 0, notRun: 0 } as unknown as BulkReport;

describe("the Bulk page's one source of run state", () => {
  it("follows a run from a new file to its report", () => {
    let s = bulkReducer({ ...noBulk, report }, { type: "loading" });
    expect(s).toEqual(noBulk);
    s = bulkReducer(s, { type: "loaded", loaded });
    s = bulkReducer(s, { type: "starting" });
    expect(s).toMatchObject({ loaded, running: true, progress: null, report: null });
    s = bulkReducer(s, { type: "progress", progress });
    s = bulkReducer(s, { type: "finished" });
    expect(s.running).toBe(false);
    expect(s.progress).toMatchObject({ state: "finished", etaS: null, done: 1 });
    s = bulkReducer(s, { type: "report", report });
    expect(s).toMatchObject({ loaded, running: false, report });
  });

  it("takes the backend's state whole when the page comes back", () => {
    const back = { loaded: null, running: true, progress, report: null };
    expect(bulkReducer({ ...noBulk, loaded, report }, { type: "status", status: back })).toEqual(back);
  });

  it("a start the backend refused is not running", () => {
    const s = bulkReducer(bulkReducer({ ...noBulk, loaded }, { type: "starting" }), { type: "startFailed" });
    expect(s).toMatchObject({ loaded, running: false });
  });
});
