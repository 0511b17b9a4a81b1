//! `b2b`: B2B Convert for scripts. Shares the core and the keychain vault with the app.
//!
//!   b2b login [--device-code] [--tenant T]
//!   b2b whoami
//!   b2b logout [--account ID | --all]
//!   b2b check --user U --email E
//!   b2b convert --user U --email E [--no-mail] [--message M] [--language L] [--cc C]
//!               [--redirect-url URL] [--set-guest] [--yes]
//!   b2b resend --user U [--email E] [--add-to mail|other-mails] [...the same options] [--yes]
//!   b2b invite --email E [--display-name N] [--member] [--no-mail] [--message M] [--language L]
//!              [--cc C] [--redirect-url U] [--yes]
//!   b2b pending [--older-than DAYS] [--resend [--yes] [--report FILE]]
//!   b2b history [--search TEXT] [--csv]
//!   b2b policy
//!
//! `--authority-url`, `--graph-url` and `--client-id` (or B2B_AUTHORITY_URL, B2B_GRAPH_URL,
//! B2B_CLIENT_ID) point it at another tenant, such as the simulated one; `--json` prints one JSON
//! object per line. Exit status: 0 on success, 1 on failure, 2 on bad usage.
//!
//! The organisation's policy (see `b2b_core::policy`) is read at start: a locked value wins over
//! a flag or a variable (with a note on standard error), a recommended one fills in when none
//! is given.

mod bulk_cmd;
mod discover_cmd;
mod invite_cmd;
mod policy_cmd;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use std::path::PathBuf;
use std::sync::Arc;

use b2b_core::auth::{Account, Secret};
use b2b_core::codes::{CheckCode, FollowUpWarning};
use b2b_core::convert::Severity;
use b2b_core::convert_service::{self, AddressSlot, CheckKind, ConvertRequest};
use b2b_core::history;
use b2b_core::keychain::Keychain;
use b2b_core::policy::{Policy, PolicyKey};
use b2b_core::settings::Connection;
use b2b_core::{AppError, ErrorCode};
use b2b_service::{Host, Overrides, Service, SettingsBackend, SettingsFile};
use clap::{Parser, Subcommand};
use serde_json::json;

