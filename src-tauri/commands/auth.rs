//! Sign-in commands. Each returns the whole session view, so the UI never holds partial state;
//! no command returns or emits a token.

use b2b_core::auth::{DeviceCodeView, SessionView};
use b2b_core::settings::{self, Connection};
use b2b_core::{AppError, ErrorCode};
use tauri::{AppHandle, State};

use crate::auth_state::AuthState;
use crate::settings_store::SettingsStore;

type Settings<'a> = State<'a, SettingsStore>;
type Auth<'a> = State<'a, AuthState>;

#[tauri::command]
pub async fn get_session(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
) -> Result<SessionView, AppError> {
    Ok(auth.session(&app, &settings).await)
}

#[tauri::command]
pub async fn use_demo(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
) -> Result<SessionView, AppError> {
    if !settings.policy().demo_allowed() {
        return Err(AppError::new(
            ErrorCode::PolicyLocked,
            "the organisation's policy does not allow the demo tenant",
        ));
    }
    settings.update(|s| s.connection = Some(Connection::Demo))?;
    Ok(auth.session(&app, &settings).await)
}

#[tauri::command]
pub async fn connect_organisation(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
    client_id: String,
    tenant: String,
) -> Result<SessionView, AppError> {
    // Locked values win over what was typed; blanks take the recommended values, then defaults.
    let connection = settings.policy().organisation(Some(&client_id), Some(&tenant));
    if let Connection::Organisation { client_id, .. } = &connection {
        if !settings::valid_client_id(client_id) {
            return Err(AppError::new(
                ErrorCode::InvalidClientId,
                "the client ID must be a GUID",
            ));
        }
    }
    settings.update(|s| s.connection = Some(connection))?;
    Ok(auth.session(&app, &settings).await)
}

/// Back to the first-run choice. Signed-in accounts stay until signed out.
#[tauri::command]
pub async fn reset_connection(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
) -> Result<SessionView, AppError> {
    settings.update(|s| s.connection = None)?;
    Ok(auth.session(&app, &settings).await)
}

#[tauri::command]
pub async fn sign_in_browser(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
) -> Result<SessionView, AppError> {
    auth.sign_in_browser(&app, &settings).await?;
    Ok(auth.session(&app, &settings).await)
}

#[tauri::command]
pub async fn start_device_code(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
) -> Result<DeviceCodeView, AppError> {
    auth.start_device_code(&app, &settings).await
}

#[tauri::command]
pub async fn finish_device_code(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
) -> Result<SessionView, AppError> {
    auth.finish_device_code(&settings).await?;
    Ok(auth.session(&app, &settings).await)
}

#[tauri::command]
pub fn cancel_sign_in(auth: Auth<'_>) {
    auth.cancel();
}

#[tauri::command]
pub async fn switch_account(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
    id: String,
) -> Result<SessionView, AppError> {
    auth.switch(&settings, &id)?;
    Ok(auth.session(&app, &settings).await)
}

#[tauri::command]
pub async fn sign_out(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
    id: String,
) -> Result<SessionView, AppError> {
    auth.sign_out(&settings, &id)?;
    Ok(auth.session(&app, &settings).await)
}
