//! The accounts signed in on this machine. For each: metadata and the refresh token in the vault;
//! the access token in memory only, refreshed before it expires and once after a 401.

use super::vault::VaultError;
use crate::codes::{MissingCode, UnconfirmedCode};
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

/// What the signed-in admin can do, and what is missing. Unknown is not no (CONTRACT.md 9.2):
/// what the app could not read is `unconfirmed`, and only what it knows is wrong is `missing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Capabilities {
    /// Directory roles by name, when Graph showed them (see `roles_known`).
    pub roles: Vec<String>,
    /// Graph showed the roles in full (the token can read directory roles) and every page was read.
    pub roles_known: bool,
    /// Scopes granted, from the token response's `scope`; empty when `scopes_known` is false.
    pub scopes: Vec<String>,
    /// False for a token handed in from elsewhere: access tokens are opaque to the client.
    pub scopes_known: bool,
    /// Not known to be impossible: Microsoft's answer decides when `confirmed` is false.
    pub can_convert: bool,
    pub can_reset: bool,
    /// Both the scopes and a documented role were confirmed for converting and resetting.
    pub confirmed: bool,
    /// Whether the roles may change a user's e-mail (Global or User Administrator, Directory
    /// Writers; not Helpdesk Administrator or Guest Inviter, CONTRACT.md 9.4); `None`: unknown.
    pub can_update_users: Option<bool>,
    /// Known to be missing: `scope_user_invite_all`, `scope_user_readwrite_all`.
    pub missing: Vec<MissingCode>,
    /// Could not be confirmed: `roles_unknown` (Graph hid the role names), `scopes_unknown`,
    /// `role_not_listed_convert`, `role_not_listed_reset` (roles known, none documented for it).
    pub unconfirmed: Vec<UnconfirmedCode>,
}

/// Documented for converting an internal user: the invitation roles that may also update users
/// (CONTRACT.md 1.3, 9.4). Keyed by role template id, which does not change with the language.
const CONVERT_ROLES: &[(&str, &str)] = &[
    ("62e90394-69f5-4237-9190-012177145e10", "Global Administrator"),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
    ("9360feb5-f418-4baa-8175-e2a00bac4301", "Directory Writers"),
];
/// Documented for resetting redemption (CONTRACT.md 1.3).
const RESET_ROLES: &[(&str, &str)] = &[
    ("62e90394-69f5-4237-9190-012177145e10", "Global Administrator"),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
    ("729827e3-9c14-49f7-bb1b-9608f156bbb8", "Helpdesk Administrator"),
];
/// Roles that may update a user's properties such as `mail` (CONTRACT.md 9.4).
const UPDATE_ROLES: &[(&str, &str)] = CONVERT_ROLES;
/// Scopes that let a token read directory roles in `memberOf` (CONTRACT.md 9.2).
pub const ROLE_READ_SCOPES: &[&str] = &[
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

/// One directory role as `memberOf` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoleSeen {
    pub display_name: Option<String>,
    pub role_template_id: Option<String>,
}

/// What the app learned of the admin's roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolesRead {
    /// Every role showed its name or template id, on every page.
    Known(Vec<RoleSeen>),
    /// Some role came back with limited information, or the roles could not be read.
    Unknown,
}

impl RolesRead {
    /// From every `memberOf`/`transitiveMemberOf` item: a role with neither a name nor a template
    /// id is limited information, which makes the whole answer unknown.
    pub fn from_items<'a>(items: impl IntoIterator<Item = &'a serde_json::Value>) -> Self {
        let mut roles = Vec::new();
        for o in items {
            if o["@odata.type"] != "#microsoft.graph.directoryRole" {
                continue;
            }
            let seen = RoleSeen {
                display_name: o["displayName"].as_str().map(str::to_owned),
                role_template_id: o["roleTemplateId"].as_str().map(str::to_owned),
            };
            if seen.display_name.is_none() && seen.role_template_id.is_none() {
                return RolesRead::Unknown;
            }
            roles.push(seen);
        }
        RolesRead::Known(roles)
    }
}

fn has_scope(scopes: &[String], s: &str) -> bool {
    scopes.iter().any(|x| {
        x.eq_ignore_ascii_case(s)
            || x.rsplit('/')
                .next()
                .is_some_and(|short| short.eq_ignore_ascii_case(s))
    })
}

