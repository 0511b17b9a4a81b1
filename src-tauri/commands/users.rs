//! Users, one user's B2B state, the pre-flight, convert and resend, pending invitations and
//! History. The Graph work is in `b2b_core`; these add the signed-in account and History.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use b2b_core::convert_service::{
    self as svc, AddressSlot, CheckKind as Kind, ConvertRequest, ConvertResult, Preflight,
};
use b2b_core::history::{self, ExportView, History, HistoryAction, HistoryView};
use b2b_core::users::{self, B2bState, PendingRow, UserDetail, UsersPage};
use b2b_core::{AppError, ErrorCode};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_opener::OpenerExt;

use crate::auth_state::{Acting, AuthState};
use crate::commands::lock;
use crate::settings_store::SettingsStore;

type Settings<'a> = State<'a, SettingsStore>;
type Auth<'a> = State<'a, AuthState>;
type Work<'a> = State<'a, WorkState>;

/// A pre-flight shown in the last two minutes is reused by the conversion that follows it, so a
/// conversion costs one `$batch` plus the invitation. Older ones are read again.
const PREFLIGHT_FRESH: Duration = Duration::from_secs(120);

#[derive(Default)]
pub struct WorkState {
    last_preflight: Mutex<Option<(Instant, String, Kind, Preflight)>>,
    last_export: Mutex<Option<PathBuf>>,
    /// Users this app saw invited (201), with the status: a stale read never undoes it.
    invited: Mutex<std::collections::HashMap<String, (Instant, String)>>,
}

/// History in the app data folder.
pub(crate) fn history(app: &AppHandle) -> Result<History, AppError> {
    let dir = app
        .path()
        .app_data_dir()
        .map_err(|e| AppError::new(ErrorCode::HistoryIo, e.to_string()))?;
    Ok(History::new(dir.join(history::FILE_NAME)))
}

#[tauri::command]
pub async fn search_users(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
    query: String,
    state: Option<B2bState>,
) -> Result<UsersPage, AppError> {
    let a = auth.graph(&app, &settings).await?;
    users::search(&a.graph, &query, state).await
}

#[tauri::command]
pub async fn more_users(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
    next: String,
) -> Result<UsersPage, AppError> {
    let a = auth.graph(&app, &settings).await?;
    users::next_page(&a.graph, &a.graph_url, &next).await
}

#[tauri::command]
pub async fn get_user(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
    work: Work<'_>,
    id: String,
) -> Result<UserDetail, AppError> {
    let a = auth.graph(&app, &settings).await?;
    let mut d = users::get_user(&a.graph, &id).await?;
    let mut invited = lock(&work.invited);
    invited.retain(|_, (at, _)| at.elapsed() < users::REPLICATION_GRACE);
    if let Some((_, status)) = invited.get(&d.id) {
        users::apply_known_invitation(&mut d, status);
    }
    Ok(d)
}