#[derive(Parser)]
#[command(
    name = "b2b",
    version,
    about = "Convert internal Microsoft Entra users to B2B collaboration users"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The identity platform [default: the policy's AuthorityUrl, else
    /// https://login.microsoftonline.com].
    #[arg(long, global = true, env = "B2B_AUTHORITY_URL")]
    authority_url: Option<String>,
    /// Microsoft Graph [default: the policy's GraphUrl, else https://graph.microsoft.com].
    #[arg(long, global = true, env = "B2B_GRAPH_URL")]
    graph_url: Option<String>,
    /// The app registration (public client) to sign in with [default: the policy's ClientId,
    /// else Microsoft Graph Command Line Tools, 14d82eec-204b-4c2f-b7e8-296a70dab67e].
    #[arg(long, global = true, env = "B2B_CLIENT_ID")]
    client_id: Option<String>,
    /// Machine-readable output: one JSON object per line.
    #[arg(long, global = true)]
    json: bool,
    /// Use this access token for Graph instead of a signed-in account (as Connect-MgGraph
    /// -AccessToken does). Prefer the environment variable: arguments are visible to other users.
    #[arg(long, global = true, env = "B2B_ACCESS_TOKEN", hide_env_values = true)]
    access_token: Option<String>,
    /// The signed-in account to act as (default: the only one, or the first).
    #[arg(long, global = true)]
    as_account: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in, in the system browser or with a device code.
    Login {
        /// Sign in on another device: shows a code to enter at a web page.
        #[arg(long)]
        device_code: bool,
        /// Tenant id or domain [default: the policy's TenantId, else organizations].
        #[arg(long)]
        tenant: Option<String>,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 300)]
        timeout_s: u64,
    },
    /// Show the signed-in accounts and what they can do.
    Whoami,
    /// Run the pre-flight checks for converting a user; changes nothing. Exit status 1 when blocked.
    Check {
        /// The user's UPN or object id.
        #[arg(long)]
        user: String,
        /// The external address the user will sign in with.
        #[arg(long)]
        email: String,
    },
    /// Convert an internal user to B2B collaboration (one-way), after the pre-flight checks.
    Convert {
        #[arg(long)]
        user: String,
        #[arg(long)]
        email: String,
        /// Do not send the invitation e-mail: the redeem URL is printed instead.
        #[arg(long, conflicts_with = "send_mail")]
        no_mail: bool,
        /// Send the invitation e-mail (the default, unless the policy recommends otherwise).
        #[arg(long)]
        send_mail: bool,
        #[arg(long)]
        message: Option<String>,
        /// Invitation language, e.g. fr-FR.
        #[arg(long)]
        language: Option<String>,
        /// One more recipient of the invitation e-mail.
        #[arg(long)]
        cc: Option<String>,
        /// Where the user lands after accepting (default: My Apps in this tenant).
        #[arg(long)]
        redirect_url: Option<String>,
        /// Also set userType to Guest (changes billing to MAU-based external identities).
        #[arg(long)]
        set_guest: bool,
        /// A sponsor (UPN, or a user's or group's object id); repeat for up to five. Without it the
        /// organisation's default sponsor is used, else Microsoft makes you the sponsor.
        #[arg(long = "sponsor", value_name = "UPN")]
        sponsors: Vec<String>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Resend the invitation and reset the redemption status (resetRedemption), optionally to a new
    /// address, which is added to the user first. The user keeps id, UPN, groups and apps.
    Resend {
        #[arg(long)]
        user: String,
        /// The address to invite (default: the user's mail, else their first other mail).
        #[arg(long)]
        email: Option<String>,
        /// Where a new address is added first: mail, or other-mails (always, when a mailbox owns mail).
        #[arg(long, value_enum, default_value = "mail")]
        add_to: Slot,
        #[arg(long, conflicts_with = "send_mail")]
        no_mail: bool,
        #[arg(long)]
        send_mail: bool,
        #[arg(long)]
        message: Option<String>,
        #[arg(long)]
        language: Option<String>,
        #[arg(long)]
        cc: Option<String>,
        #[arg(long)]
        redirect_url: Option<String>,
        #[arg(long)]
        yes: bool,
    },
    /// Invite a new external user (Guest by default), after checking that no user, group or
    /// contact already holds the address and that it is not in a verified domain.
    Invite {
        /// The person's external e-mail address.
        #[arg(long)]
        email: String,
        /// The new user's display name.
        #[arg(long)]
        display_name: Option<String>,
        /// Invite as a Member instead of a Guest (Microsoft allows it to administrators).
        #[arg(long)]
        member: bool,
        /// Do not send the invitation e-mail: the redeem URL is printed instead.
        #[arg(long)]
        no_mail: bool,
        #[arg(long)]
        message: Option<String>,
        /// Invitation language, e.g. fr-FR.
        #[arg(long)]
        language: Option<String>,
        /// One more recipient of the invitation e-mail.
        #[arg(long)]
        cc: Option<String>,
        /// Where the person lands after accepting (default: My Apps in this tenant).
        #[arg(long)]
        redirect_url: Option<String>,
        /// A sponsor (UPN or object id of a user or group); repeat for up to five. Default: the
        /// organisation's default sponsors, else you.
        #[arg(long = "sponsor", value_name = "UPN")]
        sponsors: Vec<String>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// List the invitations still waiting for acceptance, oldest first; those pending for DAYS
    /// or more are overdue. Users who accepted since the last look are listed too.
    Pending {
        /// Whole days from which a pending invitation is overdue.
        #[arg(long, value_name = "DAYS", default_value_t = b2b_core::bulk::overdue::DEFAULT_DAYS)]
        older_than: u32,
        /// Resend to every overdue invitation as a bulk run: preview, journal (never twice to one
        /// person), report.
        #[arg(long)]
        resend: bool,
        /// With --resend: do not ask for confirmation.
        #[arg(long, requires = "resend")]
        yes: bool,
        /// With --resend: where the report goes (default: pending-resend.report.csv).
        #[arg(long, requires = "resend")]
        report: Option<PathBuf>,
        /// With --resend: invitations in flight at once (fewer while Microsoft throttles).
        #[arg(long, default_value_t = b2b_service::bulk::DEFAULT_CONCURRENCY, requires = "resend")]
        concurrency: usize,
    },
    /// Find internal members who look like partners (an address outside your verified domains,
    /// not synced, never invited), grouped by their domain with the pre-flight's verdict.
    Discover {
        /// Also write them as a bulk CSV (every account found; the status column says which are
        /// ready) for `b2b bulk run`.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
    },
    /// Show what was done from this computer (newest first), or export it as CSV.
    History {
        /// Only entries holding every word (user, admin, address, outcome, request id...).
        #[arg(long, default_value = "")]
        search: String,
        /// Print CSV (with a header row) instead of lines.
        #[arg(long)]
        csv: bool,
    },
    /// Show the organisation's policy in force on this computer, and what was ignored.
    Policy,
    /// Convert many users from a CSV file, or invite many new external users from one without a
    /// user column: template, preview, run (resumable).
    Bulk {
        #[command(subcommand)]
        command: BulkCommand,
    },
    /// Sign out: remove the account's keychain entries.
    Logout {
        #[arg(long, conflicts_with = "all")]
        account: Option<String>,
        #[arg(long)]
        all: bool,
    },
}

#[derive(Subcommand)]
enum BulkCommand {
    /// Print the CSV template: user (UPN or object id), email, and optional per-row options.
    /// With --invite, the template of an invitation file: no user column (that is the
    /// difference), email, displayName, userType (Guest or Member) and the same options.
    Template {
        /// The template for inviting new external users instead of converting existing ones.
        #[arg(long)]
        invite: bool,
    },
    /// Check every row as a single conversion would; changes nothing.
    Preview {
        file: std::path::PathBuf,
        /// Also write the preview as CSV here.
        #[arg(long)]
        export: Option<std::path::PathBuf>,
    },
    /// Convert the ready rows, in parallel, with a journal that makes the run resumable.
    Run {
        file: std::path::PathBuf,
        /// Continue a run of this file that stopped (crash, kill, Ctrl-C); never invites twice.
        #[arg(long)]
        resume: bool,
        /// Rows in flight at most (fewer while Graph throttles).
        #[arg(long, default_value_t = 6)]
        concurrency: usize,
        /// Where to write the report (default: FILE.report.csv).
        #[arg(long)]
        report: Option<std::path::PathBuf>,
        /// After the run, make new redeem links (a reset of redemption, no e-mail) for the rows
        /// converted without an e-mail whose link is lost (e.g. journals from before links were
        /// kept). Users who already redeemed are left alone.
        #[arg(long)]
        relink: bool,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Slot {
    Mail,
    OtherMails,
}

pub struct Out {
    pub json: bool,
}

impl Out {
    pub fn event(&self, value: serde_json::Value, text: &str) {
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
    b2b_core::export::wire_name(&code)
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
        ErrorCode::TlsUntrusted => "Your network presented a certificate this computer does not trust; nothing was sent. If your organisation inspects secure traffic, ask IT to deploy its root certificate to this computer's trust store.",
        ErrorCode::ProxyAuthRequired => "Your network's proxy asked for a sign-in; nothing was sent. b2b can give the proxy a user and password set in HTTPS_PROXY (http://user:password@proxy:port), not Windows sign-in (NTLM, Kerberos): ask IT to let it reach login.microsoftonline.com and graph.microsoft.com without one.",
        ErrorCode::ProxyRefused => "Your network's proxy refused to connect to the service; nothing was sent. Ask IT to allow login.microsoftonline.com and graph.microsoft.com through the proxy, or set NO_PROXY if the service should be reached directly.",
        ErrorCode::ConversionBlocked => "The pre-flight checks found a problem (marked BLOCKED above); nothing was changed.",
        ErrorCode::UserNotFound => "No user with this UPN or object id.",
        ErrorCode::PermissionDenied => "Microsoft Graph refused: your account lacks a role or permission for this. Run b2b whoami to see what you have.",
        ErrorCode::Throttled => "Microsoft Graph is busy and asked us to slow down. Wait a minute and try again.",
        ErrorCode::InvalidRedirectUrl => "The redirect URL must start with https:// (or http://localhost for testing).",
        ErrorCode::HistoryIo => "History could not be read or written. Check that your profile folder is writable.",
        ErrorCode::ExportIo => "The file could not be written (the message says where). Check that the folder exists and that you can write to it, or choose another path.",
        ErrorCode::CsvUnreadable => "The CSV file could not be read: save it as CSV UTF-8 (comma or semicolon separated) and try again.",
        ErrorCode::CsvTooLarge => "The CSV file is larger than 20 MB. Split it into several files and run them one after the other.",
        ErrorCode::CsvColumns => "The CSV file needs a user column (UPN or object id) and an email column to convert users, or an email column and no user column to invite new ones. Run b2b bulk template (or b2b bulk template --invite) for an example.",
        ErrorCode::JournalIo => "The bulk run's journal could not be written. Check that your profile folder is writable; nothing more was sent.",
        ErrorCode::BulkAlreadyRun => "This file was run before. Add --resume to continue where it stopped; users already converted are not invited again.",
        ErrorCode::InvalidCcAddress => "The --cc address is not a valid e-mail address.",
        ErrorCode::NotConfirmed => "Not confirmed; nothing was changed.",
        ErrorCode::SponsorNotFound => "A sponsor is not a user or group of this tenant (give a UPN or an object id); nothing was changed.",
        ErrorCode::TooManySponsors => "Microsoft allows at most five sponsors per user; nothing was changed.",
        ErrorCode::BulkRowsFailed => "Some rows failed, have no known outcome yet, or did not run: see the report, fix them, then run again with --resume (rows with no known outcome are read again, never sent twice).",
        ErrorCode::ScanCancelled => "The scan was stopped before it finished; nothing was changed. Run b2b discover again.",
        ErrorCode::OutcomeUnknown => "The invitation was sent but no answer came back, and the user does not show it yet. Run b2b check, then try again.",
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

/// `b2b`'s host: the app's data folder (so History, journals and settings are shared), the
/// current folder for exports, and the system browser (or B2B_BROWSER).
struct CliHost {
    json: bool,
}

impl Host for CliHost {
    fn source(&self) -> &'static str {
        "cli"
    }

    fn data_dir(&self) -> Result<PathBuf, AppError> {
        b2b_core::settings_file::default_dir()
            .ok_or_else(|| AppError::new(ErrorCode::HistoryIo, "no data folder on this system"))
    }

    fn export_dir(&self) -> Result<PathBuf, AppError> {
        std::env::current_dir().map_err(|e| AppError::new(ErrorCode::ExportIo, e.to_string()))
    }

    fn throttled(&self, notice: &b2b_service::bulk::ThrottledEvent) {
        Out { json: self.json }.event(
            json!({ "event": "throttled", "retryAt": notice.retry_at, "waitS": notice.wait_s }),
            &format!(
                "Microsoft asked to slow down; trying again in {} s ({}).",
                notice.wait_s, notice.retry_at
            ),
        );
    }

    fn open_url(&self, url: &str) -> Result<(), AppError> {
        Out { json: self.json }.event(
            json!({ "event": "browser", "message": "Opening your browser to sign in." }),
            "Opening your browser to sign in…",
        );
        open::that_detached(url)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("could not open a browser: {e}")))
    }
}

/// With no data folder there is no settings file: defaults, and nothing saved.
struct NoSettings;

impl SettingsBackend for NoSettings {
    fn load(&self) -> Option<serde_json::Value> {
        None
    }
    fn save(&self, _: serde_json::Value) -> Result<(), AppError> {
        Ok(())
    }
}

/// The service as `b2b` uses it: the app's settings file and keychain, with the flags and
/// `B2B_*` variables on top. With no flag, `b2b` follows the connection and the current account
/// chosen in the app; with none chosen there, the policy's values, else Microsoft's cloud.
fn service(cli: &Cli, policy: Policy) -> Service {
    let host = Arc::new(CliHost { json: cli.json });
    let settings: Box<dyn SettingsBackend> = match b2b_core::settings_file::default_path() {
        Some(path) => Box::new(SettingsFile::new(path)),
        None => Box::new(NoSettings),
    };
    let flags = cli.authority_url.is_some() || cli.graph_url.is_some() || cli.client_id.is_some();
    let mut svc = Service::new(
        host,
        settings,
        Box::new(Keychain::default()),
        policy,
        Overrides::default(),
    );
    let connection = if flags || svc.settings.get().connection.is_none() {
        let ends = policy_cmd::endpoints(
            svc.policy(),
            cli.authority_url.as_deref(),
            cli.graph_url.as_deref(),
            cli.client_id.as_deref(),
        );
        Some(Connection::Organisation {
            client_id: ends.client_id,
            tenant: svc
                .policy()
                .pick_text(PolicyKey::TenantId, None)
                .unwrap_or_else(|| "organizations".into()),
            authority_url: ends.authority_url,
            graph_url: ends.graph_url,
        })
    } else {
        None
    };
    svc.session.override_with(Overrides {
        connection,
        account: cli.as_account.clone(),
        access_token: cli.access_token.clone().map(Secret::new),
    });
    svc
}

async fn run(cli: &Cli, out: &Out) -> Result<(), AppError> {
    let policy = Policy::load();
    if let Command::Policy = cli.command {
        policy_cmd::show(out, &policy);
        return Ok(());
    }
    policy_cmd::report_warnings(&policy);
    b2b_core::net::use_policy(&policy);
    let svc = Arc::new(service(cli, policy));
    match &cli.command {
        Command::Policy => Ok(()),
        Command::Login {
            device_code,
            tenant,
            timeout_s,
        } => {
            // A tenant given here (or locked by the policy) replaces the connection's.
            let tenant = if tenant.is_some() || svc.policy().is_locked(PolicyKey::TenantId) {
                policy_cmd::opt_text(svc.policy(), PolicyKey::TenantId, tenant.as_deref(), "--tenant")
            } else {
                None
            };
            let account = if *device_code {
                let (view, message) = svc.start_device_code(tenant.as_deref()).await?;
                out.event(
                    json!({ "event": "device_code", "userCode": view.user_code, "verificationUri": view.verification_uri,
                            "expiresIn": view.expires_in_s, "message": message }),
                    &message,
                );
                svc.finish_device_code().await?
            } else {
                svc.sign_in_browser(tenant.as_deref(), Duration::from_secs(*timeout_s))
                    .await?
            };
            let caps = svc.capabilities_of(&account).await.ok();
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
            let (list, current) = svc.session.accounts_and_current(&svc.settings)?;
            if list.is_empty() {
                return Err(AppError::new(
                    ErrorCode::NotSignedIn,
                    "no account is signed in on this computer",
                ));
            }
            for account in list {
                let is_current = current.as_ref().is_some_and(|c| c.id == account.id);
                let caps = svc.capabilities_of(&account).await.map_err(|e| e.code);
                let who = format!(
                    "{}{} ({}) in {}",
                    if is_current { "* " } else { "  " },
                    account.display_name,
                    account.username,
                    tenant_label(&account)
                );
                let text = match &caps {
                    Ok(c) => format!(
                        "{who}: roles {}; can convert: {}; can reset redemption: {}",
                        if !c.roles_known {
                            "not confirmed (Graph hides role names without RoleManagement.Read.Directory)"
                                .to_owned()
                        } else if c.roles.is_empty() {
                            "none".to_owned()
                        } else {
                            c.roles.join(", ")
                        },
                        ability(c.can_convert, c.convert_confirmed()),
                        ability(c.can_reset, c.reset_confirmed())
                    ),
                    Err(code) => format!("{who}: {}", explain(*code)),
                };
                let value = match caps {
                    Ok(c) => json!({ "account": account, "current": is_current, "capabilities": c }),
                    Err(code) => {
                        json!({ "account": account, "current": is_current, "error": { "code": code } })
                    }
                };
                out.event(value, &text);
            }
            Ok(())
        }
        Command::Check { user, email } => {
            let pre = svc.preflight(user, email, CheckKind::Convert).await?;
            report_checks(out, &pre);
            if pre.can_convert {
                Ok(())
            } else {
                Err(AppError::new(
                    ErrorCode::ConversionBlocked,
                    "the pre-flight found a blocker",
                ))
            }
        }
        Command::Convert {
            user,
            email,
            no_mail,
            send_mail,
            message,
            language,
            cc,
            redirect_url,
            set_guest,
            sponsors,
            yes,
        } => {
            let mut request = request(
                svc.policy(),
                Choices {
                    no_mail: *no_mail,
                    send_mail: *send_mail,
                    message,
                    language,
                    cc,
                    redirect_url,
                    set_guest: *set_guest,
                },
            );
            request.sponsors = sponsors_arg(&svc, sponsors);
            let no_mail = !request.send_mail;
            let pre = svc.preflight(user, email, CheckKind::Convert).await?;
            report_checks(out, &pre);
            if pre.can_convert && !yes && !confirm(&pre, "Convert", "This is one-way.", no_mail)? {
                return Err(not_confirmed());
            }
            let (pre, result) = svc
                .act(user, email, request, CheckKind::Convert, AddressSlot::Mail)
                .await?;
            let r = done_or_failed(out, result)?;
            let tenant = svc.acting().await.map(|a| a.actor.tenant_id).unwrap_or_default();
            let text = result_text("Converted", &pre, &r, no_mail, &tenant);
            out.event(json!({ "event": "converted", "result": r }), &text);
            Ok(())
        }
        Command::Resend {
            user,
            email,
            add_to,
            no_mail,
            send_mail,
            message,
            language,
            cc,
            redirect_url,
            yes,
        } => {
            let request = request(
                svc.policy(),
                Choices {
                    no_mail: *no_mail,
                    send_mail: *send_mail,
                    message,
                    language,
                    cc,
                    redirect_url,
                    set_guest: false,
                },
            );
            let no_mail = !request.send_mail;
            let address = match email {
                Some(e) => e.clone(),
                None => svc.default_address(user).await?,
            };
            let pre = svc.preflight(user, &address, CheckKind::Resend).await?;
            report_checks(out, &pre);
            if pre.can_convert
                && !yes
                && !confirm(
                    &pre,
                    "Resend the invitation and reset the redemption status of",
                    "They will have to accept again.",
                    no_mail,
                )?
            {
                return Err(not_confirmed());
            }
            let slot = match add_to {
                Slot::Mail => AddressSlot::Mail,
                Slot::OtherMails => AddressSlot::OtherMails,
            };
            let (pre, result) = svc.act(user, &address, request, CheckKind::Resend, slot).await?;
            let r = done_or_failed(out, result)?;
            let tenant = svc.acting().await.map(|a| a.actor.tenant_id).unwrap_or_default();
            let text = result_text("Invitation resent to", &pre, &r, no_mail, &tenant);
            out.event(json!({ "event": "resent", "result": r }), &text);
            Ok(())
        }
        Command::Invite {
            email,
            display_name,
            member,
            no_mail,
            message,
            language,
            cc,
            redirect_url,
            sponsors,
            yes,
        } => {
            let r = request(
                svc.policy(),
                Choices {
                    no_mail: *no_mail,
                    send_mail: false,
                    message,
                    language,
                    cc,
                    redirect_url,
                    set_guest: false,
                },
            );
            let args = invite_cmd::InviteArgs {
                request: b2b_core::invite::InviteRequest {
                    email: email.clone(),
                    display_name: display_name.clone(),
                    member: *member,
                    send_mail: r.send_mail,
                    message: r.message,
                    language: r.language,
                    cc: r.cc,
                    redirect_url: r.redirect_url,
                    sponsors: Some(sponsors_arg(&svc, sponsors)),
                },
                yes: *yes,
            };
            invite_cmd::run(out, &svc, args).await
        }
        Command::Pending {
            older_than,
            resend,
            yes,
            report,
            concurrency,
        } => {
            pending_cmd(
                out,
                &svc,
                PendingArgs {
                    older_than: *older_than,
                    resend: *resend,
                    yes: *yes,
                    report: report.as_deref(),
                    concurrency: *concurrency,
                },
            )
            .await
        }
        Command::Discover { csv } => {
            discover_cmd::run(out, &svc, csv.as_deref()).await?;
            Ok(())
        }
        Command::History { search, csv } => {
            let view = svc.list_history(search)?;
            if *csv {
                print!("{}", history::to_csv(&view.entries)?);
                return Ok(());
            }
            for e in &view.entries {
                let text = format!(
                    "{}  {:<8} {:<9} {}  {}  by {}{}",
                    e.at,
                    b2b_core::export::wire_name(&e.action),
                    b2b_core::export::wire_name(&e.outcome),
                    e.user_principal_name,
                    e.address,
                    e.admin,
                    e.error_code
                        .map(|c| format!("  ({})", code_name(c)))
                        .unwrap_or_default()
                );
                out.event(json!({ "event": "history", "entry": e }), &text);
            }
            if view.unreadable > 0 {
                eprintln!(
                    "b2b: {} line(s) of {} could not be read and were skipped",
                    view.unreadable,
                    svc.history()?.path().display()
                );
            }
            Ok(())
        }
        Command::Bulk { command } => match command {
            BulkCommand::Template { invite } => {
                print!(
                    "{}",
                    if *invite {
                        b2b_core::bulk::INVITE_TEMPLATE
                    } else {
                        b2b_core::bulk::TEMPLATE
                    }
                );
                Ok(())
            }
            BulkCommand::Preview { file, export } => {
                bulk_cmd::preview(out, &svc, file, export.as_deref()).await?;
                Ok(())
            }
            BulkCommand::Run {
                file,
                resume,
                concurrency,
                report,
                relink,
                yes,
            } => {
                let args = bulk_cmd::RunArgs {
                    file,
                    resume: *resume,
                    concurrency: *concurrency,
                    report: report.as_deref(),
                    relink: *relink,
                };
                let yes = *yes;
                bulk_cmd::run_file(out, &svc, args, |p| {
                    if yes {
                        return Ok(true);
                    }
                    confirm_bulk(p.ready, p.action)
                })
                .await
            }
        },
        Command::Logout { account, all } => {
            let list = svc.session.accounts().list()?;
            let targets: Vec<Account> = match (account, all) {
                (Some(id), _) => vec![svc.session.accounts().get(id)?],
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
                svc.sign_out(&a.id)?;
                out.event(
                    json!({ "event": "signed_out", "account": a.id }),
                    &format!("Signed out {}.", a.username),
                );
            }
            Ok(())
        }
    }
}

/// A success is never reported as a failure: after Microsoft's 201 the command succeeds, and a
/// later step that did not work is printed as a warning. A failure says what was changed first.
fn done_or_failed(
    out: &Out,
    result: Result<convert_service::ConvertResult, convert_service::Failed>,
) -> Result<convert_service::ConvertResult, AppError> {
    match result {
        Ok(r) => {
            for w in &r.warnings {
                out.event(
                    json!({ "event": "warning", "code": w }),
                    &format!("warning {}", warning_text(*w)),
                );
            }
            Ok(r)
        }
        Err(f) => {
            if f.mail_set || f.other_mails_set {
                let what = if f.mail_set { "mail" } else { "other e-mails" };
                out.event(
                    json!({ "event": "changed_before_failure", "mailSet": f.mail_set, "otherMailsSet": f.other_mails_set }),
                    &format!("note    The address was added to the user's {what} before the invitation failed; it stays there (see History)."),
                );
            }
            Err(f.error)
        }
    }
}

fn warning_text(code: FollowUpWarning) -> &'static str {
    match code {
        FollowUpWarning::UserTypeNotSet => "The user was converted, but userType could not be set to Guest (Microsoft refused that change). Set it in the Entra admin center if you need it.",
        FollowUpWarning::MailSetBeforeFailure => "The address was set as the user's mail before Microsoft refused the invitation; it stays there.",
        FollowUpWarning::SponsorsNotAdded => "The user was converted, but Microsoft refused to add one or more sponsors. Adding sponsors needs the User.ReadWrite.All permission and the User Administrator or Directory Writers role (or a custom role with microsoft.directory/users/sponsors/update); a user has at most five sponsors. Check the user's sponsors in the Entra admin center.",
        FollowUpWarning::InviterSponsorNotRemoved => "The user was converted, but Microsoft may have made you a sponsor too and that could not be undone. Check the user's sponsors in the Entra admin center.",
        FollowUpWarning::LinkNotKept => "The redeem link could not be saved on this computer: copy it now, it is not shown again.",
    }
}

fn ability(possible: bool, confirmed: bool) -> &'static str {
    match (possible, confirmed) {
        (false, _) => "no",
        (true, true) => "yes",
        (true, false) => "not confirmed (Microsoft decides)",
    }
}

