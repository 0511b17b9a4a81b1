//! Discovery: the internal members who look like partners given company credentials. Their
//! `mail` (or, failing that, one of their `otherMails`) is outside the tenant's verified domains
//! (subdomains count as verified), they are not synced from on-premises and were never invited.
//! Each gets the conversion pre-flight's verdict, and they are grouped by external domain.
//!
//! The directory is read a page of 999 at a time (`ConsistencyLevel: eventual` sent again on every
//! page, since `@odata.nextLink` does not carry it) and each page is dropped once read, so memory
//! grows with the accounts found, plus 16 bytes or so per address in the tenant (the index that
//! tells which addresses another object holds), never with the pages.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::auth::Capabilities;
use crate::bulk::{status_of, RowStatus};
use crate::codes::CheckCode;
use crate::convert::{self, Check, Holders, Severity, Target};
use crate::convert_service::{self as svc, TARGET_SELECT};
use crate::error::{AppError, ErrorCode};
use crate::graph::{GraphClient, Idempotence};
use crate::users::encode;

/// The largest page Graph gives for users (CONTRACT.md section 4).
pub const PAGE_SIZE: u32 = 999;

/// Where a scan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum DiscoverPhase {
    Users,
    /// Groups and contacts, whose addresses an invitation may not take either.
    OtherObjects,
    /// The addresses another object seems to hold, confirmed with Graph.
    Checking,
}

/// Progress of a scan, sent after every page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DiscoverProgress {
    pub phase: DiscoverPhase,
    /// Members read so far.
    pub scanned: u32,
    /// Members in the tenant, as Graph counted them (`None` when it did not say).
    pub total: Option<u32>,
    /// Accounts found so far.
    pub found: u32,
}

/// One account that looks like a partner's.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Found {
    pub id: String,
    pub display_name: String,
    pub user_principal_name: String,
    /// The external address to invite: `mail`, else the first external `otherMails`.
    pub address: String,
    /// Whether the address is in `mail` (else it must be set there first).
    pub in_mail: bool,
    pub status: RowStatus,
    /// The pre-flight's checks that are not plain "ok", in the UI's order (but for the warning that
    /// groups and contacts were not read, which `Discovery::holders_complete` says once).
    pub checks: Vec<Check>,
    /// Other objects holding the address (users by UPN; groups and contacts by name).
    pub others_using: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DomainGroup {
    /// The external domain, lower case.
    pub domain: String,
    pub accounts: Vec<Found>,
    pub ready: u32,
    pub needs_fix: u32,
    pub blocked: u32,
}

/// What a scan found.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Discovery {
    /// By number of accounts, largest first; then by name.
    pub groups: Vec<DomainGroup>,
    pub scanned: u32,
    pub found: u32,
    pub ready: u32,
    pub needs_fix: u32,
    pub blocked: u32,
    /// False when groups or contacts could not be read: their addresses were not compared.
    pub holders_complete: bool,
    /// When the scan finished (RFC 3339, UTC).
    pub at: String,
}

impl Discovery {
    pub fn accounts(&self) -> impl Iterator<Item = &Found> {
        self.groups.iter().flat_map(|g| g.accounts.iter())
    }
}

/// The address to invite, if the user looks like a partner with internal credentials: a member,
/// never invited, not synced, with `mail` or an `otherMails` outside the verified domains.
pub fn partner_address(t: &Target, verified: &[String]) -> Option<(String, bool)> {
    if t.external_user_state.is_some()
        || t.on_premises_sync_enabled == Some(true)
        || t.user_type
            .as_deref()
            .is_some_and(|u| !u.eq_ignore_ascii_case("Member"))
    {
        return None;
    }
    let external =
        |a: &str| convert::address_is_valid(a.trim()) && !convert::in_verified_domain(a.trim(), verified);
    if let Some(m) = t.mail.as_deref().filter(|m| external(m)) {
        return Some((m.trim().to_owned(), true));
    }
    t.other_mails
        .iter()
        .find(|m| external(m))
        .map(|m| (m.trim().to_owned(), false))
}

/// Which objects hold which addresses, by a hash of the address: the first holder's position in
/// the scan and whether there are more. A hit is confirmed with Graph, so a hash collision costs
/// one lookup, never a wrong verdict.
#[derive(Default)]
struct AddressIndex(HashMap<u64, (u32, bool)>);

fn key(address: &str) -> u64 {
    let mut h = DefaultHasher::new();
    address.trim().to_ascii_lowercase().hash(&mut h);
    h.finish()
}

