//! The default seeded tenant, and loading a tenant from a JSON file.
//!
//! Every seeded user carries `_sim.case`, the named situation it illustrates (see [`CASES`] and
//! SEED.md). Ids, names and dates come from fixed inputs and an index-based mixer, so every call
//! of [`default_directory`] returns identical data.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use base64::Engine;
use time::macros::date;
use time::{Date, Duration, Time};
use uuid::Uuid;

use crate::model::{
    Directory, Domain, Group, GroupExtras, ObjectIdentity, OrgContact, SimExtras, Tenant, User,
};

/// The tenant id of the default directory (also the namespace of the derived user ids).
pub const TENANT_ID: &str = "7e1c5a2e-3b1d-4c5e-9f0a-1b2c3d4e5f60";
/// Durations such as "invited 30 days ago" are measured back from this day, never from the clock.
pub const REFERENCE_DATE: &str = "2026-11-01";
/// The password of the seeded sign-in accounts.
pub const DEMO_PASSWORD: &str = "demo";

const TENANT_NAME: &str = "Contoso Demo";
const INITIAL_DOMAIN: &str = "contosodemo.onmicrosoft.com";
const DEFAULT_DOMAIN: &str = "contoso.com";
const ID_NAMESPACE: Uuid = Uuid::from_u128(0x7e1c5a2e_3b1d_4c5e_9f0a_1b2c3d4e5f60);
const REFERENCE_DAY: Date = date!(2026 - 11 - 01);

/// Every seed case name with what it illustrates. SEED.md documents the same list.
pub const CASES: &[(&str, &str)] = &[
    ("admin-user-administrator", "Sign-in account with the User Administrator role."),
    ("helpdesk-guest-inviter", "Sign-in account with the Guest Inviter role only."),
    ("no-role", "Sign-in account without any directory role."),
    ("global-admin", "Sign-in account with the Global Administrator role."),
    ("ready-to-convert", "Cloud-only member with an external address in `mail`: convertible as is."),
    (
        "ready-other-mail",
        "Member without `mail`; an external address in `otherMails` must be set as `mail` first.",
    ),
    ("no-mail", "Member with neither `mail` nor `otherMails`: an address must be supplied."),
    ("mail-verified-domain", "`mail` in a verified domain: blocked until `mail` is changed."),
    (
        "mail-verified-subdomain",
        "`mail` in a subdomain of a verified domain (treated as internal): blocked until changed.",
    ),
    (
        "synced-onprem-upn",
        "Synced from on-premises, `onPremisesUserPrincipalName` set: conversion blocked.",
    ),
    (
        "was-synced",
        "Formerly synced (`onPremisesSyncEnabled` false, no on-premises UPN): convertible.",
    ),
    (
        "exchange-mailbox",
        "Exchange mailbox: `mail` in contoso.com cannot be changed through Graph; external address in `otherMails`.",
    ),
    (
        "pending-acceptance",
        "Already converted, not redeemed (`externalUserState` PendingAcceptance), 2 to 299 days before 2026-11-01.",
    ),
    ("accepted", "Already converted and redeemed (`externalUserState` Accepted, federated identity)."),
    ("guest", "Ordinary invited B2B guest (`userType` Guest, `#EXT#` UPN)."),
    ("disabled", "Convertible except that `accountEnabled` is false."),
    ("name-apostrophe", "Names with apostrophes (O'Brien); one UPN contains an apostrophe."),
    ("name-accents", "Names with accented Latin letters; ASCII UPNs and mail."),
    ("name-hebrew", "Hebrew display, given and surname; ASCII UPNs and mail."),
    ("name-swedish", "Swedish names with å, ä, ö; ASCII UPNs and mail."),
    (
        "shared-external-address",
        "Two members with the same external address (one in `mail`, one in `otherMails`).",
    ),
    ("forbidden-chars", "External `mail` with a character invitations reject (`+`)."),
    (
        "many-groups-admin",
        "Sign-in account, User Administrator, in 150 groups listed before its role: the role is on memberOf's second page.",
    ),
    (
        "group-role-admin",
        "Sign-in account that is User Administrator only through a role-assignable group: in transitiveMemberOf, not memberOf.",
    ),
    ("helpdesk-administrator", "Sign-in account with the Helpdesk Administrator role only."),
    ("directory-writers", "Sign-in account with the Directory Writers role only."),
    (
        "mailbox-other-mail",
        "Exchange mailbox, `mail` in contoso.com, secondary `smtp:` aliases, external address only in `otherMails`: not convertible through Graph.",
    ),
    (
        "verified-mail-other-mail",
        "No mailbox, `mail` in a verified domain, external address in `otherMails`: PATCH `mail` to it, then convert.",
    ),
    (
        "other-mail-only",
        "No `mail`; `otherMails` holds an alias in contoso.se and the external address: set `mail` to the external one first.",
    ),
    (
        "address-held-as-secondary",
        "Two members: one's external `mail` is a secondary `smtp:` proxy address of the other, an internal user.",
    ),
    (
        "address-held-by-group",
        "External `mail` that a mail-enabled group also holds as a secondary `smtp:` address: conversion refused.",
    ),
    (
        "address-held-by-contact",
        "External `mail` that an organisational contact also holds (mail and `SMTP:`): conversion refused.",
    ),
];

/// Ordinary groups the `many-groups-admin` account belongs to.
pub const MANY_GROUPS: usize = 150;

/// The address of the `address-held-by-group` user, also a proxy address of a group.
pub const GROUP_HELD_ADDRESS: &str = "project.liaison@wingtiptoys.example";
/// The address of the `address-held-by-contact` user, also the mail of a contact.
pub const CONTACT_HELD_ADDRESS: &str = "account.manager@litware.example";
/// The external `mail` of one `address-held-as-secondary` user, an `smtp:` alias of the other.
pub const SECONDARY_HELD_ADDRESS: &str = "field.engineer@adatum.example";

/// External domains used for users' outside addresses; none is a tenant domain.
const PARTNERS: &[&str] = &[
    "northwind.example",
    "tailspin.example",
    "adatum.example",
    "fourthcoffee.example",
    "wingtiptoys.example",
    "litware.example",
];

const FIRST_NAMES: &[&str] = &[
    "Adele", "Alex", "Allan", "Amara", "Ben", "Bianca", "Caleb", "Chloe", "Christie", "Daniel", "Diego",
    "Elena", "Emily", "Ethan", "Fatima", "Felix", "Grace", "Hannah", "Henry", "Isaac", "Isla", "Jack",
    "Jasmine", "Johanna", "Joni", "Kai", "Karen", "Lee", "Leo", "Lidia", "Lucas", "Lynne", "Maya", "Megan",
    "Miriam", "Nathan", "Nestor", "Noah", "Olivia", "Omar", "Patti", "Priya", "Quinn", "Raj", "Rosa",
    "Samuel", "Tara", "Victor",
];

const LAST_NAMES: &[&str] = &[
    "Adams",
    "Alvarez",
    "Baker",
    "Bennett",
    "Brooks",
    "Campbell",
    "Carter",
    "Chen",
    "Collins",
    "Diaz",
    "Edwards",
    "Evans",
    "Fernandez",
    "Fischer",
    "Foster",
    "Garcia",
    "Gordon",
    "Gray",
    "Hall",
    "Hayes",
    "Hughes",
    "Jensen",
    "Kaur",
    "Kim",
    "Kowalski",
    "Larsen",
    "Lopez",
    "Martin",
    "Mendez",
    "Morgan",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Parker",
    "Patel",
    "Reyes",
    "Rossi",
    "Russell",
    "Sato",
    "Schmidt",
    "Silva",
    "Tanaka",
    "Turner",
    "Vance",
    "Wagner",
    "Walker",
    "Young",
];

const JOB_TITLES: &[&str] = &[
    "Account Manager",
    "Consultant",
    "Developer",
    "Designer",
    "Financial Analyst",
    "Marketing Specialist",
    "Product Manager",
    "Project Coordinator",
    "Sales Representative",
    "Support Engineer",
    "Technical Writer",
    "Contractor",
];

const OFFICES: &[&str] = &[
    "Seattle",
    "Redmond",
    "Stockholm",
    "Gothenburg",
    "Lyon",
    "Tel Aviv",
    "London",
    "Remote",
];

