// The Bulk page's run state has one source: Rust's `BulkStatus` (what `bulk_status` returns),
// kept up to date by the commands' answers and the run's events through this reducer. The page
// holds nothing else about the run; what it holds besides (an error, an export, a dialog) is
// about the screen.
import type { BulkLoaded } from "../bindings/BulkLoaded";
import type { BulkReport } from "../bindings/BulkReport";
import type { BulkStatus } from "../bindings/BulkStatus";
import type { Progress } from "../bindings/Progress";

export type BulkEvent =
  /** `bulk_status`: the backend's whole state, as it stands. */
  | { type: "status"; status: BulkStatus }
  /** A new file is being read: nothing of the old one stays. */
  | { type: "loading" }
  | { type: "loaded"; loaded: BulkLoaded }
  | { type: "starting" }
  | { type: "startFailed" }
  /** A `bulk-progress` event, or the progress a pause, continue or cancel answered with. */
  | { type: "progress"; progress: Progress }
  /** `bulk-finished`: the run is over; its report follows. */
  | { type: "finished" }
  | { type: "report"; report: BulkReport };

export const noBulk: BulkStatus = { loaded: null, running: false, progress: null, report: null };

export function bulkReducer(s: BulkStatus, e: BulkEvent): BulkStatus {
  switch (e.type) {
    case "status":
      return e.status;
    case "loading":
      return noBulk;
    case "loaded":
      return { ...noBulk, loaded: e.loaded };
    case "starting":
      return { ...s, running: true, progress: null, report: null };
    case "startFailed":
      return { ...s, running: false };
    case "progress":
      return { ...s, progress: e.progress };
    case "finished":
      return { ...s, running: false, progress: s.progress ? { ...s.progress, state: "finished", etaS: null } : null };
    case "report":
      return { ...s, running: false, report: e.report };
  }
}
