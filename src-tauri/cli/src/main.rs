//! `b2b`: B2B Convert for scripts. Shares the core and the keychain vault with the app.
//!
//!   b2b login [--device-code] [--tenant T]
//!   b2b whoami
//!   b2b logout [--account ID | --all]
//!
//! `--authority-url`, `--graph-url` and `--client-id` (or B2B_AUTHORITY_URL, B2B_GRAPH_URL,
//! B2B_CLIENT_ID) point it at another tenant, such as the simulated one; `--json` prints one JSON
//! object per line. Exit status: 0 on success, 1 on failure, 2 on bad usage.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use b2b_core::auth::flow::{self, AuthConfig};
use b2b_core::auth::{accounts, Account, Accounts};
use b2b_core::keychain::Keychain;
use b2b_core::{AppError, ErrorCode};
use clap::{Parser, Subcommand};
use serde_json::json;

/// Microsoft Graph Command Line Tools: the quick alternative for admins who cannot register an
/// app (CONTRACT.md section 6); some tenants block or restrict it.
const DEFAULT_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

#[derive(Parser)]
#[command(
    name = "b2b",
    version,
    about = "Convert internal Microsoft Entra users to B2B collaboration users"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The identity platform.
    #[arg(
        long,
        global = true,
        env = "B2B_AUTHORITY_URL",
        default_value = "https://login.microsoftonline.com"
    )]
    authority_url: String,
    /// Microsoft Graph.
    #[arg(
        long,
        global = true,
        env = "B2B_GRAPH_URL",
        default_value = "https://graph.microsoft.com"
    )]
    graph_url: String,
    /// The app registration (public client) to sign in with.
    #[arg(long, global = true, env = "B2B_CLIENT_ID", default_value = DEFAULT_CLIENT_ID)]
    client_id: String,
    /// Machine-readable output: one JSON object per line.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in, in the system browser or with a device code.
    Login {
        /// Sign in on another device: shows a code to enter at a web page.
        #[arg(long)]
        device_code: bool,
        /// Tenant id or domain (default: organizations).
        #[arg(long, default_value = "organizations")]
        tenant: String,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 300)]
        timeout_s: u64,
    },
    /// Show the signed-in accounts and what they can do.
    Whoami,
    /// Sign out: remove the account's keychain entries.
    Logout {
        #[arg(long, conflicts_with = "all")]
        account: Option<String>,
        #[arg(long)]
        all: bool,
    },
}

struct Out {
    json: bool,
}

impl Out {
    fn event(&self, value: serde_json::Value, text: &str) {
        let mut stdout = std::io::stdout();
        let _ = if self.json {
            writeln!(stdout, "{value}")
        } else {
            writeln!(stdout, "{text}")
        };
        let _ = stdout.flush();
    }

    fn error(&self, e: &AppError) {
        if self.json {
            println!("{}", json!({ "error": { "code": e.code, "message": e.message } }));
        } else {
            eprintln!("b2b: {} ({})\n{}", explain(e.code), code_name(e.code), e.message);
        }
    }
}

