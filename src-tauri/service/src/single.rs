//! One user at a time: search, details, the pre-flight, convert and resend with their History
//! entry, pending invitations.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use b2b_core::codes::FollowUpWarning;
use b2b_core::convert_service::{
    self as svc, AddressSlot, CheckKind as Kind, ConvertRequest, ConvertResult, Failed, Preflight,
};
use b2b_core::history::{self, HistoryAction, HistoryEntry, Outcome};
use b2b_core::links::Link;
use b2b_core::users::{self, B2bState, OutcomeCheck, UserDetail, UsersPage};
use b2b_core::{AppError, ErrorCode};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::session::Acting;
use crate::{lock, Service};

/// A pre-flight shown in the last two minutes is reused by the conversion that follows it, so a
/// conversion costs one `$batch` plus the invitation. Older ones are read again.
const PREFLIGHT_FRESH: Duration = Duration::from_secs(120);

#[derive(Default)]
pub(crate) struct SingleState {
    last_preflight: Mutex<Option<(Instant, String, Kind, Preflight)>>,
    /// Users this program saw invited (201), with the status: a stale read never undoes it.
    invited: Mutex<HashMap<String, (Instant, String)>>,
    /// Conversions and resends whose answer was lost, by user id, until a read settles them;
    /// shared with bulk runs, whose lost answers count too.
    unknown: Arc<Mutex<HashMap<String, Unknown>>>,
    /// Whether History's unsettled entries were taken in (once, at the first read of a user).
    unknown_loaded: AtomicBool,
}

/// Where a bulk run notes its lost answers, so that a single conversion or resend of the same user
/// waits for them to settle as it waits for its own.
#[derive(Clone)]
pub(crate) struct UnknownNotes(Arc<Mutex<HashMap<String, Unknown>>>);

impl UnknownNotes {
    /// Notes an `unknown` History entry; `before`: for a resend, the state change time before it.
    pub(crate) fn note(&self, entry: &HistoryEntry, before: Option<String>) {
        lock(&self.0).insert(
            entry.user_id.clone(),
            Unknown {
                entry: entry.clone(),
                before,
            },
        );
    }
}

impl SingleState {
    pub(crate) fn unknown_notes(&self) -> UnknownNotes {
        UnknownNotes(self.unknown.clone())
    }
}

/// An `unknown` History entry and, for a resend, the user's state change time before it.
#[derive(Clone)]
struct Unknown {
    entry: HistoryEntry,
    before: Option<String>,
}

fn parse_time(t: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(t, &Rfc3339).ok()
}

/// What a read of the user (its `externalUserState` and the time that last changed) says of a
/// lost answer: the change is there (succeeded), still not there after the replication grace
/// (failed: nothing changed), or not yet known.
fn settle_from(u: &Unknown, state: Option<&str>, changed_at: Option<&str>, now: OffsetDateTime) -> Outcome {
    let asked = parse_time(&u.entry.at);
    let changed = match u.entry.action {
        HistoryAction::Convert | HistoryAction::Invite => state.is_some(),
        // Never unknown: recorded from a read.
        HistoryAction::Accepted => true,
        HistoryAction::Resend => match (changed_at, &u.before) {
            (Some(now_changed), Some(before)) => now_changed != before,
            // Taken from History without the time before: a change since it was asked.
            (Some(now_changed), None) => match (parse_time(now_changed), asked) {
                (Some(c), Some(a)) => c + Duration::from_secs(5) >= a,
                _ => false,
            },
            (None, _) => false,
        },
    };
    if changed {
        Outcome::Succeeded
    } else if asked.is_some_and(|a| now - a >= users::REPLICATION_GRACE) {
        Outcome::Failed
    } else {
        Outcome::Unknown
    }
}

fn is_target(pre: &Preflight, user: &str) -> bool {
    pre.target.id == user || pre.target.user_principal_name.eq_ignore_ascii_case(user)
}

impl Service {
    pub async fn search_users(&self, query: &str, state: Option<B2bState>) -> Result<UsersPage, AppError> {
        let a = self.acting().await?;
        users::search(&a.graph, query, state).await
    }

    pub async fn more_users(&self, next: &str) -> Result<UsersPage, AppError> {
        let a = self.acting().await?;
        users::next_page(&a.graph, &a.graph_url, next).await
    }

    pub async fn get_user(&self, id: &str) -> Result<UserDetail, AppError> {
        let a = self.acting().await?;
        let mut d = users::get_user(&a.graph, id).await?;
        let mut invited = lock(&self.single.invited);
        invited.retain(|_, (at, _)| at.elapsed() < users::REPLICATION_GRACE);
        if let Some((_, status)) = invited.get(&d.id) {
            users::apply_known_invitation(&mut d, status);
        }
        drop(invited);
        d.outcome_check = self.check_unknown(&mut d);
        if d.external_user_state.as_deref() == Some("PendingAcceptance") {
            match self.links() {
                Ok(l) => d.kept_link = l.get(&d.id),
                Err(e) => tracing::warn!("links: {}", e.message),
            }
        }
        Ok(d)
    }

