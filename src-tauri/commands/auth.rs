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
    let client_id = client_id.trim().to_owned();
    let tenant = if tenant.trim().is_empty() {
        "organizations".to_owned()
    } else {
        tenant.trim().to_owned()
    };
    if !settings::valid_client_id(&client_id) {
        return Err(AppError::new(
            ErrorCode::InvalidClientId,
            "the client ID must be a GUID",
        ));
    }
    settings.update(|s| {
        s.connection = Some(Connection::Organisation {
            client_id,
            tenant,
            authority_url: settings::MICROSOFT_AUTHORITY.into(),
            graph_url: settings::MICROSOFT_GRAPH.into(),
        })
    })?;
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
