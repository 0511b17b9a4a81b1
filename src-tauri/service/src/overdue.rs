//! Overdue invitations and newly accepted users, over the pending list: the list with its
//! overdue count, the users who accepted since the last look (History records the acceptance of
//! those acted on from this computer), and "resend to all overdue" loaded as a bulk run.

use std::sync::Mutex;

use b2b_core::accepted::{self, NewlyAccepted};
use b2b_core::bulk::{overdue, BulkAction, BulkLoaded};
use b2b_core::convert_service::CheckKind;
use b2b_core::users::{self, PendingRow};
use b2b_core::{AppError, ErrorCode};
use serde::Serialize;
use ts_rs::TS;

use crate::error::ServiceError;
use crate::{count, lock, Acting, Service};

/// The newly accepted users found while this program runs, so the app keeps showing them.
#[derive(Default)]
pub struct OverdueState {
    newly_accepted: Mutex<Vec<NewlyAccepted>>,
}

/// The Pending page: every pending invitation, how many are overdue, who accepted since.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PendingOverview {
    /// Oldest first.
    pub rows: Vec<PendingRow>,
    /// Pending for at least this many whole days: overdue.
    pub older_than_days: u32,
    pub overdue: u32,
    /// Accepted since this computer last listed them as pending, newest first.
    pub newly_accepted: Vec<NewlyAccepted>,
    /// When the list was looked at before (RFC 3339), if ever.
    pub last_looked: Option<String>,
}

impl Service {
    /// The pending list (every page), the overdue count, and the users who accepted since the
    /// last look; remembers the list for next time.
    pub async fn pending_overview(&self, older_than_days: Option<u32>) -> Result<PendingOverview, AppError> {
        let days = older_than_days.unwrap_or(overdue::DEFAULT_DAYS);
        let a = self.acting().await?;
        let rows = users::pending(&a.graph).await?;
        let path = accepted::path_in(&self.host.data_dir()?);
        let before = accepted::load(&path);
        let now = time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_default();
        let mut keep = accepted::seen_now(&a.actor.tenant_id, &now, &rows);
        let mut found = Vec::new();
        for u in accepted::gone(before.as_ref(), &a.actor.tenant_id, &rows) {
            match self.read_state(&a, &u.id).await {
                Ok(Some((state, at))) if state == "Accepted" => found.push(NewlyAccepted {
                    id: u.id.clone(),
                    user_principal_name: u.user_principal_name.clone(),
                    display_name: u.display_name.clone(),
                    mail: u.mail.clone(),
                    accepted_at: at,
                    in_history: false,
                }),
                // Still pending (a list that lags behind a write): look again next time.
                Ok(Some((state, _))) if state == "PendingAcceptance" => keep.users.push(u.clone()),
                Ok(_) => {}
                // Not readable now: unknown, so asked again next time.
                Err(e) => {
                    tracing::warn!("reading {} after it left the pending list: {:?}", u.id, e.code);
                    keep.users.push(u.clone());
                }
            }
        }
        // Users converted or resent from this computer who accepted without ever being seen
        // pending here (say, between two looks): History still records their acceptance once.
        let looked = before
            .as_ref()
            .filter(|b| b.tenant_id == a.actor.tenant_id)
            .map(|b| b.at.clone());
        let unrecorded = self
            .history()
            .and_then(|h| accepted::unrecorded(&h, &a.actor.tenant_id))
            .unwrap_or_else(|e| {
                tracing::error!("History: {}", e.message);
                Vec::new()
            });
        let mut extra = Vec::new();
        for u in unrecorded {
            let known = rows.iter().any(|r| r.user.id == u.id)
                || keep.users.iter().any(|k| k.id == u.id)
                || found.iter().any(|f: &NewlyAccepted| f.id == u.id);
            if known {
                continue;
            }
            if let Ok(Some((state, at))) = self.read_state(&a, &u.id).await {
                if state == "Accepted" {
                    extra.push(NewlyAccepted {
                        display_name: u.user_principal_name.clone(),
                        id: u.id,
                        user_principal_name: u.user_principal_name,
                        mail: u.mail,
                        accepted_at: at,
                        in_history: false,
                    });
                }
            }
        }
        if let Ok(h) = self.history() {
            for n in found.iter_mut().chain(extra.iter_mut()) {
                match accepted::record(&h, &a.actor, n) {
                    Ok(ours) => n.in_history = ours,
                    Err(e) => tracing::error!("History: {}", e.message),
                }
            }
        }
        if let Err(e) = accepted::save(&path, &keep) {
            tracing::error!("the pending list was not remembered: {}", e.message);
        }
        // Of those, shown as newly accepted: the ones accepted since the last look (all of them
        // when this computer never looked); History got every one above.
        let parse =
            |t: &str| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok();
        extra.retain(|n| {
            match (
                looked.as_deref().and_then(parse),
                n.accepted_at.as_deref().and_then(parse),
            ) {
                (Some(l), Some(at)) => at >= l,
                _ => true,
            }
        });
        found.extend(extra);
        let newly_accepted = {
            let mut all = lock(&self.overdue.newly_accepted);
            all.retain(|n| !found.iter().any(|f| f.id == n.id));
            all.extend(found);
            all.sort_by(|x, y| y.accepted_at.cmp(&x.accepted_at));
            all.clone()
        };
        Ok(PendingOverview {
            overdue: count(overdue::overdue(&rows, days).len()),
            rows,
            older_than_days: days,
            newly_accepted,
            last_looked: before.filter(|b| b.tenant_id == a.actor.tenant_id).map(|b| b.at),
        })
    }

