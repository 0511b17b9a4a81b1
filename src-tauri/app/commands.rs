//! The commands the window may call: a line or so each over `b2b_service::Service`. Their names
//! are listed once, in `app_commands!` at the end: the invoke handler, the capability manifest
//! (build.rs reads this file) and the UI's `Command` type all come from that list.

use std::sync::Arc;

use b2b_core::app_info::{AppInfo, BuildInfo};
use b2b_core::auth::{DeviceCodeView, SessionView};
use b2b_core::bulk::run::{Progress, RowResult};
use b2b_core::bulk::{BulkLoaded, BulkReport, BulkStatus};
use b2b_core::convert_service::{AddressSlot, CheckKind, ConvertRequest, ConvertResult, Preflight};
use b2b_core::discover::Discovery;
use b2b_core::history::{ExportView, HistoryView};
use b2b_core::invite::{InvitePreflight, InviteRequest, InviteResult};
use b2b_core::policy::PolicyView;
use b2b_core::settings::{Language, LanguageView};
use b2b_core::users::{B2bState, UserDetail, UsersPage};
use b2b_core::AppError;
use b2b_service::bulk::{BulkProgressEvent, EventName};
use b2b_service::overdue::PendingOverview;
use b2b_service::session::SIGN_IN_TIMEOUT;
use b2b_service::sponsors::DefaultSponsorsView;
use b2b_service::Service;
use tauri::{AppHandle, Emitter, State};
use tauri_plugin_opener::OpenerExt;

type Svc<'a> = State<'a, Arc<Service>>;
type Res<T> = Result<T, AppError>;

#[tauri::command]
pub fn app_info(app: AppHandle) -> AppInfo {
    let build = BuildInfo {
        profile: env!("B2B_BUILD_PROFILE").to_owned(),
        commit: env!("B2B_GIT_COMMIT").to_owned(),
        target: env!("B2B_TARGET").to_owned(),
        rustc: env!("B2B_RUSTC_VERSION").to_owned(),
        tauri: tauri::VERSION.to_owned(),
    };
    let p = app.package_info();
    AppInfo::new(p.name.clone(), p.version.to_string(), build)
}

#[tauri::command]
pub fn get_language(svc: Svc<'_>) -> LanguageView {
    svc.settings.language_view()
}

#[tauri::command]
pub fn set_language(svc: Svc<'_>, language: Option<Language>) -> Res<LanguageView> {
    svc.set_language(language)
}

#[tauri::command]
pub fn get_default_sponsors(svc: Svc<'_>) -> DefaultSponsorsView {
    svc.default_sponsors_view()
}

#[tauri::command]
pub fn set_default_sponsors(svc: Svc<'_>, sponsors: Vec<String>) -> Res<DefaultSponsorsView> {
    svc.set_default_sponsors(sponsors)
}

#[tauri::command]
pub fn get_policy(svc: Svc<'_>) -> PolicyView {
    svc.policy().view()
}

#[tauri::command]
pub async fn get_session(svc: Svc<'_>) -> Res<SessionView> {
    Ok(svc.session_view().await)
}

#[tauri::command]
pub async fn use_demo(svc: Svc<'_>) -> Res<SessionView> {
    svc.use_demo()?;
    Ok(svc.session_view().await)
}

#[tauri::command]
pub async fn connect_organisation(svc: Svc<'_>, client_id: String, tenant: String) -> Res<SessionView> {
    svc.connect_organisation(&client_id, &tenant)?;
    Ok(svc.session_view().await)
}

#[tauri::command]
pub async fn reset_connection(svc: Svc<'_>) -> Res<SessionView> {
    svc.reset_connection()?;
    Ok(svc.session_view().await)
}

#[tauri::command]
pub async fn sign_in_browser(svc: Svc<'_>) -> Res<SessionView> {
    svc.sign_in_browser(None, SIGN_IN_TIMEOUT).await?;
    Ok(svc.session_view().await)
}

#[tauri::command]
pub async fn start_device_code(svc: Svc<'_>) -> Res<DeviceCodeView> {
    Ok(svc.start_device_code(None).await?.0)
}

