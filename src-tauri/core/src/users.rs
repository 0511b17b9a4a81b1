//! Finding users and reading their B2B state: search as you type, one user's properties, and the
//! invitations still waiting for acceptance. Every read names its properties with `$select`.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use ts_rs::TS;

use crate::error::{AppError, ErrorCode};
use crate::graph::{GraphClient, Idempotence};

const ROW_SELECT: &str = "id,displayName,userPrincipalName,mail,userType,externalUserState,\
externalUserStateChangeDateTime,accountEnabled,onPremisesUserPrincipalName";

const DETAIL_SELECT: &str = "id,displayName,userPrincipalName,mail,otherMails,proxyAddresses,userType,\
externalUserState,externalUserStateChangeDateTime,onPremisesSyncEnabled,onPremisesUserPrincipalName,\
accountEnabled,creationType,identities,createdDateTime";

/// Rows per page of search results.
pub const PAGE_SIZE: u32 = 50;

/// Where a user stands with B2B collaboration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum B2bState {
    /// A member who signs in with this tenant's credentials.
    Internal,
    /// Converted or invited; the invitation is not redeemed yet.
    Pending,
    /// Converted or invited, and redeemed: signs in with their own identity.
    Accepted,
    /// userType Guest without a B2B invitation state (for example an old-style guest account).
    Guest,
}

impl B2bState {
    pub fn of(user_type: Option<&str>, external_user_state: Option<&str>) -> Self {
        match (external_user_state, user_type) {
            (Some(s), _) if s.eq_ignore_ascii_case("PendingAcceptance") => B2bState::Pending,
            (Some(_), _) => B2bState::Accepted,
            (None, Some(t)) if t.eq_ignore_ascii_case("Guest") => B2bState::Guest,
            _ => B2bState::Internal,
        }
    }

    /// The `$filter` sent to Graph for this state. Graph does not support `externalUserState eq
    /// null` (CONTRACT.md 9.6), so Internal and Guest ask for the userType and the rows that were
    /// invited are dropped here (`keeps`).
    fn filter(self) -> &'static str {
        match self {
            B2bState::Internal => "userType eq 'Member'",
            B2bState::Pending => "externalUserState eq 'PendingAcceptance'",
            B2bState::Accepted => "externalUserState eq 'Accepted'",
            B2bState::Guest => "userType eq 'Guest'",
        }
    }

    /// The state a link's `$filter` asked for, so that later pages are filtered the same way.
    fn of_link(link: &str) -> Option<B2bState> {
        let query = link.split_once('?')?.1;
        let filter = oauth2::url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "$filter")
            .map(|(_, v)| v.into_owned())?;
        [
            B2bState::Internal,
            B2bState::Pending,
            B2bState::Accepted,
            B2bState::Guest,
        ]
        .into_iter()
        .find(|s| s.filter() == filter)
    }
}

/// One line of the users list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct UserRow {
    pub id: String,
    pub display_name: String,
    pub user_principal_name: String,
    pub mail: Option<String>,
    pub user_type: Option<String>,
    pub external_user_state: Option<String>,
    pub external_user_state_change_date_time: Option<String>,
    pub account_enabled: Option<bool>,
    pub on_premises_user_principal_name: Option<String>,
    /// Derived from userType and externalUserState (Graph has no such property).
    #[ts(optional = nullable)]
    pub state: Option<B2bState>,
}

impl UserRow {
    fn from_graph(v: Value) -> Result<Self, AppError> {
        let mut row: UserRow = serde_json::from_value(v)
            .map_err(|e| AppError::new(ErrorCode::GraphError, format!("a user could not be read: {e}")))?;
        row.state = Some(B2bState::of(
            row.user_type.as_deref(),
            row.external_user_state.as_deref(),
        ));
        Ok(row)
    }
}

/// A page of search results; `next` continues it (an opaque Graph link, kept in the backend's hands).
#[derive(Debug, Clone, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UsersPage {
    pub rows: Vec<UserRow>,
    pub next: Option<String>,
    /// How many users match, when Graph said (first page only).
    #[ts(type = "number | null")]
    pub count: Option<u64>,
}

