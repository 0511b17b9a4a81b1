//! Errors that reach the user carry a stable code. The UI translates the code, never the message;
//! the message is English detail for logs and support.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Stable error codes. Renaming one is a breaking change for the UI's translations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// No OS keychain could be reached (Linux: no D-Bus session or no Secret Service).
    KeychainUnavailable,
    /// The keychain exists but is locked or refused access.
    KeychainLocked,
    /// The keychain refused a value (too long, bad encoding).
    KeychainRejected,
    /// Settings could not be read or written.
    SettingsIo,
    /// The request from the UI was malformed.
    InvalidInput,
    /// The client ID entered is not a GUID.
    InvalidClientId,
    /// Sign-in: no answer from the browser in time.
    SignInTimedOut,
    /// Sign-in: the user closed or cancelled it.
    SignInCancelled,
    /// Sign-in: the browser came back with another request's state (possible interference).
    StateMismatch,
    /// The app lacks consent for a permission in this tenant (AADSTS65001).
    ConsentRequired,
    /// Multi-factor authentication is required (AADSTS50076, 50079).
    MfaRequired,
    /// A Conditional Access policy blocked the sign-in (AADSTS53003).
    ConditionalAccessBlocked,
    /// The client id is not known in the tenant (AADSTS700016).
    AppNotFound,
    /// The tenant does not exist (AADSTS90002).
    TenantNotFound,
    /// The app registration lacks the loopback redirect URI (AADSTS50011).
    RedirectUriMismatch,
    /// The registration does not allow public client flows (AADSTS7000218).
    PublicClientDisabled,
    /// The saved sign-in expired or was revoked, or its keychain entry is torn: sign in again.
    SessionExpired,
    /// The device code expired before the user finished.
    DeviceCodeExpired,
    /// No account is signed in, or not this one.
    NotSignedIn,
    /// The identity platform said something else; the message has its code.
    IdentityError,
    /// Microsoft Graph answered with an error; the message has its code and request-id.
    GraphError,
    /// A change was sent but no clear answer came back: re-read before trying again.
    OutcomeUnknown,
    /// An unknown outcome, settled: reading the user long after shows the change was not made.
    NothingChanged,
    /// No user with this id or UPN.
    UserNotFound,
    /// Graph refused: the signed-in admin lacks a role or a permission (403).
    PermissionDenied,
    /// Graph kept answering 429 after the retries: wait and try again.
    Throttled,
    /// The redirect URL is not https (or http://localhost).
    InvalidRedirectUrl,
    /// The cc address is not a valid e-mail address.
    InvalidCcAddress,
    /// The CSV file is not UTF-8 text or cannot be read at all.
    CsvUnreadable,
    /// The CSV file is larger than the app takes (20 MB, about 100,000 rows).
    CsvTooLarge,
    /// The CSV file has no user and email columns.
    CsvColumns,
    /// The bulk run's journal could not be read or written.
    JournalIo,
    /// This file was run before: resume it, or start again on purpose.
    BulkAlreadyRun,
    /// A bulk run is already in progress.
    BulkRunning,
    /// History could not be read or written.
    HistoryIo,
    /// A file the admin asked for (an export, a bulk report) could not be written where it goes.
    ExportIo,
    /// The pre-flight found a blocker; nothing was changed.
    ConversionBlocked,
    /// The admin declined a confirmation; nothing was changed.
    NotConfirmed,
    /// A bulk run ended with rows that failed or did not run; the report says which.
    BulkRowsFailed,
    /// The network or the service could not be reached.
    NetworkUnreachable,
    /// The server's certificate is not trusted by this computer (often a TLS-inspecting proxy
    /// whose root IT has not deployed to this machine's trust store).
    TlsUntrusted,
    /// The network's proxy asked for a sign-in (407) that was not given: Windows sign-in to
    /// proxies (NTLM, Kerberos) is not spoken; a user and password in HTTPS_PROXY are.
    ProxyAuthRequired,
    /// The network's proxy refused to open the connection (a blocked destination, say).
    ProxyRefused,
    /// The organisation's policy does not allow this (a locked setting, the demo tenant).
    PolicyLocked,
    /// The admin stopped a directory scan before it finished; nothing was changed.
    ScanCancelled,
    /// Anything not yet classified; the message says more.
    Internal,
    /// A sponsor named is no user or group of the tenant (or not a UPN or an object id).
    SponsorNotFound,
    /// More sponsors than Microsoft allows (five).
    TooManySponsors,
}