/// Plain sentences for the pre-flight checks, by code and severity.
pub(crate) fn check_text(code: CheckCode, severity: Severity) -> &'static str {
    use CheckCode::*;
    use Severity::*;
    match (code, severity) {
        (AddressValid, Ok) => "The external address is a valid e-mail address without forbidden characters.",
        (AddressValid, _) => "The address is not a valid e-mail address, or holds a character Microsoft does not allow.",
        (AddressNotInternal, Ok) => "The address is not in one of this tenant's verified domains (or a subdomain).",
        (AddressNotInternal, _) => "The address is in one of this tenant's verified domains (or a subdomain): use the person's own address.",
        (NotSyncedFromOnPremises, Ok) => "The user is not synced with an on-premises UPN.",
        (NotSyncedFromOnPremises, _) => "The user is synced from on-premises with an on-premises UPN: Microsoft blocks converting it.",
        (NotAlreadyExternal, Ok) => "The user has not been converted or invited already.",
        (NotAlreadyExternal, _) => "The user was already converted or invited: use b2b resend.",
        (AddressNotUsedElsewhere, Ok) => "No other user, group or contact holds the address.",
        (AddressNotUsedElsewhere, Warning) => "No other user holds the address; groups and contacts could not be checked (no permission to read them). Microsoft refuses the invitation if one holds it.",
        (AddressNotUsedElsewhere, _) => "Another user, group or contact already holds the address: remove it there first.",
        (AddressOnUser, Ok) => "The user's mail is the address, as Microsoft requires.",
        (AddressOnUser, Warning) => "The user's mail is not the address yet: b2b sets mail to it first, as Microsoft requires.",
        (AddressOnUser, _) => "Exchange lists a mailbox for this user, so mail can't be changed here: change the address in the Exchange admin center, then check again.",
        (Mailbox, Ok) => "Exchange lists no mailbox for this user.",
        (Mailbox, _) => "Exchange lists a mailbox for this user: B2B users with a mailbox are not supported; plan what happens to it.",
        (MailboxUnknown, _) => "Whether Exchange holds a mailbox for this user could not be read; if it does, Microsoft refuses the change of mail.",
        (AccountEnabled, Ok) => "The account is enabled.",
        (AccountEnabled, _) => "The account is disabled: the person cannot sign in until it is enabled.",
        (AdminCanConvert, Ok) => "You have the role and permissions to convert users.",
        (AdminCanConvert, Warning) => "B2B Convert could not confirm your role; Microsoft will refuse the conversion if it is missing.",
        (AdminCanConvert, _) => "Your sign-in lacks a permission the conversion needs (User.Invite.All and User.ReadWrite.All).",
        (InvitedBefore, Ok) => "The user was converted or invited before.",
        (InvitedBefore, _) => "The user was never converted or invited: use b2b convert.",
        (AddressAddedFirst, Ok) => "The address is already on the user.",
        (AddressAddedFirst, _) => "The address is new for this user: it is added to the user first.",
        (AdminCanReset, Ok) => "You have the role and permissions to reset redemption.",
        (AdminCanReset, Warning) => "B2B Convert could not confirm your role; Microsoft will refuse the reset if it is missing.",
        (AdminCanReset, _) => "Your sign-in lacks the User.ReadWrite.All permission a reset needs.",
        (AdminCanUpdateUser, Ok) => "Your role lets you set the user's mail first.",
        (AdminCanUpdateUser, _) => "Your roles do not let you change the user's mail, which must be set to the address first: ask a User Administrator.",
        (NotInDirectory, Ok) => "No user, group or contact in the directory holds the address.",
        (NotInDirectory, Warning) => "No user holds the address; groups, contacts or sign-in names could not all be checked (no permission to read them). Microsoft refuses the invitation if one holds it.",
        (NotInDirectory, _) => "The address is already in the directory (see above): use that user (b2b resend for an invited one) instead of inviting again.",
        (AdminCanInvite, Ok) => "You have a role and permission that may invite guests.",
        (AdminCanInvite, Warning) => "B2B Convert could not confirm that you may invite guests (members may, unless an admin restricted it); Microsoft decides.",
        (AdminCanInvite, _) => "Your sign-in lacks the User.Invite.All permission an invitation needs.",
        (MemberAllowed, Ok) => "You are an administrator who may invite a Member.",
        (MemberAllowed, Warning) => "B2B Convert could not confirm that you may invite a Member (Microsoft allows it to administrators); Microsoft decides.",
        (MemberAllowed, _) => "You hold no administrator role: only an administrator may invite a Member. Invite a Guest instead.",
    }
}

