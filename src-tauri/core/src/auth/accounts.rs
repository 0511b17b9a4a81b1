//! The accounts signed in on this machine. For each: metadata and the refresh token in the vault;
//! the access token in memory only, refreshed before it expires and once after a 401.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::flow::{self, AuthConfig, TokenSet};
use super::vault::{SecretStore, Vault};
use super::Secret;
use crate::error::{AppError, ErrorCode};

/// An account as the UI shows it. No secret in here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Account {
    /// `{oid}.{tid}`: one person in one tenant.
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub tenant_id: String,
    pub tenant_name: Option<String>,
    /// The identity platform this account signs in with (Microsoft's, or the demo tenant's).
    pub authority: String,
    pub client_id: String,
    pub graph_url: String,
}

impl Account {
    pub fn auth_config(&self) -> AuthConfig {
        AuthConfig::new(&self.authority, &self.tenant_id, &self.client_id)
    }
}

/// What the signed-in admin can do, and what is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Capabilities {
    pub roles: Vec<String>,
    pub scopes: Vec<String>,
    pub can_convert: bool,
    pub can_reset: bool,
    /// Stable codes the UI explains: `scope_user_invite_all`, `scope_user_readwrite_all`,
    /// `role_user_administrator`.
    pub missing: Vec<String>,
}

/// Roles that may convert users and reset redemption (CONTRACT.md section 1.3).
const CONVERT_ROLES: &[&str] = &[
    "Global Administrator",
    "User Administrator",
    "Helpdesk Administrator",
];

impl Capabilities {
    pub fn from(roles: Vec<String>, scopes: Vec<String>) -> Self {
        let has_scope = |s: &str| {
            scopes.iter().any(|x| {
                x.eq_ignore_ascii_case(s)
                    || x.rsplit('/')
                        .next()
                        .is_some_and(|short| short.eq_ignore_ascii_case(s))
            })
        };
        let has_role = roles
            .iter()
            .any(|r| CONVERT_ROLES.iter().any(|c| c.eq_ignore_ascii_case(r)));
        let invite = has_scope("User.Invite.All");
        let write = has_scope("User.ReadWrite.All");
        let mut missing = Vec::new();
        if !invite {
            missing.push("scope_user_invite_all".to_owned());
        }
        if !write {
            missing.push("scope_user_readwrite_all".to_owned());
        }
        if !has_role {
            missing.push("role_user_administrator".to_owned());
        }
        Capabilities {
            can_convert: invite && write && has_role,
            can_reset: write && has_role,
            roles,
            scopes,
            missing,
        }
    }
}

struct Cached {
    token: Secret,
    scopes: Vec<String>,
    expires: Instant,
}

/// Refresh this long before the access token expires.
const EARLY: Duration = Duration::from_secs(300);
const INDEX: &str = "accounts";

pub struct Accounts<S: SecretStore> {
    vault: Vault<S>,
    cache: Mutex<HashMap<String, Cached>>,
}

fn meta_key(id: &str) -> String {
    format!("account.{id}.meta")
}
fn refresh_key(id: &str) -> String {
    format!("account.{id}.refresh")
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::Internal, e.to_string())
}