#[tauri::command]
pub async fn finish_device_code(svc: Svc<'_>) -> Res<SessionView> {
    svc.finish_device_code().await?;
    Ok(svc.session_view().await)
}

#[tauri::command]
pub fn cancel_sign_in(svc: Svc<'_>) {
    svc.session.cancel();
}

#[tauri::command]
pub async fn switch_account(svc: Svc<'_>, id: String) -> Res<SessionView> {
    svc.switch_account(&id)?;
    Ok(svc.session_view().await)
}

#[tauri::command]
pub async fn sign_out(svc: Svc<'_>, id: String) -> Res<SessionView> {
    svc.sign_out(&id)?;
    Ok(svc.session_view().await)
}

#[tauri::command]
pub async fn search_users(svc: Svc<'_>, query: String, state: Option<B2bState>) -> Res<UsersPage> {
    svc.search_users(&query, state).await
}

#[tauri::command]
pub async fn more_users(svc: Svc<'_>, next: String) -> Res<UsersPage> {
    svc.more_users(&next).await
}

#[tauri::command]
pub async fn get_user(svc: Svc<'_>, id: String) -> Res<UserDetail> {
    svc.get_user(&id).await
}

#[tauri::command]
pub async fn preflight(svc: Svc<'_>, user: String, address: String, kind: CheckKind) -> Res<Preflight> {
    svc.preflight(&user, &address, kind).await
}

#[tauri::command]
pub async fn convert_user(
    svc: Svc<'_>,
    user: String,
    address: String,
    request: ConvertRequest,
) -> Res<ConvertResult> {
    svc.convert_user(&user, &address, request).await
}

#[tauri::command]
pub async fn invite_preflight(svc: Svc<'_>, email: String, member: bool) -> Res<InvitePreflight> {
    svc.invite_preflight(&email, member).await
}

#[tauri::command]
pub async fn invite_user(svc: Svc<'_>, request: InviteRequest) -> Res<InviteResult> {
    svc.invite_user(request).await?.1
}

#[tauri::command]
pub async fn resend_invitation(
    svc: Svc<'_>,
    user: String,
    address: String,
    slot: AddressSlot,
    request: ConvertRequest,
) -> Res<ConvertResult> {
    svc.resend_invitation(&user, &address, slot, request).await
}

/// The pending list with its overdue count and the users accepted since the last look.
#[tauri::command]
pub async fn pending_overview(svc: Svc<'_>, older_than_days: Option<u32>) -> Res<PendingOverview> {
    svc.pending_overview(older_than_days).await
}

/// "Resend to all overdue": the overdue list loaded as a bulk run (then `bulk_start`).
#[tauri::command]
pub async fn overdue_load(svc: Svc<'_>, older_than_days: Option<u32>) -> Res<BulkLoaded> {
    svc.overdue_load(older_than_days).await
}

#[tauri::command]
pub fn list_history(svc: Svc<'_>, query: String) -> Res<HistoryView> {
    svc.list_history(&query)
}

#[tauri::command]
pub fn export_history(svc: Svc<'_>, query: String) -> Res<ExportView> {
    svc.export_history(&query)
}

/// Shows the last export in the file manager. Only a file this app wrote can be shown.
#[tauri::command]
pub fn show_export(app: AppHandle, svc: Svc<'_>) -> Res<()> {
    let path = svc.last_export()?;
    app.opener()
        .reveal_item_in_dir(&path)
        .map_err(|e| AppError::new(b2b_core::ErrorCode::Internal, e.to_string()))
}

#[tauri::command]
pub fn bulk_template(svc: Svc<'_>) -> Res<ExportView> {
    svc.bulk_template()
}

#[tauri::command]
pub fn bulk_invite_template(svc: Svc<'_>) -> Res<ExportView> {
    svc.bulk_invite_template()
}

#[tauri::command]
pub async fn bulk_load(svc: Svc<'_>, file_name: String, bytes: Vec<u8>) -> Res<BulkLoaded> {
    svc.bulk_load(&file_name, bytes).await
}

#[tauri::command]
pub fn bulk_export_preview(svc: Svc<'_>) -> Res<ExportView> {
    svc.bulk_export_preview()
}