async fn checks(
    a: &Acting,
    work: &WorkState,
    user: &str,
    address: &str,
    kind: Kind,
) -> Result<Preflight, AppError> {
    let mut ctx = svc::load_context(&a.graph, user, address, a.scopes.clone()).await?;
    // A user this app just saw invited stays invited, whatever a stale read says (CONTRACT.md 9.8).
    if ctx.target.external_user_state.is_none() {
        if let Some((at, status)) = lock(&work.invited).get(&ctx.target.id) {
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

#[tauri::command]
pub async fn preflight(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
    work: Work<'_>,
    user: String,
    address: String,
    kind: Kind,
) -> Result<Preflight, AppError> {
    let a = auth.graph(&app, &settings).await?;
    let pre = checks(&a, &work, &user, &address, kind).await?;
    *lock(&work.last_preflight) = Some((Instant::now(), a.account_id.clone(), kind, pre.clone()));
    Ok(pre)
}

/// The pre-flight just shown for this user, address and account, or a fresh one.
async fn current_checks(
    a: &Acting,
    work: &WorkState,
    user: &str,
    address: &str,
    kind: Kind,
) -> Result<Preflight, AppError> {
    let cached = lock(&work.last_preflight).take();
    if let Some((at, account, k, pre)) = cached {
        if at.elapsed() < PREFLIGHT_FRESH
            && account == a.account_id
            && k == kind
            && pre.target.id == user
            && pre.address == address.trim()
        {
            return Ok(pre);
        }
    }
    checks(a, work, user, address, kind).await
}

#[allow(clippy::too_many_arguments)]
async fn act(
    app: &AppHandle,
    settings: &SettingsStore,
    a: &Acting,
    work: &WorkState,
    user: &str,
    address: &str,
    request: ConvertRequest,
    kind: Kind,
    slot: AddressSlot,
) -> Result<ConvertResult, AppError> {
    let mut o = request.into_options(&a.actor.tenant_id)?;
    settings.policy().enforce(&mut o);
    let pre = current_checks(a, work, user, address, kind).await?;
    let (result, action) = match kind {
        Kind::Convert => (svc::convert(&a.graph, &pre, &o).await, HistoryAction::Convert),
        Kind::Resend => (svc::resend(&a.graph, &pre, &o, slot).await, HistoryAction::Resend),
    };
    let entry = history::entry_for(&a.actor, action, &pre, &o, &result, a.graph.last_request_id());
    // The change is made whatever happens to History; a failure to record it is logged.
    if let Err(e) = history(app).and_then(|h| h.append(&entry)) {
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
            lock(&work.invited).insert(r.user_id.clone(), (Instant::now(), r.status.clone()));
        }
        Err(f) => tracing::warn!("{:?} {} failed: {:?}", action, pre.target.id, f.error.code),
    }
    result.map_err(AppError::from)
}

#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn convert_user(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
    work: Work<'_>,
    user: String,
    address: String,
    request: ConvertRequest,
) -> Result<ConvertResult, AppError> {
    let a = auth.graph(&app, &settings).await?;
    act(
        &app,
        &settings,
        &a,
        &work,
        &user,
        &address,
        request,
        Kind::Convert,
        AddressSlot::Mail,
    )
    .await
}

#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn resend_invitation(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
    work: Work<'_>,
    user: String,
    address: String,
    slot: AddressSlot,
    request: ConvertRequest,
) -> Result<ConvertResult, AppError> {
    let a = auth.graph(&app, &settings).await?;
    act(
        &app,
        &settings,
        &a,
        &work,
        &user,
        &address,
        request,
        Kind::Resend,
        slot,
    )
    .await
}

#[tauri::command]
pub async fn list_pending(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
) -> Result<Vec<PendingRow>, AppError> {
    let a = auth.graph(&app, &settings).await?;
    users::pending(&a.graph).await
}

#[tauri::command]
pub fn list_history(app: AppHandle, query: String) -> Result<HistoryView, AppError> {
    history(&app)?.read(&query)
}

/// Writes `text` into the Downloads folder (the app data folder when there is none) as
/// `<stem>-<UTC time>.csv` and remembers it for "Show in folder".
pub fn save_export(app: &AppHandle, name: &str, text: &str, rows: u32) -> Result<ExportView, AppError> {
    let dir = app
        .path()
        .download_dir()
        .or_else(|_| app.path().app_data_dir())
        .map_err(|e| AppError::new(ErrorCode::HistoryIo, e.to_string()))?;
    let stamp = time::OffsetDateTime::now_utc();
    let stem = name.trim_end_matches(".csv");
    let file = format!(
        "{stem}-{:04}{:02}{:02}-{:02}{:02}{:02}.csv",
        stamp.year(),
        u8::from(stamp.month()),
        stamp.day(),
        stamp.hour(),
        stamp.minute(),
        stamp.second()
    );
    let path = dir.join(file);
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, text))
        .map_err(|e| AppError::new(ErrorCode::HistoryIo, format!("{}: {e}", path.display())))?;
    *lock(&app.state::<WorkState>().last_export) = Some(path.clone());
    Ok(ExportView {
        path: path.display().to_string(),
        rows,
    })
}

/// Writes the matching History entries as CSV to the Downloads folder.
#[tauri::command]
pub fn export_history(app: AppHandle, query: String) -> Result<ExportView, AppError> {
    let view = history(&app)?.read(&query)?;
    let csv = history::to_csv(&view.entries)?;
    save_export(
        &app,
        "b2b-convert-history.csv",
        &csv,
        u32::try_from(view.entries.len()).unwrap_or(u32::MAX),
    )
}

/// Shows the last export in the file manager. Only a file this app wrote can be shown.
#[tauri::command]
pub fn show_export(app: AppHandle, work: Work<'_>) -> Result<(), AppError> {
    let Some(path) = lock(&work.last_export).clone() else {
        return Err(AppError::new(ErrorCode::InvalidInput, "nothing was exported yet"));
    };
    app.opener()
        .reveal_item_in_dir(&path)
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))
}
