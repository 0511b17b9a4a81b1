//! B2B Convert's core. It knows nothing of Tauri: the desktop shell and the command-line tool
//! are thin layers over it, and everything here is testable without a window.

pub mod accepted;
pub mod app_info;
pub mod auth;
pub mod bulk;
pub mod codes;
pub mod convert;
pub mod convert_service;
pub mod discover;
pub mod error;
pub mod export;
pub mod graph;
pub mod history;
pub mod invite;
pub mod keychain;
pub mod links;
pub mod net;
pub mod policy;
pub mod settings;
pub mod settings_file;
pub mod sponsors;
pub mod users;

pub use error::{AppError, ErrorCode};
