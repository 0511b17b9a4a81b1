//! The desktop shell: builder, plugins, the Tauri host and the commands. The work is in
//! `b2b_service` (shared with `b2b`) and `b2b_core`.

mod commands;
mod host;

use std::sync::Arc;

use b2b_core::keychain::Keychain;
use b2b_core::policy::Policy;
use b2b_service::{Overrides, Service};
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

fn log_policy(policy: &Policy) {
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
}

/// Sets `window.__B2B_BOOT__` before the page's own script runs: the service's `BootView` and the
/// message catalog of its language (`ui/dist/i18n/<language>.json`). With them the window renders its
/// first screen before `DOMContentLoaded` instead of after its IPC answers, so WebKit does not paint
/// a blank page first (each extra frame at start keeps another window-sized paint buffer, 7-9 MB
/// under Xvfb: README, "Other commands"). Only a hint: the window still asks over IPC, and the
/// script runs again on a reload with what was true at start.
fn boot_script(app: &tauri::App, service: &Service) -> String {
    let boot = service.boot_view();
    let language = boot.language.effective;
    let Ok(serde_json::Value::Object(mut value)) = serde_json::to_value(boot) else {
        tracing::warn!("no boot data for the window");
        return String::new();
    };
    // Absent under `cargo xtask dev` before a build: the window then loads the catalog itself.
    let catalog = app
        .asset_resolver()
        .get(format!("/i18n/{}.json", language.tag()))
        .and_then(|a| serde_json::from_slice::<serde_json::Value>(&a.bytes).ok());
    if let Some(catalog) = catalog {
        value.insert("catalog".into(), catalog);
    }
    let value = serde_json::Value::Object(value);
    // JSON is a JavaScript expression; subframes (none are allowed) are left alone.
    format!("if (window.top === window) {{ window.__B2B_BOOT__ = {value}; }}")
}

pub fn run() {
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            init_logs(app);
            let policy = Policy::load();
            log_policy(&policy);
            b2b_core::net::use_policy(&policy);
            let service = Service::new(
                Arc::new(host::TauriHost(app.handle().clone())),
                Box::new(host::StoreBackend::open(app.handle())),
                Box::new(Keychain::default()),
                policy,
                Overrides::default(),
            );
            let boot = boot_script(app, &service);
            app.manage(Arc::new(service));
            // The one window, built here rather than from tauri.conf.json ("create": false) to
            // hand it its first screen's data before its script runs.
            let config = app
                .config()
                .app
                .windows
                .iter()
                .find(|w| w.label == "main")
                .cloned()
                .ok_or("tauri.conf.json has no window \"main\"")?;
            tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?
                .initialization_script(boot)
                .build()?;
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!("tauri.conf.json"));
    if let Err(e) = result {
        eprintln!("B2B Convert could not start: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    /// The names build.rs gave the capability manifest (read from commands.rs).
    const MANIFEST: &[&str] = include!(concat!(env!("OUT_DIR"), "/commands.rs"));

    #[test]
    fn the_manifest_lists_exactly_the_registered_commands() {
        assert_eq!(MANIFEST, super::commands::NAMES);
    }

    /// `cargo xtask bindings` runs this with TS_RS_EXPORT_DIR, beside ts-rs's own exports: the
    /// UI's `Command` type, so that a misspelt command name does not compile.
    #[test]
    fn export_bindings_command() {
        let names: Vec<String> = super::commands::NAMES
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect();
        let text = format!(
            "// Generated from src-tauri/app/commands.rs by `cargo xtask bindings`. Do not edit.\n\n/** Every command the window may call. */\nexport type Command = {};\n",
            names.join(" | ")
        );
        assert!(text.contains("\"convert_user\""));
        if let Some(dir) = std::env::var_os("TS_RS_EXPORT_DIR") {
            let dir = std::path::PathBuf::from(dir);
            std::fs::create_dir_all(&dir).expect("bindings folder");
            std::fs::write(dir.join("Command.ts"), text).expect("Command.ts written");
        }
    }
}
