//! The user's `mail` before converting (CONTRACT.md 9.3): the invited address must be the user's
//! mail; otherMails counts only for reset redemption; mailboxes show in assigned/provisionedPlans.

mod common;

use common::*;
use serde_json::{json, Value};

const NOT_ON_OBJECT: &str = "The email you’re using to invite this user doesn’t match any emails on the user object. Please add this email to the user object and try again.";
const VERIFIED: &str =
    "User's email address cannot be in a verified domain. Please change the user's email to enable conversion to a B2B user.";

fn convert(id: &str, email: &str) -> Value {
    json!({
        "invitedUserEmailAddress": email,
        "inviteRedirectUrl": format!("https://myapps.microsoft.com/?tenantId={TENANT_ID}"),
        "invitedUser": { "id": id }
    })
}

fn field(u: &Value, f: &str) -> String {
    u[f].as_str().unwrap_or("").to_owned()
}

/// The external (non-tenant) address in a user's otherMails.
fn external_other_mail(u: &Value) -> String {
    u["otherMails"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find(|m| m.ends_with(".example"))
        .unwrap_or_else(|| panic!("no external otherMails on {u}"))
        .to_owned()
}

async fn state_of(sim: &Sim, t: &str, id: &str) -> Value {
    let (_, u) = sim
        .get(t, &format!("/v1.0/users/{id}?$select=externalUserState,mail"))
        .await;
    u["externalUserState"].clone()
}

#[tokio::test]
async fn an_address_only_in_other_mails_is_not_enough_until_mail_is_set() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    for case in ["ready-other-mail", "other-mail-only", "shared-external-address"] {
        let users = sim.case_users(case).await;
        let u = users
            .iter()
            .find(|u| u["mail"].is_null())
            .unwrap_or_else(|| panic!("{case}: a user without mail"));
        let (id, external) = (field(u, "id"), external_other_mail(u));
        let (status, body) = sim.post(&t, "/v1.0/invitations", convert(&id, &external)).await;
        assert_eq!(
            (status, graph_code(&body), graph_message(&body)),
            (400, "BadRequest", NOT_ON_OBJECT),
            "{case}"
        );
        assert!(state_of(&sim, &t, &id).await.is_null(), "{case}: nothing done");
        if case == "shared-external-address" {
            continue; // the other user holds it as mail: PATCH is refused, see holders tests
        }
        let (status, _) = sim
            .patch(&t, &format!("/v1.0/users/{id}"), json!({ "mail": external }))
            .await;
        assert_eq!(status, 204, "{case}");
        // Case-insensitive match on mail.
        let (status, body) = sim
            .post(&t, "/v1.0/invitations", convert(&id, &external.to_uppercase()))
            .await;
        assert_eq!(status, 201, "{case}: {body}");
        assert_eq!(state_of(&sim, &t, &id).await, "PendingAcceptance");
    }
}

#[tokio::test]
async fn a_different_mail_in_a_verified_domain_gets_the_admin_center_text() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    for u in sim.case_users("verified-mail-other-mail").await {
        let (id, external) = (field(&u, "id"), external_other_mail(&u));
        let (status, body) = sim.post(&t, "/v1.0/invitations", convert(&id, &external)).await;
        assert_eq!(
            (status, graph_code(&body), graph_message(&body)),
            (400, "BadRequest", VERIFIED),
            "{}",
            field(&u, "mail")
        );
        // The app must PATCH mail first; then the same invitation goes through.
        let (status, _) = sim
            .patch(&t, &format!("/v1.0/users/{id}"), json!({ "mail": external }))
            .await;
        assert_eq!(status, 204);
        let (status, body) = sim.post(&t, "/v1.0/invitations", convert(&id, &external)).await;
        assert_eq!(status, 201, "{body}");
    }
    // A mail in a subdomain of a verified domain counts as verified.
    let sub = sim.case_user("mail-verified-subdomain").await;
    let (status, body) = sim
        .post(
            &t,
            "/v1.0/invitations",
            convert(&field(&sub, "id"), "x.y@northwind.example"),
        )
        .await;
    assert_eq!((status, graph_message(&body)), (400, VERIFIED));
    // A differing external mail gets the "doesn't match" text; no mail at all too.
    let ready = sim.case_user("ready-to-convert").await;
    let (status, body) = sim
        .post(
            &t,
            "/v1.0/invitations",
            convert(&field(&ready, "id"), "x.y@northwind.example"),
        )
        .await;
    assert_eq!((status, graph_message(&body)), (400, NOT_ON_OBJECT));
    let none = sim.case_user("no-mail").await;
    let (status, body) = sim
        .post(
            &t,
            "/v1.0/invitations",
            convert(&field(&none, "id"), "x.y@northwind.example"),
        )
        .await;
    assert_eq!((status, graph_message(&body)), (400, NOT_ON_OBJECT));
}

