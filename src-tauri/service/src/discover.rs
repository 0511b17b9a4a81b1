//! Discovery over the service: one scan at a time, cancellable, its result kept for the account
//! that made it; the chosen accounts go to the bulk preview as a bulk file made in memory, or are
//! saved as one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use b2b_core::bulk::BulkLoaded;
use b2b_core::discover::{self, DiscoverProgress, Discovery, Found};
use b2b_core::history::ExportView;
use b2b_core::policy::PolicyKey;
use b2b_core::AppError;

use crate::error::ServiceError;
use crate::{count, lock, Service};

#[derive(Default)]
pub struct DiscoverState {
    cancel: Mutex<Option<Arc<AtomicBool>>>,
    /// The last finished scan and the account that made it.
    last: Mutex<Option<(String, Discovery)>>,
}

impl Service {
    /// Scans the directory as the current account; `progress` is told after every page. A scan
    /// started while another runs stops the other.
    pub async fn discover(
        &self,
        progress: impl FnMut(DiscoverProgress) + Send,
    ) -> Result<Discovery, AppError> {
        let a = self.acting().await?;
        let flag = Arc::new(AtomicBool::new(false));
        if let Some(old) = lock(&self.discovery.cancel).replace(flag.clone()) {
            old.store(true, Ordering::SeqCst);
        }
        let result = discover::discover(&a.graph, a.scopes.clone(), &flag, progress).await;
        let mut running = lock(&self.discovery.cancel);
        if running.as_ref().is_some_and(|f| Arc::ptr_eq(f, &flag)) {
            *running = None;
        }
        drop(running);
        let found = result?;
        tracing::info!(
            "discover: {} scanned, {} found ({} ready, {} need a fix, {} blocked)",
            found.scanned,
            found.found,
            found.ready,
            found.needs_fix,
            found.blocked
        );
        *lock(&self.discovery.last) = Some((a.account_id.clone(), found.clone()));
        Ok(found)
    }

    /// Stops the scan in progress; false when none runs.
    pub fn discover_cancel(&self) -> bool {
        lock(&self.discovery.cancel)
            .take()
            .map(|f| f.store(true, Ordering::SeqCst))
            .is_some()
    }

    /// The last scan made as the current account, if any.
    pub async fn discover_last(&self) -> Result<Option<Discovery>, AppError> {
        let a = self.acting().await?;
        Ok(lock(&self.discovery.last)
            .as_ref()
            .filter(|(account, _)| *account == a.account_id)
            .map(|(_, d)| d.clone()))
    }

    /// The chosen accounts of the last scan (every account when `ids` is empty) as a bulk CSV.
    /// E-mails go out unless the organisation says otherwise.
    pub async fn discovered_csv(&self, ids: &[String]) -> Result<(String, u32), AppError> {
        let last = self
            .discover_last()
            .await?
            .ok_or(ServiceError::NothingDiscovered)?;
        let chosen: Vec<&Found> = last
            .accounts()
            .filter(|f| ids.is_empty() || ids.contains(&f.id))
            .collect();
        if chosen.is_empty() {
            return Err(ServiceError::NothingChosen.into());
        }
        let send = self
            .policy()
            .pick_flag(PolicyKey::SendInvitationMessage, None)
            .unwrap_or(true);
        Ok((
            discover::bulk_csv(chosen.iter().copied(), send)?,
            count(chosen.len()),
        ))
    }

    /// Hands the chosen accounts straight to the bulk preview, as if their file had been opened.
    /// The same accounts make the same file, so a second hand-off runs only as a resume.
    pub async fn discover_to_bulk(&self, ids: &[String]) -> Result<BulkLoaded, AppError> {
        let (csv, _) = self.discovered_csv(ids).await?;
        let stamp = time::OffsetDateTime::now_utc();
        let name = format!(
            "discovered-{:04}{:02}{:02}.csv",
            stamp.year(),
            u8::from(stamp.month()),
            stamp.day()
        );
        self.bulk_load(&name, csv.into_bytes()).await
    }

    /// Saves the chosen accounts as a bulk CSV in the export folder.
    pub async fn discover_export(&self, ids: &[String]) -> Result<ExportView, AppError> {
        let (csv, rows) = self.discovered_csv(ids).await?;
        self.save_export("b2b-convert-discovered.csv", &csv, rows)
    }
}
