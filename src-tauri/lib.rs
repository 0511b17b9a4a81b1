//! The desktop shell: builder, plugins, managed state. Thin: the work is in `b2b_core`.

mod commands;
mod settings_store;

use tauri::Manager;

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("B2B_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let result = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .setup(|app| {
            app.manage(settings_store::SettingsStore::load(app.handle()));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::settings::get_language,
            commands::settings::set_language,
        ])
        .run(tauri::generate_context!("tauri.conf.json"));
    if let Err(e) = result {
        tracing::error!("B2B Convert could not start: {e}");
        std::process::exit(1);
    }
}
