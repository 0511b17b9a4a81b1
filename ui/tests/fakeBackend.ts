// A stand-in for the Rust side, for the UI's own tests (Vitest in jsdom, Playwright in Chromium).
// It goes through @tauri-apps/api's mockIPC, so the app's real `invoke` path is exercised.
// The real backend is tested by the Rust tests and the end-to-end test of the app window.
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type { Link } from "../src/bindings/Link";
import type { BulkReport } from "../src/bindings/BulkReport";
import type { Preview } from "../src/bindings/Preview";
import type { BulkLoaded } from "../src/bindings/BulkLoaded";
import type { Discovery } from "../src/bindings/Discovery";
import type { Progress } from "../src/bindings/Progress";
import type { AppError } from "../src/bindings/AppError";
import type { AppInfo } from "../src/bindings/AppInfo";
import type { Language } from "../src/bindings/Language";
import type { LanguageView } from "../src/bindings/LanguageView";
import type { PolicyView } from "../src/bindings/PolicyView";
import type { Account } from "../src/bindings/Account";
import type { SessionView } from "../src/bindings/SessionView";
import type { B2bState } from "../src/bindings/B2bState";
import type { Check } from "../src/bindings/Check";
import type { ConvertRequest } from "../src/bindings/ConvertRequest";
import type { HistoryEntry } from "../src/bindings/HistoryEntry";
import type { InvitePreflight } from "../src/bindings/InvitePreflight";
import type { InviteRequest } from "../src/bindings/InviteRequest";
import type { InviteResult } from "../src/bindings/InviteResult";
import type { Preflight } from "../src/bindings/Preflight";
import type { UserDetail } from "../src/bindings/UserDetail";
import type { UserRow } from "../src/bindings/UserRow";
import type { Sponsor } from "../src/bindings/Sponsor";
import type { DefaultSponsorsView } from "../src/bindings/DefaultSponsorsView";

export const fakeAppInfo: AppInfo = {
  name: "B2B Convert",
  version: "9.8.7",
  os: { family: "windows", name: "Windows", version: "11", arch: "x86_64", locale: "sv-SE" },
  build: {
    profile: "release",
    commit: "abc123",
    target: "x86_64-pc-windows-msvc",
    rustc: "rustc 1.95.0",
    tauri: "2.9.0",
  },
};

export const fakeAccounts: Account[] = [
  {
    id: "a1.t1",
    username: "admin@contoso.com",
    displayName: "Ada Admin",
    tenantId: "7e1c5a2e-3b1d-4c5e-9f0a-1b2c3d4e5f60",
    tenantName: "Contoso Demo",
    authority: "demo",
    clientId: "b2bc0a7e-5e1d-4c0b-9d1e-5e0000000001",
    graphUrl: "demo",
  },
  {
    id: "h1.t1",
    username: "helpdesk@contoso.com",
    displayName: "Hal Helpdesk",
    tenantId: "7e1c5a2e-3b1d-4c5e-9f0a-1b2c3d4e5f60",
    tenantName: "Contoso Demo",
    authority: "demo",
    clientId: "b2bc0a7e-5e1d-4c0b-9d1e-5e0000000001",
    graphUrl: "demo",
  },
];

function user(
  id: string,
  displayName: string,
  upn: string,
  mail: string | null,
  extra: Partial<UserDetail> = {},
): UserDetail {
  return {
    id,
    displayName,
    userPrincipalName: upn,
    mail,
    otherMails: [],
    proxyAddresses: mail ? [`SMTP:${mail}`] : [],
    userType: "Member",
    externalUserState: null,
    externalUserStateChangeDateTime: null,
    onPremisesSyncEnabled: null,
    onPremisesUserPrincipalName: null,
    accountEnabled: true,
    creationType: null,
    identities: [{ signInType: "userPrincipalName", issuer: "contoso.com", issuerAssignedId: upn }],
    createdDateTime: "2021-03-04T10:00:00Z",
    state: "internal",
    action: "convert",
    daysWaiting: null,
    sponsors: [],
    ...extra,
  };
}

/** A sponsor as Graph would name it: a known UPN gets a name, a GUID is a group without one. */
export function fakeSponsor(entry: string): Sponsor {
  if (/^[0-9a-f-]{36}$/i.test(entry)) return { id: entry, kind: "group", displayName: null, userPrincipalName: null };
  const names: Record<string, string> = { "admin@contoso.com": "Ada Admin", "global@contoso.com": "Gil Global" };
  return { id: `id-${entry}`, kind: "user", displayName: names[entry] ?? null, userPrincipalName: entry };
}

