//! `#[tauri::command]` wrappers: a few lines each, delegating to `b2b_core`.

pub mod app;
pub mod auth;
pub mod bulk;
pub mod settings;
pub mod users;