/// Removes what would break out of a `$search` clause; the rest is escaped as Graph requires.
fn search_term(q: &str) -> String {
    q.chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            '"' => "\\\"".to_owned(),
            '\\' => "\\\\".to_owned(),
            c => c.to_string(),
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The first page of users whose display name, UPN or mail start with `query` (all users when
/// it is empty), optionally in one B2B state. An advanced query: ConsistencyLevel and `$count`.
pub fn search_path(query: &str, state: Option<B2bState>) -> String {
    let term = search_term(query);
    let mut path = format!("/users?$select={ROW_SELECT}&$top={PAGE_SIZE}&$count=true");
    if term.is_empty() {
        path.push_str("&$orderby=displayName");
    } else {
        let search = format!("\"displayName:{term}\" OR \"userPrincipalName:{term}\" OR \"mail:{term}\"");
        path.push_str(&format!("&$search={}", encode(&search)));
    }
    if let Some(s) = state {
        path.push_str(&format!("&$filter={}", encode(s.filter())));
    }
    path
}

/// Pages read at most for one answer when rows are dropped here (Internal, Guest).
const MAX_FILTERED_PAGES: usize = 10;

async fn page(g: &GraphClient, path: &str) -> Result<UsersPage, AppError> {
    let state = B2bState::of_link(path);
    // Internal and Guest rows are picked here: Graph's count includes invited users, so none is
    // shown, and a thin page is topped up from the next ones.
    let local = matches!(state, Some(B2bState::Internal | B2bState::Guest));
    let mut out = UsersPage::default();
    let mut link = Some(path.to_owned());
    let mut pages = 0;
    while let Some(l) = link.take() {
        pages += 1;
        let v = g.send(Method::GET, &l, None, true, Idempotence::Safe).await?;
        for item in v["value"].as_array().into_iter().flatten() {
            let row = UserRow::from_graph(item.clone())?;
            if !local || row.state == state {
                out.rows.push(row);
            }
        }
        if pages == 1 && !local {
            out.count = v["@odata.count"].as_u64();
        }
        out.next = v["@odata.nextLink"].as_str().map(str::to_owned);
        if local && out.rows.len() < (PAGE_SIZE / 2) as usize && pages < MAX_FILTERED_PAGES {
            link = out.next.clone();
        }
    }
    Ok(out)
}

pub async fn search(g: &GraphClient, query: &str, state: Option<B2bState>) -> Result<UsersPage, AppError> {
    page(g, &search_path(query, state)).await
}

/// The page after `next`, which must be a link Graph gave for this Graph URL.
pub async fn next_page(g: &GraphClient, graph_url: &str, next: &str) -> Result<UsersPage, AppError> {
    let base = graph_url.trim_end_matches('/');
    if !next.starts_with(&format!("{base}/v1.0/users?")) {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "the next-page link is not a users link of this tenant",
        ));
    }
    page(g, next).await
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct Identity {
    pub sign_in_type: String,
    pub issuer: String,
    pub issuer_assigned_id: Option<String>,
}

/// What the B2B collaboration card offers for a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum B2bAction {
    /// "Convert to external user", after the pre-flight.
    Convert,
    /// "Resend invitation / reset redemption status".
    Resend,
    /// Synced from on-premises: neither is possible here (Entra Connect owns the account).
    SyncedFromOnPremises,
}

/// The properties that matter for B2B collaboration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct UserDetail {
    pub id: String,
    pub display_name: String,
    pub user_principal_name: String,
    pub mail: Option<String>,
    pub other_mails: Vec<String>,
    pub proxy_addresses: Vec<String>,
    pub user_type: Option<String>,
    pub external_user_state: Option<String>,
    pub external_user_state_change_date_time: Option<String>,
    pub on_premises_sync_enabled: Option<bool>,
    pub on_premises_user_principal_name: Option<String>,
    pub account_enabled: Option<bool>,
    pub creation_type: Option<String>,
    pub identities: Vec<Identity>,
    pub created_date_time: Option<String>,
    #[ts(optional = nullable)]
    pub state: Option<B2bState>,
    #[ts(optional = nullable)]
    pub action: Option<B2bAction>,
    /// Whole days since the invitation, while it is pending.
    #[ts(type = "number | null")]
    pub days_waiting: Option<i64>,
    /// A conversion or resend of this user whose answer was lost, as this read settles it.
    #[ts(optional = nullable)]
    pub outcome_check: Option<OutcomeCheck>,
    /// The user's sponsors; absent when Graph would not say (unknown, not none).
    #[ts(optional = nullable)]
    pub sponsors: Option<Vec<crate::sponsors::Sponsor>>,
    /// The redeem link of this user's last invitation sent without an e-mail, while it waits to
    /// be accepted: kept on disk when it was made, so a closed page or a crash loses it not.
    #[ts(optional = nullable)]
    pub kept_link: Option<crate::links::Link>,
}

/// A conversion or resend whose answer was lost, and what reading the user says of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutcomeCheck {
    pub action: crate::history::HistoryAction,
    /// When it was sent (RFC 3339, UTC).
    pub asked_at: String,
    /// Still `unknown`, or settled: `succeeded`, or `failed` (the user shows no change).
    pub outcome: crate::history::Outcome,
    /// The invitation state read, once settled as done.
    pub status: Option<String>,
}

/// Whole days from an RFC 3339 date to `now`; `None` when it does not parse.
pub fn days_since(date: Option<&str>, now: OffsetDateTime) -> Option<i64> {
    let then = OffsetDateTime::parse(date?, &Rfc3339).ok()?;
    Some((now - then).whole_days().max(0))
}

pub fn action_for(state: B2bState, on_premises_upn: Option<&str>) -> B2bAction {
    match state {
        B2bState::Pending | B2bState::Accepted => B2bAction::Resend,
        _ if on_premises_upn.is_some() => B2bAction::SyncedFromOnPremises,
        _ => B2bAction::Convert,
    }
}