    /// Once per run: the lost answers History holds from earlier runs.
    fn load_unsettled(&self) {
        if !self.single.unknown_loaded.swap(true, Ordering::SeqCst) {
            match self.history().and_then(|h| h.unsettled()) {
                Ok(open) => {
                    let mut map = lock(&self.single.unknown);
                    for entry in open {
                        map.entry(entry.user_id.clone())
                            .or_insert(Unknown { entry, before: None });
                    }
                }
                Err(e) => tracing::warn!("History: {}", e.message),
            }
        }
    }

    /// Settles a lost answer for this user from the read just made: History gets a second entry
    /// that names the `unknown` one, and a conversion seen done shows as done from now on.
    fn check_unknown(&self, d: &mut UserDetail) -> Option<OutcomeCheck> {
        self.load_unsettled();
        let u = lock(&self.single.unknown).get(&d.id).cloned()?;
        let outcome = settle_from(
            &u,
            d.external_user_state.as_deref(),
            d.external_user_state_change_date_time.as_deref(),
            OffsetDateTime::now_utc(),
        );
        let status = d
            .external_user_state
            .clone()
            .filter(|_| outcome == Outcome::Succeeded);
        if outcome != Outcome::Unknown {
            let settled = u.entry.settled(outcome, status.clone());
            if let Err(e) = self.history().and_then(|h| h.append(&settled)) {
                tracing::error!("History: {}", e.message);
            }
            tracing::info!(
                "{:?} {}: lost answer settled as {:?}",
                u.entry.action,
                d.id,
                outcome
            );
            lock(&self.single.unknown).remove(&d.id);
            if let Some(st) = &status {
                lock(&self.single.invited).insert(d.id.clone(), (Instant::now(), st.clone()));
                users::apply_known_invitation(d, st);
            }
        }
        Some(OutcomeCheck {
            action: u.entry.action,
            asked_at: u.entry.at,
            outcome,
            status,
        })
    }

    /// The address to resend to when none is given: the user's mail, else their first other mail.
    pub async fn default_address(&self, user: &str) -> Result<String, AppError> {
        let a = self.acting().await?;
        let u = users::get_user(&a.graph, user).await?;
        u.mail
            .or(u.other_mails.into_iter().next())
            .ok_or_else(|| AppError::new(ErrorCode::InvalidInput, "the user has no address: give one"))
    }

    pub(crate) async fn checks(
        &self,
        a: &Acting,
        user: &str,
        address: &str,
        kind: Kind,
    ) -> Result<Preflight, AppError> {
        let mut ctx = svc::load_context(&a.graph, user, address, a.scopes.clone()).await?;
        // A user this program just saw invited stays invited, whatever a stale read says
        // (CONTRACT.md 9.8).
        if ctx.target.external_user_state.is_none() {
            if let Some((at, status)) = lock(&self.single.invited).get(&ctx.target.id) {
                if at.elapsed() < users::REPLICATION_GRACE {
                    ctx.target.external_user_state = Some(status.clone());
                }
            }
        }
        Ok(match kind {
            Kind::Convert => svc::preflight(&ctx, address),
            Kind::Resend => svc::resend_preflight(&ctx, address),
        })
    }

    /// Runs the pre-flight and keeps it for the action that follows.
    pub async fn preflight(&self, user: &str, address: &str, kind: Kind) -> Result<Preflight, AppError> {
        let a = self.acting().await?;
        let pre = self.checks(&a, user, address, kind).await?;
        *lock(&self.single.last_preflight) = Some((Instant::now(), a.account_id.clone(), kind, pre.clone()));
        Ok(pre)
    }

    /// The pre-flight just shown for this user, address and account, or a fresh one.
    async fn current_checks(
        &self,
        a: &Acting,
        user: &str,
        address: &str,
        kind: Kind,
    ) -> Result<Preflight, AppError> {
        let cached = lock(&self.single.last_preflight).take();
        if let Some((at, account, k, pre)) = cached {
            if at.elapsed() < PREFLIGHT_FRESH
                && account == a.account_id
                && k == kind
                && is_target(&pre, user)
                && pre.address == address.trim()
            {
                return Ok(pre);
            }
        }
        self.checks(a, user, address, kind).await
    }

    /// Converts (or resends to) one user after the pre-flight, records the attempt in History
    /// whatever came of it, and remembers a success so that a stale read does not undo it. The
    /// options are checked and trimmed, then the organisation's locked values win.
    pub async fn act(
        &self,
        user: &str,
        address: &str,
        request: ConvertRequest,
        kind: Kind,
        slot: AddressSlot,
    ) -> Result<(Preflight, Result<ConvertResult, Failed>), AppError> {
        let a = self.acting().await?;
        let mut o = request.into_options(&a.actor.tenant_id)?;
        o.inviter = a.inviter.clone();
        self.policy().enforce(&mut o);
        let pre = self.current_checks(&a, user, address, kind).await?;
        self.refuse_while_unsettled(&pre)?;
        let result = self.perform(&a, &pre, &o, kind, slot).await;
        Ok((pre, result))
    }