/** A small directory: one user of each kind the pages show. */
export function fakeUsers(): UserDetail[] {
  const list = [
    user("u-ready", "Adele Adams", "adele.adams@contoso.com", "adele.adams@northwind.example"),
    user("u-pending", "Adele Campbell", "adele.campbell@contoso.com", "adele.campbell@tailspin.example", {
      externalUserState: "PendingAcceptance",
      externalUserStateChangeDateTime: "2026-09-01T08:00:00Z",
      state: "pending",
      action: "resend",
      daysWaiting: 61,
      // The sponsors could not be read: unknown, not none.
      sponsors: null,
    }),
    user("u-synced", "Henry Parker", "henry.parker@contoso.com", "henry.parker@adatum.example", {
      onPremisesSyncEnabled: true,
      onPremisesUserPrincipalName: "henry.parker@corp.contoso.local",
      action: "syncedFromOnPremises",
    }),
    user("u-accepted", "Emily Silva", "emily.silva@contoso.com", "emily.silva@litware.example", {
      userType: "Guest",
      externalUserState: "Accepted",
      externalUserStateChangeDateTime: "2026-05-01T08:00:00Z",
      state: "accepted",
      action: "resend",
      sponsors: [fakeSponsor("admin@contoso.com"), { id: "g-partners", kind: "group", displayName: "Partner desk", userPrincipalName: null }],
    }),
    user("u-nomail", "Olivia Morgan", "olivia.morgan@contoso.com", null),
  ];
  // Enough plain members for a second page.
  for (let i = 0; i < 60; i++) {
    const n = String(i).padStart(2, "0");
    list.push(user(`u-m${n}`, `Member ${n}`, `member${n}@contoso.com`, `member${n}@fourthcoffee.example`));
  }
  return list;
}

function row(u: UserDetail): UserRow {
  return {
    id: u.id,
    displayName: u.displayName,
    userPrincipalName: u.userPrincipalName,
    mail: u.mail,
    userType: u.userType,
    externalUserState: u.externalUserState,
    externalUserStateChangeDateTime: u.externalUserStateChangeDateTime,
    accountEnabled: u.accountEnabled,
    onPremisesUserPrincipalName: u.onPremisesUserPrincipalName,
    state: u.state,
  };
}

function checksFor(u: UserDetail, address: string, kind: string): Check[] {
  const sev = (bad: boolean, level: "warning" | "blocker" = "blocker") => (bad ? level : "ok");
  const internal = address.endsWith("@contoso.com");
  const onUser = u.mail === address || u.otherMails.includes(address);
  if (kind === "resend") {
    return [
      { code: "address_valid", severity: "ok" },
      { code: "address_not_internal", severity: sev(internal) },
      { code: "invited_before", severity: sev(u.externalUserState === null) },
      { code: "address_not_used_elsewhere", severity: "ok" },
      { code: "address_added_first", severity: sev(!onUser, "warning") },
      { code: "admin_can_reset", severity: "ok" },
    ];
  }
  return [
    { code: "address_valid", severity: "ok" },
    { code: "address_not_internal", severity: sev(internal) },
    { code: "not_synced_from_on_premises", severity: sev(u.onPremisesUserPrincipalName !== null) },
    { code: "not_already_external", severity: sev(u.externalUserState !== null) },
    { code: "address_not_used_elsewhere", severity: "ok" },
    { code: "address_on_user", severity: sev(!onUser, "warning") },
    { code: "mailbox", severity: "ok" },
    { code: "account_enabled", severity: "ok" },
    { code: "admin_can_convert", severity: "ok" },
  ];
}

/** The invitation pre-flight as the backend words it: a verified domain or an address any user
 * holds (UPN, mail, other mails) blocks; Member is confirmed for Ada Admin (User Administrator). */
function invitePreflightOver(directory: UserDetail[], email: string, member: boolean, admin: boolean): InvitePreflight {
  const a = email.trim().toLowerCase();
  const domain = a.split("@")[1] ?? "";
  const internal = domain === "contoso.com" || domain.endsWith(".contoso.com");
  const holders = directory.filter((u) =>
    [u.userPrincipalName, u.mail ?? "", ...u.otherMails].some((x) => x.toLowerCase() === a),
  );
  const sev = (bad: boolean) => (bad ? "blocker" : "ok") as Check["severity"];
  const checks: Check[] = [
    { code: "address_valid", severity: "ok" },
    { code: "address_not_internal", severity: sev(internal) },
    { code: "not_in_directory", severity: sev(holders.length > 0) },
    { code: "admin_can_invite", severity: admin ? "ok" : "warning" },
  ];
  if (member) checks.push({ code: "member_allowed", severity: admin ? "ok" : "warning" });
  return {
    email: email.trim(),
    member,
    existing: {
      objects: holders.map((u) => ({
        kind: "user",
        id: u.id,
        displayName: u.displayName,
        userPrincipalName: u.userPrincipalName,
        mail: u.mail,
        userType: u.userType,
        externalUserState: u.externalUserState,
      })),
      complete: true,
    },
    checks,
    canInvite: checks.every((c) => c.severity !== "blocker"),
  };
}

export type FakeStart = "signedIn" | "firstRun" | "signIn";

