//! The desktop shell: builder, plugins, managed state. Thin: the work is in `b2b_core`.

mod auth_state;
mod commands;
mod settings_store;

use tauri::Manager;

/// Logs go to stderr and to `b2b-convert.log` in the app's log folder, for support. Secrets never
/// reach them: tokens are `Secret`s, whose Debug is redacted, and nothing logs request bodies.
fn init_logs(app: &tauri::App) {
    use tracing_subscriber::fmt::writer::MakeWriterExt;
    let filter = tracing_subscriber::EnvFilter::try_from_env("B2B_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let file = app.path().app_log_dir().ok().and_then(|dir| {
        std::fs::create_dir_all(&dir).ok()?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("b2b-convert.log"))
            .ok()
    });
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = match file {
        Some(f) => builder
            .with_writer(std::io::stderr.and(std::sync::Mutex::new(f)))
            .with_ansi(false)
            .try_init(),
        None => builder.with_writer(std::io::stderr).try_init(),
    };
    if let Err(e) = result {
        eprintln!("logging could not start: {e}");
    }
}

pub fn run() {
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            init_logs(app);
            let policy = b2b_core::policy::Policy::load();
            for e in policy.entries() {
                tracing::info!(
                    "policy: {} is {:?} ({:?}, {})",
                    e.key.name(),
                    e.level,
                    e.source,
                    e.origin
                );
            }
            for w in policy.warnings() {
                tracing::warn!("policy: ignored ({:?}, {}): {}", w.code, w.origin, w.detail);
            }
            app.manage(settings_store::SettingsStore::load(app.handle(), policy));
            app.manage(auth_state::AuthState::default());
            app.manage(commands::users::WorkState::default());
            app.manage(commands::bulk::BulkState::default());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::settings::get_language,
            commands::settings::set_language,
            commands::settings::get_policy,
            commands::auth::get_session,
            commands::auth::use_demo,
            commands::auth::connect_organisation,
            commands::auth::reset_connection,
            commands::auth::sign_in_browser,
            commands::auth::start_device_code,
            commands::auth::finish_device_code,
            commands::auth::cancel_sign_in,
            commands::auth::switch_account,
            commands::auth::sign_out,
            commands::users::search_users,
            commands::users::more_users,
            commands::users::get_user,
            commands::users::preflight,
            commands::users::convert_user,
            commands::users::resend_invitation,
            commands::users::list_pending,
            commands::users::list_history,
            commands::users::export_history,
            commands::users::show_export,
            commands::bulk::bulk_template,
            commands::bulk::bulk_load,
            commands::bulk::bulk_export_preview,
            commands::bulk::bulk_start,
            commands::bulk::bulk_pause,
            commands::bulk::bulk_resume,
            commands::bulk::bulk_cancel,
            commands::bulk::bulk_report,
            commands::bulk::bulk_export_report,
            commands::bulk::bulk_status,
        ])
        .run(tauri::generate_context!("tauri.conf.json"));
    if let Err(e) = result {
        eprintln!("B2B Convert could not start: {e}");
        std::process::exit(1);
    }
}
