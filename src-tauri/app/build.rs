use std::process::Command;

/// Every command the UI may call, read from the `app_commands!` list in commands.rs (the one list
/// the invoke handler is made from). Tauri allows app commands to every window unless this list
/// exists; with it, each one needs an `allow-...` entry in a capability.
fn commands() -> Vec<String> {
    let text = std::fs::read_to_string("src-tauri/app/commands.rs").unwrap_or_default();
    let list = text
        .rsplit_once("app_commands![")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(list, _)| list)
        .unwrap_or("");
    list.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect()
}

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
    println!("cargo:rerun-if-changed=src-tauri/app/capabilities");
    println!("cargo:rerun-if-changed=src-tauri/app/commands.rs");
    let commands = commands();
    if commands.is_empty() {
        panic!("build.rs found no app_commands![...] list in src-tauri/app/commands.rs");
    }
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let quoted: Vec<String> = commands.iter().map(|c| format!("{c:?}")).collect();
    if let Err(e) = std::fs::write(out.join("commands.rs"), format!("&[{}]", quoted.join(", "))) {
        panic!("build.rs could not write the command list: {e}");
    }
    // The build script runs once and ends: leaking the list gives tauri-build the 'static it asks for.
    let names: &'static [&'static str] = Vec::leak(commands.into_iter().map(|c| &*String::leak(c)).collect());

    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/app/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(names));
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script reports failure by panicking; say why first.
        panic!("tauri-build failed: {e:#}");
    }
}
