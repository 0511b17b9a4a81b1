use std::process::Command;

/// Every command the UI may call. Tauri allows app commands to every window unless this list
/// exists; with it, each one needs an `allow-...` entry in a capability.
const COMMANDS: &[&str] = &[
    "app_info",
    "get_language",
    "set_language",
    "get_policy",
    "get_session",
    "use_demo",
    "connect_organisation",
    "reset_connection",
    "sign_in_browser",
    "start_device_code",
    "finish_device_code",
    "cancel_sign_in",
    "switch_account",
    "sign_out",
    "search_users",
    "more_users",
    "get_user",
    "preflight",
    "convert_user",
    "resend_invitation",
    "list_pending",
    "list_history",
    "export_history",
    "show_export",
    "bulk_template",
    "bulk_load",
    "bulk_export_preview",
    "bulk_start",
    "bulk_pause",
    "bulk_resume",
    "bulk_cancel",
    "bulk_report",
    "bulk_export_report",
    "bulk_status",
];

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let rustc_version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=B2B_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=B2B_RUSTC_VERSION={rustc_version}");
    println!(
        "cargo:rustc-env=B2B_BUILD_PROFILE={}",
        std::env::var("PROFILE").unwrap_or_else(|_| "unknown".to_owned())
    );
    println!(
        "cargo:rustc-env=B2B_TARGET={}",
        std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_owned())
    );
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=src-tauri/capabilities");

    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script reports failure by panicking; say why first.
        panic!("tauri-build failed: {e:#}");
    }
}