pub async fn get_user(g: &GraphClient, user: &str) -> Result<UserDetail, AppError> {
    let path = format!("/users/{}?$select={DETAIL_SELECT}", encode(user));
    let v = g.get(&path).await?;
    let mut d: UserDetail = serde_json::from_value(v)
        .map_err(|e| AppError::new(ErrorCode::GraphError, format!("user {user}: {e}")))?;
    derive(&mut d);
    d.sponsors = crate::sponsors::read(g, &d.id).await;
    Ok(d)
}

fn derive(d: &mut UserDetail) {
    let state = B2bState::of(d.user_type.as_deref(), d.external_user_state.as_deref());
    d.state = Some(state);
    d.action = Some(action_for(state, d.on_premises_user_principal_name.as_deref()));
    d.days_waiting = (state == B2bState::Pending)
        .then(|| {
            days_since(
                d.external_user_state_change_date_time.as_deref(),
                OffsetDateTime::now_utc(),
            )
        })
        .flatten();
}

/// How long an invitation this app saw answered 201 outranks a read that says otherwise.
pub const REPLICATION_GRACE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Right after a 201 a read may still show the user as internal (replication lag, CONTRACT.md
/// 9.8): what the 201 said stands, so Convert is never offered again for that user.
pub fn apply_known_invitation(d: &mut UserDetail, status: &str) {
    if d.external_user_state.is_none() {
        d.external_user_state = Some(status.to_owned());
        derive(d);
    }
}

/// One pending invitation, oldest first in the list.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PendingRow {
    pub user: UserRow,
    #[ts(type = "number | null")]
    pub days_waiting: Option<i64>,
}

/// Every user whose invitation waits for acceptance, oldest first. The filter is the one
/// Microsoft's own PowerShell uses (CONTRACT.md section 7), so no advanced query is needed.
pub async fn pending(g: &GraphClient) -> Result<Vec<PendingRow>, AppError> {
    let path = format!(
        "/users?$filter={}&$select={ROW_SELECT}&$top=999",
        encode("externalUserState eq 'PendingAcceptance'")
    );
    let now = OffsetDateTime::now_utc();
    let mut rows = g
        .get_all(&path, false)
        .await?
        .into_iter()
        .map(UserRow::from_graph)
        .map(|r| {
            r.map(|user| PendingRow {
                days_waiting: days_since(user.external_user_state_change_date_time.as_deref(), now),
                user,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    rows.sort_by_key(|r| std::cmp::Reverse(r.days_waiting));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_follow_user_type_and_external_state() {
        assert_eq!(B2bState::of(Some("Member"), None), B2bState::Internal);
        assert_eq!(B2bState::of(None, None), B2bState::Internal);
        assert_eq!(
            B2bState::of(Some("Member"), Some("PendingAcceptance")),
            B2bState::Pending
        );
        assert_eq!(B2bState::of(Some("Guest"), Some("Accepted")), B2bState::Accepted);
        assert_eq!(B2bState::of(Some("Guest"), None), B2bState::Guest);
    }

    #[test]
    fn search_terms_cannot_break_out_of_their_clause() {
        assert_eq!(search_term(" ann "), "ann");
        assert_eq!(search_term("a\"b\\c\n"), "a\\\"b\\\\c");
        let p = search_path("o'neil", Some(B2bState::Pending));
        assert!(p.contains("$search=%22displayName%3Ao%27neil%22%20OR"), "{p}");
        assert!(
            p.contains("$filter=externalUserState%20eq%20%27PendingAcceptance%27"),
            "{p}"
        );
        assert!(search_path("", None).contains("$orderby=displayName"));
        for s in [
            B2bState::Internal,
            B2bState::Pending,
            B2bState::Accepted,
            B2bState::Guest,
        ] {
            let p = search_path("x", Some(s));
            assert!(!p.contains("null"), "Graph refuses `eq null`: {p}");
            assert_eq!(B2bState::of_link(&format!("https://g{p}")), Some(s));
        }
    }

    #[test]
    fn a_201_outranks_a_stale_read() {
        let mut d = UserDetail {
            user_type: Some("Member".into()),
            ..UserDetail::default()
        };
        derive(&mut d);
        assert_eq!(d.action, Some(B2bAction::Convert));
        apply_known_invitation(&mut d, "PendingAcceptance");
        assert_eq!(d.state, Some(B2bState::Pending));
        assert_eq!(d.action, Some(B2bAction::Resend));
    }

    #[test]
    fn days_and_actions() {
        let now = OffsetDateTime::parse("2026-11-01T12:00:00Z", &Rfc3339).expect("date");
        assert_eq!(days_since(Some("2026-10-30T13:00:00Z"), now), Some(1));
        assert_eq!(days_since(Some("not a date"), now), None);
        assert_eq!(days_since(None, now), None);
        assert_eq!(action_for(B2bState::Pending, None), B2bAction::Resend);
        assert_eq!(
            action_for(B2bState::Internal, Some("h@corp.local")),
            B2bAction::SyncedFromOnPremises
        );
        assert_eq!(action_for(B2bState::Guest, None), B2bAction::Convert);
    }
}
