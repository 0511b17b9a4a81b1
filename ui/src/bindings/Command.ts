// Generated from src-tauri/app/commands.rs by `cargo xtask bindings`. Do not edit.

/** Every command the window may call. */
export type Command = "app_info" | "get_language" | "set_language" | "get_policy" | "get_session" | "use_demo" | "connect_organisation" | "reset_connection" | "sign_in_browser" | "start_device_code" | "finish_device_code" | "cancel_sign_in" | "switch_account" | "sign_out" | "search_users" | "more_users" | "get_user" | "preflight" | "convert_user" | "resend_invitation" | "list_pending" | "list_history" | "export_history" | "show_export" | "bulk_template" | "bulk_load" | "bulk_export_preview" | "bulk_start" | "bulk_pause" | "bulk_resume" | "bulk_cancel" | "bulk_relink" | "bulk_report" | "bulk_export_report" | "bulk_status" | "invite_preflight" | "invite_user";