/// Why a seed file could not be used. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read seed file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("seed file {} is not a valid directory JSON document: {source}", path.display())]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("seed file {} is inconsistent: {}", path.display(), problems.join("; "))]
    Invalid { path: PathBuf, problems: Vec<String> },
}

/// The default seeded tenant. Deterministic: the same ids and values on every call.
pub fn default_directory() -> Directory {
    let mut s = Seeder::default();
    s.sign_in_accounts();
    s.ready_to_convert(170);
    s.ready_other_mail(12);
    s.no_mail(10);
    s.mail_verified_domain(10);
    s.mail_verified_subdomain(8);
    s.synced_onprem_upn(12);
    s.was_synced(8);
    s.exchange_mailbox(10);
    s.pending_acceptance();
    s.accepted(10);
    s.guests(16);
    s.disabled(6);
    s.special_names();
    s.shared_external_address();
    s.forbidden_chars();
    let mut groups = s.role_accounts();
    // Appended later; the users above keep their ids, names and addresses.
    s.mailbox_other_mail(2);
    s.verified_mail_other_mail(3);
    s.other_mail_only(2);
    s.address_held_as_secondary();
    s.address_held_by_group();
    s.address_held_by_contact();
    groups.extend(default_groups());
    Directory {
        tenant: default_tenant(),
        users: s.users,
        applications: crate::model::Application::builtin(),
        groups,
        contacts: default_contacts(),
    }
}

/// Grows a directory by `n` generated members, for scale tests and benchmarks: one in ten has a
/// partner address in `mail` (case `scale-partner`), the others an address in the tenant's own
/// domain (case `scale-staff`). Deterministic: the same users for the same directory size.
pub fn add_members(dir: &mut Directory, n: usize) {
    let mut s = Seeder {
        serial: dir.users.len(),
        ..Seeder::default()
    };
    s.taken.extend(
        dir.users
            .iter()
            .filter_map(|u| u.user_principal_name.split('@').next().map(str::to_owned)),
    );
    for k in 0..n {
        let serial = s.serial;
        let p = s.person(
            "Staff",
            &format!("{serial:06}"),
            &format!("Staff {serial:06}"),
            &format!("staff{serial:06}"),
        );
        if k % 10 == 9 {
            s.push_ready("scale-partner", &p);
        } else {
            let mut u = s.member("scale-staff", &p);
            let mail = u.user_principal_name.clone();
            set_mail(&mut u, &mail);
            s.users.push(u);
        }
    }
    dir.users.append(&mut s.users);
}

/// Loads a directory from a JSON file in the same shape `serde_json::to_string(&Directory)` writes.
pub fn load(path: &Path) -> Result<Directory, SeedError> {
    let text = std::fs::read_to_string(path).map_err(|source| SeedError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let dir: Directory = serde_json::from_str(&text).map_err(|source| SeedError::Parse {
        path: path.to_path_buf(),
        source,
    })?;
    let problems = validate(&dir);
    if problems.is_empty() {
        Ok(dir)
    } else {
        Err(SeedError::Invalid {
            path: path.to_path_buf(),
            problems,
        })
    }
}

/// Named cases: the users that illustrate each seed case, for tests and demos.
pub fn users_in_case<'a>(dir: &'a Directory, case: &str) -> Vec<&'a User> {
    dir.users
        .iter()
        .filter(|u| u.sim.case.as_deref() == Some(case))
        .collect()
}

/// Consistency problems of a directory (empty when it is usable).
fn validate(dir: &Directory) -> Vec<String> {
    let mut problems = Vec::new();
    let domains = &dir.tenant.domains;
    let initial = domains.iter().filter(|d| d.is_initial).count();
    if initial != 1 {
        problems.push(format!("expected exactly one initial domain, found {initial}"));
    }
    let default = domains.iter().filter(|d| d.is_default).count();
    if default != 1 {
        problems.push(format!("expected exactly one default domain, found {default}"));
    }
    let domain_names: HashSet<String> = domains.iter().map(|d| d.id.to_ascii_lowercase()).collect();

    let mut ids = HashSet::new();
    let mut upns = HashSet::new();
    for u in &dir.users {
        if !ids.insert(u.id.to_ascii_lowercase()) {
            problems.push(format!("duplicate user id {}", u.id));
        }
        if !upns.insert(u.user_principal_name.to_ascii_lowercase()) {
            problems.push(format!("duplicate userPrincipalName {}", u.user_principal_name));
        }
        match u.user_principal_name.rsplit_once('@') {
            Some((_, domain)) if domain_names.contains(&domain.to_ascii_lowercase()) => {}
            Some((_, domain)) => problems.push(format!(
                "user {} has userPrincipalName {} in {domain}, which is not a tenant domain",
                u.id, u.user_principal_name
            )),
            None => problems.push(format!(
                "user {} has userPrincipalName {} without '@'",
                u.id, u.user_principal_name
            )),
        }
    }
    problems.extend(validate_holders(dir, &mut ids));
    problems
}

/// Group and contact ids must be unique too, also against user ids (one directory namespace).
fn validate_holders(dir: &Directory, ids: &mut HashSet<String>) -> Vec<String> {
    let holders = dir
        .groups
        .iter()
        .map(|g| ("group", &g.id))
        .chain(dir.contacts.iter().map(|c| ("contact", &c.id)));
    let mut problems = Vec::new();
    for (kind, id) in holders {
        if !ids.insert(id.to_ascii_lowercase()) {
            problems.push(format!("duplicate {kind} id {id}"));
        }
    }
    problems
}

fn default_tenant() -> Tenant {
    let domain = |id: &str, is_default: bool, is_initial: bool, auth: &str| Domain {
        id: id.to_string(),
        is_default,
        is_initial,
        is_verified: true,
        authentication_type: auth.to_string(),
    };
    Tenant {
        id: TENANT_ID.to_string(),
        display_name: TENANT_NAME.to_string(),
        domains: vec![
            domain(INITIAL_DOMAIN, false, true, "Managed"),
            domain(DEFAULT_DOMAIN, true, false, "Managed"),
            domain("contoso.se", false, false, "Managed"),
            domain("fabrikam-internal.com", false, false, "Federated"),
        ],
    }
}

/// A person's names and the (unique, lower-case ASCII) local part of their UPN.
struct Person {
    given: String,
    surname: String,
    display: String,
    local: String,
}

/// Builds the user list; `serial` numbers every user and drives the varied attributes.
#[derive(Default)]
struct Seeder {
    users: Vec<User>,
    taken: HashSet<String>,
    serial: usize,
    names: usize,
}

impl Seeder {
    /// Reserves `base` as a local part, appending a number when it is already used.
    fn unique_local(&mut self, base: &str) -> String {
        let mut candidate = base.to_string();
        let mut n = 2;
        while !self.taken.insert(candidate.clone()) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        candidate
    }

    fn person(&mut self, given: &str, surname: &str, display: &str, local_base: &str) -> Person {
        Person {
            given: given.to_string(),
            surname: surname.to_string(),
            display: display.to_string(),
            local: self.unique_local(local_base),
        }
    }

    /// The next generated ASCII name; (first, last) pairs do not repeat for 48 * 48 calls.
    fn next_person(&mut self) -> Person {
        let k = self.names;
        self.names += 1;
        let f = FIRST_NAMES.len();
        let given = FIRST_NAMES[k % f];
        let surname = LAST_NAMES[(k / f + 7 * (k % f)) % LAST_NAMES.len()];
        let base = format!("{}.{}", given.to_ascii_lowercase(), surname.to_ascii_lowercase());
        self.person(given, surname, &format!("{given} {surname}"), &base)
    }