fn holds(roles: &[RoleSeen], documented: &[(&str, &str)]) -> bool {
    roles.iter().any(|r| {
        documented.iter().any(|(t, n)| {
            r.role_template_id
                .as_deref()
                .is_some_and(|x| x.eq_ignore_ascii_case(t))
                || r.display_name
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(n))
        })
    })
}

impl Capabilities {
    /// `scopes`: from the token response (`None` for a token handed in, whose scopes are unknown).
    pub fn from(roles: RolesRead, scopes: Option<Vec<String>>) -> Self {
        let mut missing = Vec::new();
        let mut unconfirmed = Vec::new();
        let scopes_known = scopes.is_some();
        let scopes = scopes.unwrap_or_default();
        // Any of these lets Graph accept an invitation; the write scopes also let it PATCH users.
        let invite = ["User.Invite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"]
            .iter()
            .any(|s| has_scope(&scopes, s));
        let write = ["User.ReadWrite.All", "Directory.ReadWrite.All"]
            .iter()
            .any(|s| has_scope(&scopes, s));
        if !scopes_known {
            unconfirmed.push(UnconfirmedCode::ScopesUnknown);
        } else {
            if !invite {
                missing.push(MissingCode::ScopeUserInviteAll);
            }
            if !write {
                missing.push(MissingCode::ScopeUserReadwriteAll);
            }
        }
        let (names, convert_role, reset_role) = match &roles {
            RolesRead::Known(r) => {
                let convert = holds(r, CONVERT_ROLES);
                let reset = holds(r, RESET_ROLES);
                if !convert {
                    unconfirmed.push(UnconfirmedCode::RoleNotListedConvert);
                }
                if !reset {
                    unconfirmed.push(UnconfirmedCode::RoleNotListedReset);
                }
                let names = r
                    .iter()
                    .filter_map(|x| {
                        x.display_name.clone().or_else(|| {
                            let t = x.role_template_id.as_deref()?;
                            CONVERT_ROLES
                                .iter()
                                .chain(RESET_ROLES)
                                .find(|(id, _)| id.eq_ignore_ascii_case(t))
                                .map(|(_, n)| (*n).to_owned())
                        })
                    })
                    .collect();
                (names, convert, reset)
            }
            RolesRead::Unknown => {
                unconfirmed.push(UnconfirmedCode::RolesUnknown);
                (Vec::new(), false, false)
            }
        };
        let can_update_users = match &roles {
            RolesRead::Known(r) => Some(holds(r, UPDATE_ROLES)),
            RolesRead::Unknown => None,
        };
        let scopes_ok_convert = !scopes_known || (invite && write);
        let scopes_ok_reset = !scopes_known || write;
        Capabilities {
            can_convert: scopes_ok_convert,
            can_reset: scopes_ok_reset,
            confirmed: scopes_known && invite && write && convert_role && reset_role,
            can_update_users,
            roles: names,
            roles_known: matches!(roles, RolesRead::Known(_)),
            scopes,
            scopes_known,
            missing,
            unconfirmed,
        }
    }

    /// Convert is confirmed (scopes and a documented role), not merely not ruled out.
    pub fn convert_confirmed(&self) -> bool {
        self.can_convert
            && self.scopes_known
            && !self.unconfirmed.iter().any(|u| {
                matches!(
                    u,
                    UnconfirmedCode::RolesUnknown | UnconfirmedCode::RoleNotListedConvert
                )
            })
    }