/// The error every command returns, serialised as `{ "code": "...", "message": "..." }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{code:?}: {message}")]
#[ts(export)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// The HTTP status Graph answered with, when it did: for the code's callers, never serialised.
    #[serde(skip)]
    #[ts(skip)]
    pub http_status: Option<u16>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            http_status: None,
        }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }
}

/// The message of an error and its sources, for logs and support.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        // Some errors already print their source (keyring's do): say it once.
        let part = s.to_string();
        if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

impl From<crate::keychain::KeychainError> for AppError {
    fn from(e: crate::keychain::KeychainError) -> Self {
        use crate::keychain::KeychainError::*;
        let code = match &e {
            Locked(_) => ErrorCode::KeychainLocked,
            Unavailable(_) => ErrorCode::KeychainUnavailable,
            NotUtf8 | Rejected(_) => ErrorCode::KeychainRejected,
        };
        AppError::new(code, chain(&e))
    }
}

impl AppError {
    fn from_loopback_code(e: &crate::auth::loopback::LoopbackError) -> ErrorCode {
        use crate::auth::loopback::LoopbackError::*;
        match e {
            Listen(_) | NoPortPair(_) | Stopped => ErrorCode::Internal,
            TimedOut => ErrorCode::SignInTimedOut,
            Cancelled => ErrorCode::SignInCancelled,
            StateMismatch => ErrorCode::StateMismatch,
        }
    }
}

impl From<crate::auth::loopback::LoopbackError> for AppError {
    fn from(e: crate::auth::loopback::LoopbackError) -> Self {
        AppError::new(AppError::from_loopback_code(&e), chain(&e))
    }
}

impl crate::auth::flow::SignInError {
    pub fn code(&self) -> ErrorCode {
        use crate::auth::flow::SignInError::*;
        match self {
            BadAuthority(_) => ErrorCode::InvalidInput,
            BadRedirect(_) | BrowserOverride(_) | HttpClient(_) => ErrorCode::Internal,
            Browser(inner) | Network(inner) => inner.code,
            Loopback(inner) => AppError::from_loopback_code(inner),
            Identity { error, description } => crate::auth::flow::identity_code(error, description),
            Unexpected(_) => ErrorCode::IdentityError,
            Cancelled => ErrorCode::SignInCancelled,
        }
    }
}

impl From<crate::auth::flow::SignInError> for AppError {
    fn from(e: crate::auth::flow::SignInError) -> Self {
        AppError::new(e.code(), chain(&e))
    }
}

impl From<crate::auth::vault::VaultError> for AppError {
    fn from(e: crate::auth::vault::VaultError) -> Self {
        use crate::auth::vault::VaultError::*;
        match e {
            Store(inner) => inner,
            Torn { .. } => AppError::new(ErrorCode::SessionExpired, chain(&e)),
            Manifest(_) => AppError::new(ErrorCode::Internal, chain(&e)),
        }
    }
}