/// The SMTP address of a `proxyAddresses` entry (`SMTP:` or `smtp:`), `None` for other kinds.
fn smtp(p: &str) -> Option<&str> {
    p.split_once(':')
        .filter(|(kind, _)| kind.eq_ignore_ascii_case("smtp"))
        .map(|(_, a)| a)
}

impl AddressIndex {
    fn add(&mut self, address: &str, holder: u32) {
        self.0
            .entry(key(address))
            .and_modify(|(first, more)| *more |= *first != holder)
            .or_insert((holder, false));
    }

    fn add_object(&mut self, o: &Value, holder: u32) {
        let strings = |k: &str| o[k].as_array().into_iter().flatten().filter_map(Value::as_str);
        for a in ["userPrincipalName", "mail"]
            .iter()
            .filter_map(|k| o[*k].as_str())
        {
            self.add(a, holder);
        }
        for a in strings("otherMails") {
            self.add(a, holder);
        }
        for a in strings("proxyAddresses").filter_map(smtp) {
            self.add(a, holder);
        }
    }

    /// Whether something other than `holder` may hold the address.
    fn others(&self, address: &str, holder: u32) -> bool {
        self.0
            .get(&key(address))
            .is_some_and(|(first, more)| *more || *first != holder)
    }
}

struct Candidate {
    target: Target,
    address: String,
    in_mail: bool,
    position: u32,
}

/// Keeps what the pre-flight reads of the mailbox and nothing else of the plans.
fn slim(mut t: Target) -> Target {
    let exchange = |plans: Option<Vec<convert::Plan>>| {
        plans.map(|p| {
            p.into_iter()
                .filter(|p| {
                    p.service
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case("exchange"))
                })
                .collect()
        })
    };
    t.provisioned_plans = exchange(t.provisioned_plans.take());
    t.assigned_plans = exchange(t.assigned_plans.take());
    t
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn cancelled() -> AppError {
    AppError::new(ErrorCode::ScanCancelled, "the scan was cancelled")
}

/// Reads every page of `path` and hands each page's items to `each`, with Graph's count when it
/// gave one; ConsistencyLevel goes with every page. Stops between pages when `cancel` is set.
async fn each_page(
    g: &GraphClient,
    path: &str,
    cancel: &AtomicBool,
    mut each: impl FnMut(&[Value], Option<u32>),
) -> Result<(), AppError> {
    let mut next = Some(path.to_owned());
    while let Some(url) = next.take() {
        if cancel.load(Ordering::SeqCst) {
            return Err(cancelled());
        }
        let page = g.send(Method::GET, &url, None, true, Idempotence::Safe).await?;
        let total = page["@odata.count"].as_u64().and_then(|n| u32::try_from(n).ok());
        each(page["value"].as_array().map_or(&[], Vec::as_slice), total);
        next = page["@odata.nextLink"].as_str().map(str::to_owned);
    }
    Ok(())
}

