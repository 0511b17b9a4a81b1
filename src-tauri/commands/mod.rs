//! `#[tauri::command]` wrappers: a few lines each, delegating to `b2b_core`.

pub mod app;
pub mod settings;