/// Starts the run in the background; progress arrives as `bulk-progress` events and the end as
/// `bulk-finished` (the summary; the rows come from `bulk_report`).
#[tauri::command]
pub async fn bulk_start(app: AppHandle, svc: Svc<'_>, concurrency: u32, resume: bool) -> Res<()> {
    let events = app.clone();
    let sink = Arc::new(move |progress: &Progress, row: &RowResult| {
        let event = BulkProgressEvent {
            progress: progress.clone(),
            row: row.clone(),
        };
        let _ = events.emit(EventName::BulkProgress.name(), event);
    });
    let finished = move |r: &BulkReport| {
        let _ = app.emit(EventName::BulkFinished.name(), r.summary());
    };
    let n = usize::try_from(concurrency).unwrap_or(b2b_service::bulk::DEFAULT_CONCURRENCY);
    svc.bulk_start(n, resume, sink, finished).await
}

/// Scans the directory for partner accounts; progress arrives as `discover-progress` events.
#[tauri::command]
pub async fn discover(app: AppHandle, svc: Svc<'_>) -> Res<Discovery> {
    svc.discover(move |p| {
        let _ = app.emit(EventName::DiscoverProgress.name(), p);
    })
    .await
}

#[tauri::command]
pub fn discover_cancel(svc: Svc<'_>) -> bool {
    svc.discover_cancel()
}

#[tauri::command]
pub async fn discover_last(svc: Svc<'_>) -> Res<Option<Discovery>> {
    svc.discover_last().await
}

#[tauri::command]
pub async fn discover_to_bulk(svc: Svc<'_>, ids: Vec<String>) -> Res<BulkLoaded> {
    svc.discover_to_bulk(&ids).await
}

#[tauri::command]
pub async fn discover_export(svc: Svc<'_>, ids: Vec<String>) -> Res<ExportView> {
    svc.discover_export(&ids).await
}

#[tauri::command]
pub fn bulk_status(svc: Svc<'_>) -> BulkStatus {
    svc.bulk_status()
}

#[tauri::command]
pub fn bulk_pause(svc: Svc<'_>) -> Res<Option<Progress>> {
    svc.bulk_pause()
}

#[tauri::command]
pub fn bulk_resume(svc: Svc<'_>) -> Res<Option<Progress>> {
    svc.bulk_resume()
}

#[tauri::command]
pub fn bulk_cancel(svc: Svc<'_>) -> Res<Option<Progress>> {
    svc.bulk_cancel()
}

/// New redeem links (reset, no e-mail) for the report's rows whose link is lost.
#[tauri::command]
pub async fn bulk_relink(svc: Svc<'_>) -> Res<BulkReport> {
    svc.bulk_relink().await
}

#[tauri::command]
pub fn bulk_report(svc: Svc<'_>) -> Res<BulkReport> {
    svc.bulk_report()
}

#[tauri::command]
pub fn bulk_export_report(svc: Svc<'_>) -> Res<ExportView> {
    svc.bulk_export_report()
}

/// The list of commands: the invoke handler and `NAMES` from one list. build.rs reads the same
/// list from this file for the capability manifest.
macro_rules! app_commands {
    ($($name:ident),* $(,)?) => {
        #[cfg_attr(not(test), allow(dead_code))]
        #[cfg_attr(not(test), allow(dead_code))]
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }
    };
}

app_commands![
    app_info,
    get_language,
    set_language,
    get_policy,
    get_session,
    use_demo,
    connect_organisation,
    reset_connection,
    sign_in_browser,
    start_device_code,
    finish_device_code,
    cancel_sign_in,
    switch_account,
    sign_out,
    search_users,
    more_users,
    get_user,
    preflight,
    convert_user,
    resend_invitation,
    list_history,
    export_history,
    show_export,
    bulk_template,
    bulk_load,
    bulk_export_preview,
    bulk_start,
    bulk_pause,
    bulk_resume,
    bulk_cancel,
    bulk_relink,
    bulk_report,
    bulk_export_report,
    bulk_status,
    get_default_sponsors,
    set_default_sponsors,
    discover,
    discover_cancel,
    discover_last,
    discover_to_bulk,
    discover_export,
    pending_overview,
    overdue_load,
    invite_preflight,
    invite_user,
    bulk_invite_template,
];