fn code_name(code: ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Plain English with the next step, for people at a terminal.
fn explain(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::KeychainUnavailable => "The system keychain could not be reached. On Linux, start a keyring service (such as GNOME Keyring) in your session and try again.",
        ErrorCode::KeychainLocked => "The system keychain is locked. Unlock it and try again.",
        ErrorCode::SignInTimedOut => "Sign-in timed out: the browser did not come back. Run b2b login again, or use --device-code.",
        ErrorCode::SignInCancelled => "Sign-in was cancelled or declined.",
        ErrorCode::StateMismatch => "The browser came back with a different sign-in request. Close other sign-in tabs and try again.",
        ErrorCode::ConsentRequired => "The app has no admin consent in this tenant. Ask a Global Administrator to grant consent, then sign in again.",
        ErrorCode::MfaRequired => "Your organisation requires multi-factor authentication. Sign in again in the browser to complete it.",
        ErrorCode::ConditionalAccessBlocked => "A Conditional Access policy blocked this sign-in. Ask your administrator which device or location is allowed.",
        ErrorCode::AppNotFound => "The app registration was not found in this tenant. Check --client-id, or register the app (see the README).",
        ErrorCode::TenantNotFound => "No such tenant. Check --tenant.",
        ErrorCode::RedirectUriMismatch => "The app registration lacks the redirect URI http://localhost (Mobile and desktop applications). Add it and try again.",
        ErrorCode::PublicClientDisabled => "The app registration does not allow public client flows. Turn on 'Allow public client flows' and try again.",
        ErrorCode::SessionExpired => "The saved sign-in has expired or was revoked. Run b2b login again.",
        ErrorCode::DeviceCodeExpired => "The code expired before sign-in finished. Run b2b login --device-code again.",
        ErrorCode::NotSignedIn => "Not signed in. Run b2b login first.",
        ErrorCode::NetworkUnreachable => "The service could not be reached. Check your network connection and the --authority-url.",
        _ => "The command failed.",
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Out { json: cli.json };
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("b2b: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(&cli, &out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            out.error(&e);
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: &Cli, out: &Out) -> Result<(), AppError> {
    let store = Accounts::new(Keychain::default());
    match &cli.command {
        Command::Login {
            device_code,
            tenant,
            timeout_s,
        } => {
            let cfg = AuthConfig::new(&cli.authority_url, tenant, &cli.client_id);
            let tokens = if *device_code {
                let prompt = flow::device_start(&cfg).await?;
                out.event(
                    json!({ "event": "device_code", "userCode": prompt.user_code, "verificationUri": prompt.verification_uri,
                            "expiresIn": prompt.expires_in.as_secs(), "message": prompt.message }),
                    &prompt.message,
                );
                flow::device_finish(&cfg, &prompt, tokio::sync::watch::channel(false).1).await?
            } else {
                let open = |url: &str| open_browser(url, out);
                flow::browser_sign_in(
                    &cfg,
                    open,
                    Duration::from_secs(*timeout_s),
                    tokio::sync::watch::channel(false).1,
                )
                .await?
            };
            let account = accounts::account_from_sign_in(&cfg, &cli.graph_url, &tokens).await?;
            store.save(&account, &tokens)?;
            let caps =
                accounts::capabilities(&account.graph_url, &tokens.access_token, tokens.scopes.clone())
                    .await
                    .ok();
            out.event(
                json!({ "event": "signed_in", "account": account, "capabilities": caps }),
                &format!(
                    "Signed in as {} ({}) in {}.",
                    account.display_name,
                    account.username,
                    tenant_label(&account)
                ),
            );
            Ok(())
        }
        Command::Whoami => {
            let list = store.list()?;
            if list.is_empty() {
                return Err(AppError::new(
                    ErrorCode::NotSignedIn,
                    "no account is signed in on this computer",
                ));
            }
            for account in list {
                let caps = match store.access_token(&account).await {
                    Ok((token, scopes)) => accounts::capabilities(&account.graph_url, &token, scopes)
                        .await
                        .map_err(|e| e.code),
                    Err(e) => Err(e.code),
                };
                let text = match &caps {
                    Ok(c) => format!(
                        "{} ({}) in {}: roles {}; can convert: {}; can reset redemption: {}",
                        account.display_name,
                        account.username,
                        tenant_label(&account),
                        if c.roles.is_empty() {
                            "none".to_owned()
                        } else {
                            c.roles.join(", ")
                        },
                        yes_no(c.can_convert),
                        yes_no(c.can_reset)
                    ),
                    Err(code) => format!(
                        "{} ({}) in {}: {}",
                        account.display_name,
                        account.username,
                        tenant_label(&account),
                        explain(*code)
                    ),
                };
                let value = match caps {
                    Ok(c) => json!({ "account": account, "capabilities": c }),
                    Err(code) => json!({ "account": account, "error": { "code": code } }),
                };
                out.event(value, &text);
            }
            Ok(())
        }
        Command::Logout { account, all } => {
            let list = store.list()?;
            let targets: Vec<Account> = match (account, all) {
                (Some(id), _) => vec![store.get(id)?],
                (None, true) => list,
                (None, false) if list.len() == 1 => list,
                (None, false) if list.is_empty() => {
                    return Err(AppError::new(
                        ErrorCode::NotSignedIn,
                        "no account is signed in on this computer",
                    ))
                }
                (None, false) => {
                    return Err(AppError::new(
                        ErrorCode::InvalidInput,
                        "several accounts are signed in: name one with --account ID, or use --all",
                    ))
                }
            };
            for a in targets {
                store.sign_out(&a.id)?;
                out.event(
                    json!({ "event": "signed_out", "account": a.id }),
                    &format!("Signed out {}.", a.username),
                );
            }
            Ok(())
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn tenant_label(a: &Account) -> String {
    a.tenant_name.clone().unwrap_or_else(|| a.tenant_id.clone())
}

/// The system browser, or the program named by B2B_BROWSER (used by tests and kiosks).
fn open_browser(url: &str, out: &Out) -> Result<(), AppError> {
    out.event(
        json!({ "event": "browser", "message": "Opening your browser to sign in." }),
        "Opening your browser to sign in…",
    );
    if let Some(r) = flow::browser_override(url) {
        return r;
    }
    open::that_detached(url)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("could not open a browser: {e}")))
}
