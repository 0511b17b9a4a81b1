use b2b_core::app_info::{AppInfo, BuildInfo};

#[tauri::command]
pub fn app_info(app: tauri::AppHandle) -> AppInfo {
    let package = app.package_info();
    let build = BuildInfo {
        profile: env!("B2B_BUILD_PROFILE").to_owned(),
        commit: env!("B2B_GIT_COMMIT").to_owned(),
        target: env!("B2B_TARGET").to_owned(),
        rustc: env!("B2B_RUSTC_VERSION").to_owned(),
        tauri: tauri::VERSION.to_owned(),
    };
    AppInfo::new(package.name.clone(), package.version.to_string(), build)
}