    /// Reset is confirmed (scope and a documented role).
    pub fn reset_confirmed(&self) -> bool {
        self.can_reset
            && self.scopes_known
            && !self.unconfirmed.iter().any(|u| {
                matches!(
                    u,
                    UnconfirmedCode::RolesUnknown | UnconfirmedCode::RoleNotListedReset
                )
            })
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
            Ok(self.vault.remove(INDEX)?)
        } else {
            Ok(self
                .vault
                .put(INDEX, &serde_json::to_string(ids).map_err(internal)?)?)
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
                Err(e @ VaultError::Torn { .. }) => tracing::warn!("account {id}: {e}"),
                Err(e) => return Err(e.into()),
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

/// Renews an account's access token from its refresh token, for a Graph client whose token Graph
/// refused in the middle of a long run (access tokens live 60 to 90 minutes, CONTRACT.md 9.7).
pub struct AccountTokens<S: SecretStore> {
    pub accounts: std::sync::Arc<Accounts<S>>,
    pub account: Account,
}

impl<S: SecretStore + Send + Sync + 'static> crate::graph::TokenSource for AccountTokens<S> {
    fn renew(
        &self,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Secret, AppError>> + Send + '_>> {
        Box::pin(async move {
            self.accounts.invalidate(&self.account.id);
            self.accounts.access_token(&self.account).await.map(|(t, _)| t)
        })
    }
}

/// Where the admin's roles are read: `transitiveMemberOf` also lists roles held through a
/// role-assignable group, which `memberOf` misses (CONTRACT.md 9.2). Every page is followed.
/// Graph's default page (100) is kept, and every further page is read.
pub const ROLES_PATH: &str = "/me/transitiveMemberOf";

/// The admin's directory roles and the token's scopes (`None`: unknown).
pub async fn capabilities(
    graph_url: &str,
    token: &Secret,
    scopes: Option<Vec<String>>,
) -> Result<Capabilities, AppError> {
    let g = crate::graph::GraphClient::new(graph_url, token.clone())?;
    let roles = read_roles(&g).await?;
    Ok(Capabilities::from(roles, scopes))
}

/// Reads the roles from every page. A refusal to list memberships (403) is unknown, not none.
pub async fn read_roles(g: &crate::graph::GraphClient) -> Result<RolesRead, AppError> {
    match g.get_all(ROLES_PATH, false).await {
        Ok(items) => Ok(RolesRead::from_items(&items)),
        Err(e) if e.code == ErrorCode::PermissionDenied => Ok(RolesRead::Unknown),
        Err(e) => Err(e),
    }
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
        .map_err(|e| crate::error::network_error(&e))?;
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

    fn role(name: &str, template: &str) -> RoleSeen {
        RoleSeen {
            display_name: Some(name.into()),
            role_template_id: Some(template.into()),
        }
    }

    #[test]
    fn capabilities_block_only_on_what_is_known() {
        let ua = role("User Administrator", "fe930be7-5e62-47db-91af-98c3a49a38b1");
        let both = Some(vec![
            "https://graph.microsoft.com/User.Invite.All".into(),
            "User.ReadWrite.All".into(),
        ]);
        let c = Capabilities::from(RolesRead::Known(vec![ua.clone()]), both.clone());
        assert!(
            c.can_convert && c.can_reset && c.confirmed && c.missing.is_empty() && c.unconfirmed.is_empty()
        );
        assert!(c.convert_confirmed() && c.reset_confirmed());

        // Graph hid the role names: not confirmed, not refused.
        let c = Capabilities::from(RolesRead::Unknown, both.clone());
        assert!(c.can_convert && c.can_reset && !c.confirmed);
        assert_eq!(c.unconfirmed, vec!["roles_unknown"]);

        // A token handed in: its scopes are unknown.
        let c = Capabilities::from(RolesRead::Known(vec![ua]), None);
        assert!(c.can_convert && !c.confirmed);
        assert_eq!(c.unconfirmed, vec!["scopes_unknown"]);

        // Known roles, none documented for converting: a warning, Microsoft decides.
        let helpdesk = role("Helpdesk Administrator", "729827e3-9c14-49f7-bb1b-9608f156bbb8");
        let c = Capabilities::from(RolesRead::Known(vec![helpdesk]), both);
        assert!(c.can_convert && c.can_reset && !c.convert_confirmed() && c.reset_confirmed());
        assert_eq!(c.unconfirmed, vec!["role_not_listed_convert"]);

        // A scope known to be missing is a no.
        let c = Capabilities::from(RolesRead::Unknown, Some(vec!["User.Invite.All".into()]));
        assert!(!c.can_convert && !c.can_reset);
        assert_eq!(c.missing, vec!["scope_user_readwrite_all"]);
    }

    #[test]
    fn limited_information_makes_roles_unknown() {
        let full = serde_json::json!([
            {"@odata.type": "#microsoft.graph.group", "id": "g", "displayName": null},
            {"@odata.type": "#microsoft.graph.directoryRole", "id": "r", "displayName": "User Administrator", "roleTemplateId": "fe930be7-5e62-47db-91af-98c3a49a38b1"}
        ]);
        let items = full.as_array().cloned().unwrap_or_default();
        assert!(matches!(RolesRead::from_items(&items), RolesRead::Known(r) if r.len() == 1));
        let limited = serde_json::json!([
            {"@odata.type": "#microsoft.graph.directoryRole", "id": "r", "displayName": null, "roleTemplateId": null}
        ]);
        let items = limited.as_array().cloned().unwrap_or_default();
        assert_eq!(RolesRead::from_items(&items), RolesRead::Unknown);
    }
}