    /// The last change sent to this user lost its answer and no read has shown it yet: a second
    /// one could convert (or mail) twice, so nothing is sent until the first settles, as a read
    /// shows the change or the replication grace passes (CONTRACT.md 9.8).
    fn refuse_while_unsettled(&self, pre: &Preflight) -> Result<(), AppError> {
        self.load_unsettled();
        let map = lock(&self.single.unknown);
        let Some(u) = map.get(&pre.target.id) else {
            return Ok(());
        };
        let t = &pre.target;
        match settle_from(
            u,
            t.external_user_state.as_deref(),
            t.external_user_state_change_date_time.as_deref(),
            OffsetDateTime::now_utc(),
        ) {
            Outcome::Unknown => Err(AppError::new(
                ErrorCode::OutcomeUnknown,
                format!(
                    "the {:?} sent at {} has no known outcome yet: nothing is sent again until a read shows it",
                    u.entry.action, u.entry.at
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The conversion or resend itself, told to the host when Microsoft asks to slow down,
    /// recorded in History whatever came of it; a lost answer is kept to be settled by a read.
    pub(crate) async fn perform(
        &self,
        a: &Acting,
        pre: &Preflight,
        o: &svc::ConvertOptions,
        kind: Kind,
        slot: AddressSlot,
    ) -> Result<ConvertResult, Failed> {
        let forward = self.forward_throttling(&a.graph);
        let (result, action) = match kind {
            Kind::Convert => (svc::convert(&a.graph, pre, o).await, HistoryAction::Convert),
            Kind::Resend => (svc::resend(&a.graph, pre, o, slot).await, HistoryAction::Resend),
        };
        forward.abort();
        let mut result = result;
        // Without an e-mail the link is the user's only way in, and Microsoft gives it once: it
        // is on disk before anyone sees it, or the result says it is not.
        if let Ok(r) = &mut result {
            if let (false, Some(url)) = (o.send_mail, &r.redeem_url) {
                let link = Link::new(r.user_id.clone(), r.invitation_id.clone(), url.clone());
                if let Err(e) = self.links().and_then(|l| l.keep(&link)) {
                    tracing::error!("the redeem link of {} was not kept: {:?}", r.user_id, e.code);
                    r.warnings.push(FollowUpWarning::LinkNotKept);
                }
            }
        }
        let entry = history::entry_for(&a.actor, action, pre, o, &result, a.graph.last_request_id());
        // The change is made whatever happens to History; a failure to record it is logged.
        if let Err(e) = self.history().and_then(|h| h.append(&entry)) {
            tracing::error!("History: {}", e.message);
        }
        match &result {
            Ok(r) => {
                tracing::info!(
                    "{:?} {} -> {} (request-id {:?}, warnings {:?})",
                    action,
                    pre.target.id,
                    r.status,
                    r.request_id,
                    r.warnings
                );
                lock(&self.single.invited).insert(r.user_id.clone(), (Instant::now(), r.status.clone()));
            }
            Err(f) => {
                tracing::warn!("{:?} {} failed: {:?}", action, pre.target.id, f.error.code);
                if f.error.code == ErrorCode::OutcomeUnknown {
                    let before = (kind == Kind::Resend)
                        .then(|| pre.target.external_user_state_change_date_time.clone())
                        .flatten();
                    lock(&self.single.unknown).insert(pre.target.id.clone(), Unknown { entry, before });
                }
            }
        }
        result
    }

    /// Tells the host of every 429 the client meets until the returned task is aborted.
    fn forward_throttling(&self, graph: &b2b_core::graph::GraphClient) -> tokio::task::JoinHandle<()> {
        let mut told = graph.throttled();
        told.mark_unchanged();
        let host = self.host.clone();
        tokio::spawn(async move {
            while told.changed().await.is_ok() {
                let notice = *told.borrow_and_update();
                if let Some(t) = notice {
                    host.throttled(&crate::bulk::ThrottledEvent::from(t));
                }
            }
        })
    }

    pub async fn convert_user(
        &self,
        user: &str,
        address: &str,
        request: ConvertRequest,
    ) -> Result<ConvertResult, AppError> {
        let (_, result) = self
            .act(user, address, request, Kind::Convert, AddressSlot::Mail)
            .await?;
        result.map_err(AppError::from)
    }

    pub async fn resend_invitation(
        &self,
        user: &str,
        address: &str,
        slot: AddressSlot,
        request: ConvertRequest,
    ) -> Result<ConvertResult, AppError> {
        let (_, result) = self.act(user, address, request, Kind::Resend, slot).await?;
        result.map_err(AppError::from)
    }
}
