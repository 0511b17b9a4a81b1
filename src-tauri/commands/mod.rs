//! `#[tauri::command]` wrappers: a few lines each, delegating to `b2b_core`.

pub mod app;
pub mod auth;
pub mod bulk;
pub mod settings;
pub mod users;

/// A lock that survives a panic elsewhere: the state it guards is always left whole.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
