//! Pre-flight and conversion against the simulated tenant over real HTTP.

use b2b_core::auth::Secret;
use b2b_core::convert::Severity;
use b2b_core::convert_service::{self as svc, ConvertOptions};
use b2b_core::graph::GraphClient;
use b2b_core::ErrorCode;
use serde_json::{json, Value};
use tenant_sim::{SimConfig, SimServer};

const SCOPES: &str = "User.Read User.ReadWrite.All User.Invite.All";

async fn setup(username: &str) -> (SimServer, GraphClient, Option<Vec<String>>) {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let (g, scopes) = setup_on(&sim, username).await;
    (sim, g, scopes)
}

/// A client for `username` on a running simulator, with the demo client's token; the scopes are
/// the token response's.
async fn setup_on(sim: &SimServer, username: &str) -> (GraphClient, Option<Vec<String>>) {
    token_for(sim, username, SCOPES, tenant_sim::DEMO_CLIENT_ID).await
}

/// A client for `username` with a token for `client_id` asking for `scope`; the scopes are the
/// token response's (the client's consented ones included).
async fn token_for(
    sim: &SimServer,
    username: &str,
    scope: &str,
    client_id: &str,
) -> (GraphClient, Option<Vec<String>>) {
    let body: Value = reqwest::Client::new()
        .post(format!("{}/_sim/token", sim.base_url()))
        .json(&json!({ "username": username, "scope": scope, "client_id": client_id }))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let g = GraphClient::new(
        &sim.base_url(),
        Secret::new(body["access_token"].as_str().expect("token").into()),
    )
    .expect("client");
    let scopes = body["scope"]
        .as_str()
        .expect("scope in the token response")
        .split(' ')
        .map(str::to_owned)
        .collect();
    (g, Some(scopes))
}

/// The pre-flight of the first ready-to-convert user, to their own mail.
async fn ready_preflight(sim: &SimServer, g: &GraphClient, scopes: Option<Vec<String>>) -> svc::Preflight {
    let (upn, mail) = first(sim, "ready-to-convert");
    let mail = mail.expect("mail");
    svc::preflight(
        &svc::load_context(g, &upn, &mail, scopes).await.expect("context"),
        &mail,
    )
}

fn first(sim: &SimServer, case: &str) -> (String, Option<String>) {
    let dir = sim.state().lock().dir.clone();
    let u = tenant_sim::seed::users_in_case(&dir, case)
        .into_iter()
        .next()
        .expect("a user")
        .clone();
    (u.user_principal_name, u.mail)
}

async fn stats(sim: &SimServer) -> Value {
    reqwest::get(format!("{}/_sim/stats", sim.base_url()))
        .await
        .expect("stats")
        .json()
        .await
        .expect("json")
}

fn severity(p: &svc::Preflight, code: &str) -> Severity {
    p.checks
        .iter()
        .find(|c| c.code == code)
        .map(|c| c.severity)
        .expect("check present")
}