impl<S: SecretStore> Accounts<S> {
    pub fn new(store: S) -> Self {
        Accounts {
            vault: Vault::new(store),
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub fn vault(&self) -> &Vault<S> {
        &self.vault
    }

    fn ids(&self) -> Result<Vec<String>, AppError> {
        match self.vault.get(INDEX)? {
            None => Ok(Vec::new()),
            Some(text) => serde_json::from_str(&text).map_err(internal),
        }
    }

    fn write_ids(&self, ids: &[String]) -> Result<(), AppError> {
        if ids.is_empty() {
            self.vault.remove(INDEX)
        } else {
            self.vault
                .put(INDEX, &serde_json::to_string(ids).map_err(internal)?)
        }
    }

    /// Every account with readable metadata. One whose metadata is torn is left out (and can be
    /// signed in again); the keychain being unusable is an error.
    pub fn list(&self) -> Result<Vec<Account>, AppError> {
        let mut out = Vec::new();
        for id in self.ids()? {
            match self.vault.get(&meta_key(&id)) {
                Ok(Some(text)) => match serde_json::from_str(&text) {
                    Ok(a) => out.push(a),
                    Err(e) => tracing::warn!("account {id}: unreadable metadata: {e}"),
                },
                Ok(None) => tracing::warn!("account {id}: no metadata"),
                Err(e) if e.code == ErrorCode::SessionExpired => {
                    tracing::warn!("account {id}: {}", e.message)
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    pub fn get(&self, id: &str) -> Result<Account, AppError> {
        self.list()?.into_iter().find(|a| a.id == id).ok_or_else(|| {
            AppError::new(
                ErrorCode::NotSignedIn,
                format!("no account {id} on this computer"),
            )
        })
    }

    /// Records a fresh sign-in: metadata and refresh token to the keychain, access token to memory.
    pub fn save(&self, account: &Account, tokens: &TokenSet) -> Result<(), AppError> {
        let refresh = tokens.refresh_token.as_ref().ok_or_else(|| {
            AppError::new(
                ErrorCode::IdentityError,
                "the identity platform gave no refresh token (offline_access)",
            )
        })?;
        self.vault.put(&refresh_key(&account.id), refresh.expose())?;
        self.vault.put(
            &meta_key(&account.id),
            &serde_json::to_string(account).map_err(internal)?,
        )?;
        let mut ids = self.ids()?;
        if !ids.contains(&account.id) {
            ids.push(account.id.clone());
            self.write_ids(&ids)?;
        }
        self.remember(&account.id, tokens);
        Ok(())
    }

    fn remember(&self, id: &str, tokens: &TokenSet) {
        if let Ok(mut c) = self.cache.lock() {
            c.insert(
                id.to_owned(),
                Cached {
                    token: tokens.access_token.clone(),
                    scopes: tokens.scopes.clone(),
                    expires: Instant::now() + tokens.expires_in,
                },
            );
        }
    }

    /// Removes every keychain entry of the account and forgets its access token.
    pub fn sign_out(&self, id: &str) -> Result<(), AppError> {
        if let Ok(mut c) = self.cache.lock() {
            c.remove(id);
        }
        self.vault.remove(&refresh_key(id))?;
        self.vault.remove(&meta_key(id))?;
        let ids: Vec<String> = self.ids()?.into_iter().filter(|x| x != id).collect();
        self.write_ids(&ids)
    }

    /// Forgets the in-memory access token, e.g. after Graph answered 401.
    pub fn invalidate(&self, id: &str) {
        if let Ok(mut c) = self.cache.lock() {
            c.remove(id);
        }
    }

    /// A valid access token and its scopes: from memory while it has more than five minutes left,
    /// otherwise refreshed (the rotated refresh token is written back).
    pub async fn access_token(&self, account: &Account) -> Result<(Secret, Vec<String>), AppError> {
        if let Ok(c) = self.cache.lock() {
            if let Some(t) = c.get(&account.id).filter(|t| t.expires > Instant::now() + EARLY) {
                return Ok((t.token.clone(), t.scopes.clone()));
            }
        }
        let refresh = self
            .vault
            .get(&refresh_key(&account.id))?
            .ok_or_else(|| AppError::new(ErrorCode::NotSignedIn, "no saved sign-in for this account"))?;
        let tokens = flow::refresh(&account.auth_config(), &Secret::new(refresh)).await?;
        if let Some(rotated) = &tokens.refresh_token {
            self.vault.put(&refresh_key(&account.id), rotated.expose())?;
        }
        self.remember(&account.id, &tokens);
        Ok((tokens.access_token, tokens.scopes))
    }
}

/// Builds the account record of a fresh sign-in: who (from the id token) and which tenant (its
/// display name from Graph, best effort).
pub async fn account_from_sign_in(
    cfg: &AuthConfig,
    graph_url: &str,
    tokens: &TokenSet,
) -> Result<Account, AppError> {
    let who = tokens.identity.clone().ok_or_else(|| {
        AppError::new(
            ErrorCode::IdentityError,
            "the identity platform gave no id token (openid scope)",
        )
    })?;
    let org = graph_get(graph_url, &tokens.access_token, "/v1.0/organization")
        .await
        .ok();
    let tenant_name = org
        .as_ref()
        .and_then(|o| o["value"][0]["displayName"].as_str())
        .map(str::to_owned);
    Ok(Account {
        id: format!("{}.{}", who.oid, who.tid),
        username: who.preferred_username,
        display_name: who.name,
        tenant_id: who.tid,
        tenant_name,
        authority: cfg.authority.clone(),
        client_id: cfg.client_id.clone(),
        graph_url: graph_url.trim_end_matches('/').to_owned(),
    })
}

/// The admin's directory roles (from `/me/memberOf`) and the token's scopes.
pub async fn capabilities(
    graph_url: &str,
    token: &Secret,
    scopes: Vec<String>,
) -> Result<Capabilities, AppError> {
    let body = graph_get(graph_url, token, "/v1.0/me/memberOf").await?;
    let roles = body["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| o["@odata.type"] == "#microsoft.graph.directoryRole")
        .filter_map(|o| o["displayName"].as_str().map(str::to_owned))
        .collect();
    Ok(Capabilities::from(roles, scopes))
}

/// A small authenticated GET for sign-in's own needs; the Graph client proper comes with the
/// conversion features.
async fn graph_get(graph_url: &str, token: &Secret, path: &str) -> Result<serde_json::Value, AppError> {
    let http = flow::http_client()?;
    let r = http
        .get(format!("{}{path}", graph_url.trim_end_matches('/')))
        .bearer_auth(token.expose())
        .send()
        .await
        .map_err(|e| AppError::new(ErrorCode::NetworkUnreachable, e.to_string()))?;
    let status = r.status();
    let body: serde_json::Value = r.json().await.unwrap_or(serde_json::Value::Null);
    match status.as_u16() {
        200..=299 => Ok(body),
        401 => Err(AppError::new(
            ErrorCode::SessionExpired,
            format!("Graph refused the token on {path}"),
        )),
        s => Err(AppError::new(
            ErrorCode::GraphError,
            format!(
                "Graph answered {s} on {path}: {}",
                body["error"]["code"].as_str().unwrap_or("")
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::vault::MemoryStore;

    fn account(id: &str) -> Account {
        Account {
            id: id.into(),
            username: "a@contoso.com".into(),
            display_name: "Ada".into(),
            tenant_id: "t".into(),
            tenant_name: Some("Contoso".into()),
            authority: "http://127.0.0.1:1".into(),
            client_id: "c".into(),
            graph_url: "http://127.0.0.1:1".into(),
        }
    }

    fn tokens(rt: &str) -> TokenSet {
        TokenSet {
            access_token: Secret::new("at".into()),
            refresh_token: Some(Secret::new(rt.into())),
            expires_in: Duration::from_secs(3600),
            scopes: vec!["User.Read".into()],
            identity: None,
        }
    }

    #[tokio::test]
    async fn save_list_cache_and_sign_out_leave_nothing() {
        let accounts = Accounts::new(MemoryStore::default());
        accounts
            .save(&account("a.t"), &tokens(&"r".repeat(3000)))
            .expect("save");
        accounts.save(&account("b.t"), &tokens("r2")).expect("save");
        assert_eq!(accounts.list().expect("list").len(), 2);
        // The cached access token is used while fresh: no network is touched here.
        let (at, _) = accounts.access_token(&account("a.t")).await.expect("cached");
        assert_eq!(at.expose(), "at");
        accounts.sign_out("a.t").expect("sign out");
        accounts.sign_out("b.t").expect("sign out");
        assert!(accounts.list().expect("list").is_empty());
        assert!(
            accounts.vault().store().keys().is_empty(),
            "{:?}",
            accounts.vault().store().keys()
        );
    }

    #[test]
    fn capabilities_say_what_is_missing() {
        let c = Capabilities::from(
            vec!["User Administrator".into()],
            vec![
                "https://graph.microsoft.com/User.Invite.All".into(),
                "User.ReadWrite.All".into(),
            ],
        );
        assert!(c.can_convert && c.can_reset && c.missing.is_empty());
        let c = Capabilities::from(vec!["Guest Inviter".into()], vec!["User.Invite.All".into()]);
        assert!(!c.can_convert && !c.can_reset);
        assert_eq!(
            c.missing,
            vec!["scope_user_readwrite_all", "role_user_administrator"]
        );
    }
}