/// A transport error as the user should hear it: a certificate this computer does not trust and a
/// proxy that refused the tunnel have their own codes; anything else is "the network or the service
/// could not be reached". The whole chain of causes goes into the message, for support.
pub fn network_error(e: &(dyn std::error::Error + 'static)) -> AppError {
    let mut code = ErrorCode::NetworkUnreachable;
    let mut current = Some(e);
    while let Some(err) = current {
        if is_untrusted_certificate(err) {
            code = ErrorCode::TlsUntrusted;
        } else if let Some(proxy) = proxy_refusal(err) {
            code = proxy;
        }
        current = err.source();
    }
    AppError::new(code, chain(e))
}

/// A proxy's refusal of the CONNECT tunnel. hyper-util, which reqwest tunnels through, does not
/// export its `TunnelError`, so its words are the only handle; `b2b`'s proxy test fails if they
/// change, and an unrecognised refusal is still `network_unreachable`, never a success.
fn proxy_refusal(e: &(dyn std::error::Error + 'static)) -> Option<ErrorCode> {
    let text = e.to_string();
    let reason = text.strip_prefix("tunnel error: ")?;
    Some(if reason.starts_with("proxy authorization required") {
        ErrorCode::ProxyAuthRequired
    } else {
        ErrorCode::ProxyRefused
    })
}

impl ErrorCode {
    /// A refusal by this computer or its network that asking again will not change: the request
    /// never reached the service, and it is not retried.
    pub fn is_network_refusal(self) -> bool {
        matches!(
            self,
            ErrorCode::TlsUntrusted | ErrorCode::ProxyAuthRequired | ErrorCode::ProxyRefused
        )
    }
}

/// rustls's certificate refusal, directly or inside the `io::Error`s the TLS stream and the
/// connector wrap it in (an `io::Error`'s `source()` skips what it wraps, so they are unwrapped
/// here, however deep).
fn is_untrusted_certificate(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return matches!(
                tls,
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
            );
        }
        current = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn std::error::Error + 'static));
    }
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn sign_in_errors_map_to_their_codes_in_one_place() {
        use crate::auth::flow::SignInError;
        use crate::auth::loopback::LoopbackError;
        let wire = |e: SignInError| serde_json::to_value(AppError::from(e)).ok();
        assert_eq!(
            wire(SignInError::Identity {
                error: "invalid_request".into(),
                description: "AADSTS50011: The redirect URI does not match.".into()
            }),
            Some(
                serde_json::json!({ "code": "redirect_uri_mismatch", "message": "invalid_request: AADSTS50011: The redirect URI does not match." })
            )
        );
        assert_eq!(
            wire(SignInError::Loopback(LoopbackError::TimedOut)),
            Some(
                serde_json::json!({ "code": "sign_in_timed_out", "message": "no answer from the browser in time" })
            )
        );
        let listen = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "not allowed");
        assert_eq!(
            wire(SignInError::Loopback(LoopbackError::Listen(listen))),
            Some(
                serde_json::json!({ "code": "internal", "message": "could not listen on 127.0.0.1: not allowed" })
            )
        );
    }

    #[test]
    fn a_keychain_error_keeps_its_source_and_maps_to_its_code() {
        let denied = keyring::Error::NoStorageAccess(Box::new(std::io::Error::other("the user said no")));
        let wire = serde_json::to_value(AppError::from(crate::keychain::KeychainError::Locked(denied)));
        assert_eq!(
            wire.ok(),
            Some(
                serde_json::json!({ "code": "keychain_locked", "message": "keychain refused access: Couldn't access platform secure storage: the user said no" })
            )
        );
        let wire = serde_json::to_value(AppError::from(crate::keychain::KeychainError::NotUtf8));
        assert_eq!(
            wire.ok(),
            Some(
                serde_json::json!({ "code": "keychain_rejected", "message": "keychain entry is not valid UTF-8" })
            )
        );
    }

    use super::*;

    #[test]
    fn an_untrusted_certificate_has_its_own_code() {
        let tls = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert_eq!(network_error(&tls).code, ErrorCode::TlsUntrusted);
        // As the connector hands it on: an io::Error inside an io::Error.
        let wrapped = std::io::Error::other(tls);
        assert_eq!(network_error(&wrapped).code, ErrorCode::TlsUntrusted);
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(network_error(&refused).code, ErrorCode::NetworkUnreachable);
    }

    #[test]
    fn serialises_as_code_and_message() {
        let e = AppError::new(ErrorCode::KeychainLocked, "locked");
        let json = serde_json::to_string(&e).expect("serialise");
        assert_eq!(json, r#"{"code":"keychain_locked","message":"locked"}"#);
    }
}