fn report_checks(out: &Out, pre: &convert_service::Preflight) {
    for c in &pre.checks {
        print_check(out, c);
    }
}

pub(crate) fn print_check(out: &Out, c: &b2b_core::convert::Check) {
    let mark = match c.severity {
        Severity::Ok => "ok     ",
        Severity::Warning => "warning",
        Severity::Blocker => "BLOCKED",
    };
    out.event(
        json!({ "event": "check", "check": c }),
        &format!("{mark} {}", check_text(c.code, c.severity)),
    );
}

fn confirm(
    pre: &convert_service::Preflight,
    verb: &str,
    warning: &str,
    no_mail: bool,
) -> Result<bool, AppError> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "not a terminal: add --yes to convert without asking",
        ));
    }
    let mail = if no_mail {
        "No e-mail is sent: you get the redeem link."
    } else {
        "The invitation e-mail is sent."
    };
    print!(
        "{verb} {}, who will sign in as {}? {warning} {mail} [y/N] ",
        pre.target.user_principal_name, pre.address
    );
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

fn not_confirmed() -> AppError {
    b2b_service::ServiceError::NotConfirmed.into()
}

/// The invitation options as given on the command line.
struct Choices<'a> {
    no_mail: bool,
    send_mail: bool,
    message: &'a Option<String>,
    language: &'a Option<String>,
    cc: &'a Option<String>,
    redirect_url: &'a Option<String>,
    set_guest: bool,
}