    /// A cloud-only member in contoso.com without mail; callers adjust it for their case.
    fn member(&mut self, case: &str, p: &Person) -> User {
        let i = self.serial;
        self.serial += 1;
        let upn = format!("{}@{DEFAULT_DOMAIN}", p.local);
        User {
            id: user_id(&upn),
            display_name: p.display.clone(),
            given_name: Some(p.given.clone()),
            surname: Some(p.surname.clone()),
            identities: vec![upn_identity(&upn)],
            user_principal_name: upn,
            mail: None,
            other_mails: Vec::new(),
            proxy_addresses: Vec::new(),
            user_type: "Member".to_string(),
            external_user_state: None,
            external_user_state_change_date_time: None,
            creation_type: None,
            on_premises_sync_enabled: None,
            on_premises_user_principal_name: None,
            on_premises_immutable_id: None,
            account_enabled: true,
            job_title: (i % 9 != 4).then(|| pick(JOB_TITLES, i, 11).to_string()),
            business_phones: if i % 3 == 2 {
                Vec::new()
            } else {
                vec![format!("+1 425 555 {:04}", 100 + i % 100)]
            },
            mobile_phone: (i % 4 == 1).then(|| format!("+1 206 555 {:04}", 100 + (i * 7) % 100)),
            office_location: (i % 7 != 3).then(|| pick(OFFICES, i, 12).to_string()),
            preferred_language: Some("en-US".to_string()),
            created_date_time: created_at(i),
            sim: SimExtras {
                case: Some(case.to_string()),
                ..SimExtras::default()
            },
        }
    }

    /// An external address for `local` at a partner domain chosen from the user's serial.
    fn external(&self, local: &str) -> String {
        format!("{}@{}", local.replace('\'', ""), pick(PARTNERS, self.serial, 13))
    }

    fn push_ready(&mut self, case: &str, p: &Person) -> &mut User {
        let external = self.external(&p.local);
        let mut u = self.member(case, p);
        set_mail(&mut u, &external);
        self.users.push(u);
        self.last()
    }

    fn last(&mut self) -> &mut User {
        let n = self.users.len();
        &mut self.users[n - 1]
    }

    fn sign_in_accounts(&mut self) {
        let accounts = [
            (
                "Ada",
                "Admin",
                "admin",
                "User Administrator",
                "admin-user-administrator",
                "IT Administrator",
            ),
            (
                "Hal",
                "Helpdesk",
                "helpdesk",
                "Guest Inviter",
                "helpdesk-guest-inviter",
                "Helpdesk Agent",
            ),
            ("Nora", "Norole", "norole", "", "no-role", "Sales Associate"),
            (
                "Gil",
                "Global",
                "global",
                "Global Administrator",
                "global-admin",
                "Chief Information Officer",
            ),
        ];
        for (given, surname, local, role, case, title) in accounts {
            let p = self.person(given, surname, &format!("{given} {surname}"), local);
            let mut u = self.member(case, &p);
            let mail = u.user_principal_name.clone();
            set_mail(&mut u, &mail);
            u.proxy_addresses
                .push(format!("smtp:{}@{INITIAL_DOMAIN}", p.local));
            u.job_title = Some(title.to_string());
            u.sim.has_mailbox = true;
            u.sim.password = Some(DEMO_PASSWORD.to_string());
            u.sim.roles = if role.is_empty() {
                Vec::new()
            } else {
                vec![role.to_string()]
            };
            self.users.push(u);
        }
    }

    fn ready_to_convert(&mut self, n: usize) {
        for _ in 0..n {
            let p = self.next_person();
            self.push_ready("ready-to-convert", &p);
        }
    }

    fn ready_other_mail(&mut self, n: usize) {
        for _ in 0..n {
            let p = self.next_person();
            let external = self.external(&p.local);
            let mut u = self.member("ready-other-mail", &p);
            u.other_mails = vec![external];
            self.users.push(u);
        }
    }

    fn no_mail(&mut self, n: usize) {
        for _ in 0..n {
            let p = self.next_person();
            let u = self.member("no-mail", &p);
            self.users.push(u);
        }
    }

    fn mail_verified_domain(&mut self, n: usize) {
        let domains = [DEFAULT_DOMAIN, "contoso.se", "fabrikam-internal.com"];
        for k in 0..n {
            let p = self.next_person();
            let mut u = self.member("mail-verified-domain", &p);
            set_mail(&mut u, &format!("{}@{}", p.local, domains[k % domains.len()]));
            self.users.push(u);
        }
    }

    fn mail_verified_subdomain(&mut self, n: usize) {
        let domains = [
            "sales.contoso.com",
            "eu.contoso.se",
            "dev.fabrikam-internal.com",
            "mail.contoso.com",
        ];
        for k in 0..n {
            let p = self.next_person();
            let mut u = self.member("mail-verified-subdomain", &p);
            set_mail(&mut u, &format!("{}@{}", p.local, domains[k % domains.len()]));
            self.users.push(u);
        }
    }

    fn synced_onprem_upn(&mut self, n: usize) {
        for k in 0..n {
            let p = self.next_person();
            let u = self.push_ready("synced-onprem-upn", &p);
            // Half keep the cloud UPN on-premises, half use a non-routable on-premises suffix.
            let onprem_upn = if k % 2 == 0 {
                u.user_principal_name.clone()
            } else {
                format!("{}@corp.contoso.local", p.local)
            };
            u.on_premises_sync_enabled = Some(true);
            u.on_premises_user_principal_name = Some(onprem_upn);
            u.on_premises_immutable_id = Some(immutable_id(&p.local));
        }
    }

    fn was_synced(&mut self, n: usize) {
        for k in 0..n {
            let p = self.next_person();
            let u = self.push_ready("was-synced", &p);
            u.on_premises_sync_enabled = Some(false);
            // Some keep a stale immutable id from the sync era; it does not block conversion.
            if k % 2 == 0 {
                u.on_premises_immutable_id = Some(immutable_id(&p.local));
            }
        }
    }

    fn exchange_mailbox(&mut self, n: usize) {
        for _ in 0..n {
            let p = self.next_person();
            let external = self.external(&p.local);
            let mut u = self.member("exchange-mailbox", &p);
            let mail = u.user_principal_name.clone();
            set_mail(&mut u, &mail);
            u.proxy_addresses
                .push(format!("smtp:{}@{INITIAL_DOMAIN}", p.local));
            u.other_mails = vec![external];
            u.sim.has_mailbox = true;
            self.users.push(u);
        }
    }

    fn pending_acceptance(&mut self) {
        // Days before REFERENCE_DATE: some recent, some months old.
        let days_ago = [2, 5, 9, 16, 23, 38, 61, 95, 130, 184, 240, 299];
        for ago in days_ago {
            let p = self.next_person();
            let at = time_of_day(self.serial + 1000);
            let u = self.push_ready("pending-acceptance", &p);
            u.external_user_state = Some("PendingAcceptance".to_string());
            u.external_user_state_change_date_time = Some(timestamp(REFERENCE_DAY - Duration::days(ago), at));
        }
    }

    fn accepted(&mut self, n: usize) {
        let issuers = ["ExternalAzureAD", "mail", "MSA"];
        for k in 0..n {
            let p = self.next_person();
            let at = time_of_day(self.serial + 2000);
            let u = self.push_ready("accepted", &p);
            let mail = u.mail.clone().unwrap_or_default();
            u.external_user_state = Some("Accepted".to_string());
            u.external_user_state_change_date_time =
                Some(timestamp(REFERENCE_DAY - Duration::days(20 + 27 * k as i64), at));
            u.identities
                .push(federated_identity(issuers[k % issuers.len()], &mail));
        }
    }

    fn guests(&mut self, n: usize) {
        for k in 0..n {
            let p = self.next_person();
            let partner = pick(PARTNERS, self.serial, 13);
            let mail = format!("{}@{partner}", p.local);
            let upn = format!("{}_{partner}#EXT#@{INITIAL_DOMAIN}", p.local);
            let mut u = self.member("guest", &p);
            u.id = user_id(&upn);
            u.identities = vec![ObjectIdentity {
                sign_in_type: "userPrincipalName".to_string(),
                issuer: INITIAL_DOMAIN.to_string(),
                issuer_assigned_id: upn.clone(),
            }];
            u.user_principal_name = upn;
            u.user_type = "Guest".to_string();
            u.creation_type = Some("Invitation".to_string());
            set_mail(&mut u, &mail);
            u.other_mails = vec![mail.clone()];
            u.job_title = None;
            u.office_location = None;
            u.business_phones = Vec::new();
            u.mobile_phone = None;
            // Guests are invited a few days to weeks after their creation timestamp's day.
            let created = created_day(self.serial - 1);
            let at = time_of_day(self.serial + 3000);
            if k % 3 == 2 {
                u.external_user_state = Some("PendingAcceptance".to_string());
                u.external_user_state_change_date_time = Some(u.created_date_time.clone());
            } else {
                u.external_user_state = Some("Accepted".to_string());
                u.external_user_state_change_date_time =
                    Some(timestamp(created + Duration::days(1 + k as i64), at));
                u.identities.push(federated_identity("ExternalAzureAD", &mail));
            }
            self.users.push(u);
        }
    }

