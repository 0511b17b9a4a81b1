//! The directory the simulator serves. Field names are Graph's (camelCase on the wire); what
//! Graph does not expose (mailbox, roles, the seed case) sits in `SimExtras` under `_sim`.

use serde::{Deserialize, Serialize};

/// The tenant: what `/organization` and `/domains` return.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    /// The tenant id (a GUID), also the `tid` of every token.
    pub id: String,
    pub display_name: String,
    /// Verified domains; exactly one has `is_initial` (the *.onmicrosoft.com one) and one `is_default`.
    pub domains: Vec<Domain>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Domain {
    /// The FQDN, e.g. "contoso.com".
    pub id: String,
    pub is_default: bool,
    pub is_initial: bool,
    pub is_verified: bool,
    /// "Managed" or "Federated".
    pub authentication_type: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ObjectIdentity {
    pub sign_in_type: String,
    pub issuer: String,
    pub issuer_assigned_id: String,
}

/// A directory user. Optional Graph properties are `None` when Graph would return `null`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub surname: Option<String>,
    pub user_principal_name: String,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default)]
    pub other_mails: Vec<String>,
    /// e.g. "SMTP:bob@contoso.com" (primary) and "smtp:bob@sales.contoso.com".
    #[serde(default)]
    pub proxy_addresses: Vec<String>,
    /// "Member" or "Guest".
    pub user_type: String,
    /// "PendingAcceptance", "Accepted" or null.
    #[serde(default)]
    pub external_user_state: Option<String>,
    /// RFC 3339, UTC, e.g. "2026-11-01T09:30:00Z".
    #[serde(default)]
    pub external_user_state_change_date_time: Option<String>,
    /// null (regular), "Invitation", ...
    #[serde(default)]
    pub creation_type: Option<String>,
    #[serde(default)]
    pub identities: Vec<ObjectIdentity>,
    /// true = synced, false = was synced, null = never.
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    #[serde(default)]
    pub on_premises_user_principal_name: Option<String>,
    #[serde(default)]
    pub on_premises_immutable_id: Option<String>,
    pub account_enabled: bool,
    #[serde(default)]
    pub job_title: Option<String>,
    #[serde(default)]
    pub business_phones: Vec<String>,
    #[serde(default)]
    pub mobile_phone: Option<String>,
    #[serde(default)]
    pub office_location: Option<String>,
    #[serde(default)]
    pub preferred_language: Option<String>,
    /// RFC 3339, UTC.
    pub created_date_time: String,
    /// Not a Graph property: what only the simulator knows.
    #[serde(rename = "_sim", default)]
    pub sim: SimExtras,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SimExtras {
    /// The user has an Exchange Online mailbox: `mail` cannot be changed through Graph.
    #[serde(default)]
    pub has_mailbox: bool,
    /// Directory role display names, e.g. "User Administrator", "Guest Inviter".
    #[serde(default)]
    pub roles: Vec<String>,
    /// When set, the account can sign in on the simulated sign-in page with this password.
    #[serde(default)]
    pub password: Option<String>,
    /// The named seed case this user illustrates (see the crate README), e.g. "ready-to-convert".
    #[serde(default)]
    pub case: Option<String>,
    /// The user's sponsors: ids of users or groups (`/users/{id}/sponsors`), at most five.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sponsors: Vec<String>,
}

/// The whole seeded state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Directory {
    pub tenant: Tenant,
    pub users: Vec<User>,
    /// The public clients the tenant knows; seed files without it get [`Application::builtin`].
    #[serde(default = "Application::builtin")]
    pub applications: Vec<Application>,
    /// Groups and their members; absent from older seed files.
    #[serde(default)]
    pub groups: Vec<Group>,
    /// Other holders of addresses (CONTRACT.md 9.9); absent from older seed files.
    #[serde(default)]
    pub contacts: Vec<OrgContact>,
}

/// An organisational contact (Exchange mail contact): `/contacts`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrgContact {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub surname: Option<String>,
    #[serde(default)]
    pub company_name: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default)]
    pub mail_nickname: Option<String>,
    #[serde(default)]
    pub proxy_addresses: Vec<String>,
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
}

/// The directory roles the simulator knows, with Entra's fixed role template ids.
pub const ROLE_TEMPLATES: &[(&str, &str)] = &[
    ("Global Administrator", "62e90394-69f5-4237-9190-012177145e10"),
    ("User Administrator", "fe930be7-5e62-47db-91af-98c3a49a38b1"),
    ("Helpdesk Administrator", "729827e3-9c14-49f7-bb1b-9608f156bbb8"),
    ("Guest Inviter", "95e79109-95c0-4d8e-aee3-d01accf2d47b"),
    ("Directory Writers", "9360feb5-f418-4baa-8175-e2a00bac4301"),
    (
        "External Identity Provider Administrator",
        "be2f45a1-457d-42af-a067-6ec1fa63bc45",
    ),
];

impl Directory {
    pub fn user(&self, id_or_upn: &str) -> Option<&User> {
        self.users.iter().find(|u| {
            u.id.eq_ignore_ascii_case(id_or_upn) || u.user_principal_name.eq_ignore_ascii_case(id_or_upn)
        })
    }

    pub fn user_mut(&mut self, id_or_upn: &str) -> Option<&mut User> {
        self.users.iter_mut().find(|u| {
            u.id.eq_ignore_ascii_case(id_or_upn) || u.user_principal_name.eq_ignore_ascii_case(id_or_upn)
        })
    }