/// Scans the directory. `progress` is called after every page; setting `cancel` stops the scan
/// between pages with `cancelled`.
pub async fn discover(
    g: &GraphClient,
    scopes: Option<Vec<String>>,
    cancel: &AtomicBool,
    mut progress: impl FnMut(DiscoverProgress),
) -> Result<Discovery, AppError> {
    let shared = g
        .batch(&[
            svc::org_read("org"),
            svc::roles_read("roles"),
            svc::probe_read("groups", "groups"),
            svc::probe_read("contacts", "contacts"),
        ])
        .await?;
    let ok = |id: &str| shared.iter().find(|a| a.id == id && a.status == 200);
    let org = ok("org")
        .ok_or_else(|| AppError::new(ErrorCode::GraphError, "the organization could not be read"))?;
    let verified = svc::verified_domains(&org.body);
    let roles = svc::roles_from(g, shared.iter().find(|a| a.id == "roles")).await?;
    let caps = Capabilities::from(roles, scopes);
    let objects_readable = [ok("groups").is_some(), ok("contacts").is_some()];

    let mut index = AddressIndex::default();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut at = DiscoverProgress {
        phase: DiscoverPhase::Users,
        scanned: 0,
        total: None,
        found: 0,
    };
    let filter = encode("userType eq 'Member'");
    let users = format!("/users?$filter={filter}&$select={TARGET_SELECT}&$count=true&$top={PAGE_SIZE}");
    let mut position: u32 = 0;
    each_page(g, &users, cancel, |page, total| {
        for u in page {
            index.add_object(u, position);
            // A user Graph describes in a shape we do not read is not a candidate we can judge.
            if let Ok(t) = Target::deserialize(u) {
                if let Some((address, in_mail)) = partner_address(&t, &verified) {
                    candidates.push(Candidate {
                        target: slim(t),
                        address,
                        in_mail,
                        position,
                    });
                }
            }
            position = position.saturating_add(1);
        }
        at.total = total.or(at.total);
        at.scanned = position;
        at.found = count(candidates.len());
        progress(at);
    })
    .await?;
    at.phase = DiscoverPhase::OtherObjects;
    progress(at);
    if cancel.load(Ordering::SeqCst) {
        return Err(cancelled());
    }

    // Groups and contacts are indexed after every user, so their positions are past the users'.
    for (k, collection) in ["groups", "contacts"].iter().enumerate() {
        if objects_readable[k] {
            let path = format!("/{collection}?$select=id,mail,proxyAddresses&$top={PAGE_SIZE}");
            each_page(g, &path, cancel, |page, _| {
                for o in page {
                    index.add_object(o, position);
                    position = position.saturating_add(1);
                }
            })
            .await?;
        }
    }

    at.phase = DiscoverPhase::Checking;
    progress(at);
    let complete = objects_readable.iter().all(|r| *r);
    let mut holders: HashMap<u32, Holders> = HashMap::new();
    let suspects: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| index.others(&c.address, c.position))
        .collect();
    drop(index);
    for chunk in suspects.chunks(5) {
        if cancel.load(Ordering::SeqCst) {
            return Err(cancelled());
        }
        let mut items = Vec::new();
        for (i, c) in chunk.iter().enumerate() {
            items.push(svc::holders_read(&format!("h{i}"), &c.address));
            for (k, collection) in ["groups", "contacts"].iter().enumerate() {
                if objects_readable[k] {
                    items.push(svc::object_holders_read(
                        &format!("{collection}{i}"),
                        collection,
                        &c.address,
                    ));
                }
            }
        }
        let answers = g.batch(&items).await?;
        let get = |id: String| answers.iter().find(|a| a.id == id);
        for (i, c) in chunk.iter().enumerate() {
            let h = svc::holders_of(
                get(format!("h{i}")),
                get(format!("groups{i}")),
                get(format!("contacts{i}")),
                &c.target.id,
            )?;
            holders.insert(c.position, h);
        }
    }

    let mut by_domain: BTreeMap<String, Vec<Found>> = BTreeMap::new();
    for c in candidates {
        let h = holders.remove(&c.position).unwrap_or(Holders {
            names: Vec::new(),
            complete,
        });
        let checks = convert::preflight(&c.target, &c.address, &verified, &h, &caps);
        let domain = c
            .address
            .rsplit_once('@')
            .map(|(_, d)| d.to_ascii_lowercase())
            .unwrap_or_default();
        by_domain.entry(domain).or_default().push(Found {
            status: status_of(&checks),
            // Groups and contacts left unread are said once for the scan (`holders_complete`),
            // not on every account.
            checks: checks
                .into_iter()
                .filter(|k| k.severity != Severity::Ok)
                .filter(|k| {
                    !(k.code == CheckCode::AddressNotUsedElsewhere && k.severity == Severity::Warning)
                })
                .collect(),
            id: c.target.id,
            display_name: c.target.display_name,
            user_principal_name: c.target.user_principal_name,
            address: c.address,
            in_mail: c.in_mail,
            others_using: h.names,
        });
    }
    let tally = |accounts: &[Found], s: RowStatus| count(accounts.iter().filter(|a| a.status == s).count());
    let mut groups: Vec<DomainGroup> = by_domain
        .into_iter()
        .map(|(domain, mut accounts)| {
            accounts.sort_by(|a, b| a.display_name.to_lowercase().cmp(&b.display_name.to_lowercase()));
            DomainGroup {
                ready: tally(&accounts, RowStatus::Ready),
                needs_fix: tally(&accounts, RowStatus::NeedsFix),
                blocked: tally(&accounts, RowStatus::Blocked),
                domain,
                accounts,
            }
        })
        .collect();
    groups.sort_by(|a, b| {
        b.accounts
            .len()
            .cmp(&a.accounts.len())
            .then_with(|| a.domain.cmp(&b.domain))
    });
    let sum = |f: fn(&DomainGroup) -> u32| groups.iter().map(f).sum::<u32>();
    Ok(Discovery {
        scanned: at.scanned,
        found: sum(|g| count(g.accounts.len())),
        ready: sum(|g| g.ready),
        needs_fix: sum(|g| g.needs_fix),
        blocked: sum(|g| g.blocked),
        holders_complete: complete,
        at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        groups,
    })
}