/// The choices after the policy: locked values win over flags (said on standard error),
/// recommended ones fill in. The service checks and trims them as it does the app's.
fn request(policy: &Policy, c: Choices) -> ConvertRequest {
    let mail = match (c.no_mail, c.send_mail) {
        (true, _) => Some(false),
        (_, true) => Some(true),
        _ => None,
    };
    ConvertRequest {
        send_mail: policy_cmd::flag(
            policy,
            PolicyKey::SendInvitationMessage,
            mail,
            "--no-mail/--send-mail",
            true,
        ),
        message: policy_cmd::opt_text(
            policy,
            PolicyKey::InvitationMessage,
            c.message.as_deref(),
            "--message",
        ),
        language: policy_cmd::opt_text(
            policy,
            PolicyKey::InvitationLanguage,
            c.language.as_deref(),
            "--language",
        ),
        cc: c.cc.clone(),
        redirect_url: policy_cmd::opt_text(
            policy,
            PolicyKey::InviteRedirectUrl,
            c.redirect_url.as_deref(),
            "--redirect-url",
        ),
        set_guest: c.set_guest,
        sponsors: Vec::new(),
    }
}

/// `--sponsor` as given, else the organisation's default sponsors (policy, then settings).
fn sponsors_arg(svc: &Service, given: &[String]) -> Vec<String> {
    if given.is_empty() {
        svc.default_sponsors()
    } else {
        given.to_vec()
    }
}