    /// A user's invitation state and its date; `None` when the user is gone.
    async fn read_state(&self, a: &Acting, id: &str) -> Result<Option<(String, Option<String>)>, AppError> {
        match a
            .graph
            .get(&format!(
                "/users/{id}?$select=id,externalUserState,externalUserStateChangeDateTime"
            ))
            .await
        {
            Ok(v) => Ok(Some((
                v["externalUserState"].as_str().unwrap_or("").to_owned(),
                v["externalUserStateChangeDateTime"].as_str().map(str::to_owned),
            ))),
            Err(e) if e.code == ErrorCode::UserNotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// "Resend to all overdue": the invitations pending for at least `older_than_days` (default
    /// 14) become the loaded bulk run, each previewed with a single resend's checks. Run it with
    /// the bulk commands (start, pause, resume, cancel, report). Changes nothing.
    pub async fn overdue_load(&self, older_than_days: Option<u32>) -> Result<BulkLoaded, AppError> {
        if lock(&self.bulk.control).is_some() {
            return Err(ServiceError::BulkRunning.into());
        }
        let days = older_than_days.unwrap_or(overdue::DEFAULT_DAYS);
        let a = self.acting().await?;
        let listed = overdue::overdue(&users::pending(&a.graph).await?, days);
        let mut rows = Vec::with_capacity(listed.len());
        for (i, r) in listed.iter().enumerate() {
            let checked = match overdue::address_of(r) {
                Some(address) => self.checks(&a, &r.user.id, &address, CheckKind::Resend).await,
                None => Err(AppError::new(ErrorCode::InvalidInput, "no address")),
            };
            rows.push(overdue::preview_row(count(i + 1), r, checked));
        }
        let key = overdue::input_key(&listed);
        let journal = self.journal_for(&key)?;
        let view = BulkLoaded {
            action: BulkAction::Resend,
            file_name: format!("overdue-{days}-days"),
            preview: overdue::preview_of(rows),
            done_before: count(journal.done_count()),
            run_before: !journal.is_empty(),
        };
        *lock(&self.bulk.report) = None;
        *lock(&self.bulk.progress) = None;
        *lock(&self.bulk.loaded) = Some((view.clone(), key));
        Ok(view)
    }
}