/// The chosen accounts as a bulk CSV (the template's columns), ready for the bulk preview or to
/// save. `send_mail` fills the column; the other options are left to the organisation's defaults.
pub fn bulk_csv<'a>(
    accounts: impl IntoIterator<Item = &'a Found>,
    send_mail: bool,
) -> Result<String, AppError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::new(ErrorCode::Internal, format!("CSV: {e}"));
    w.write_record(["user", "email", "sendMail", "displayName", "status"])
        .map_err(fail)?;
    for a in accounts {
        let status = match a.status {
            RowStatus::Ready => "ready",
            RowStatus::NeedsFix => "needs_fix",
            RowStatus::Blocked => "blocked",
        };
        w.write_record([
            a.user_principal_name.as_str(),
            a.address.as_str(),
            if send_mail { "yes" } else { "no" },
            a.display_name.as_str(),
            status,
        ])
        .map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::new(ErrorCode::Internal, format!("CSV: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(mail: Option<&str>, other: &[&str]) -> Target {
        Target {
            id: "1".into(),
            display_name: "A".into(),
            user_principal_name: "a@contoso.com".into(),
            mail: mail.map(str::to_owned),
            other_mails: other.iter().map(|s| s.to_string()).collect(),
            proxy_addresses: Vec::new(),
            user_type: Some("Member".into()),
            external_user_state: None,
            external_user_state_change_date_time: None,
            on_premises_user_principal_name: None,
            on_premises_sync_enabled: None,
            account_enabled: Some(true),
            provisioned_plans: None,
            assigned_plans: None,
        }
    }

    #[test]
    fn partners_are_members_with_an_address_outside_the_verified_domains() {
        let verified = vec!["contoso.com".to_string()];
        assert_eq!(
            partner_address(&target(Some("a@fabrikam.example"), &[]), &verified),
            Some(("a@fabrikam.example".into(), true))
        );
        // Subdomains of a verified domain are internal.
        assert_eq!(
            partner_address(&target(Some("a@eu.contoso.com"), &[]), &verified),
            None
        );
        assert_eq!(
            partner_address(
                &target(Some("a@contoso.com"), &["x@contoso.com", "a@tailspin.example"]),
                &verified
            ),
            Some(("a@tailspin.example".into(), false))
        );
        let mut synced = target(Some("a@fabrikam.example"), &[]);
        synced.on_premises_sync_enabled = Some(true);
        assert_eq!(partner_address(&synced, &verified), None);
        let mut invited = target(Some("a@fabrikam.example"), &[]);
        invited.external_user_state = Some("PendingAcceptance".into());
        assert_eq!(partner_address(&invited, &verified), None);
        let mut guest = target(Some("a@fabrikam.example"), &[]);
        guest.user_type = Some("Guest".into());
        assert_eq!(partner_address(&guest, &verified), None);
        assert_eq!(partner_address(&target(None, &[]), &verified), None);
    }

    #[test]
    fn the_index_tells_another_holder_from_the_same_one() {
        let mut i = AddressIndex::default();
        i.add_object(
            &serde_json::json!({"userPrincipalName": "a@contoso.com", "mail": "A@Fabrikam.example",
                "proxyAddresses": ["SMTP:a@fabrikam.example", "x500:/o=x"]}),
            0,
        );
        assert!(!i.others("a@fabrikam.example", 0));
        assert!(i.others("a@fabrikam.example", 1));
        i.add_object(&serde_json::json!({"otherMails": ["a@fabrikam.example"]}), 7);
        assert!(i.others("a@fabrikam.example", 0));
        assert!(!i.others("nobody@fabrikam.example", 0));
    }

    #[test]
    fn the_bulk_csv_reads_back_as_a_bulk_file() {
        let f = Found {
            id: "1".into(),
            display_name: "O'Brien, Pat".into(),
            user_principal_name: "pat@contoso.com".into(),
            address: "pat@fabrikam.example".into(),
            in_mail: true,
            status: RowStatus::Ready,
            checks: Vec::new(),
            others_using: Vec::new(),
        };
        let text = bulk_csv([&f], false).expect("csv");
        let parsed = crate::bulk::parse(text.as_bytes()).expect("parse");
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].user, "pat@contoso.com");
        assert_eq!(parsed.rows[0].email, "pat@fabrikam.example");
        assert!(!parsed.rows[0].send_mail);
    }
}
