//! The service's own errors, with their sources, and the one place that maps them to the stable
//! codes the UI and `b2b` translate.

use b2b_core::{AppError, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// An error from the core, already coded.
    #[error(transparent)]
    Core(#[from] AppError),
    #[error("no account is signed in")]
    NotSignedIn,
    #[error("choose the demo tenant or your organisation first")]
    NoConnection,
    #[error("the organisation's policy does not allow the demo tenant")]
    DemoNotAllowed,
    #[error("the demo tenant could not start")]
    DemoStart(#[source] tenant_sim::StartError),
    #[error("the demo tenant's key could not be kept in {path}")]
    DemoKey {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no device code sign-in is in progress")]
    NoDeviceCode,
    #[error("the file is {bytes} bytes, more than the 20 MB a bulk run takes")]
    FileTooLarge { bytes: usize },
    #[error("a bulk run is in progress")]
    BulkRunning,
    #[error("no file is loaded")]
    NothingLoaded,
    #[error("no bulk run is in progress")]
    NotRunning,
    #[error("no bulk run has finished")]
    NoReport,
    #[error("this file was run before (journal {journal}): resume it to continue where it stopped")]
    AlreadyRun { journal: String },
    #[error("no row is ready to convert")]
    NothingReady,
    #[error("not confirmed; nothing was changed")]
    NotConfirmed,
    #[error("{failed} row(s) failed, {unknown} have no known outcome yet and {not_run} did not run: see the report, then resume")]
    RowsFailed { failed: u32, unknown: u32, not_run: u32 },
    #[error("nothing was exported yet")]
    NothingExported,
    #[error("could not write {path}")]
    Export {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the settings file could not be opened")]
    SettingsUnavailable,
    #[error("no scan has finished for this account: scan the directory first")]
    NothingDiscovered,
    #[error("none of the chosen accounts is in the last scan")]
    NothingChosen,
}

impl ServiceError {
    pub fn code(&self) -> ErrorCode {
        use ServiceError::*;
        match self {
            Core(e) => e.code,
            NotSignedIn | NoConnection => ErrorCode::NotSignedIn,
            DemoNotAllowed => ErrorCode::PolicyLocked,
            DemoStart(_) | DemoKey { .. } => ErrorCode::Internal,
            NoDeviceCode | NothingLoaded | NotRunning | NoReport | NothingExported | NothingDiscovered
            | NothingChosen => ErrorCode::InvalidInput,
            FileTooLarge { .. } => ErrorCode::CsvTooLarge,
            BulkRunning => ErrorCode::BulkRunning,
            AlreadyRun { .. } => ErrorCode::BulkAlreadyRun,
            NothingReady => ErrorCode::ConversionBlocked,
            NotConfirmed => ErrorCode::NotConfirmed,
            RowsFailed { .. } => ErrorCode::BulkRowsFailed,
            Export { .. } => ErrorCode::ExportIo,
            SettingsUnavailable => ErrorCode::SettingsIo,
        }
    }
}

/// The message carries the whole chain of sources, for logs and support.
impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        if let ServiceError::Core(inner) = e {
            return inner;
        }
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        AppError::new(e.code(), message)
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(e: ServiceError) -> serde_json::Value {
        serde_json::to_value(AppError::from(e)).unwrap_or_default()
    }

    #[test]
    fn errors_reach_the_ui_as_code_and_message_with_their_sources() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "access denied");
        assert_eq!(
            wire(ServiceError::Export {
                path: "/x/report.csv".into(),
                source: io
            }),
            serde_json::json!({ "code": "export_io", "message": "could not write /x/report.csv: access denied" })
        );
        assert_eq!(
            wire(ServiceError::NotConfirmed),
            serde_json::json!({ "code": "not_confirmed", "message": "not confirmed; nothing was changed" })
        );
        assert_eq!(
            wire(ServiceError::RowsFailed {
                failed: 2,
                unknown: 1,
                not_run: 1
            }),
            serde_json::json!({ "code": "bulk_rows_failed", "message": "2 row(s) failed, 1 have no known outcome yet and 1 did not run: see the report, then resume" })
        );
        assert_eq!(
            wire(ServiceError::FileTooLarge { bytes: 30_000_000 }),
            serde_json::json!({ "code": "csv_too_large", "message": "the file is 30000000 bytes, more than the 20 MB a bulk run takes" })
        );
    }

    #[test]
    fn a_core_error_passes_through_unchanged() {
        let e = AppError::new(ErrorCode::Throttled, "429");
        assert_eq!(
            wire(ServiceError::Core(e)),
            serde_json::json!({ "code": "throttled", "message": "429" })
        );
    }
}