export interface FakeBackendOptions {
  /** The OS language the backend reports. */
  os: Language;
  /** Make set_language fail as a full disk would. */
  failSave?: boolean;
  /** Where the app starts. Default: signed in to the demo tenant as Ada Admin. */
  start?: FakeStart;
  /** How long search_users takes for a query (default: no wait). */
  searchDelayMs?: (query: string) => number;
  /** How long more_users takes (default: no wait). */
  moreDelayMs?: number;
  /** The organisation's policy, as the backend read it at start (default: none). */
  policy?: PolicyView;
  /** A bulk run that stays running after its first row until paused, resumed or cancelled. */
  slowBulk?: boolean;
  /** The report of a resumed run from before links were kept: one converted row without its link. */
  linksLost?: boolean;
  /** The bulk run's first row was sent but its answer lost: the report says its outcome is unknown. */
  bulkUnknown?: boolean;
  /** The bulk run's first row converted without an e-mail, its link not kept on disk: the run
   * stopped itself and the report holds the link. */
  linkNotKept?: boolean;
  /** Conversions lose their answer (outcome_unknown); the next read of the user settles it as done,
   * or with "unsettled" reads do not show it yet (the check stays unknown). */
  unknownOutcome?: boolean | "unsettled";
  /** Microsoft asks to slow down during conversions: a graph-throttled event, then the answer. */
  throttleMs?: number;
}

export interface Call {
  cmd: string;
  args: unknown;
}

