//! What the CSV exports (History, bulk preview, bulk report) and the command-line tool share: the
//! wire name of a code, and CSV text with a header row.

use serde::Serialize;

use crate::error::{AppError, ErrorCode};

/// The name a value has on the wire (serde's), e.g. `user_not_found` or `alreadyDone`; empty for
/// anything that is not a plain string there.
pub fn wire_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// CSV text: the header, then the records `write` adds.
pub fn csv_text(
    header: &[&str],
    write: impl FnOnce(&mut csv::Writer<Vec<u8>>) -> csv::Result<()>,
) -> Result<String, AppError> {
    let internal = |e: &dyn std::fmt::Display| AppError::new(ErrorCode::Internal, e.to_string());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(|e| internal(&e))?;
    write(&mut w).map_err(|e| internal(&e))?;
    let bytes = w.into_inner().map_err(|e| internal(&e))?;
    String::from_utf8(bytes).map_err(|e| internal(&e))
}

/// Codes as one cell: their wire names, space-separated.
pub fn words<T: std::fmt::Display>(codes: &[T]) -> String {
    codes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}