fn result_text(
    verb: &str,
    pre: &convert_service::Preflight,
    r: &convert_service::ConvertResult,
    no_mail: bool,
    tenant_id: &str,
) -> String {
    let mut text = format!(
        "{verb} {}: {} (invitation {}).",
        pre.target.user_principal_name,
        r.status,
        r.invitation_id
            .as_deref()
            .unwrap_or("confirmed by re-reading the user")
    );
    if !r.sponsors_set.is_empty() {
        let names: Vec<&str> = r.sponsors_set.iter().map(|s| s.label()).collect();
        text.push_str(&format!("\nSponsors: {}.", names.join(", ")));
    }
    if no_mail {
        if let Some(url) = &r.redeem_url {
            text.push_str(&format!("\nNo e-mail was sent. Send the user this link: {url}"));
        }
    }
    text.push_str(&format!(
        "\nTeams: https://teams.microsoft.com/?tenantId={tenant_id}\nThe old password still works on premises until it is reset."
    ));
    text
}

struct PendingArgs<'a> {
    older_than: u32,
    resend: bool,
    yes: bool,
    report: Option<&'a std::path::Path>,
    concurrency: usize,
}

/// `b2b pending`: the list with overdue ones marked, the newly accepted, and with --resend the
/// overdue list run as a bulk resend.
async fn pending_cmd(
    out: &Out,
    svc: &Arc<b2b_service::Service>,
    args: PendingArgs<'_>,
) -> Result<(), AppError> {
    let view = svc.pending_overview(Some(args.older_than)).await?;
    for n in &view.newly_accepted {
        out.event(
            json!({ "event": "newly_accepted", "user": n }),
            &format!(
                "Accepted {} {:<40} {}",
                n.accepted_at.as_deref().unwrap_or("(date unknown)"),
                n.user_principal_name,
                n.mail.as_deref().unwrap_or("")
            ),
        );
    }
    if view.rows.is_empty() {
        out.event(
            json!({ "event": "pending", "count": 0 }),
            "No invitation is waiting for acceptance.",
        );
    }
    for r in &view.rows {
        let overdue = r.days_waiting.is_some_and(|d| d >= i64::from(args.older_than));
        let days = r
            .days_waiting
            .map(|d| format!("{d} days"))
            .unwrap_or_else(|| "unknown".into());
        let text = format!(
            "{:<40} {:<40} waiting {days}{}",
            r.user.user_principal_name,
            r.user.mail.as_deref().unwrap_or(""),
            if overdue { "  OVERDUE" } else { "" }
        );
        out.event(json!({ "event": "pending", "row": r, "overdue": overdue }), &text);
    }
    out.event(
        json!({ "event": "overdue", "olderThanDays": view.older_than_days, "count": view.overdue, "pending": view.rows.len() }),
        &format!(
            "{} of {} pending for {} days or more: overdue.",
            view.overdue,
            view.rows.len(),
            view.older_than_days
        ),
    );
    if !args.resend {
        return Ok(());
    }
    let loaded = svc.overdue_load(Some(args.older_than)).await?;
    if loaded.preview.rows.is_empty() {
        out.event(
            json!({ "event": "resend", "count": 0 }),
            "No invitation is overdue: nothing to resend.",
        );
        return Ok(());
    }
    let report_path = args
        .report
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("pending-resend.report.csv"));
    let run = bulk_cmd::RunArgs {
        file: &report_path,
        // The journal of this very list is always resumed: no one gets a second e-mail.
        resume: true,
        concurrency: args.concurrency,
        report: Some(&report_path),
        relink: false,
    };
    let yes = args.yes;
    bulk_cmd::run_loaded(out, svc, &loaded, &run, &report_path, |p| {
        if yes {
            return Ok(true);
        }
        confirm_resend(p.ready)
    })
    .await
}

fn confirm_resend(ready: u32) -> Result<bool, AppError> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(AppError::new(
            ErrorCode::NotConfirmed,
            "not a terminal: add --yes to resend without asking; nothing was sent",
        ));
    }
    print!(
        "Resend the invitation e-mail to the {ready} ready overdue users (their redemption is reset)? [y/N] "
    );
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

fn confirm_bulk(ready: u32, action: b2b_core::bulk::BulkAction) -> Result<bool, AppError> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "not a terminal: add --yes to run without asking",
        ));
    }
    match action {
        b2b_core::bulk::BulkAction::Convert => {
            print!("Convert the {ready} ready users to external users? This is one-way. [y/N] ")
        }
        b2b_core::bulk::BulkAction::Invite => print!("Invite the {ready} ready new external users? [y/N] "),
        b2b_core::bulk::BulkAction::Resend => {
            print!("Resend the invitation e-mail to the {ready} ready users? [y/N] ")
        }
    }
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

fn tenant_label(a: &Account) -> String {
    a.tenant_name.clone().unwrap_or_else(|| a.tenant_id.clone())
}