    fn disabled(&mut self, n: usize) {
        for _ in 0..n {
            let p = self.next_person();
            let u = self.push_ready("disabled", &p);
            u.account_enabled = false;
        }
    }

    fn special_names(&mut self) {
        let people: [(&str, &str, &str, &str, &str, &str); 16] = [
            (
                "name-apostrophe",
                "Sean",
                "O'Brien",
                "Sean O'Brien",
                "sean.obrien",
                "en-IE",
            ),
            (
                "name-apostrophe",
                "Gina",
                "D'Angelo",
                "Gina D'Angelo",
                "gina.dangelo",
                "it-IT",
            ),
            (
                "name-apostrophe",
                "Liam",
                "O'Connor",
                "Liam O'Connor",
                "liam.oconnor",
                "en-IE",
            ),
            (
                "name-apostrophe",
                "Dara",
                "O'Sullivan",
                "Dara O'Sullivan",
                "dara.o'sullivan",
                "en-IE",
            ),
            (
                "name-accents",
                "François",
                "Dubois",
                "François Dubois",
                "francois.dubois",
                "fr-FR",
            ),
            (
                "name-accents",
                "Zoë",
                "Laurent",
                "Zoë Laurent",
                "zoe.laurent",
                "fr-FR",
            ),
            (
                "name-accents",
                "José",
                "Hernández",
                "José Hernández",
                "jose.hernandez",
                "es-ES",
            ),
            (
                "name-accents",
                "Renée",
                "Lefèvre",
                "Renée Lefèvre",
                "renee.lefevre",
                "fr-FR",
            ),
            ("name-hebrew", "דוד", "לוי", "דוד לוי", "david.levi", "he-IL"),
            ("name-hebrew", "שרה", "כהן", "שרה כהן", "sarah.cohen", "he-IL"),
            (
                "name-hebrew",
                "יעל",
                "מזרחי",
                "יעל מזרחי",
                "yael.mizrahi",
                "he-IL",
            ),
            ("name-hebrew", "משה", "פרץ", "משה פרץ", "moshe.peretz", "he-IL"),
            ("name-swedish", "Åsa", "Öberg", "Åsa Öberg", "asa.oberg", "sv-SE"),
            (
                "name-swedish",
                "Björn",
                "Ängström",
                "Björn Ängström",
                "bjorn.angstrom",
                "sv-SE",
            ),
            (
                "name-swedish",
                "Märta",
                "Ålund",
                "Märta Ålund",
                "marta.alund",
                "sv-SE",
            ),
            (
                "name-swedish",
                "Örjan",
                "Sjöström",
                "Örjan Sjöström",
                "orjan.sjostrom",
                "sv-SE",
            ),
        ];
        for (case, given, surname, display, local, language) in people {
            let p = self.person(given, surname, display, local);
            let u = self.push_ready(case, &p);
            u.preferred_language = Some(language.to_string());
        }
    }

    fn shared_external_address(&mut self) {
        let shared = "shared.contractor@northwind.example";
        let p = self.next_person();
        let u = self.push_ready("shared-external-address", &p);
        set_mail(u, shared);
        let p = self.next_person();
        let mut u = self.member("shared-external-address", &p);
        u.other_mails = vec![shared.to_string()];
        self.users.push(u);
    }

    fn forbidden_chars(&mut self) {
        let mails = [
            "a+b@northwind.example",
            "lee+contoso@tailspin.example",
            "kim+work@adatum.example",
        ];
        for mail in mails {
            let p = self.next_person();
            let u = self.push_ready("forbidden-chars", &p);
            set_mail(u, mail);
        }
    }

    /// Like `exchange-mailbox`, with secondary `smtp:` aliases in two tenant domains.
    fn mailbox_other_mail(&mut self, n: usize) {
        for _ in 0..n {
            let p = self.next_person();
            let external = self.external(&p.local);
            let mut u = self.member("mailbox-other-mail", &p);
            let mail = u.user_principal_name.clone();
            set_mail(&mut u, &mail);
            u.proxy_addresses
                .push(format!("smtp:{}@{INITIAL_DOMAIN}", p.local));
            u.proxy_addresses.push(format!("smtp:{}@contoso.se", p.local));
            u.other_mails = vec![external];
            u.sim.has_mailbox = true;
            self.users.push(u);
        }
    }

    fn verified_mail_other_mail(&mut self, n: usize) {
        let domains = [DEFAULT_DOMAIN, "contoso.se", INITIAL_DOMAIN];
        for k in 0..n {
            let p = self.next_person();
            let external = self.external(&p.local);
            let mut u = self.member("verified-mail-other-mail", &p);
            set_mail(&mut u, &format!("{}@{}", p.local, domains[k % domains.len()]));
            u.other_mails = vec![external];
            self.users.push(u);
        }
    }

    fn other_mail_only(&mut self, n: usize) {
        for _ in 0..n {
            let p = self.next_person();
            let external = self.external(&p.local);
            let mut u = self.member("other-mail-only", &p);
            u.other_mails = vec![format!("{}@contoso.se", p.local), external];
            self.users.push(u);
        }
    }

    fn address_held_as_secondary(&mut self) {
        let p = self.next_person();
        let u = self.push_ready("address-held-as-secondary", &p);
        set_mail(u, SECONDARY_HELD_ADDRESS);
        let p = self.next_person();
        let mut u = self.member("address-held-as-secondary", &p);
        let mail = u.user_principal_name.clone();
        set_mail(&mut u, &mail);
        u.proxy_addresses.push(format!("smtp:{SECONDARY_HELD_ADDRESS}"));
        self.users.push(u);
    }

    fn address_held_by_group(&mut self) {
        let p = self.next_person();
        let u = self.push_ready("address-held-by-group", &p);
        set_mail(u, GROUP_HELD_ADDRESS);
    }

    fn address_held_by_contact(&mut self) {
        let p = self.next_person();
        let u = self.push_ready("address-held-by-contact", &p);
        set_mail(u, CONTACT_HELD_ADDRESS);
    }
}

fn group_id(nickname: &str) -> String {
    Uuid::new_v5(&ID_NAMESPACE, format!("group:{nickname}").as_bytes()).to_string()
}

fn contact_id(mail: &str) -> String {
    Uuid::new_v5(
        &ID_NAMESPACE,
        format!("contact:{}", mail.to_ascii_lowercase()).as_bytes(),
    )
    .to_string()
}

/// Mail-enabled and other groups. Two hold external-looking secondary addresses, as groups synced
/// from on-premises can; one of them holds the `address-held-by-group` user's address.
fn default_groups() -> Vec<Group> {
    // (name, nickname, kind, extra secondary addresses, synced)
    let groups: [(&str, &str, &str, &[&str], bool); 5] = [
        (
            "Wingtip Project",
            "wingtip-project",
            "distribution",
            &[GROUP_HELD_ADDRESS],
            true,
        ),
        (
            "Partner Escalations",
            "partner-escalations",
            "mail-security",
            &["escalations@tailspin.example"],
            true,
        ),
        ("Sales Team", "sales", "unified", &[], false),
        ("All Staff", "all-staff", "distribution", &[], false),
        ("Finance Readers", "finance-readers", "security", &[], false),
    ];
    groups
        .iter()
        .enumerate()
        .map(|(k, (name, nick, kind, extra, synced))| {
            let mail_enabled = *kind != "security";
            let mail = mail_enabled.then(|| format!("{nick}@{DEFAULT_DOMAIN}"));
            let mut proxy_addresses = Vec::new();
            if let Some(m) = &mail {
                proxy_addresses.push(format!("SMTP:{m}"));
                proxy_addresses.push(format!("smtp:{nick}@{INITIAL_DOMAIN}"));
                proxy_addresses.extend(extra.iter().map(|a| format!("smtp:{a}")));
            }
            Group {
                id: group_id(nick),
                display_name: name.to_string(),
                description: Some(format!("{name} ({kind} group)")),
                mail,
                mail_enabled,
                mail_nickname: nick.to_string(),
                security_enabled: matches!(*kind, "security" | "mail-security"),
                group_types: if *kind == "unified" {
                    vec!["Unified".to_string()]
                } else {
                    Vec::new()
                },
                proxy_addresses,
                on_premises_sync_enabled: synced.then_some(true),
                visibility: (*kind == "unified").then(|| "Private".to_string()),
                created_date_time: created_at(5000 + k),
                is_assignable_to_role: false,
                sim: GroupExtras::default(),
            }
        })
        .collect()
}

