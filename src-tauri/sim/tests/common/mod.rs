//! Shared helpers for the simulator's integration tests: real HTTP on loopback.
#![allow(dead_code)]

use std::collections::HashMap;

use serde_json::{json, Value};
use tenant_sim::tokens::s256;
use tenant_sim::{SimConfig, SimServer, DEMO_CLIENT_ID};

pub const TENANT_ID: &str = "7e1c5a2e-3b1d-4c5e-9f0a-1b2c3d4e5f60";
pub const ADMIN: &str = "admin@contoso.com";
pub const HELPDESK: &str = "helpdesk@contoso.com";
pub const NOROLE: &str = "norole@contoso.com";
/// The PKCE verifier the tests sign in with.
pub const VERIFIER: &str = "x3Jd8W0m6lOQ2yX0n1fV1ybqV8vAqkq5qYk4Zb6pYtQ-Lr0";
pub const APP_SCOPES: &str = "User.Read User.ReadWrite.All User.Invite.All offline_access openid profile";

pub struct Sim {
    pub server: SimServer,
    pub http: reqwest::Client,
}

impl Sim {
    pub async fn start() -> Sim {
        let server = SimServer::start(SimConfig::default())
            .await
            .expect("simulator starts");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Sim { server, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.base_url(), path)
    }

    pub async fn token(&self, username: &str, scope: &str) -> String {
        let body: Value = self
            .http
            .post(self.url("/_sim/token"))
            .json(&json!({ "username": username, "scope": scope }))
            .send()
            .await
            .expect("token request")
            .json()
            .await
            .expect("token json");
        body["access_token"].as_str().expect("access_token").to_owned()
    }

    pub async fn admin(&self) -> String {
        self.token(ADMIN, APP_SCOPES).await
    }

    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get_eventual(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .header("ConsistencyLevel", "eventual")
            .send()
            .await
            .expect("GET");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("POST");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .patch(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("PATCH");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn faults(&self, faults: Value) {
        let r = self
            .http
            .post(self.url("/_sim/faults"))
            .json(&faults)
            .send()
            .await
            .expect("faults");
        assert_eq!(r.status(), 200, "{:?}", r.text().await);
    }

    /// The first user of a seed case, as Graph returns it with the properties that matter.
    pub async fn case_user(&self, case: &str) -> Value {
        self.case_users(case)
            .await
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no user in case {case}"))
    }

    pub async fn case_users(&self, case: &str) -> Vec<Value> {
        let dir = self.server.state().lock().dir.clone();
        tenant_sim::seed::users_in_case(&dir, case)
            .into_iter()
            .map(|u| serde_json::to_value(u).expect("user json"))
            .collect()
    }
}

pub fn graph_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

pub fn graph_message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or("")
}

pub fn aadsts(body: &Value) -> i64 {
    body["error_codes"][0].as_i64().unwrap_or(0)
}

/// The authorize query the app sends, with the PKCE challenge of [`VERIFIER`].
pub fn authorize_query(redirect: &str, scope: &str) -> Vec<(String, String)> {
    [
        ("client_id", DEMO_CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", redirect),
        ("scope", scope),
        ("state", "st4te/+="),
        ("code_challenge", &s256(VERIFIER)),
        ("code_challenge_method", "S256"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// The query parameters of a URL, decoded.
pub fn query_of(location: &str) -> HashMap<String, String> {
    let q = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            (
                k.to_owned(),
                urlencoding::decode(v).map(|c| c.into_owned()).unwrap_or_default(),
            )
        })
        .collect()
}

/// POSTs a form to the token endpoint of `tenant`.
pub async fn token_request(sim: &Sim, tenant: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = sim
        .http
        .post(sim.url(&format!("/{tenant}/oauth2/v2.0/token")))
        .form(form)
        .send()
        .await
        .expect("token");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}
