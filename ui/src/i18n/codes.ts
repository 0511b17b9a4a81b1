// The message for every code Rust sends (ts-rs enums in ../bindings). Each map is a `Record` over
// the code type, so a new code without a message, or a message id missing from the catalog, is a
// compile error; the catalogs' test checks that fr, sv and he have every id en has.
import type { Change } from "../bindings/Change";
import type { CheckCode } from "../bindings/CheckCode";
import type { FollowUpWarning } from "../bindings/FollowUpWarning";
import type { MissingCode } from "../bindings/MissingCode";
import type { RowProblem } from "../bindings/RowProblem";
import type { Severity } from "../bindings/Severity";
import type { StopReason } from "../bindings/StopReason";
import type { UnconfirmedCode } from "../bindings/UnconfirmedCode";
import type { MessageId } from ".";

/** Per check, the sentence for each severity it can have. */
export const checkMessages: Record<CheckCode, Partial<Record<Severity, MessageId>>> = {
  address_valid: { ok: "check.address_valid.ok", blocker: "check.address_valid.blocker" },
  address_not_internal: { ok: "check.address_not_internal.ok", blocker: "check.address_not_internal.blocker" },
  not_synced_from_on_premises: {
    ok: "check.not_synced_from_on_premises.ok",
    blocker: "check.not_synced_from_on_premises.blocker",
  },
  not_already_external: { ok: "check.not_already_external.ok", blocker: "check.not_already_external.blocker" },
  address_not_used_elsewhere: {
    ok: "check.address_not_used_elsewhere.ok",
    warning: "check.address_not_used_elsewhere.warning",
    blocker: "check.address_not_used_elsewhere.blocker",
  },
  address_on_user: {
    ok: "check.address_on_user.ok",
    warning: "check.address_on_user.warning",
    blocker: "check.address_on_user.blocker",
  },
  admin_can_update_user: {
    ok: "check.admin_can_update_user.ok",
    warning: "check.admin_can_update_user.warning",
  },
  mailbox: { ok: "check.mailbox.ok", warning: "check.mailbox.warning" },
  mailbox_unknown: { warning: "check.mailbox_unknown.warning" },
  account_enabled: { ok: "check.account_enabled.ok", warning: "check.account_enabled.warning" },
  admin_can_convert: {
    ok: "check.admin_can_convert.ok",
    warning: "check.admin_can_convert.warning",
    blocker: "check.admin_can_convert.blocker",
  },
  invited_before: { ok: "check.invited_before.ok", blocker: "check.invited_before.blocker" },
  address_added_first: { ok: "check.address_added_first.ok", warning: "check.address_added_first.warning" },
  admin_can_reset: {
    ok: "check.admin_can_reset.ok",
    warning: "check.admin_can_reset.warning",
    blocker: "check.admin_can_reset.blocker",
  },
  not_in_directory: {
    ok: "check.not_in_directory.ok",
    warning: "check.not_in_directory.warning",
    blocker: "check.not_in_directory.blocker",
  },
  admin_can_invite: {
    ok: "check.admin_can_invite.ok",
    warning: "check.admin_can_invite.warning",
    blocker: "check.admin_can_invite.blocker",
  },
  member_allowed: {
    ok: "check.member_allowed.ok",
    warning: "check.member_allowed.warning",
    blocker: "check.member_allowed.blocker",
  },
};

/** The sentence for a check at a severity; `undefined` when Rust sent a pairing the UI never saw. */
export function checkMessage(code: CheckCode, severity: Severity): MessageId | undefined {
  return checkMessages[code][severity];
}

export const missingMessages: Record<MissingCode, MessageId> = {
  scope_user_invite_all: "caps.missing.scope_user_invite_all",
  scope_user_readwrite_all: "caps.missing.scope_user_readwrite_all",
};

export const unconfirmedMessages: Record<UnconfirmedCode, MessageId> = {
  scopes_unknown: "caps.unconfirmed.scopes_unknown",
  roles_unknown: "caps.unconfirmed.roles_unknown",
  role_not_listed_convert: "caps.unconfirmed.role_not_listed_convert",
  role_not_listed_reset: "caps.unconfirmed.role_not_listed_reset",
};

export const rowProblemMessages: Record<RowProblem, MessageId> = {
  unreadable_row: "bulk.problem.unreadable_row",
  too_many_fields: "bulk.problem.too_many_fields",
  missing_user: "bulk.problem.missing_user",
  missing_email: "bulk.problem.missing_email",
  invalid_email: "bulk.problem.invalid_email",
  invalid_cc: "bulk.problem.invalid_cc",
  invalid_redirect_url: "bulk.problem.invalid_redirect_url",
  invalid_yes_no: "bulk.problem.invalid_yes_no",
  duplicate_user: "bulk.problem.duplicate_user",
  user_not_found: "bulk.problem.user_not_found",
  accepted_since_listed: "bulk.problem.accepted_since_listed",
  changed_since_listed: "bulk.problem.changed_since_listed",
  not_pending_anymore: "bulk.problem.not_pending_anymore",
  duplicate_email: "bulk.problem.duplicate_email",
  invalid_user_type: "bulk.problem.invalid_user_type",
  invalid_sponsors: "bulk.problem.invalid_sponsors",
};

export const warningMessages: Record<FollowUpWarning, MessageId> = {
  user_type_not_set: "result.warning.user_type_not_set",
  mail_set_before_failure: "bulk.warning.mail_set_before_failure",
  sponsors_not_added: "result.warning.sponsors_not_added",
  inviter_sponsor_not_removed: "result.warning.inviter_sponsor_not_removed",
  link_not_kept: "result.warning.link_not_kept",
};

/** History words a warning as something that happened, not as advice on the spot. */
export const historyWarningMessages: Record<FollowUpWarning, MessageId> = {
  user_type_not_set: "history.warning.user_type_not_set",
  mail_set_before_failure: "bulk.warning.mail_set_before_failure",
  sponsors_not_added: "history.warning.sponsors_not_added",
  inviter_sponsor_not_removed: "history.warning.inviter_sponsor_not_removed",
  link_not_kept: "history.warning.link_not_kept",
};

/** Why a bulk run stopped itself: on the report, and in the progress line while it stops. */
export const stopMessages: Record<StopReason, { report: MessageId; progress: MessageId }> = {
  link_not_kept: { report: "bulk.stopped.link_not_kept", progress: "bulk.stopping.link_not_kept" },
};

export const changeMessages: Record<Change, MessageId> = {
  mail_set: "history.change.mail_set",
  other_mails_set: "history.change.other_mails_set",
  user_type_set: "history.change.user_type_set",
};