/// Organisational contacts with external addresses; one holds the `address-held-by-contact`
/// user's address.
fn default_contacts() -> Vec<OrgContact> {
    // (given, surname, company, mail, secondary addresses)
    let contacts: [(&str, &str, &str, &str, &[&str]); 4] = [
        ("Lena", "Marsh", "Litware", CONTACT_HELD_ADDRESS, &[]),
        (
            "Tailspin",
            "Support",
            "Tailspin Toys",
            "support@tailspin.example",
            &["helpdesk@tailspin.example"],
        ),
        (
            "Northwind",
            "Sales",
            "Northwind Traders",
            "sales@northwind.example",
            &[],
        ),
        (
            "Fourth Coffee",
            "Billing",
            "Fourth Coffee",
            "billing@fourthcoffee.example",
            &["invoices@fourthcoffee.example"],
        ),
    ];
    contacts
        .iter()
        .map(|(given, surname, company, mail, extra)| {
            let mut proxy_addresses = vec![format!("SMTP:{mail}")];
            proxy_addresses.extend(extra.iter().map(|a| format!("smtp:{a}")));
            OrgContact {
                id: contact_id(mail),
                display_name: format!("{given} {surname}"),
                given_name: Some(given.to_string()),
                surname: Some(surname.to_string()),
                company_name: Some(company.to_string()),
                mail: Some(mail.to_string()),
                mail_nickname: mail.split('@').next().map(|l| l.replace('.', "")),
                proxy_addresses,
                on_premises_sync_enabled: None,
            }
        })
        .collect()
}

impl Seeder {
    /// A sign-in account like those of `sign_in_accounts`; returns its id.
    fn account(&mut self, (given, surname, local): (&str, &str, &str), roles: &[&str], case: &str) -> String {
        let p = self.person(given, surname, &format!("{given} {surname}"), local);
        let mut u = self.member(case, &p);
        let mail = u.user_principal_name.clone();
        set_mail(&mut u, &mail);
        u.proxy_addresses
            .push(format!("smtp:{}@{INITIAL_DOMAIN}", p.local));
        u.job_title = Some("IT Administrator".to_string());
        u.sim.has_mailbox = true;
        u.sim.password = Some(DEMO_PASSWORD.to_string());
        u.sim.roles = roles.iter().map(|r| r.to_string()).collect();
        let id = u.id.clone();
        self.users.push(u);
        id
    }

    /// Admins for reading roles and for role checks, and their groups. They take no generated
    /// names and leave the serial as it was, so users appended after them do not change.
    fn role_accounts(&mut self) -> Vec<Group> {
        let serial = self.serial;
        let many = self.account(
            ("Max", "Manygroups", "manygroups"),
            &["User Administrator"],
            "many-groups-admin",
        );
        let via_group = self.account(("Greta", "Groupadmin", "groupadmin"), &[], "group-role-admin");
        self.account(
            ("Hanna", "Helpdeskadmin", "helpdeskadmin"),
            &["Helpdesk Administrator"],
            "helpdesk-administrator",
        );
        self.account(
            ("Wes", "Writer", "writer"),
            &["Directory Writers"],
            "directory-writers",
        );
        self.serial = serial;
        let group = |i: usize, name: String, nickname: String, members: Vec<String>| Group {
            id: Uuid::new_v5(&ID_NAMESPACE, format!("group:{nickname}").as_bytes()).to_string(),
            display_name: name,
            mail_nickname: nickname,
            security_enabled: true,
            created_date_time: created_at(1000 + i),
            sim: GroupExtras {
                members,
                roles: Vec::new(),
            },
            ..Group::default()
        };
        let mut groups: Vec<Group> = (1..=MANY_GROUPS)
            .map(|i| {
                group(
                    i,
                    format!("Project Team {i:03}"),
                    format!("projectteam{i:03}"),
                    vec![many.clone()],
                )
            })
            .collect();
        let mut admins = group(
            0,
            "User Administrators (role-assignable)".to_string(),
            "useradmins".to_string(),
            vec![via_group],
        );
        admins.is_assignable_to_role = true;
        admins.sim.roles = vec!["User Administrator".to_string()];
        groups.push(admins);
        groups
    }
}

/// Sets `mail` and makes it the primary SMTP proxy address.
fn set_mail(u: &mut User, mail: &str) {
    u.mail = Some(mail.to_string());
    u.proxy_addresses.retain(|a| !a.starts_with("SMTP:"));
    u.proxy_addresses.insert(0, format!("SMTP:{mail}"));
}

fn user_id(upn: &str) -> String {
    Uuid::new_v5(
        &ID_NAMESPACE,
        format!("user:{}", upn.to_ascii_lowercase()).as_bytes(),
    )
    .to_string()
}

fn upn_identity(upn: &str) -> ObjectIdentity {
    let issuer = upn.rsplit_once('@').map_or(DEFAULT_DOMAIN, |(_, d)| d);
    ObjectIdentity {
        sign_in_type: "userPrincipalName".to_string(),
        issuer: issuer.to_string(),
        issuer_assigned_id: upn.to_string(),
    }
}

fn federated_identity(issuer: &str, mail: &str) -> ObjectIdentity {
    ObjectIdentity {
        sign_in_type: "federated".to_string(),
        issuer: issuer.to_string(),
        issuer_assigned_id: mail.to_string(),
    }
}

