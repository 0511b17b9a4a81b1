//! Sign-in flows of a public native client (RFC 8252): authorization code with PKCE S256 through
//! the system browser and a one-shot loopback listener, the device code flow, and refresh. The
//! protocol is the oauth2 crate's; this module adds Entra's endpoints and error codes.

use std::time::Duration;

use oauth2::basic::{BasicErrorResponseType, BasicTokenType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, CsrfToken, DeviceAuthorizationResponse, DeviceAuthorizationUrl,
    EmptyExtraTokenFields, ExtraDeviceAuthorizationFields, PkceCodeChallenge, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, StandardErrorResponse, StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::Deserialize;

use super::loopback::{self, Callback, LoopbackError};
use super::Secret;
use crate::error::{AppError, ErrorCode};

/// Why a sign-in or a refresh did not give tokens, with what caused it. `error.rs` maps each to
/// the code the user sees; Entra's own errors by their `error` and AADSTS number.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("authority URL")]
    BadAuthority(#[source] oauth2::url::ParseError),
    #[error("redirect URI")]
    BadRedirect(#[source] oauth2::url::ParseError),
    #[error("B2B_BROWSER could not start")]
    BrowserOverride(#[source] std::io::Error),
    /// The host could not open the system browser; keeps the host's code.
    #[error("could not open the browser")]
    Browser(#[source] AppError),
    #[error("HTTP client")]
    HttpClient(#[source] reqwest::Error),
    #[error(transparent)]
    Loopback(#[from] LoopbackError),
    /// The identity platform answered with an error. The description is Entra's English text with
    /// ids for support; it holds no secret.
    #[error("{error}: {description}")]
    Identity { error: String, description: String },
    /// Network or TLS, already coded by `error::network_error`.
    #[error("the identity platform could not be reached")]
    Network(#[source] AppError),
    #[error("unexpected answer from the identity platform: {0}")]
    Unexpected(String),
    #[error("sign-in cancelled")]
    Cancelled,
}

/// Where and as whom to sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// e.g. `https://login.microsoftonline.com`, or the simulated tenant's base URL.
    pub authority: String,
    /// Tenant id, verified domain, `organizations` or `common`.
    pub tenant: String,
    pub client_id: String,
    /// Scopes as sent to Entra.
    pub scopes: Vec<String>,
}

/// The delegated scopes B2B Convert asks for (see the README's registration guide).
pub const APP_SCOPES: &[&str] = &[
    "https://graph.microsoft.com/User.Invite.All",
    "https://graph.microsoft.com/User.ReadWrite.All",
    "https://graph.microsoft.com/User.Read",
    "offline_access",
    "openid",
    "profile",
];

impl AuthConfig {
    pub fn new(authority: &str, tenant: &str, client_id: &str) -> Self {
        AuthConfig {
            authority: authority.trim_end_matches('/').to_owned(),
            tenant: tenant.to_owned(),
            client_id: client_id.to_owned(),
            scopes: APP_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn endpoint(&self, name: &str) -> String {
        format!("{}/{}/oauth2/v2.0/{name}", self.authority, self.tenant)
    }
}

/// What a successful sign-in or refresh gives. Secrets are redacted in `Debug` and never
/// serialised.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub expires_in: Duration,
    /// Scopes granted, as Entra lists them.
    pub scopes: Vec<String>,
    /// Who signed in, from the id token (present when `openid` was asked for).
    pub identity: Option<Identity>,
}

/// The id token claims the app shows. Read without signature validation: the token came straight
/// from the token endpoint (OpenID Connect Core 3.1.3.7 allows this) and is only displayed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Identity {
    pub oid: String,
    pub tid: String,
    #[serde(default)]
    pub preferred_username: String,
    #[serde(default)]
    pub name: String,
}

/// The id token in the token response (oauth2 needs the field types to be serialisable; this
/// struct never leaves this module).
#[derive(Clone, Deserialize, serde::Serialize, Default)]
struct IdTokenField {
    #[serde(default)]
    id_token: Option<String>,
}

impl std::fmt::Debug for IdTokenField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdTokenField(***)")
    }
}
impl oauth2::ExtraTokenFields for IdTokenField {}

/// Entra adds a ready-made `message` to the device authorization response.
#[derive(Debug, Clone, Deserialize, serde::Serialize, Default)]
pub struct EntraDeviceFields {
    #[serde(default)]
    pub message: Option<String>,
}
impl ExtraDeviceAuthorizationFields for EntraDeviceFields {}
type DeviceDetails = DeviceAuthorizationResponse<EntraDeviceFields>;

type Token = StandardTokenResponse<IdTokenField, BasicTokenType>;
type Client = oauth2::Client<
    StandardErrorResponse<BasicErrorResponseType>,
    Token,
    oauth2::StandardTokenIntrospectionResponse<EmptyExtraTokenFields, BasicTokenType>,
    oauth2::StandardRevocableToken,
    StandardErrorResponse<oauth2::RevocationErrorResponseType>,
    oauth2::EndpointSet,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn client(cfg: &AuthConfig) -> Result<Client, SignInError> {
    let bad = SignInError::BadAuthority;
    Ok(oauth2::Client::new(ClientId::new(cfg.client_id.clone()))
        .set_auth_uri(AuthUrl::new(cfg.endpoint("authorize")).map_err(bad)?)
        .set_token_uri(TokenUrl::new(cfg.endpoint("token")).map_err(bad)?)
        .set_device_authorization_url(DeviceAuthorizationUrl::new(cfg.endpoint("devicecode")).map_err(bad)?))
}

/// When `B2B_BROWSER` names a program, hands it the sign-in URL instead of the system browser
/// (the tests use tenant-sim's `sim-browser`; kiosks may use their own). `None` when unset.
pub fn browser_override(url: &str) -> Option<Result<(), SignInError>> {
    let program = std::env::var_os("B2B_BROWSER")?;
    Some(
        std::process::Command::new(program)
            .arg(url)
            .spawn()
            .map(|_| ())
            .map_err(SignInError::BrowserOverride),
    )
}

/// An HTTP client that never follows redirects (oauth2's advice against SSRF).
pub fn http_client() -> Result<reqwest::Client, SignInError> {
    crate::net::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(SignInError::HttpClient)
}

/// `scope` may be left out when it equals what was asked for (RFC 6749 section 5.1); Entra sends
/// it, and it is the only reliable list of what was granted (access tokens are opaque, CONTRACT.md 9.2).
fn token_set(t: Token, cfg: &AuthConfig) -> TokenSet {
    let identity = t.extra_fields().id_token.as_deref().and_then(decode_identity);
    TokenSet {
        access_token: Secret::new(t.access_token().secret().clone()),
        refresh_token: t.refresh_token().map(|r| Secret::new(r.secret().clone())),
        expires_in: t.expires_in().unwrap_or(Duration::from_secs(3600)),
        scopes: t
            .scopes()
            .map(|s| s.iter().map(|x| x.to_string()).collect())
            .unwrap_or_else(|| cfg.scopes.clone()),
        identity,
    }
}

fn decode_identity(jwt: &str) -> Option<Identity> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The AADSTS number at the start of an Entra `error_description`.
pub fn aadsts(description: &str) -> Option<u32> {
    let rest = description.trim_start().strip_prefix("AADSTS")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The stable code of an identity platform error. Branches on `error` and the AADSTS number,
/// never on the English text (CONTRACT.md section 6).
pub fn identity_code(error: &str, description: &str) -> ErrorCode {
    match (aadsts(description), error) {
        (Some(65001 | 65004 | 90094), _) | (_, "consent_required") => ErrorCode::ConsentRequired,
        (Some(50076 | 50079), _) | (_, "interaction_required") => ErrorCode::MfaRequired,
        (Some(53003 | 53000 | 53001), _) => ErrorCode::ConditionalAccessBlocked,
        (Some(700016 | 700011), _) | (_, "unauthorized_client") => ErrorCode::AppNotFound,
        (Some(90002), _) => ErrorCode::TenantNotFound,
        (Some(50011), _) => ErrorCode::RedirectUriMismatch,
        (Some(7000218 | 700025), _) => ErrorCode::PublicClientDisabled,
        (_, "expired_token") => ErrorCode::DeviceCodeExpired,
        (_, "authorization_declined" | "access_denied") => ErrorCode::SignInCancelled,
        (_, "invalid_grant") => ErrorCode::SessionExpired,
        _ => ErrorCode::IdentityError,
    }
}

fn identity_error(error: &str, description: &str) -> SignInError {
    SignInError::Identity {
        error: error.to_owned(),
        description: description.to_owned(),
    }
}

fn map_request_error<RE: std::error::Error + 'static>(
    e: RequestTokenError<RE, StandardErrorResponse<impl oauth2::ErrorResponseType + std::fmt::Display>>,
) -> SignInError {
    match e {
        RequestTokenError::ServerResponse(r) => identity_error(
            &r.error().to_string(),
            r.error_description().map(String::as_str).unwrap_or(""),
        ),
        RequestTokenError::Request(inner) => SignInError::Network(crate::error::network_error(&inner)),
        RequestTokenError::Parse(inner, _) => SignInError::Unexpected(inner.to_string()),
        RequestTokenError::Other(s) => SignInError::Unexpected(s),
    }
}

fn scopes(cfg: &AuthConfig) -> Vec<Scope> {
    cfg.scopes.iter().map(|s| Scope::new(s.clone())).collect()
}

/// Cancels a sign-in in progress when it turns true.
pub type Cancel = tokio::sync::watch::Receiver<bool>;

/// Resolves when `cancel` turns true; never, if its sender is gone without cancelling.
pub async fn cancelled(mut cancel: Cancel) {
    if cancel.wait_for(|c| *c).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Authorization code + PKCE through the system browser. `open_browser` gets the authorize URL
/// (the caller opens it: tauri-plugin-opener in the app, `open` in the CLI, a script in tests).
pub async fn browser_sign_in(
    cfg: &AuthConfig,
    open_browser: impl FnOnce(&str) -> Result<(), AppError>,
    timeout: Duration,
    cancel: Cancel,
) -> Result<TokenSet, SignInError> {
    let listener = loopback::Listener::bind().await?;
    let redirect = listener.redirect_uri();
    let client = client(cfg)?.set_redirect_uri(RedirectUrl::new(redirect).map_err(SignInError::BadRedirect)?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(scopes(cfg))
        .set_pkce_challenge(challenge)
        .url();
    open_browser(url.as_str()).map_err(SignInError::Browser)?;
    let code = match listener.wait(state.secret(), timeout, cancel).await? {
        Callback::Code(code) => code,
        Callback::Error { error, description } => return Err(identity_error(&error, &description)),
    };
    let http = http_client()?;
    let token = client
        .exchange_code(AuthorizationCode::new(code.expose().to_owned()))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .map_err(map_request_error)?;
    Ok(token_set(token, cfg))
}

/// What the user needs to finish a device code sign-in elsewhere.
#[derive(Debug, Clone)]
pub struct DevicePrompt {
    pub user_code: String,
    pub verification_uri: String,
    pub message: String,
    pub expires_in: Duration,
    pub interval: Duration,
    details: DeviceDetails,
}

pub async fn device_start(cfg: &AuthConfig) -> Result<DevicePrompt, SignInError> {
    let http = http_client()?;
    let details: DeviceDetails = client(cfg)?
        .exchange_device_code()
        .add_scopes(scopes(cfg))
        .request_async(&http)
        .await
        .map_err(map_request_error)?;
    Ok(DevicePrompt {
        user_code: details.user_code().secret().clone(),
        verification_uri: details.verification_uri().to_string(),
        message: details.extra_fields().message.clone().unwrap_or_default(),
        expires_in: details.expires_in(),
        interval: details.interval(),
        details,
    })
}

/// Polls at the interval given (slowing down when told to) until the user finishes, declines,
/// the code expires, or the sign-in is cancelled.
pub async fn device_finish(
    cfg: &AuthConfig,
    prompt: &DevicePrompt,
    cancel: Cancel,
) -> Result<TokenSet, SignInError> {
    let http = http_client()?;
    let client = client(cfg)?;
    let poll = client
        .exchange_device_access_token(&prompt.details)
        .request_async(&http, tokio::time::sleep, None);
    tokio::select! {
        r = poll => r.map(|t| token_set(t, cfg)).map_err(map_request_error),
        _ = cancelled(cancel) => Err(SignInError::Cancelled),
    }
}

pub async fn refresh(cfg: &AuthConfig, refresh_token: &Secret) -> Result<TokenSet, SignInError> {
    let http = http_client()?;
    let token = client(cfg)?
        .exchange_refresh_token(&RefreshToken::new(refresh_token.expose().to_owned()))
        .add_scopes(scopes(cfg))
        .request_async(&http)
        .await
        .map_err(map_request_error)?;
    Ok(token_set(token, cfg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_entra_errors_by_code() {
        let m = |e: &str, d: &str| identity_code(e, d);
        assert_eq!(
            m(
                "invalid_grant",
                "AADSTS65001: The user or administrator has not consented"
            ),
            ErrorCode::ConsentRequired
        );
        assert_eq!(
            m("invalid_grant", "AADSTS50076: Due to a configuration change"),
            ErrorCode::MfaRequired
        );
        assert_eq!(
            m(
                "invalid_grant",
                "AADSTS53003: Access has been blocked by Conditional Access"
            ),
            ErrorCode::ConditionalAccessBlocked
        );
        assert_eq!(
            m("unauthorized_client", "AADSTS700016: Application not found"),
            ErrorCode::AppNotFound
        );
        assert_eq!(
            m("invalid_grant", "AADSTS50173: The provided grant has expired"),
            ErrorCode::SessionExpired
        );
        assert_eq!(
            m("invalid_grant", "AADSTS700082: The refresh token has expired"),
            ErrorCode::SessionExpired
        );
        assert_eq!(
            m("expired_token", "AADSTS70019: Verification code expired."),
            ErrorCode::DeviceCodeExpired
        );
        assert_eq!(
            m("invalid_request", "AADSTS90002: Tenant not found"),
            ErrorCode::TenantNotFound
        );
        assert_eq!(
            m("invalid_client", "AADSTS7000218: must contain client_assertion"),
            ErrorCode::PublicClientDisabled
        );
        assert_eq!(m("server_error", "something"), ErrorCode::IdentityError);
        assert_eq!(aadsts("AADSTS54005: OAuth2 code"), Some(54005));
        assert_eq!(aadsts("no code"), None);
    }

    #[test]
    fn reads_identity_from_an_id_token() {
        use base64::Engine;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"oid":"o1","tid":"t1","preferred_username":"a@contoso.com","name":"Ada"}"#);
        let id = decode_identity(&format!("h.{payload}.s")).expect("claims");
        assert_eq!(
            (id.oid.as_str(), id.tid.as_str(), id.name.as_str()),
            ("o1", "t1", "Ada")
        );
        assert_eq!(decode_identity("garbage"), None);
    }

    #[test]
    fn endpoints_follow_the_authority_and_tenant() {
        let cfg = AuthConfig::new("http://127.0.0.1:9/", "organizations", "c");
        assert_eq!(
            cfg.endpoint("token"),
            "http://127.0.0.1:9/organizations/oauth2/v2.0/token"
        );
    }
}