    /// True when `domain` is a verified domain of the tenant or a subdomain of one.
    /// CONTRACT.md section 5: subdomain handling is undocumented; treating subdomains as
    /// internal is the stricter choice.
    pub fn is_verified_domain(&self, domain: &str) -> bool {
        let domain = domain.to_ascii_lowercase();
        self.tenant.domains.iter().filter(|d| d.is_verified).any(|d| {
            let root = d.id.to_ascii_lowercase();
            domain == root || domain.ends_with(&format!(".{root}"))
        })
    }

    pub fn application(&self, app_id: &str) -> Option<&Application> {
        self.applications
            .iter()
            .find(|a| a.app_id.eq_ignore_ascii_case(app_id))
    }

    /// The groups `member_id` (a user or group id) belongs to: directly, or also through nested
    /// groups when `transitive`. In directory order, each once.
    pub fn groups_of(&self, member_id: &str, transitive: bool) -> Vec<&Group> {
        let mut found: Vec<&Group> = Vec::new();
        let mut frontier = vec![member_id.to_owned()];
        while let Some(id) = frontier.pop() {
            for g in &self.groups {
                let member = g.sim.members.iter().any(|m| m.eq_ignore_ascii_case(&id));
                if member && !found.iter().any(|f| f.id == g.id) {
                    found.push(g);
                    if transitive {
                        frontier.push(g.id.clone());
                    }
                }
            }
        }
        found.sort_by_key(|g| self.groups.iter().position(|x| x.id == g.id));
        found
    }

    /// Roles a user holds: assigned directly, or through the role-assignable groups it belongs to.
    pub fn effective_roles(&self, user: &User) -> Vec<String> {
        let mut roles = user.sim.roles.clone();
        for g in self.groups_of(&user.id, true) {
            if g.is_assignable_to_role {
                for r in &g.sim.roles {
                    if !roles.iter().any(|x| x.eq_ignore_ascii_case(r)) {
                        roles.push(r.clone());
                    }
                }
            }
        }
        roles
    }

    pub fn initial_domain(&self) -> &str {
        self.tenant
            .domains
            .iter()
            .find(|d| d.is_initial)
            .map(|d| d.id.as_str())
            .unwrap_or("contoso.onmicrosoft.com")
    }
}

/// A public client registration (Mobile and desktop platform) with its tenant-wide consent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub app_id: String,
    pub display_name: String,
    /// Registered redirect URIs, e.g. "http://localhost" (CONTRACT.md section 9.1).
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Graph scopes (short names) already consented for this client. Entra puts every consented
    /// scope of a resource into the token, requested or not.
    #[serde(default)]
    pub consented_scopes: Vec<String>,
}

impl Application {
    /// B2B Convert's demo registration (with RoleManagement.Read.Directory consented) and
    /// Microsoft Graph Command Line Tools (no extra consent), both with only `http://localhost`.
    pub fn builtin() -> Vec<Application> {
        let app = |id: &str, name: &str, consented: &[&str]| Application {
            app_id: id.to_owned(),
            display_name: name.to_owned(),
            redirect_uris: vec!["http://localhost".to_owned()],
            consented_scopes: consented.iter().map(|s| (*s).to_owned()).collect(),
        };
        vec![
            app(
                crate::DEMO_CLIENT_ID,
                "B2B Convert",
                &["RoleManagement.Read.Directory"],
            ),
            app(
                crate::GRAPH_CLI_CLIENT_ID,
                "Microsoft Graph Command Line Tools",
                &[],
            ),
        ]
    }
}

/// A directory group, with the Graph properties the simulator returns.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
    pub mail_enabled: bool,
    pub mail_nickname: String,
    pub security_enabled: bool,
    /// ["Unified"] for a Microsoft 365 group, empty for security and distribution groups.
    #[serde(default)]
    pub group_types: Vec<String>,
    /// "SMTP:" for the primary address, "smtp:" for secondary ones.
    #[serde(default)]
    pub proxy_addresses: Vec<String>,
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    #[serde(default)]
    pub visibility: Option<String>,
    /// RFC 3339, UTC.
    pub created_date_time: String,
    /// Directory roles can be assigned to the group (set at creation in Entra).
    #[serde(default)]
    pub is_assignable_to_role: bool,
    /// Not a Graph property: members and role assignments.
    #[serde(rename = "_sim", default)]
    pub sim: GroupExtras,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GroupExtras {
    /// Direct members: user or group ids.
    #[serde(default)]
    pub members: Vec<String>,
    /// Role display names assigned to the group; they count only when `isAssignableToRole`.
    #[serde(default)]
    pub roles: Vec<String>,
}

/// Entra's description of a directory role, as `directoryRole.description` returns it.
pub fn role_description(role: &str) -> Option<&'static str> {
    Some(match role {
        "Global Administrator" => "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.",
        "User Administrator" => "Can manage all aspects of users and groups, including resetting passwords for limited admins.",
        "Helpdesk Administrator" => "Can reset passwords for non-administrators and Helpdesk Administrators.",
        "Guest Inviter" => "Can invite guest users independent of the 'members can invite guests' setting.",
        "Directory Writers" => "Can read and write basic directory information. For granting access to applications, not intended for users.",
        "External Identity Provider Administrator" => "Can configure identity providers for use in direct federation.",
        _ => return None,
    })
}