/// An Entra Connect style immutable id: base64 of a (deterministic) GUID's bytes.
fn immutable_id(local: &str) -> String {
    let guid = Uuid::new_v5(&ID_NAMESPACE, format!("onprem:{local}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(guid.as_bytes())
}

/// splitmix64 of the index and a salt: the seed's only source of variety.
fn mix(i: usize, salt: u64) -> u64 {
    let mut z = (i as u64)
        .wrapping_add(salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn pick<'a>(items: &[&'a str], i: usize, salt: u64) -> &'a str {
    items[(mix(i, salt) % items.len() as u64) as usize]
}

/// The creation timestamp of seeded object `i`.
fn created_at(i: usize) -> String {
    timestamp(created_day(i), time_of_day(i))
}

/// Creation day of object `i`, spread over 2019-01-01 ..= 2025-12-31.
fn created_day(i: usize) -> Date {
    const FIRST: Date = date!(2019 - 01 - 01);
    let span = (date!(2025 - 12 - 31) - FIRST).whole_days() + 1;
    FIRST + Duration::days((mix(i, 1) % span as u64) as i64)
}

/// A time of day between 07:00:00 and 17:59:59.
fn time_of_day(i: usize) -> Time {
    Time::MIDNIGHT + Duration::seconds(7 * 3600 + (mix(i, 2) % (11 * 3600)) as i64)
}

/// RFC 3339 UTC timestamp in whole seconds, as Graph writes them.
fn timestamp(day: Date, time: Time) -> String {
    let (hour, minute, second) = time.as_hms();
    format!(
        "{:04}-{:02}-{:02}T{hour:02}:{minute:02}:{second:02}Z",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ROLE_TEMPLATES;
    use std::collections::HashMap;

    fn dir() -> Directory {
        default_directory()
    }

    fn domain_of(addr: &str) -> &str {
        addr.rsplit_once('@').map(|(_, d)| d).unwrap()
    }

    fn is_external(d: &Directory, addr: &str) -> bool {
        !d.is_verified_domain(domain_of(addr))
    }

    fn case<'a>(d: &'a Directory, name: &str) -> Vec<&'a User> {
        let users = users_in_case(d, name);
        assert!(!users.is_empty(), "case {name} has no users");
        users
    }

    /// Cloud-only member, no conversion state, no mailbox.
    fn plain_member(u: &User) -> bool {
        u.user_type == "Member"
            && u.external_user_state.is_none()
            && u.external_user_state_change_date_time.is_none()
            && u.creation_type.is_none()
            && u.on_premises_sync_enabled.is_none()
            && u.on_premises_user_principal_name.is_none()
            && u.on_premises_immutable_id.is_none()
            && !u.sim.has_mailbox
    }

    /// Ready to convert: plain member with an external, SMTP-consistent `mail`.
    fn ready(d: &Directory, u: &User) -> bool {
        let mail = u.mail.as_deref().unwrap_or_default();
        plain_member(u)
            && u.account_enabled
            && u.user_principal_name.ends_with("@contoso.com")
            && !mail.is_empty()
            && is_external(d, mail)
            && u.proxy_addresses.contains(&format!("SMTP:{mail}"))
    }

    /// A path for a seed file in a throw-away folder, removed when the caller drops the `TempDir`.
    fn temp_path(name: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::Builder::new()
            .prefix("tenant-sim-seed-")
            .tempdir()
            .expect("temp dir");
        let path = dir.path().join(format!("{name}.json"));
        (dir, path)
    }

    #[test]
    fn size_and_every_case_present() {
        let d = dir();
        assert!(d.users.len() >= 300, "only {} users", d.users.len());
        for (name, _) in CASES {
            case(&d, name);
        }
        for u in &d.users {
            let c = u.sim.case.as_deref().unwrap_or_default();
            assert!(
                CASES.iter().any(|(n, _)| *n == c),
                "{} has unknown case {c:?}",
                u.user_principal_name
            );
        }
        let biggest = CASES
            .iter()
            .map(|(n, _)| users_in_case(&d, n).len())
            .max()
            .unwrap();
        assert_eq!(biggest, users_in_case(&d, "ready-to-convert").len());
        assert!(biggest >= 150);
    }

    #[test]
    fn deterministic_and_valid() {
        let d = dir();
        assert_eq!(d, dir());
        assert_eq!(validate(&d), Vec::<String>::new());
        let ids: HashSet<_> = d.users.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids.len(), d.users.len());
        let upns: HashSet<_> = d
            .users
            .iter()
            .map(|u| u.user_principal_name.to_lowercase())
            .collect();
        assert_eq!(upns.len(), d.users.len());
        for u in &d.users {
            assert_eq!(u.id, Uuid::parse_str(&u.id).unwrap().hyphenated().to_string());
        }
        // Pinned values guard against accidental changes of the id derivation.
        assert_eq!(ID_NAMESPACE.to_string(), TENANT_ID);
        assert_eq!(user_id("ADMIN@contoso.com"), user_id("admin@contoso.com"));
        assert_eq!(
            d.user("admin@contoso.com").unwrap().id,
            "41107898-42ff-5053-86be-1701889a718e"
        );
    }

    #[test]
    fn tenant_and_domains() {
        let d = dir();
        assert_eq!(d.tenant.id, TENANT_ID);
        assert_eq!(d.tenant.display_name, "Contoso Demo");
        assert_eq!(d.initial_domain(), "contosodemo.onmicrosoft.com");
        let names: Vec<_> = d.tenant.domains.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(
            names,
            [
                "contosodemo.onmicrosoft.com",
                "contoso.com",
                "contoso.se",
                "fabrikam-internal.com"
            ]
        );
        assert!(d.tenant.domains.iter().all(|x| x.is_verified));
        assert_eq!(d.tenant.domains.iter().filter(|x| x.is_default).count(), 1);
        assert!(d.tenant.domains.iter().find(|x| x.is_default).unwrap().id == "contoso.com");
    }

    #[test]
    fn sign_in_accounts() {
        let d = dir();
        let expected = [
            (
                "admin@contoso.com",
                "Ada Admin",
                "admin-user-administrator",
                vec!["User Administrator"],
            ),
            (
                "helpdesk@contoso.com",
                "Hal Helpdesk",
                "helpdesk-guest-inviter",
                vec!["Guest Inviter"],
            ),
            ("norole@contoso.com", "Nora Norole", "no-role", vec![]),
            (
                "global@contoso.com",
                "Gil Global",
                "global-admin",
                vec!["Global Administrator"],
            ),
        ];
        for (upn, name, c, roles) in expected {
            let u = d.user(upn).unwrap();
            assert_eq!(u.display_name, name);
            assert_eq!(u.sim.case.as_deref(), Some(c));
            assert_eq!(u.sim.roles, roles);
            assert_eq!(u.sim.password.as_deref(), Some("demo"));
            assert_eq!(users_in_case(&d, c).len(), 1);
        }
        let with_password = d.users.iter().filter(|u| u.sim.password.is_some()).count();
        assert_eq!(with_password, 8);
        for u in &d.users {
            for role in &u.sim.roles {
                assert!(
                    ROLE_TEMPLATES.iter().any(|(r, _)| r == role),
                    "unknown role {role}"
                );
            }
        }
    }

    #[test]
    fn every_user_is_well_formed() {
        let d = dir();
        for u in &d.users {
            let upn = &u.user_principal_name;
            assert!(u.created_date_time.starts_with("20") && u.created_date_time.ends_with('Z'));
            let year: i32 = u.created_date_time[..4].parse().unwrap();
            assert!(
                (2019..=2025).contains(&year),
                "{upn} created {}",
                u.created_date_time
            );
            let upn_identity = u
                .identities
                .iter()
                .find(|i| i.sign_in_type == "userPrincipalName")
                .unwrap();
            assert_eq!(&upn_identity.issuer_assigned_id, upn);
            assert_eq!(upn_identity.issuer, domain_of(upn));
            match &u.mail {
                Some(mail) => assert_eq!(u.proxy_addresses.first(), Some(&format!("SMTP:{mail}")), "{upn}"),
                None => assert!(u.proxy_addresses.is_empty(), "{upn}"),
            }
            assert_eq!(
                u.proxy_addresses
                    .iter()
                    .filter(|a| a.starts_with("SMTP:"))
                    .count(),
                usize::from(u.mail.is_some())
            );
            assert_eq!(
                u.account_enabled,
                u.sim.case.as_deref() != Some("disabled"),
                "{upn}"
            );
            if let Some(at) = &u.external_user_state_change_date_time {
                assert!(at.as_str() >= u.created_date_time.as_str(), "{upn}");
            }
        }
        // Some variety in the descriptive attributes.
        let titles: HashSet<_> = d.users.iter().filter_map(|u| u.job_title.as_deref()).collect();
        let offices: HashSet<_> = d
            .users
            .iter()
            .filter_map(|u| u.office_location.as_deref())
            .collect();
        assert!(titles.len() > 5 && offices.len() > 5);
        assert!(d.users.iter().any(|u| u.business_phones.is_empty()));
        assert!(d.users.iter().any(|u| !u.business_phones.is_empty()));
    }

    #[test]
    fn convertible_cases() {
        let d = dir();
        for c in [
            "ready-to-convert",
            "name-apostrophe",
            "name-accents",
            "name-hebrew",
            "name-swedish",
            "forbidden-chars",
        ] {
            for u in case(&d, c) {
                assert!(ready(&d, u), "{c}: {}", u.user_principal_name);
            }
        }
        for u in case(&d, "disabled") {
            assert!(!u.account_enabled);
            assert!(ready(
                &d,
                &User {
                    account_enabled: true,
                    ..(*u).clone()
                }
            ));
        }
        for u in case(&d, "ready-to-convert") {
            assert!(domain_of(u.mail.as_deref().unwrap()).ends_with(".example"));
        }
    }

    #[test]
    fn mail_cases() {
        let d = dir();
        for u in case(&d, "ready-other-mail") {
            assert!(plain_member(u) && u.mail.is_none());
            assert!(!u.other_mails.is_empty() && u.other_mails.iter().all(|m| is_external(&d, m)));
        }
        for u in case(&d, "no-mail") {
            assert!(plain_member(u) && u.mail.is_none() && u.other_mails.is_empty());
        }
        let roots: Vec<_> = d.tenant.domains.iter().map(|x| x.id.clone()).collect();
        for u in case(&d, "mail-verified-domain") {
            let mail = u.mail.as_deref().unwrap();
            assert!(
                plain_member(u) && roots.iter().any(|r| r == domain_of(mail)),
                "{mail}"
            );
        }
        for u in case(&d, "mail-verified-subdomain") {
            let domain = domain_of(u.mail.as_deref().unwrap());
            assert!(plain_member(u));
            assert!(!roots.iter().any(|r| r == domain));
            assert!(
                roots.iter().any(|r| domain.ends_with(&format!(".{r}"))),
                "{domain}"
            );
            assert!(d.is_verified_domain(domain));
        }
        for u in case(&d, "exchange-mailbox") {
            assert!(u.sim.has_mailbox);
            assert!(domain_of(u.mail.as_deref().unwrap()) == "contoso.com");
            assert!(!u.other_mails.is_empty() && u.other_mails.iter().all(|m| is_external(&d, m)));
        }
        for u in case(&d, "forbidden-chars") {
            assert!(u.mail.as_deref().unwrap().contains('+'));
        }
    }

    #[test]
    fn on_premises_cases() {
        let d = dir();
        for u in case(&d, "synced-onprem-upn") {
            assert_eq!(u.on_premises_sync_enabled, Some(true));
            assert!(u.on_premises_user_principal_name.is_some());
            assert_eq!(u.on_premises_immutable_id.as_ref().map(String::len), Some(24));
            assert!(is_external(&d, u.mail.as_deref().unwrap()));
        }
        for u in case(&d, "was-synced") {
            assert_eq!(u.on_premises_sync_enabled, Some(false));
            assert!(u.on_premises_user_principal_name.is_none());
            assert!(is_external(&d, u.mail.as_deref().unwrap()));
        }
        // Only the synced case carries the blocking attribute.
        for u in &d.users {
            assert_eq!(
                u.on_premises_user_principal_name.is_some(),
                u.sim.case.as_deref() == Some("synced-onprem-upn")
            );
        }
    }

    #[test]
    fn invitation_state_cases() {
        let d = dir();
        let pending = case(&d, "pending-acceptance");
        for u in &pending {
            assert_eq!(u.user_type, "Member");
            assert_eq!(u.external_user_state.as_deref(), Some("PendingAcceptance"));
            let at = u.external_user_state_change_date_time.as_deref().unwrap();
            assert!(at.starts_with("2026-") && at < "2026-11-01", "{at}");
            assert!(is_external(&d, u.mail.as_deref().unwrap()));
        }
        let dates: HashSet<_> = pending
            .iter()
            .map(|u| &u.external_user_state_change_date_time)
            .collect();
        assert_eq!(dates.len(), pending.len());
        assert!(pending
            .iter()
            .any(|u| u.external_user_state_change_date_time.as_deref() > Some("2026-10-20")));
        assert!(pending
            .iter()
            .any(|u| u.external_user_state_change_date_time.as_deref() < Some("2026-05-01")));
        for u in case(&d, "accepted") {
            assert_eq!(u.user_type, "Member");
            assert_eq!(u.external_user_state.as_deref(), Some("Accepted"));
            assert!(u
                .external_user_state_change_date_time
                .as_deref()
                .unwrap()
                .starts_with("2026-"));
            assert!(u.identities.iter().any(|i| i.sign_in_type != "userPrincipalName"));
        }
        let guests = case(&d, "guest");
        for u in &guests {
            assert_eq!(u.user_type, "Guest");
            assert_eq!(u.creation_type.as_deref(), Some("Invitation"));
            let upn = &u.user_principal_name;
            let mail = u.mail.as_deref().unwrap();
            assert_eq!(
                *upn,
                format!("{}#EXT#@contosodemo.onmicrosoft.com", mail.replace('@', "_"))
            );
            assert!(is_external(&d, mail));
        }
        for state in ["Accepted", "PendingAcceptance"] {
            assert!(guests
                .iter()
                .any(|u| u.external_user_state.as_deref() == Some(state)));
        }
        // Only guests are of type Guest.
        assert_eq!(
            d.users.iter().filter(|u| u.user_type == "Guest").count(),
            guests.len()
        );
    }

    #[test]
    fn name_cases() {
        let d = dir();
        let has = |c: &str, s: &str| case(&d, c).iter().any(|u| u.display_name.contains(s));
        assert!(has("name-apostrophe", "O'Brien") && has("name-apostrophe", "D'Angelo"));
        for s in ["François", "Zoë", "José", "Renée"] {
            assert!(has("name-accents", s), "{s}");
        }
        for s in ["דוד לוי", "שרה כהן"] {
            assert!(has("name-hebrew", s), "{s}");
        }
        for s in ["Åsa Öberg", "Björn Ängström", "Märta Ålund"] {
            assert!(has("name-swedish", s), "{s}");
        }
        for u in case(&d, "name-hebrew") {
            let hebrew = |s: &Option<String>| {
                s.as_deref()
                    .unwrap()
                    .chars()
                    .all(|c| ('\u{5d0}'..='\u{5ea}').contains(&c))
            };
            assert!(hebrew(&u.given_name) && hebrew(&u.surname));
        }
        for u in &d.users {
            assert!(u.user_principal_name.is_ascii(), "{}", u.user_principal_name);
            assert!(u.mail.as_deref().unwrap_or_default().is_ascii());
        }
        assert!(d
            .user("sean.obrien@contoso.com")
            .unwrap()
            .mail
            .as_deref()
            .unwrap()
            .starts_with("sean.obrien@"));
        assert!(d.user("dara.o'sullivan@contoso.com").is_some());
    }

    #[test]
    fn shared_external_address() {
        let d = dir();
        let users = case(&d, "shared-external-address");
        assert_eq!(users.len(), 2);
        let addresses = |u: &User| -> HashSet<String> {
            u.mail
                .iter()
                .chain(u.other_mails.iter())
                .map(|a| a.to_lowercase())
                .collect()
        };
        let common: Vec<_> = addresses(users[0])
            .intersection(&addresses(users[1]))
            .cloned()
            .collect();
        assert_eq!(common, ["shared.contractor@northwind.example"]);
        // Nobody else carries it, and apart from it no two users share an address.
        let mut owners: HashMap<String, usize> = HashMap::new();
        for u in &d.users {
            for a in addresses(u) {
                *owners.entry(a).or_default() += 1;
            }
        }
        let shared: Vec<_> = owners.iter().filter(|(_, n)| **n > 1).collect();
        assert_eq!(shared, [(&common[0], &2)]);
    }

    #[test]
    fn load_round_trip() {
        let d = dir();
        let (_dir, path) = temp_path("roundtrip");
        std::fs::write(&path, serde_json::to_string(&d).unwrap()).unwrap();
        let loaded = load(&path);
        assert_eq!(loaded.unwrap(), d);
    }

    fn load_error(name: &str, contents: &str) -> String {
        let (_dir, path) = temp_path(name);
        std::fs::write(&path, contents).unwrap();
        let result = load(&path);
        let message = result.unwrap_err().to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        message
    }

    #[test]
    fn load_rejects_duplicates_and_bad_domains() {
        let mut d = dir();
        d.users[1].id = d.users[0].id.to_uppercase();
        let message = load_error("dup-id", &serde_json::to_string(&d).unwrap());
        assert!(message.contains("duplicate user id"), "{message}");

        let mut d = dir();
        d.users[2].user_principal_name = d.users[0].user_principal_name.to_uppercase();
        let message = load_error("dup-upn", &serde_json::to_string(&d).unwrap());
        assert!(message.contains("duplicate userPrincipalName"), "{message}");

        let mut d = dir();
        d.users[0].user_principal_name = "someone@elsewhere.example".to_string();
        d.tenant.domains[2].is_default = true;
        d.tenant.domains[0].is_initial = false;
        let message = load_error("domains", &serde_json::to_string(&d).unwrap());
        assert!(message.contains("not a tenant domain"), "{message}");
        assert!(message.contains("one default domain, found 2"), "{message}");
        assert!(message.contains("one initial domain, found 0"), "{message}");
    }

    #[test]
    fn load_reports_missing_and_malformed_files() {
        let (_dir, path) = temp_path("missing");
        let err = load(&path).unwrap_err();
        assert!(matches!(err, SeedError::Read { .. }));
        assert!(err.to_string().contains(&path.display().to_string()));

        let message = load_error("malformed", "{\"tenant\": ");
        assert!(message.contains("not a valid directory JSON"), "{message}");
        let message = load_error("wrong-shape", "{\"tenant\": {}, \"users\": []}");
        assert!(message.contains("missing field"), "{message}");
    }

    #[test]
    fn dates_and_encoding_helpers() {
        use time::macros::time;
        assert_eq!(timestamp(REFERENCE_DAY, time!(09:30)), "2026-11-01T09:30:00Z");
        assert_eq!(REFERENCE_DATE, &timestamp(REFERENCE_DAY, Time::MIDNIGHT)[..10]);
        assert_eq!(
            timestamp(date!(2024 - 02 - 29) + Duration::days(1), Time::MIDNIGHT),
            "2024-03-01T00:00:00Z"
        );
        // The immutable id is the GUID's 16 bytes in standard base64, padded.
        let id = immutable_id("pat");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&id)
            .expect("base64");
        let guid = Uuid::new_v5(&ID_NAMESPACE, b"onprem:pat");
        assert_eq!((id.len(), bytes.as_slice()), (24, &guid.as_bytes()[..]));
    }

    #[test]
    fn other_mail_and_holder_cases() {
        let d = dir();
        for u in case(&d, "mailbox-other-mail") {
            assert!(u.sim.has_mailbox);
            assert!(!is_external(&d, u.mail.as_deref().unwrap()));
            assert_eq!(
                u.proxy_addresses
                    .iter()
                    .filter(|a| a.starts_with("smtp:"))
                    .count(),
                2
            );
            assert_eq!(u.other_mails.len(), 1);
            assert!(is_external(&d, &u.other_mails[0]));
        }
        for u in case(&d, "verified-mail-other-mail") {
            assert!(plain_member(u));
            assert!(!is_external(&d, u.mail.as_deref().unwrap()));
            assert!(u.other_mails.len() == 1 && is_external(&d, &u.other_mails[0]));
        }
        for u in case(&d, "other-mail-only") {
            assert!(plain_member(u) && u.mail.is_none() && u.proxy_addresses.is_empty());
            let external: Vec<_> = u.other_mails.iter().filter(|m| is_external(&d, m)).collect();
            assert_eq!((u.other_mails.len(), external.len()), (2, 1));
        }
        let pair = case(&d, "address-held-as-secondary");
        assert_eq!(pair.len(), 2);
        assert!(ready(&d, pair[0]));
        assert_eq!(pair[0].mail.as_deref(), Some(SECONDARY_HELD_ADDRESS));
        assert!(pair[1]
            .proxy_addresses
            .contains(&format!("smtp:{SECONDARY_HELD_ADDRESS}")));
        for (c, address) in [
            ("address-held-by-group", GROUP_HELD_ADDRESS),
            ("address-held-by-contact", CONTACT_HELD_ADDRESS),
        ] {
            let users = case(&d, c);
            assert_eq!(users.len(), 1);
            assert!(ready(&d, users[0]), "{c}");
            assert_eq!(users[0].mail.as_deref(), Some(address));
        }
        let group = d
            .groups
            .iter()
            .find(|g| g.proxy_addresses.contains(&format!("smtp:{GROUP_HELD_ADDRESS}")))
            .unwrap();
        assert!(group.mail_enabled && group.mail.as_deref().unwrap().ends_with("@contoso.com"));
        let contact = d
            .contacts
            .iter()
            .find(|c| c.mail.as_deref() == Some(CONTACT_HELD_ADDRESS))
            .unwrap();
        assert_eq!(contact.proxy_addresses[0], format!("SMTP:{CONTACT_HELD_ADDRESS}"));
        // Every mail-enabled holder has exactly one primary address, its mail.
        for (mail, proxies) in d
            .groups
            .iter()
            .map(|g| (&g.mail, &g.proxy_addresses))
            .chain(d.contacts.iter().map(|c| (&c.mail, &c.proxy_addresses)))
        {
            let primaries: Vec<_> = proxies.iter().filter(|p| p.starts_with("SMTP:")).collect();
            match mail {
                Some(m) => assert_eq!(primaries, [&format!("SMTP:{m}")]),
                None => assert!(proxies.is_empty()),
            }
        }
        assert!(d.groups.iter().any(|g| !g.mail_enabled && g.mail.is_none()));
        assert!(d.groups.iter().any(|g| g.group_types == ["Unified"]));
    }

    #[test]
    fn holders_need_unique_ids() {
        let mut d = dir();
        d.contacts[0].id = d.users[0].id.clone();
        d.groups[1].id = d.groups[0].id.to_uppercase();
        let problems = validate(&d);
        assert!(
            problems.iter().any(|p| p.starts_with("duplicate contact id")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.starts_with("duplicate group id")),
            "{problems:?}"
        );
    }

    /// The SEED.md case table, rebuilt from the data.
    fn case_table(d: &Directory) -> String {
        let mut out = String::from("| Case | Illustrates | Users | Example UPN |\n|---|---|---|---|\n");
        for (name, what) in CASES {
            let users = users_in_case(d, name);
            out.push_str(&format!(
                "| `{name}` | {what} | {} | `{}` |\n",
                users.len(),
                users[0].user_principal_name
            ));
        }
        out
    }

    #[test]
    fn seed_md_matches_data() {
        let d = dir();
        let table = case_table(&d);
        let doc = include_str!("../SEED.md");
        assert!(
            doc.contains(&table),
            "SEED.md case table is out of date; expected:\n{table}"
        );
        assert!(
            doc.contains(&format!("{} users", d.users.len())),
            "SEED.md total is out of date: {}",
            d.users.len()
        );
        assert!(doc.contains(TENANT_ID));
    }

    #[test]
    fn role_accounts_groups_and_consent() {
        let d = dir();
        let roles = |upn: &str| {
            let u = d.user(upn).unwrap();
            (u.sim.roles.clone(), d.effective_roles(u))
        };
        let ua = vec!["User Administrator".to_string()];
        assert_eq!(roles("manygroups@contoso.com"), (ua.clone(), ua.clone()));
        assert_eq!(roles("groupadmin@contoso.com"), (vec![], ua.clone()));
        assert_eq!(roles("helpdeskadmin@contoso.com").1, ["Helpdesk Administrator"]);
        assert_eq!(roles("writer@contoso.com").1, ["Directory Writers"]);
        assert_eq!(roles("helpdesk@contoso.com").1, ["Guest Inviter"]);

        let many = d.user("manygroups@contoso.com").unwrap();
        let groups = d.groups_of(&many.id, false);
        assert_eq!(groups.len(), MANY_GROUPS);
        assert!(groups.iter().all(|g| !g.is_assignable_to_role));
        let via = d.user("groupadmin@contoso.com").unwrap();
        let groups = d.groups_of(&via.id, false);
        assert_eq!(groups.len(), 1);
        assert!(groups[0].is_assignable_to_role);
        let ids: HashSet<_> = d.groups.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids.len(), d.groups.len());
        assert!(d.groups.iter().all(|g| !d.users.iter().any(|u| u.id == g.id)));

        let demo = d.application(crate::DEMO_CLIENT_ID).unwrap();
        assert_eq!(demo.redirect_uris, ["http://localhost"]);
        assert_eq!(demo.consented_scopes, ["RoleManagement.Read.Directory"]);
        let cli = d.application(crate::GRAPH_CLI_CLIENT_ID).unwrap();
        assert_eq!(cli.redirect_uris, ["http://localhost"]);
        assert!(cli.consented_scopes.is_empty());
    }

    #[test]
    fn nested_groups_count_for_transitive_membership_only() {
        let mut d = dir();
        let via = d.user("groupadmin@contoso.com").unwrap().id.clone();
        let admins = d
            .groups
            .iter()
            .find(|g| g.is_assignable_to_role)
            .unwrap()
            .id
            .clone();
        d.groups[0].sim.members.push(admins);
        assert_eq!(d.groups_of(&via, false).len(), 1);
        let all = d.groups_of(&via, true);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].id, d.groups[0].id, "in directory order");
    }

    #[test]
    fn seed_files_without_applications_or_groups_still_load() {
        let mut v = serde_json::to_value(dir()).unwrap();
        let o = v.as_object_mut().unwrap();
        o.remove("applications");
        o.remove("groups");
        let (_dir, path) = temp_path("old-shape");
        std::fs::write(&path, v.to_string()).unwrap();
        let loaded = load(&path);
        let loaded = loaded.unwrap();
        assert!(loaded.groups.is_empty());
        assert_eq!(loaded.applications, crate::model::Application::builtin());
    }
}
