//! A bare Tauri 2 window with one static page: what the app is measured against (start time,
//! idle memory of all its processes, binary size) by `cargo xtask bench-app`.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(e) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("bench-window: {e}");
        std::process::exit(1);
    }
}
