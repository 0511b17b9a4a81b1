// The only place that talks to the Rust side. Types come from ts-rs (src/bindings), never by hand.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { AppError } from "./bindings/AppError";
import type { AppInfo } from "./bindings/AppInfo";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { Language } from "./bindings/Language";
import type { LanguageView } from "./bindings/LanguageView";
import type { PolicyView } from "./bindings/PolicyView";
import type { DeviceCodeView } from "./bindings/DeviceCodeView";
import type { SessionView } from "./bindings/SessionView";
import type { AddressSlot } from "./bindings/AddressSlot";
import type { B2bState } from "./bindings/B2bState";
import type { CheckKind } from "./bindings/CheckKind";
import type { ConvertRequest } from "./bindings/ConvertRequest";
import type { ConvertResult } from "./bindings/ConvertResult";
import type { ExportView } from "./bindings/ExportView";
import type { HistoryView } from "./bindings/HistoryView";
import type { PendingOverview } from "./bindings/PendingOverview";
import type { Preflight } from "./bindings/Preflight";
import type { UserDetail } from "./bindings/UserDetail";
import type { UsersPage } from "./bindings/UsersPage";
import type { BulkLoaded } from "./bindings/BulkLoaded";
import type { BulkReport } from "./bindings/BulkReport";
import type { BulkStatus } from "./bindings/BulkStatus";
import type { BulkProgressEvent } from "./bindings/BulkProgressEvent";
import type { Command } from "./bindings/Command";
import type { EventName } from "./bindings/EventName";
import type { Progress } from "./bindings/Progress";
import type { ThrottledEvent } from "./bindings/ThrottledEvent";
import type { DefaultSponsorsView } from "./bindings/DefaultSponsorsView";
import type { Discovery } from "./bindings/Discovery";
import type { DiscoverProgress } from "./bindings/DiscoverProgress";
import type { InvitePreflight } from "./bindings/InvitePreflight";
import type { InviteRequest } from "./bindings/InviteRequest";
import type { InviteResult } from "./bindings/InviteResult";

/** Codes from Rust, plus the one the UI raises itself when there is no Rust side to talk to. */
/** Rust's codes, and the two the window raises itself: no IPC, and a part of it that failed to load or draw. */
export type UiErrorCode = ErrorCode | "ipc_unavailable" | "ui_failed";

/** Every code the UI must translate; `Record` makes a missing one a type error. */
export const uiErrorCodes: Record<UiErrorCode, true> = {
  keychain_unavailable: true,
  keychain_locked: true,
  keychain_rejected: true,
  settings_io: true,
  invalid_input: true,
  invalid_client_id: true,
  internal: true,
  sign_in_timed_out: true,
  sign_in_cancelled: true,
  state_mismatch: true,
  consent_required: true,
  mfa_required: true,
  conditional_access_blocked: true,
  app_not_found: true,
  tenant_not_found: true,
  redirect_uri_mismatch: true,
  public_client_disabled: true,
  session_expired: true,
  device_code_expired: true,
  not_signed_in: true,
  identity_error: true,
  graph_error: true,
  outcome_unknown: true,
  nothing_changed: true,
  user_not_found: true,
  conversion_blocked: true,
  not_confirmed: true,
  bulk_rows_failed: true,
  permission_denied: true,
  throttled: true,
  invalid_redirect_url: true,
  invalid_cc_address: true,
  history_io: true,
  export_io: true,
  csv_unreadable: true,
  csv_columns: true,
  csv_too_large: true,
  journal_io: true,
  bulk_already_run: true,
  bulk_running: true,
  network_unreachable: true,
  tls_untrusted: true,
  proxy_auth_required: true,
  proxy_refused: true,
  policy_locked: true,
  sponsor_not_found: true,
  too_many_sponsors: true,
  scan_cancelled: true,
  ipc_unavailable: true,
  ui_failed: true,
};

export class CommandError extends Error {
  readonly code: UiErrorCode;
  constructor(code: UiErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

function isAppError(value: unknown): value is AppError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AppError).code === "string" &&
    typeof (value as AppError).message === "string"
  );
}

async function call<T>(command: Command, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    if (isAppError(e)) throw new CommandError(e.code, e.message);
    throw new CommandError("ipc_unavailable", String(e));
  }
}