export function installFakeBackend({
  os,
  failSave = false,
  start = "signedIn",
  searchDelayMs = () => 0,
  moreDelayMs = 0,
  policy = { entries: [], warnings: [] },
  slowBulk = false,
  linksLost = false,
  unknownOutcome = false,
  bulkUnknown = false,
  linkNotKept = false,
  throttleMs = 0,
}: FakeBackendOptions): Call[] {
  const lostAnswers = new Map<string, string>();
  // Links of invitations made without an e-mail, as the backend keeps them on disk.
  const keptLinks = new Map<string, Link>();
  const directory = fakeUsers();
  const history: HistoryEntry[] = [];
  let chosen: Language | null = null;
  const calls: Call[] = [];
  const policyLanguage = (level: "locked" | "recommended") => {
    const e = policy.entries.find((p) => p.key === "UiLanguage" && p.level === level);
    return typeof e?.value === "string" ? (e.value as Language) : null;
  };
  const view = (): LanguageView => {
    const locked = policyLanguage("locked");
    const organisation = policyLanguage("recommended");
    const shown = locked ?? chosen;
    return { effective: shown ?? organisation ?? os, chosen: shown, os, organisation, locked: locked !== null };
  };
  const demoLockedOff = policy.entries.some((e) => e.key === "AllowDemoTenant" && e.level === "locked" && e.value === false);
  const policyLocked: AppError = { code: "policy_locked", message: "the organisation's policy does not allow this" };
  let connected = start !== "firstRun";
  let organisation: { clientId: string; tenant: string } | null = null;
  let signedIn: Account[] = start === "signedIn" ? [...fakeAccounts] : [];
  let current: string | null = signedIn[0]?.id ?? null;
  let cancelPending: (() => void) | null = null;
  const session = (): SessionView => {
    const cur = signedIn.find((a) => a.id === current) ?? null;
    return {
      connection: !connected
        ? null
        : organisation
          ? {
              mode: "organisation",
              ...organisation,
              authorityUrl: "https://login.microsoftonline.com",
              graphUrl: "https://graph.microsoft.com",
            }
          : { mode: "demo" },
      accounts: signedIn,
      current: cur,
      capabilities: cur
        ? cur.username.startsWith("admin")
          ? {
              roles: ["User Administrator"],
              rolesKnown: true,
              scopes: ["User.Invite.All", "User.ReadWrite.All"],
              scopesKnown: true,
              canConvert: true,
              canReset: true,
              confirmed: true,
              canUpdateUsers: true,
              missing: [],
              unconfirmed: [],
            }
          : {
              roles: [],
              rolesKnown: false,
              scopes: ["User.Invite.All"],
              scopesKnown: true,
              canConvert: false,
              canReset: false,
              confirmed: false,
              canUpdateUsers: null,
              missing: ["scope_user_readwrite_all"],
              unconfirmed: ["roles_unknown"],
            }
        : null,
      problem: null,
    };
  };
  const bulkPreview: Preview = {
    action: "convert",
    ready: 1,
    needsFix: 1,
    blocked: 1,
    rows: [
      { line: 2, user: "adele.adams@contoso.com", email: "adele.adams@northwind.example", status: "ready", problem: null, checks: [{ code: "address_valid", severity: "ok" }], displayName: "Adele Adams", userId: "u-ready" },
      { line: 3, user: "x@contoso.com", email: "not-an-address", status: "needsFix", problem: "invalid_email", checks: [], displayName: null, userId: null },
      { line: 4, user: "henry.parker@contoso.com", email: "henry.parker@adatum.example", status: "blocked", problem: null, checks: [{ code: "not_synced_from_on_premises", severity: "blocker" }], displayName: "Henry Parker", userId: "u-synced" },
    ],
  };
  const invitePreview: Preview = {
    action: "invite",
    ready: 1,
    needsFix: 2,
    blocked: 0,
    rows: [
      { line: 2, user: "", email: "new.partner@fabrikam.example", status: "ready", problem: null, checks: [{ code: "not_in_directory", severity: "ok" }], displayName: "New Partner", userId: null },
      { line: 3, user: "", email: "adele.adams@northwind.example", status: "needsFix", problem: null, checks: [{ code: "not_in_directory", severity: "blocker" }], displayName: "Adele", userId: null },
      { line: 4, user: "", email: "x@fabrikam.example", status: "needsFix", problem: "invalid_user_type", checks: [], displayName: null, userId: null },
    ],
  };
  let bulkReport: BulkReport = {
    converted: linksLost || bulkUnknown ? 0 : 1,
    alreadyDone: linksLost ? 1 : 0,
    failed: 0,
    unknown: bulkUnknown ? 1 : 0,
    skipped: 2,
    notRun: 0,
    linksLost: linksLost ? 1 : 0,
    stopReason: linkNotKept ? "link_not_kept" : null,
    rows: [
      { line: 2, user: "adele.adams@contoso.com", email: "adele.adams@northwind.example", outcome: bulkUnknown ? "unknown" : linksLost ? "alreadyDone" : "converted", status: bulkUnknown ? null : "PendingAcceptance", invitationId: bulkUnknown ? null : "inv-b1", redeemUrl: linkNotKept ? "https://login.microsoftonline.com/redeem?rd=unkept" : null, errorCode: bulkUnknown ? "outcome_unknown" : null, message: null, reason: null, confirmedByReread: false, warnings: linkNotKept ? ["link_not_kept"] : [], linkLost: linksLost },
      { line: 3, user: "x@contoso.com", email: "not-an-address", outcome: "skipped", status: null, invitationId: null, redeemUrl: null, errorCode: null, message: null, reason: "invalid_email", confirmedByReread: false, warnings: [], linkLost: false },
      { line: 4, user: "henry.parker@contoso.com", email: "henry.parker@adatum.example", outcome: "skipped", status: null, invitationId: null, redeemUrl: null, errorCode: null, message: null, reason: "not_synced_from_on_premises", confirmedByReread: false, warnings: [], linkLost: false },
    ],
  };
  let bulkProgress: Progress = { done: 3, total: 3, succeeded: 1, failed: 0, attempted: 1, toAttempt: 1, perMinute: 90, etaS: 0, state: "finished", concurrency: 6, throttled: 2, stopReason: linkNotKept ? "link_not_kept" : null };
  let bulkRunning = false;
  const finishBulk = (notRun: boolean) => {
    bulkRunning = false;
    bulkDone = true;
    if (notRun) {
      bulkReport = { ...bulkReport, converted: 0, notRun: 1, rows: bulkReport.rows.map((r) => (r.line === 2 ? { ...r, outcome: "notRun", status: null, invitationId: null } : r)) };
    }
    bulkProgress = { ...bulkProgress, state: "finished", etaS: null };
    setTimeout(() => void emit("bulk-finished", { ...bulkReport, rows: [] }), 50);
  };
  const invitePreflight = (email: string, member: boolean) =>
    invitePreflightOver(directory, email, member, (signedIn.find((a) => a.id === current)?.username ?? "").startsWith("admin"));
  let ownSponsors: string[] = [];
  const sponsorsView = (): DefaultSponsorsView => {
    const e = policy.entries.find((p) => p.key === "DefaultSponsors");
    const fromPolicy = typeof e?.value === "string" ? e.value.split("|").filter((s) => s !== "") : null;
    const locked = e?.level === "locked";
    return {
      sponsors: locked ? (fromPolicy ?? []) : ownSponsors.length > 0 ? ownSponsors : (fromPolicy ?? []),
      own: ownSponsors,
      locked,
    };
  };
  let bulkLoaded: BulkLoaded | null = null;
  let bulkDone = false;
  const discovery: Discovery = {
    scanned: 412,
    found: 3,
    ready: 1,
    needsFix: 1,
    blocked: 1,
    holdersComplete: false,
    at: "2026-11-30T09:00:00Z",
    groups: [
      {
        domain: "northwind.example",
        ready: 1,
        needsFix: 1,
        blocked: 0,
        accounts: [
          { id: "u-ready", displayName: "Adele Adams", userPrincipalName: "adele.adams@contoso.com", address: "adele.adams@northwind.example", inMail: true, status: "ready", checks: [{ code: "mailbox", severity: "warning" }], othersUsing: [] },
          { id: "u-shared", displayName: "Sam Shared", userPrincipalName: "sam.shared@contoso.com", address: "team@northwind.example", inMail: true, status: "needsFix", checks: [{ code: "address_not_used_elsewhere", severity: "blocker" }], othersUsing: ["kim.shared@contoso.com"] },
        ],
      },
      {
        domain: "adatum.example",
        ready: 0,
        needsFix: 0,
        blocked: 1,
        accounts: [
          { id: "u-synced", displayName: "Henry Parker", userPrincipalName: "henry.parker@contoso.com", address: "henry.parker@adatum.example", inMail: true, status: "blocked", checks: [{ code: "not_synced_from_on_premises", severity: "blocker" }], othersUsing: [] },
        ],
      },
    ],
  };
  let discovered: Discovery | null = null;
  mockIPC(async (cmd, args) => {
    calls.push({ cmd, args });
    switch (cmd) {
      case "app_info":
        return fakeAppInfo;
      case "get_language":
        return view();
      case "get_default_sponsors":
        return sponsorsView();
      case "set_default_sponsors": {
        if (sponsorsView().locked) throw policyLocked;
        ownSponsors = (args as { sponsors: string[] }).sponsors;
        return sponsorsView();
      }
      case "get_policy":
        return policy;
      case "set_language": {
        if (policyLanguage("locked")) throw policyLocked;
        if (failSave) {
          const error: AppError = { code: "settings_io", message: "disk full" };
          throw error;
        }
        chosen = (args as { language: Language | null }).language;
        return view();
      }
      case "get_session":
        return session();
      case "use_demo":
        if (demoLockedOff) throw policyLocked;
        connected = true;
        return session();
      case "connect_organisation": {
        // As the backend does: locked values win over what was typed.
        const typed = args as { clientId: string; tenant: string };
        const lockedText = (key: string) => {
          const e = policy.entries.find((p) => p.key === key && p.level === "locked");
          return typeof e?.value === "string" ? e.value : null;
        };
        organisation = {
          clientId: lockedText("ClientId") ?? typed.clientId,
          tenant: lockedText("TenantId") ?? typed.tenant,
        };
        connected = true;
        return session();
      }
      case "reset_connection":
        connected = false;
        organisation = null;
        return session();
      case "sign_in_browser":
        signedIn = [...fakeAccounts];
        current = fakeAccounts[0]?.id ?? null;
        return session();
      case "finish_device_code":
        // Waits like a person who has not entered the code yet, until the sign-in is cancelled.
        return new Promise((_, reject) => {
          cancelPending = () => reject({ code: "sign_in_cancelled", message: "cancelled" } satisfies AppError);
        });
      case "start_device_code":
        return { userCode: "ABCD2345E", verificationUri: "http://127.0.0.1:1/devicelogin", expiresInS: 900 };
      case "cancel_sign_in":
        cancelPending?.();
        cancelPending = null;
        return null;
      case "switch_account":
        current = (args as { id: string }).id;
        return session();
      case "sign_out": {
        const id = (args as { id: string }).id;
        signedIn = signedIn.filter((a) => a.id !== id);
        current = signedIn[0]?.id ?? null;
        return session();
      }
      case "search_users": {
        const { query, state } = args as { query: string; state: B2bState | null };
        const q = query.trim().toLowerCase();
        const hits = directory
          .filter((u) => !state || u.state === state)
          // Like Graph's $search: every word typed starts a word of the name, UPN or mail.
          .filter((u) => {
            const words = [u.displayName, u.userPrincipalName, u.mail ?? ""].flatMap((v) => v.toLowerCase().split(/[\s.@]/));
            return q.split(/\s+/).every((t) => !t || words.some((w) => w.startsWith(t)));
          })
          .map(row);
        const page = { rows: hits.slice(0, 50), next: hits.length > 50 ? `next:${q}:${state ?? ""}` : null, count: hits.length };
        const wait = searchDelayMs(query);
        return wait > 0 ? new Promise((resolve) => setTimeout(() => resolve(page), wait)) : page;
      }
      case "more_users": {
        const [, q, state] = (args as { next: string }).next.split(":");
        const hits = directory
          .filter((u) => !state || u.state === state)
          .filter((u) => !q || u.displayName.toLowerCase().includes(q ?? ""))
          .map(row);
        const more = { rows: hits.slice(50), next: null, count: null };
        return moreDelayMs > 0 ? new Promise((resolve) => setTimeout(() => resolve(more), moreDelayMs)) : more;
      }
      case "get_user": {
        const found = directory.find((u) => u.id === (args as { id: string }).id);
        if (!found) throw { code: "user_not_found", message: "404" } satisfies AppError;
        const lost = lostAnswers.get(found.id);
        if (lost !== undefined && unknownOutcome === "unsettled") {
          return { ...found, outcomeCheck: { action: "convert", askedAt: lost, outcome: "unknown", status: null } };
        }
        if (lost !== undefined) {
          // The read settles the lost answer: the invitation was made.
          lostAnswers.delete(found.id);
          Object.assign(found, { externalUserState: "PendingAcceptance", state: "pending", action: "resend", daysWaiting: 0 });
          return { ...found, outcomeCheck: { action: "convert", askedAt: lost, outcome: "succeeded", status: "PendingAcceptance" } };
        }
        const kept = keptLinks.get(found.id);
        return kept && found.externalUserState === "PendingAcceptance" ? { ...found, keptLink: kept } : found;
      }
      case "preflight": {
        const { user: id, address, kind } = args as { user: string; address: string; kind: string };
        const u = directory.find((x) => x.id === id);
        if (!u) throw { code: "user_not_found", message: "404" } satisfies AppError;
        const checks = checksFor(u, address, kind);
        const p: Preflight = {
          target: {
            id: u.id,
            displayName: u.displayName,
            userPrincipalName: u.userPrincipalName,
            mail: u.mail,
            otherMails: u.otherMails,
            proxyAddresses: u.proxyAddresses,
            userType: u.userType,
            externalUserState: u.externalUserState,
            externalUserStateChangeDateTime: u.externalUserStateChangeDateTime,
            onPremisesUserPrincipalName: u.onPremisesUserPrincipalName,
            onPremisesSyncEnabled: u.onPremisesSyncEnabled,
            accountEnabled: u.accountEnabled,
          },
          address,
          checks,
          canConvert: checks.every((c) => c.severity !== "blocker"),
          mailbox: false,
          othersUsing: [],
          holdersComplete: true,
        };
        return p;
      }
      case "convert_user":
      case "resend_invitation": {
        const { user: id, address, request } = args as { user: string; address: string; request: ConvertRequest };
        const u = directory.find((x) => x.id === id);
        if (!u) throw { code: "user_not_found", message: "404" } satisfies AppError;
        if (request.redirectUrl && !request.redirectUrl.startsWith("https://")) {
          throw { code: "invalid_redirect_url", message: request.redirectUrl } satisfies AppError;
        }
        const sponsors = cmd === "convert_user" ? (request.sponsors ?? []) : [];
        if (sponsors.length > 5) throw { code: "too_many_sponsors", message: `${sponsors.length} sponsors` } satisfies AppError;
        const unknownSponsor = sponsors.find((s) => s.startsWith("nobody"));
        if (unknownSponsor) throw { code: "sponsor_not_found", message: `sponsor ${unknownSponsor}` } satisfies AppError;
        if (unknownOutcome && cmd === "convert_user") {
          lostAnswers.set(id, "2026-11-22T10:00:00Z");
          throw { code: "outcome_unknown", message: "POST /invitations: 503 serviceNotAvailable" } satisfies AppError;
        }
        if (throttleMs > 0) {
          const retryAt = new Date(Date.now() + throttleMs).toISOString();
          await emit("graph-throttled", { retryAt, waitS: Math.ceil(throttleMs / 1000) });
          await new Promise((r) => setTimeout(r, throttleMs));
        }
        const mailSet = u.mail !== address && cmd === "convert_user";
        Object.assign(u, {
          mail: mailSet ? address : u.mail,
          externalUserState: "PendingAcceptance",
          externalUserStateChangeDateTime: "2026-11-22T10:00:00Z",
          state: "pending",
          action: "resend",
          daysWaiting: 0,
          // Named sponsors replace Microsoft's default, the admin who converts.
          sponsors:
            cmd === "convert_user" ? (sponsors.length > 0 ? sponsors.map(fakeSponsor) : [fakeSponsor("admin@contoso.com")]) : u.sponsors,
        });
        const result = {
          userId: id,
          invitationId: `inv-${history.length + 1}`,
          redeemUrl: "https://login.microsoftonline.com/redeem?rd=fake",
          status: "PendingAcceptance",
          confirmedByReread: false,
          mailSet,
          otherMailsSet: false,
          userTypeSetToGuest: request.setGuest,
          requestId: `req-${history.length + 1}`,
          sponsorsSet: sponsors.map(fakeSponsor),
          warnings: [],
        };
        if (!request.sendMail) {
          keptLinks.set(id, { userId: id, invitationId: result.invitationId, redeemUrl: result.redeemUrl, at: "2026-11-22T10:00:00Z" });
        }
        history.push({
          id: `h${history.length + 1}`,
          at: "2026-11-22T10:00:00Z",
          source: "app",
          admin: "admin@contoso.com",
          tenantId: fakeAccounts[0]?.tenantId ?? "",
          tenantName: "Contoso Demo",
          userId: id,
          userPrincipalName: u.userPrincipalName,
          action: cmd === "convert_user" ? "convert" : "resend",
          address,
          options: {
            sendMail: request.sendMail,
            language: request.language,
            message: request.message,
            cc: request.cc,
            redirectUrl: request.redirectUrl,
            setGuest: request.setGuest,
            sponsors: request.sponsors ?? [],
          },
          outcome: "succeeded",
          status: "PendingAcceptance",
          invitationId: result.invitationId,
          errorCode: null,
          requestId: result.requestId,
          changes: mailSet ? ["mail_set"] : [],
          warnings: [],
          settles: null,
        });
        return result;
      }
      case "pending_overview": {
        const days = (args as { olderThanDays: number | null }).olderThanDays ?? 14;
        const rows = directory
          .filter((u) => u.state === "pending")
          .map((u) => ({ user: row(u), daysWaiting: u.daysWaiting }));
        return {
          rows,
          olderThanDays: days,
          overdue: rows.filter((r) => r.daysWaiting !== null && r.daysWaiting >= days).length,
          // Emily Silva accepted since the last look; she was converted from this computer.
          newlyAccepted: [
            {
              id: "u-accepted",
              userPrincipalName: "emily.silva@contoso.com",
              displayName: "Emily Silva",
              mail: "emily.silva@litware.example",
              acceptedAt: "2026-11-21T14:30:00Z",
              inHistory: true,
            },
          ],
          lastLooked: "2026-11-20T09:00:00Z",
        };
      }
      case "overdue_load": {
        const days = (args as { olderThanDays: number | null }).olderThanDays ?? 14;
        const overdue = directory.filter((u) => u.state === "pending" && u.daysWaiting !== null && u.daysWaiting >= days);
        const rows = overdue.map((u, i) => ({
          line: i + 1,
          user: u.userPrincipalName,
          email: u.mail ?? "",
          status: "ready" as const,
          problem: null,
          checks: [{ code: "invited_before" as const, severity: "ok" as const }],
          displayName: u.displayName,
          userId: u.id,
        }));
        bulkLoaded = { action: "resend", fileName: `overdue-${days}-days`, preview: { action: "resend", ready: rows.length, needsFix: 0, blocked: 0, rows }, doneBefore: 0, runBefore: false };
        bulkReport = {
          converted: rows.length,
          alreadyDone: 0,
          failed: 0,
          unknown: 0,
          skipped: 0,
          notRun: 0,
          linksLost: 0,
          stopReason: null,
          rows: rows.map((r) => ({ line: r.line, user: r.user, email: r.email, outcome: "converted", status: "PendingAcceptance", invitationId: `inv-r${r.line}`, redeemUrl: null, errorCode: null, message: null, reason: null, confirmedByReread: false, warnings: [], linkLost: false })),
        };
        bulkProgress = { done: rows.length, total: rows.length, succeeded: rows.length, failed: 0, attempted: rows.length, toAttempt: rows.length, perMinute: 60, etaS: 0, state: "finished", concurrency: 6, throttled: 0, stopReason: null };
        bulkDone = false;
        return bulkLoaded;
      }
      case "list_history": {
        const q = (args as { query: string }).query.toLowerCase();
        const entries = history
          .filter((e) => !q || JSON.stringify(e).toLowerCase().includes(q))
          .reverse();
        return { entries, total: history.length, unreadable: 0 };
      }
      case "export_history":
        return { path: "C:\\Users\\ada\\Downloads\\b2b-convert-history.csv", rows: history.length };
      case "show_export":
        return null;
      case "bulk_template":
        return { path: "C:\\Users\\ada\\Downloads\\b2b-convert-template.csv", rows: 1 };
      case "bulk_invite_template":
        return { path: "C:\\Users\\ada\\Downloads\\b2b-invite-template.csv", rows: 1 };
      case "bulk_load": {
        const { bytes } = args as { fileName: string; bytes: number[] };
        if (bytes.length === 0) throw { code: "csv_columns", message: "empty" } satisfies AppError;
        // A file whose header has no user column invites new users (as the backend's parser).
        const header = new TextDecoder().decode(new Uint8Array(bytes)).split(/\r?\n/)[0]?.toLowerCase() ?? "";
        const invite = !header.split(/[,;]/).some((h) => h.trim() === "user");
        bulkLoaded = {
          action: invite ? "invite" : "convert",
          fileName: (args as { fileName: string }).fileName,
          preview: invite ? invitePreview : bulkPreview,
          doneBefore: 0,
          runBefore: false,
        };
        return bulkLoaded;
      }
      case "bulk_export_preview":
        return { path: "C:\\Users\\ada\\Downloads\\b2b-convert-preview.csv", rows: 3 };
      case "bulk_start": {
        if (slowBulk) {
          bulkRunning = true;
          bulkProgress = { done: 1, total: 3, succeeded: 0, failed: 0, attempted: 0, toAttempt: 1, perMinute: 0, etaS: null, state: "running", concurrency: 6, throttled: 0, stopReason: null };
          setTimeout(() => {
            bulkProgress = { ...bulkProgress, done: 2, perMinute: 30, etaS: 120 };
            void emit("bulk-progress", { progress: bulkProgress, row: bulkReport.rows[1] });
          }, 30);
          return null;
        }
        const progress = bulkProgress;
        bulkDone = true;
        setTimeout(() => {
          void emit("bulk-progress", { progress, row: bulkReport.rows[0] }).then(() =>
            setTimeout(() => void emit("bulk-finished", { ...bulkReport, rows: [] }), 50),
          );
        }, 50);
        return null;
      }
      case "bulk_pause":
      case "bulk_resume":
      case "bulk_cancel": {
        if (!bulkRunning) throw { code: "internal", message: "no run" } satisfies AppError;
        const state = cmd === "bulk_pause" ? "paused" : cmd === "bulk_resume" ? "running" : "cancelling";
        bulkProgress = { ...bulkProgress, state, etaS: state === "running" ? 120 : null };
        if (state === "cancelling") setTimeout(() => finishBulk(true), 200);
        return bulkProgress;
      }
      case "bulk_relink":
        bulkReport = {
          ...bulkReport,
          linksLost: 0,
          rows: bulkReport.rows.map((r) => (r.linkLost ? { ...r, linkLost: false, redeemUrl: "https://login.microsoftonline.com/redeem?rd=new" } : r)),
        };
        return bulkReport;
      case "bulk_report":
        return bulkReport;
      case "bulk_status":
        return {
          loaded: bulkLoaded,
          running: bulkRunning,
          progress: bulkDone || bulkRunning ? bulkProgress : null,
          report: bulkDone ? bulkReport : null,
        };
      case "bulk_export_report":
        return { path: "C:\\Users\\ada\\Downloads\\b2b-convert-report.csv", rows: 3 };
      case "discover":
        await emit("discover-progress", { phase: "users", scanned: 200, total: 412, found: 2 });
        await new Promise((r) => setTimeout(r, 30));
        discovered = discovery;
        return discovery;
      case "discover_cancel":
        return false;
      case "discover_last":
        return discovered;
      case "discover_to_bulk": {
        const { ids } = args as { ids: string[] };
        const rows = bulkPreview.rows.filter((r) => r.userId !== null && ids.includes(r.userId));
        const preview: Preview = { action: "convert", rows, ready: rows.filter((r) => r.status === "ready").length, needsFix: 0, blocked: 0 };
        bulkLoaded = { action: "convert", fileName: "discovered-20261130.csv", preview, doneBefore: 0, runBefore: false };
        return bulkLoaded;
      }
      case "discover_export":
        return { path: "C:\\Users\\ada\\Downloads\\b2b-convert-discovered.csv", rows: (args as { ids: string[] }).ids.length };
      case "invite_preflight": {
        const { email, member } = args as { email: string; member: boolean };
        return invitePreflight(email, member);
      }
      case "invite_user": {
        const { request } = args as { request: InviteRequest };
        const pre = invitePreflight(request.email, request.member);
        if (!pre.canInvite) throw { code: "conversion_blocked", message: "the pre-flight found a blocker" } satisfies AppError;
        const at = request.email.indexOf("@");
        const upn = `${request.email.slice(0, at)}_${request.email.slice(at + 1)}#EXT#@contosodemo.onmicrosoft.com`;
        const id = `u-invited-${history.length + 1}`;
        const userType = request.member ? "Member" : "Guest";
        directory.push(
          user(id, request.displayName ?? request.email.slice(0, at), upn, request.email, {
            userType,
            externalUserState: "PendingAcceptance",
            externalUserStateChangeDateTime: "2026-11-22T10:00:00Z",
            state: "pending",
            action: "resend",
            daysWaiting: 0,
          }),
        );
        const result: InviteResult = {
          userId: id,
          userPrincipalName: upn,
          invitationId: `inv-${history.length + 1}`,
          redeemUrl: "https://login.microsoftonline.com/redeem?rd=fake-invite",
          status: "PendingAcceptance",
          userType,
          confirmedByReread: false,
          requestId: `req-${history.length + 1}`,
        };
        history.push({
          id: `h${history.length + 1}`,
          at: "2026-11-22T10:00:00Z",
          source: "app",
          admin: "admin@contoso.com",
          tenantId: fakeAccounts[0]?.tenantId ?? "",
          tenantName: "Contoso Demo",
          userId: id,
          userPrincipalName: upn,
          action: "invite",
          address: request.email,
          options: {
            sendMail: request.sendMail,
            language: request.language,
            message: request.message,
            cc: request.cc,
            redirectUrl: request.redirectUrl,
            setGuest: false,
            sponsors: [],
            userType,
            displayName: request.displayName ?? undefined,
          },
          outcome: "succeeded",
          status: "PendingAcceptance",
          invitationId: result.invitationId,
          errorCode: null,
          requestId: result.requestId,
          changes: [],
          warnings: [],
          settles: null,
        });
        return result;
      }
      default:
        throw new Error(`the fake backend has no command ${cmd}`);
    }
  }, { shouldMockEvents: true });
  return calls;
}