#[tokio::test(flavor = "multi_thread")]
async fn ready_user_in_one_round_trip_then_converted() {
    let (sim, g, scopes) = setup("admin@contoso.com").await;
    let (upn, mail) = first(&sim, "ready-to-convert");
    let mail = mail.expect("mail");
    let ctx = svc::load_context(&g, &upn, &mail, scopes).await.expect("context");
    assert_eq!(
        stats(&sim).await["routes"]["POST /v1.0/$batch"],
        1,
        "one round trip"
    );
    let pre = svc::preflight(&ctx, &mail);
    assert!(pre.can_convert, "{:?}", pre.checks);
    let mut o = ConvertOptions::new("7e1c5a2e-3b1d-4c5e-9f0a-1b2c3d4e5f60");
    o.set_guest = true;
    let r = svc::convert(&g, &pre, &o).await.expect("converted");
    assert_eq!(r.status, "PendingAcceptance");
    assert!(r.invitation_id.is_some() && r.redeem_url.is_some() && !r.mail_set);
    let after = g
        .get(&format!("/users/{upn}?$select=id,externalUserState,userType"))
        .await
        .expect("user");
    assert_eq!(after["externalUserState"], "PendingAcceptance");
    assert_eq!(after["userType"], "Guest");
    assert_eq!(stats(&sim).await["invitations"][pre.target.id.as_str()], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn sets_mail_first_when_the_user_has_none() {
    let (sim, g, scopes) = setup("admin@contoso.com").await;
    let (upn, _) = first(&sim, "no-mail");
    let ctx = svc::load_context(&g, &upn, "new.address@adatum.example", scopes)
        .await
        .expect("context");
    let pre = svc::preflight(&ctx, "new.address@adatum.example");
    assert_eq!(severity(&pre, "address_on_user"), Severity::Warning);
    let r = svc::convert(&g, &pre, &ConvertOptions::new("t"))
        .await
        .expect("converted");
    assert!(r.mail_set);
    let after = g
        .get(&format!("/users/{upn}?$select=mail,externalUserState"))
        .await
        .expect("user");
    assert_eq!(after["mail"], "new.address@adatum.example");
}

#[tokio::test(flavor = "multi_thread")]
async fn blockers_change_nothing() {
    let (sim, g, scopes) = setup("admin@contoso.com").await;
    for (case, code) in [
        ("synced-onprem-upn", "not_synced_from_on_premises"),
        ("mail-verified-subdomain", "address_not_internal"),
        ("pending-acceptance", "not_already_external"),
    ] {
        let (upn, mail) = first(&sim, case);
        let mail = mail.expect("mail");
        let pre = svc::preflight(
            &svc::load_context(&g, &upn, &mail, scopes.clone())
                .await
                .expect("context"),
            &mail,
        );
        assert_eq!(severity(&pre, code), Severity::Blocker, "{case}");
        let err = svc::convert(&g, &pre, &ConvertOptions::new("t"))
            .await
            .expect_err("blocked");
        assert_eq!(err.error.code, ErrorCode::ConversionBlocked);
    }
    let dir = sim.state().lock().dir.clone();
    let shared = tenant_sim::seed::users_in_case(&dir, "shared-external-address");
    let holder = shared
        .iter()
        .find(|u| u.mail.is_some())
        .expect("one has it as mail");
    let address = holder.mail.clone().expect("mail");
    let pre = svc::preflight(
        &svc::load_context(&g, &holder.user_principal_name, &address, scopes.clone())
            .await
            .expect("ctx"),
        &address,
    );
    assert_eq!(severity(&pre, "address_not_used_elsewhere"), Severity::Blocker);
    let err = svc::load_context(&g, "nobody@contoso.com", "a@northwind.example", scopes)
        .await
        .expect_err("404");
    assert_eq!(err.code, ErrorCode::UserNotFound);
    assert!(
        stats(&sim).await["invitations"]
            .as_object()
            .is_none_or(|m| m.is_empty()),
        "no invitation was sent"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_is_settled_by_reading_the_user() {
    let (sim, g, scopes) = setup("admin@contoso.com").await;
    let pre = ready_preflight(&sim, &g, scopes).await;
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&json!({ "routes": { "POST /v1.0/invitations": { "dropRate": 1.0 } } }))
        .send()
        .await
        .expect("faults");
    assert_eq!(r.status(), 200);
    let err = svc::convert(&g, &pre, &ConvertOptions::new("t"))
        .await
        .expect_err("unknown");
    assert_eq!(
        err.error.code,
        ErrorCode::OutcomeUnknown,
        "the user was not converted: say so, do not resend"
    );
    let s = stats(&sim).await;
    assert_eq!(s["routes"]["POST /v1.0/invitations"], 1, "sent once");
    // One read inside the pre-flight's $batch, then reads to settle the lost answer: one at once
    // and one after each pause, since a read right after a write can be stale (CONTRACT.md 9.8).
    assert_eq!(
        s["routes"]["GET /v1.0/users/{id}"].as_u64(),
        Some(1 + 1 + svc::SETTLE_PAUSES.len() as u64),
        "then the user was read again, a few times"
    );
}

/// Microsoft converted the user and answered 201, but the connection closed halfway through the
/// answer: a success, confirmed by reading the user, never a failure; the invitation is not sent again.
#[tokio::test(flavor = "multi_thread")]
async fn a_success_whose_answer_is_cut_off_is_a_success() {
    let (sim, g, scopes) = setup("admin@contoso.com").await;
    let pre = ready_preflight(&sim, &g, scopes).await;
    faults(
        &sim,
        json!({ "routes": { "POST /v1.0/invitations": { "cutBody": true } } }),
    )
    .await;
    let r = svc::convert(&g, &pre, &ConvertOptions::new("t"))
        .await
        .expect("converted, although the answer was cut off");
    assert!(r.confirmed_by_reread, "{r:?}");
    assert_eq!(r.status, "PendingAcceptance");
    assert_eq!(r.redeem_url, None, "the link was in the lost part of the answer");
    let s = stats(&sim).await;
    assert_eq!(s["routes"]["POST /v1.0/invitations"], 1, "sent once");
    assert_eq!(s["invitations"][pre.target.id.as_str()], 1);
}

/// A read whose answer is cut off is asked again, then fails as a network error.
#[tokio::test(flavor = "multi_thread")]
async fn a_read_whose_answer_is_cut_off_is_asked_again() {
    let (sim, g, _) = setup("admin@contoso.com").await;
    let (upn, _) = first(&sim, "ready-to-convert");
    faults(
        &sim,
        json!({ "routes": { "GET /v1.0/users/{id}": { "cutBody": true } } }),
    )
    .await;
    let err = g
        .get(&format!("/users/{upn}?$select=id"))
        .await
        .expect_err("never a whole answer");
    assert_eq!(err.code, ErrorCode::NetworkUnreachable, "{err:?}");
    let asked = stats(&sim).await["routes"]["GET /v1.0/users/{id}"].as_u64();
    assert!(asked.is_some_and(|n| n > 1), "asked again: {asked:?}");
}

/// Unknown is not no (CONTRACT.md 9.2, 9.5): a Guest Inviter, whose role is not documented for
/// converting, is warned, not blocked; Microsoft's answer (the invitation service's 401
/// `Unauthorized`) decides, and it is a permission refusal, not an expired session.
#[tokio::test(flavor = "multi_thread")]
async fn a_guest_inviter_is_warned_and_microsoft_decides() {
    let (sim, g, scopes) = setup("helpdesk@contoso.com").await;
    let (upn, mail) = first(&sim, "ready-to-convert");
    let mail = mail.expect("mail");
    let ctx = svc::load_context(&g, &upn, &mail, scopes).await.expect("context");
    assert!(ctx.capabilities.roles_known, "the demo client may read roles");
    let pre = svc::preflight(&ctx, &mail);
    assert_eq!(severity(&pre, "admin_can_convert"), Severity::Warning);
    assert!(pre.can_convert, "not blocked on what is not known to be wrong");
    let err = svc::convert(&g, &pre, &ConvertOptions::new("t"))
        .await
        .expect_err("Microsoft refuses");
    assert_eq!(err.error.code, ErrorCode::PermissionDenied, "{err:?}");
    assert!(err.error.message.contains("Unauthorized"), "{err:?}");
    assert!(!err.mail_set);
}

/// None of the roles memberOf shows may write `mail`, but a custom or unit-scoped role (not in
/// memberOf) might: a warning, and Microsoft's answer to the PATCH decides. Here it refuses; nothing
/// is invited and the refusal is the user's message.
#[tokio::test(flavor = "multi_thread")]
async fn no_listed_role_to_write_mail_is_a_warning_and_microsoft_decides() {
    let (sim, g, scopes) = setup("helpdesk@contoso.com").await;
    let (upn, _) = first(&sim, "no-mail");
    let address = "new.address@adatum.example";
    let ctx = svc::load_context(&g, &upn, address, scopes)
        .await
        .expect("context");
    assert!(ctx.capabilities.roles_known);
    let pre = svc::preflight(&ctx, address);
    assert_eq!(severity(&pre, "admin_can_update_user"), Severity::Warning);
    assert!(pre.can_convert, "not blocked on what is not known to be wrong");
    let err = svc::convert(&g, &pre, &ConvertOptions::new("t"))
        .await
        .expect_err("Microsoft refuses the PATCH");
    assert_eq!(err.error.code, ErrorCode::PermissionDenied, "{err:?}");
    assert!(!err.mail_set);
    let s = stats(&sim).await;
    assert!(
        s["invitations"][pre.target.id.as_str()].is_null(),
        "nothing invited: {s}"
    );
    let after = g
        .get(&format!("/users/{upn}?$select=mail,externalUserState"))
        .await
        .expect("user");
    assert!(
        after["mail"].is_null() && after["externalUserState"].is_null(),
        "{after}"
    );
}

/// With Microsoft Graph Command Line Tools (no RoleManagement.Read.Directory), Graph shows the
/// admin's roles with limited information: the app says "not confirmed" and converts anyway.
#[tokio::test(flavor = "multi_thread")]
async fn hidden_roles_are_unknown_and_the_conversion_goes_ahead() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let (g, scopes) = token_for(
        &sim,
        "manygroups@contoso.com",
        SCOPES,
        tenant_sim::GRAPH_CLI_CLIENT_ID,
    )
    .await;
    let (upn, mail) = first(&sim, "ready-to-convert");
    let mail = mail.expect("mail");
    let ctx = svc::load_context(&g, &upn, &mail, scopes).await.expect("context");
    assert!(!ctx.capabilities.roles_known, "{:?}", ctx.capabilities);
    assert_eq!(ctx.capabilities.unconfirmed, vec!["roles_unknown"]);
    let pre = svc::preflight(&ctx, &mail);
    assert_eq!(severity(&pre, "admin_can_convert"), Severity::Warning);
    let r = svc::convert(&g, &pre, &ConvertOptions::new("t"))
        .await
        .expect("a User Administrator converts");
    assert_eq!(r.status, "PendingAcceptance");

    // The same admin with the demo client (roles readable): the role sits on memberOf's second
    // page, and is found.
    let (g2, scopes2) = setup_on(&sim, "manygroups@contoso.com").await;
    let (upn2, mail2) = tenant_sim::seed::users_in_case(&sim.state().lock().dir, "ready-to-convert")
        .get(1)
        .map(|u| (u.user_principal_name.clone(), u.mail.clone()))
        .expect("a second user");
    let mail2 = mail2.expect("mail");
    let ctx = svc::load_context(&g2, &upn2, &mail2, scopes2)
        .await
        .expect("context");
    assert!(
        ctx.capabilities.roles_known && ctx.capabilities.convert_confirmed(),
        "{:?}",
        ctx.capabilities
    );
    assert_eq!(ctx.capabilities.roles, vec!["User Administrator"]);
    // A role held only through a role-assignable group shows in transitiveMemberOf.
    let (g3, scopes3) = setup_on(&sim, "groupadmin@contoso.com").await;
    let ctx = svc::load_context(&g3, &upn2, &mail2, scopes3)
        .await
        .expect("context");
    assert!(ctx.capabilities.convert_confirmed(), "{:?}", ctx.capabilities);
}

/// Once Microsoft answered 201 the conversion happened: a follow-up step that fails is a warning
/// on a success (CONTRACT.md 9.4).
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_follow_up_step_is_a_warning_on_a_success() {
    let (sim, g, scopes) = setup("admin@contoso.com").await;
    let pre = ready_preflight(&sim, &g, scopes).await;
    reqwest::Client::new()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&json!({ "routes": { "PATCH /v1.0/users/{id}": { "failRate": 1.0 } } }))
        .send()
        .await
        .expect("faults");
    let mut o = ConvertOptions::new("t");
    o.set_guest = true;
    let r = svc::convert(&g, &pre, &o).await.expect("converted all the same");
    assert_eq!(r.status, "PendingAcceptance");
    assert!(!r.user_type_set_to_guest);
    assert_eq!(r.warnings, vec!["user_type_not_set"]);
    let s = stats(&sim).await;
    assert_eq!(s["invitations"].as_object().map(|m| m.len()), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn resend_to_a_new_address_resets_redemption() {
    let (sim, g, scopes) = setup("admin@contoso.com").await;
    let (upn, mail) = first(&sim, "pending-acceptance");
    // The old address: nothing to add, only the reset.
    let ctx = svc::load_context(&g, &upn, mail.as_deref().expect("mail"), scopes.clone())
        .await
        .expect("context");
    let pre = svc::resend_preflight(&ctx, mail.as_deref().expect("mail"));
    assert!(pre.can_convert, "{:?}", pre.checks);
    let o = ConvertOptions::new("t");
    let r = svc::resend(&g, &pre, &o, svc::AddressSlot::Mail)
        .await
        .expect("resent");
    assert!(!r.mail_set && !r.other_mails_set);
    assert!(r.request_id.is_some(), "the request-id is kept for History");
    // A new address goes to otherMails first, and the reset goes to it.
    let new = "new.address@tailspin.example";
    let ctx = svc::load_context(&g, &upn, new, scopes.clone())
        .await
        .expect("context");
    let pre = svc::resend_preflight(&ctx, new);
    assert_eq!(severity(&pre, "address_added_first"), Severity::Warning);
    let r = svc::resend(&g, &pre, &o, svc::AddressSlot::OtherMails)
        .await
        .expect("resent");
    assert!(r.other_mails_set && r.redeem_url.is_some());
    let after = g
        .get(&format!("/users/{upn}?$select=otherMails,externalUserState"))
        .await
        .expect("user");
    assert!(after["otherMails"]
        .as_array()
        .expect("list")
        .iter()
        .any(|m| m == new));
    assert_eq!(after["externalUserState"], "PendingAcceptance");
    let outbox: Value = reqwest::get(format!("{}/_sim/outbox", sim.base_url()))
        .await
        .expect("outbox")
        .json()
        .await
        .expect("json");
    let sent = outbox["value"].as_array().expect("list");
    assert_eq!(sent.len(), 2, "one mail per resend: {sent:?}");
    assert!(sent.iter().any(|m| m.to_string().contains(new)), "{sent:?}");
    // Internal users cannot be "resent": the check says so before anything is sent.
    let (internal, imail) = first(&sim, "ready-to-convert");
    let imail = imail.expect("mail");
    let ctx = svc::load_context(&g, &internal, &imail, scopes)
        .await
        .expect("context");
    let pre = svc::resend_preflight(&ctx, &imail);
    assert_eq!(severity(&pre, "invited_before"), Severity::Blocker);
    let err = svc::resend(&g, &pre, &o, svc::AddressSlot::Mail)
        .await
        .expect_err("blocked");
    assert_eq!(err.error.code, ErrorCode::ConversionBlocked);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_resend_is_not_sent_twice() {
    let (sim, g, scopes) = setup("admin@contoso.com").await;
    let (upn, mail) = first(&sim, "pending-acceptance");
    let mail = mail.expect("mail");
    let ctx = svc::load_context(&g, &upn, &mail, scopes).await.expect("context");
    let pre = svc::resend_preflight(&ctx, &mail);
    reqwest::Client::new()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&json!({ "routes": { "POST /v1.0/invitations": { "failRate": 1.0 } } }))
        .send()
        .await
        .expect("faults");
    let err = svc::resend(&g, &pre, &ConvertOptions::new("t"), svc::AddressSlot::Mail)
        .await
        .expect_err("503 and no change");
    assert_eq!(err.error.code, ErrorCode::OutcomeUnknown, "{err:?}");
    assert_eq!(
        stats(&sim).await["routes"]["POST /v1.0/invitations"],
        1,
        "never repeated blindly"
    );
}

async fn faults(sim: &SimServer, f: Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&f)
        .send()
        .await
        .expect("faults");
    assert_eq!(r.status(), 200);
}

fn user_in(sim: &SimServer, case: &str) -> tenant_sim::model::User {
    let dir = sim.state().lock().dir.clone();
    tenant_sim::seed::users_in_case(&dir, case)
        .into_iter()
        .next()
        .expect("a user")
        .clone()
}

/// `mail` must be the invited address (CONTRACT.md 9.3): an address only in otherMails is set as
/// `mail` first when Exchange lists no mailbox, and blocked before any write when it does.
#[tokio::test(flavor = "multi_thread")]
async fn mail_must_be_the_invited_address() {
    let (sim, g, scopes) = setup("admin@contoso.com").await;
    for case in ["verified-mail-other-mail", "other-mail-only"] {
        let u = user_in(&sim, case);
        let external = u
            .other_mails
            .iter()
            .find(|m| !m.ends_with("contoso.se"))
            .expect("an external address")
            .clone();
        let ctx = svc::load_context(&g, &u.user_principal_name, &external, scopes.clone())
            .await
            .expect("context");
        let pre = svc::preflight(&ctx, &external);
        assert_eq!(pre.mailbox, Some(false), "{case}");
        assert_eq!(
            severity(&pre, "address_on_user"),
            Severity::Warning,
            "{case}: mail first"
        );
        let r = svc::convert(&g, &pre, &ConvertOptions::new("t"))
            .await
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        assert!(r.mail_set, "{case}");
    }
    let s = stats(&sim).await;
    let patches_before = s["routes"]["PATCH /v1.0/users/{id}"].as_u64().unwrap_or(0);
    for case in ["exchange-mailbox", "mailbox-other-mail"] {
        let u = user_in(&sim, case);
        let external = u.other_mails.first().expect("an external address").clone();
        let ctx = svc::load_context(&g, &u.user_principal_name, &external, scopes.clone())
            .await
            .expect("context");
        let pre = svc::preflight(&ctx, &external);
        assert_eq!(pre.mailbox, Some(true), "{case}: Exchange lists a mailbox");
        assert_eq!(severity(&pre, "address_on_user"), Severity::Blocker, "{case}");
        let err = svc::convert(&g, &pre, &ConvertOptions::new("t"))
            .await
            .expect_err("blocked before any write");
        assert_eq!(err.error.code, ErrorCode::ConversionBlocked);
    }
    let s = stats(&sim).await;
    assert_eq!(
        s["routes"]["PATCH /v1.0/users/{id}"].as_u64().unwrap_or(0),
        patches_before,
        "no write for a mailbox user"
    );
}

/// Right after `mail` is set the invitation service may still see the old value (CONTRACT.md
/// 9.8): the refusal sent nothing, so the app tries again with backoff, and History learns that
/// `mail` changed even when the invitation then fails.
#[tokio::test(flavor = "multi_thread")]
async fn replication_lag_after_setting_mail_is_waited_out() {
    let (sim, g, scopes) = setup("admin@contoso.com").await;
    let u = user_in(&sim, "other-mail-only");
    let external = u
        .other_mails
        .iter()
        .find(|m| !m.ends_with("contoso.se"))
        .expect("external")
        .clone();
    let pre = svc::preflight(
        &svc::load_context(&g, &u.user_principal_name, &external, scopes.clone())
            .await
            .expect("context"),
        &external,
    );
    faults(&sim, json!({ "replicationLagMs": 1500 })).await;
    let r = svc::convert(&g, &pre, &ConvertOptions::new("t"))
        .await
        .expect("converted once the directory caught up");
    assert!(r.mail_set);
    let s = stats(&sim).await;
    assert!(
        s["routes"]["POST /v1.0/invitations"].as_u64().unwrap_or(0) >= 2,
        "refused at first, then accepted: {s}"
    );
    assert_eq!(s["invitations"].as_object().map(|m| m.len()), Some(1));
    // The read right after the 201 may still show the user internal: what the 201 said stands.
    let mut d = b2b_core::users::get_user(&g, &u.id).await.expect("read");
    assert_eq!(d.external_user_state, None, "stale read under the lag");
    b2b_core::users::apply_known_invitation(&mut d, &r.status);
    assert_eq!(d.action, Some(b2b_core::users::B2bAction::Resend));

    // A refusal that outlasts the retries fails, and says that mail was set first.
    let v = user_in(&sim, "verified-mail-other-mail");
    let external = v.other_mails.first().expect("external").clone();
    let pre = svc::preflight(
        &svc::load_context(&g, &v.user_principal_name, &external, scopes)
            .await
            .expect("context"),
        &external,
    );
    faults(&sim, json!({ "replicationLagMs": 60000 })).await;
    let err = svc::convert(&g, &pre, &ConvertOptions::new("t"))
        .await
        .expect_err("still refused");
    assert!(err.mail_set, "the mail change is reported with the failure");
    assert_eq!(err.error.http_status, Some(400));
}

/// Groups and contacts hold addresses too (CONTRACT.md 9.9). With a token that may read them the
/// pre-flight names them; without, it warns, and Microsoft's refusal decides.
#[tokio::test(flavor = "multi_thread")]
async fn groups_and_contacts_holding_the_address() {
    let (sim, g, scopes) = setup("admin@contoso.com").await;
    for case in ["address-held-by-group", "address-held-by-contact"] {
        let u = user_in(&sim, case);
        let address = u.mail.clone().expect("mail");
        let pre = svc::preflight(
            &svc::load_context(&g, &u.user_principal_name, &address, scopes.clone())
                .await
                .expect("context"),
            &address,
        );
        assert!(!pre.holders_complete, "{case}");
        assert_eq!(
            severity(&pre, "address_not_used_elsewhere"),
            Severity::Warning,
            "{case}"
        );
        let err = svc::convert(&g, &pre, &ConvertOptions::new("t"))
            .await
            .expect_err("Microsoft refuses");
        assert_eq!(err.error.http_status, Some(400), "{case}: {err:?}");
    }
    // A secondary smtp: alias of another user is found by the users query.
    let u = user_in(&sim, "address-held-as-secondary");
    let address = u.mail.clone().expect("mail");
    let pre = svc::preflight(
        &svc::load_context(&g, &u.user_principal_name, &address, scopes)
            .await
            .expect("context"),
        &address,
    );
    assert_eq!(severity(&pre, "address_not_used_elsewhere"), Severity::Blocker);

    // With Directory.Read.All the groups and contacts are read, and named.
    let (g2, scopes2) = token_for(
        &sim,
        "admin@contoso.com",
        &format!("{SCOPES} Directory.Read.All"),
        tenant_sim::DEMO_CLIENT_ID,
    )
    .await;
    for (case, holder) in [
        ("address-held-by-group", "Wingtip Project"),
        ("address-held-by-contact", "Lena Marsh"),
    ] {
        let u = user_in(&sim, case);
        let address = u.mail.clone().expect("mail");
        let pre = svc::preflight(
            &svc::load_context(&g2, &u.user_principal_name, &address, scopes2.clone())
                .await
                .expect("context"),
            &address,
        );
        assert!(pre.holders_complete, "{case}");
        assert_eq!(
            severity(&pre, "address_not_used_elsewhere"),
            Severity::Blocker,
            "{case}"
        );
        assert!(
            pre.others_using.iter().any(|o| o.starts_with(holder)),
            "{case}: {:?}",
            pre.others_using
        );
    }
}
