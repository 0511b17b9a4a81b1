use b2b_core::policy::PolicyView;
use b2b_core::settings::{Language, LanguageView};
use b2b_core::{AppError, ErrorCode};

use crate::settings_store::SettingsStore;

#[tauri::command]
pub fn get_language(store: tauri::State<'_, SettingsStore>) -> LanguageView {
    store.language_view()
}

/// `language: null` goes back to following the default (the organisation's, else the OS's).
#[tauri::command]
pub fn set_language(
    store: tauri::State<'_, SettingsStore>,
    language: Option<Language>,
) -> Result<LanguageView, AppError> {
    if store.language_view().locked {
        return Err(AppError::new(
            ErrorCode::PolicyLocked,
            "the organisation's policy sets the language",
        ));
    }
    store.update(|s| s.ui_language = language)?;
    Ok(store.language_view())
}

/// The organisation's policy as read at start: each value in force and what was ignored.
#[tauri::command]
pub fn get_policy(store: tauri::State<'_, SettingsStore>) -> PolicyView {
    store.policy().view()
}
