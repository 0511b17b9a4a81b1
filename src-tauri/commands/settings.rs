use b2b_core::settings::{Language, LanguageView};
use b2b_core::AppError;

use crate::settings_store::SettingsStore;

#[tauri::command]
pub fn get_language(store: tauri::State<'_, SettingsStore>) -> LanguageView {
    store.language_view()
}

/// `language: null` goes back to following the OS.
#[tauri::command]
pub fn set_language(
    store: tauri::State<'_, SettingsStore>,
    language: Option<Language>,
) -> Result<LanguageView, AppError> {
    store.update(|s| s.ui_language = language)?;
    Ok(store.language_view())
}