#[tokio::test]
async fn mailbox_users_show_exchange_plans_and_cannot_be_converted_through_graph() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    for case in ["mailbox-other-mail", "exchange-mailbox"] {
        let u = sim.case_user(case).await;
        let (id, external) = (field(&u, "id"), external_other_mail(&u));
        let (status, body) = sim
            .get(
                &t,
                &format!("/v1.0/users/{id}?$select=id,assignedPlans,provisionedPlans"),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            body["provisionedPlans"],
            json!([{ "capabilityStatus": "Enabled", "provisioningStatus": "Success", "service": "exchange" }])
        );
        let plan = &body["assignedPlans"][0];
        assert_eq!(
            (
                &plan["service"],
                &plan["capabilityStatus"],
                &plan["servicePlanId"]
            ),
            (
                &json!("exchange"),
                &json!("Enabled"),
                &json!("efb87545-963c-4e0d-99df-69c6916d9eb0")
            )
        );
        assert!(plan["assignedDateTime"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z')));
        // Not in the default property set.
        let (_, plain) = sim.get(&t, &format!("/v1.0/users/{id}")).await;
        assert!(plain.get("assignedPlans").is_none() && plain.get("provisionedPlans").is_none());

        let (status, body) = sim.post(&t, "/v1.0/invitations", convert(&id, &external)).await;
        assert_eq!((status, graph_message(&body)), (400, VERIFIED), "{case}");
        let (status, _) = sim
            .patch(&t, &format!("/v1.0/users/{id}"), json!({ "mail": external }))
            .await;
        assert_eq!(
            status, 400,
            "{case}: mail of a mailbox user can't change through Graph"
        );
    }
    // Users without a mailbox have empty plans, also in lists.
    let ready = sim.case_user("ready-to-convert").await;
    let (_, body) = sim
        .get(
            &t,
            &format!(
                "/v1.0/users/{}?$select=assignedPlans,provisionedPlans",
                field(&ready, "id")
            ),
        )
        .await;
    assert_eq!(
        body,
        json!({ "@odata.context": body["@odata.context"], "assignedPlans": [], "provisionedPlans": [] })
    );
    let (status, body) = sim
        .get(
            &t,
            "/v1.0/users?$filter=userPrincipalName%20eq%20'admin@contoso.com'&$select=id,provisionedPlans",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["value"][0]["provisionedPlans"][0]["service"], "exchange");
}

#[tokio::test]
async fn reset_redemption_accepts_mail_or_other_mails() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    let pending = sim.case_user("pending-acceptance").await;
    let id = field(&pending, "id");
    let reset = |email: &str| {
        let mut b = convert(&id, email);
        b["resetRedemption"] = json!(true);
        b
    };
    let new_address = "new.address@tailspin.example";
    let (status, body) = sim.post(&t, "/v1.0/invitations", reset(new_address)).await;
    assert_eq!((status, graph_message(&body)), (400, NOT_ON_OBJECT));
    let (status, _) = sim
        .patch(
            &t,
            &format!("/v1.0/users/{id}"),
            json!({ "otherMails": [new_address] }),
        )
        .await;
    assert_eq!(status, 204);
    let (status, body) = sim.post(&t, "/v1.0/invitations", reset(new_address)).await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = sim
        .post(&t, "/v1.0/invitations", reset(&field(&pending, "mail")))
        .await;
    assert_eq!(status, 201);
}
