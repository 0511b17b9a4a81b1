//! `b2b invite`: a new external user, after the "already in the directory?" check.

use b2b_core::invite::{ExistingKind, InvitePreflight, InviteRequest};
use b2b_core::{AppError, ErrorCode};
use b2b_service::Service;
use serde_json::json;

use crate::Out;

/// What `b2b invite` was given, after the policy (see `crate::request`).
pub struct InviteArgs {
    pub request: InviteRequest,
    pub yes: bool,
}

fn kind(k: ExistingKind) -> &'static str {
    match k {
        ExistingKind::User => "user",
        ExistingKind::Group => "group",
        ExistingKind::Contact => "contact",
    }
}

/// Says who already holds the address (each with its id, to open it), then the checks.
fn report(out: &Out, pre: &InvitePreflight) {
    for o in &pre.existing.objects {
        let name = o.display_name.as_deref().unwrap_or("");
        let upn = o
            .user_principal_name
            .as_deref()
            .or(o.mail.as_deref())
            .unwrap_or("");
        let state = match (o.user_type.as_deref(), o.external_user_state.as_deref()) {
            (Some(t), Some(s)) => format!(" ({t}, {s})"),
            (Some(t), None) => format!(" ({t})"),
            _ => String::new(),
        };
        out.event(
            json!({ "event": "existing", "object": o }),
            &format!(
                "exists  {} {name} <{upn}>{state}, id {}: https://entra.microsoft.com/#view/Microsoft_AAD_UsersAndTenants/UserProfileMenuBlade/~/overview/userId/{}",
                kind(o.kind),
                o.id,
                o.id
            ),
        );
    }
    for c in &pre.checks {
        crate::print_check(out, c);
    }
}

fn confirm(pre: &InvitePreflight, no_mail: bool) -> Result<bool, AppError> {
    use std::io::{IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "not a terminal: add --yes to invite without asking",
        ));
    }
    let mail = if no_mail {
        "No e-mail is sent: you get the redeem link."
    } else {
        "The invitation e-mail is sent."
    };
    let kind = if pre.member { "Member" } else { "Guest" };
    print!("Invite {} as a {kind}? {mail} [y/N] ", pre.email);
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

pub async fn run(out: &Out, svc: &Service, args: InviteArgs) -> Result<(), AppError> {
    let no_mail = !args.request.send_mail;
    let pre = svc
        .invite_preflight(&args.request.email, args.request.member)
        .await?;
    report(out, &pre);
    if !pre.can_invite {
        return Err(AppError::new(
            ErrorCode::ConversionBlocked,
            "the pre-flight found a blocker",
        ));
    }
    if !args.yes && !confirm(&pre, no_mail)? {
        return Err(b2b_service::ServiceError::NotConfirmed.into());
    }
    let (_, result) = svc.invite_user(args.request).await?;
    let r = result?;
    let mut text = format!(
        "Invited {} as {}: {} (user {}{}).",
        pre.email,
        r.user_type,
        r.status,
        r.user_principal_name.as_deref().unwrap_or(&r.user_id),
        r.invitation_id
            .as_deref()
            .map(|i| format!(", invitation {i}"))
            .unwrap_or_else(|| ", confirmed by re-reading the directory".into())
    );
    if no_mail {
        if let Some(url) = &r.redeem_url {
            text.push_str(&format!("\nNo e-mail was sent. Send the person this link: {url}"));
        }
    }
    out.event(json!({ "event": "invited", "result": r }), &text);
    Ok(())
}