export const api = {
  appInfo: () => call<AppInfo>("app_info"),
  getLanguage: () => call<LanguageView>("get_language"),
  /** `null` follows the OS again. */
  setLanguage: (language: Language | null) => call<LanguageView>("set_language", { language }),
  getPolicy: () => call<PolicyView>("get_policy"),
  getDefaultSponsors: () => call<DefaultSponsorsView>("get_default_sponsors"),
  setDefaultSponsors: (sponsors: string[]) => call<DefaultSponsorsView>("set_default_sponsors", { sponsors }),
  getSession: () => call<SessionView>("get_session"),
  useDemo: () => call<SessionView>("use_demo"),
  connectOrganisation: (clientId: string, tenant: string) =>
    call<SessionView>("connect_organisation", { clientId, tenant }),
  resetConnection: () => call<SessionView>("reset_connection"),
  signInBrowser: () => call<SessionView>("sign_in_browser"),
  startDeviceCode: () => call<DeviceCodeView>("start_device_code"),
  finishDeviceCode: () => call<SessionView>("finish_device_code"),
  cancelSignIn: () => call<null>("cancel_sign_in"),
  switchAccount: (id: string) => call<SessionView>("switch_account", { id }),
  signOut: (id: string) => call<SessionView>("sign_out", { id }),
  searchUsers: (query: string, state: B2bState | null) => call<UsersPage>("search_users", { query, state }),
  moreUsers: (next: string) => call<UsersPage>("more_users", { next }),
  getUser: (id: string) => call<UserDetail>("get_user", { id }),
  preflight: (user: string, address: string, kind: CheckKind) => call<Preflight>("preflight", { user, address, kind }),
  convertUser: (user: string, address: string, request: ConvertRequest) =>
    call<ConvertResult>("convert_user", { user, address, request }),
  resendInvitation: (user: string, address: string, slot: AddressSlot, request: ConvertRequest) =>
    call<ConvertResult>("resend_invitation", { user, address, slot, request }),
  listHistory: (query: string) => call<HistoryView>("list_history", { query }),
  exportHistory: (query: string) => call<ExportView>("export_history", { query }),
  showExport: () => call<null>("show_export"),
  bulkTemplate: () => call<ExportView>("bulk_template"),
  bulkLoad: (fileName: string, bytes: number[]) => call<BulkLoaded>("bulk_load", { fileName, bytes }),
  bulkExportPreview: () => call<ExportView>("bulk_export_preview"),
  /** `resume` continues a file run before (its journal); the backend refuses it otherwise. */
  bulkStart: (concurrency: number, resume: boolean) => call<null>("bulk_start", { concurrency, resume }),
  /** Each returns the progress in its new state (`null` before the first row). */
  bulkPause: () => call<Progress | null>("bulk_pause"),
  bulkResume: () => call<Progress | null>("bulk_resume"),
  bulkCancel: () => call<Progress | null>("bulk_cancel"),
  /** New redeem links (a reset, no e-mail) for the report's rows whose link is lost. */
  bulkRelink: () => call<BulkReport>("bulk_relink"),
  bulkReport: () => call<BulkReport>("bulk_report"),
  bulkExportReport: () => call<ExportView>("bulk_export_report"),
  bulkStatus: () => call<BulkStatus>("bulk_status"),
  /** Scans the directory; progress comes as `discover-progress` events. */
  discover: () => call<Discovery>("discover"),
  /** False when no scan runs. */
  discoverCancel: () => call<boolean>("discover_cancel"),
  discoverLast: () => call<Discovery | null>("discover_last"),
  /** The chosen accounts (by id) into the bulk preview, as if their file had been opened. */
  discoverToBulk: (ids: string[]) => call<BulkLoaded>("discover_to_bulk", { ids }),
  discoverExport: (ids: string[]) => call<ExportView>("discover_export", { ids }),
  /** The pending list, its overdue count (`null`: 14 days) and the users accepted since the last look. */
  pendingOverview: (olderThanDays: number | null) => call<PendingOverview>("pending_overview", { olderThanDays }),
  /** "Resend to all overdue": the overdue list becomes the loaded bulk run (then `bulkStart`). */
  overdueLoad: (olderThanDays: number | null) => call<BulkLoaded>("overdue_load", { olderThanDays }),
  /** Who already holds the address, and the checks before inviting a new external user. */
  invitePreflight: (email: string, member: boolean) => call<InvitePreflight>("invite_preflight", { email, member }),
  inviteUser: (request: InviteRequest) => call<InviteResult>("invite_user", { request }),
  bulkInviteTemplate: () => call<ExportView>("bulk_invite_template"),
};

export type { BulkProgressEvent };

function on<T>(name: EventName, handler: (payload: T) => void) {
  return listen<T>(name, (event) => handler(event.payload));
}

export const bulkEvents = {
  progress: (handler: (e: BulkProgressEvent) => void) => on<BulkProgressEvent>("bulk-progress", handler),
  finished: (handler: (summary: BulkReport) => void) => on<BulkReport>("bulk-finished", handler),
};

export const discoverEvents = {
  progress: (handler: (p: DiscoverProgress) => void) => on<DiscoverProgress>("discover-progress", handler),
};

/** Microsoft asked to slow down during a conversion or resend. */
export const graphEvents = {
  throttled: (handler: (e: ThrottledEvent) => void) => on<ThrottledEvent>("graph-throttled", handler),
};

export function errorCodeOf(e: unknown): UiErrorCode {
  return e instanceof CommandError ? e.code : "internal";
}
