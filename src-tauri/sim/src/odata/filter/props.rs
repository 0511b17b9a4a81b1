//! The filterable properties of each directory resource and the operators each supports.

use super::ODataError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Str,
    Bool,
    DateTime,
    StrColl,
    IdentColl,
}

/// Whether an operator works on a property: not at all, by default (with or without the advanced
/// query parameters), only as an advanced query, or only *without* the advanced parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cap {
    No,
    Dflt,
    Adv,
    DefaultOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FilterProp {
    pub(super) name: &'static str,
    pub(super) kind: Kind,
    pub(super) eq: Cap,
    pub(super) ne: Cap,
    pub(super) ge: Cap,
    pub(super) le: Cap,
    pub(super) in_: Cap,
    pub(super) starts: Cap,
    pub(super) ends: Cap,
    pub(super) null: Cap,
}

const fn fp(name: &'static str, kind: Kind, c: [Cap; 8]) -> FilterProp {
    FilterProp {
        name,
        kind,
        eq: c[0],
        ne: c[1],
        ge: c[2],
        le: c[3],
        in_: c[4],
        starts: c[5],
        ends: c[6],
        null: c[7],
    }
}

use Cap::{Adv as A, DefaultOnly as O, Dflt as D, No as N};

/// Columns: eq, ne, ge, le, in, startsWith, endsWith, null (eq/ne null).
///
/// Source: the per-property tables Microsoft generates for "Advanced query capabilities on
/// directory objects" (learn.microsoft.com/graph/aad-advanced-queries, "Support for filter by
/// properties of Microsoft Entra ID (directory) objects"; microsoft-graph-docs-contrib
/// `concepts/includes/filter-directory-objects.md@8d5fb5b2`, columns eq, startsWith, ge/le, eq Null),
/// and that page's general rules: `in` works by default wherever `eq` does; `ne` and `not` only
/// as advanced queries, on properties that support `eq`; `endsWith` only as an advanced query
/// and only on mail, otherMails, userPrincipalName and proxyAddresses. Blank cells and properties
/// the tables do not list are unsupported ("Properties that aren't listed here don't support
/// $filter at all"). CONTRACT.md sections 2 and 9.6.
///
/// Where the tables are silent or disagree with older pages, the stricter reading, marked [inf]:
/// - `id`: missing from the current tables; eq default (older GDC table@0a8bce95), `in` by the rule.
/// - `onPremisesUserPrincipalName` and `externalUserStateChangeDateTime`: listed as filterable in
///   user.md and the older table, missing from the current one: not filterable here [inf].
/// - `ne` inside `any()`: the page says to use `not` with lambdas; `ne` there is refused [inf].
/// - `in` on proxyAddresses: blank in the older table (the current one has no `in` column).
/// - `identities`: "only works *without* advanced query parameters" (DefaultOnly); eq null not
///   modelled (refused).
/// - `createdDateTime`: ge/le only; eq is blank in the current table.
const USER_FILTERS: &[FilterProp] = &[
    fp("id", Kind::Str, [D, A, N, N, D, N, N, N]),
    fp("displayName", Kind::Str, [D, A, N, N, D, D, N, A]),
    fp("givenName", Kind::Str, [D, A, N, N, D, D, N, A]),
    fp("surname", Kind::Str, [D, A, N, N, D, D, N, A]),
    fp("userPrincipalName", Kind::Str, [D, A, N, N, D, D, A, N]),
    fp("mail", Kind::Str, [D, A, N, N, D, D, A, A]),
    fp("otherMails", Kind::StrColl, [D, N, N, N, D, D, A, N]),
    fp("proxyAddresses", Kind::StrColl, [D, N, N, N, N, D, A, N]),
    fp("userType", Kind::Str, [D, A, N, N, D, N, N, A]),
    fp("externalUserState", Kind::Str, [D, A, N, N, D, N, N, N]),
    fp(
        "externalUserStateChangeDateTime",
        Kind::DateTime,
        [N, N, N, N, N, N, N, N],
    ),
    fp("creationType", Kind::Str, [D, A, N, N, D, N, N, N]),
    fp("identities", Kind::IdentColl, [O, N, N, N, N, N, N, N]),
    fp("onPremisesSyncEnabled", Kind::Bool, [D, A, N, N, D, N, N, A]),
    fp("onPremisesUserPrincipalName", Kind::Str, [N, N, N, N, N, N, N, N]),
    fp("onPremisesImmutableId", Kind::Str, [D, A, N, N, D, N, N, N]),
    fp("accountEnabled", Kind::Bool, [D, A, N, N, D, N, N, N]),
    fp("jobTitle", Kind::Str, [D, A, N, N, D, D, N, A]),
    fp("mobilePhone", Kind::Str, [A, A, N, N, A, A, N, A]),
    fp("officeLocation", Kind::Str, [A, A, N, N, A, A, N, A]),
    fp("preferredLanguage", Kind::Str, [A, A, N, N, A, N, N, A]),
    fp("createdDateTime", Kind::DateTime, [N, N, D, D, N, N, N, A]),
];

/// `/groups`, same sources and rules as [`USER_FILTERS`] ("Group properties"). `id` and
/// `groupTypes/any()` are not in the table; eq default as in Microsoft's group-list examples [inf].
/// endsWith on mail and proxyAddresses is taken to apply to groups too [inf].
const GROUP_FILTERS: &[FilterProp] = &[
    fp("id", Kind::Str, [D, A, N, N, D, N, N, N]),
    fp("displayName", Kind::Str, [D, A, N, N, D, D, N, A]),
    fp("description", Kind::Str, [A, A, N, N, A, A, N, A]),
    fp("mail", Kind::Str, [D, A, N, N, D, D, A, A]),
    fp("mailEnabled", Kind::Bool, [D, A, N, N, D, N, N, N]),
    fp("mailNickname", Kind::Str, [D, A, N, N, D, D, N, A]),
    fp("securityEnabled", Kind::Bool, [D, A, N, N, D, N, N, N]),
    fp("groupTypes", Kind::StrColl, [D, N, N, N, N, N, N, N]),
    fp("proxyAddresses", Kind::StrColl, [D, N, N, N, N, D, A, N]),
    fp("onPremisesSyncEnabled", Kind::Bool, [D, A, N, N, D, N, N, A]),
];

/// `/contacts` (orgContact), same sources and rules ("Organizational contacts properties"); `id`
/// and endsWith as for groups [inf].
const CONTACT_FILTERS: &[FilterProp] = &[
    fp("id", Kind::Str, [D, A, N, N, D, N, N, N]),
    fp("displayName", Kind::Str, [D, A, N, N, D, D, N, A]),
    fp("givenName", Kind::Str, [D, A, N, N, D, D, N, A]),
    fp("surname", Kind::Str, [D, A, N, N, D, D, N, A]),
    fp("companyName", Kind::Str, [A, A, N, N, A, A, N, A]),
    fp("mail", Kind::Str, [D, A, N, N, D, D, A, A]),
    fp("mailNickname", Kind::Str, [D, A, N, N, D, D, N, A]),
    fp("proxyAddresses", Kind::StrColl, [D, N, N, N, N, D, A, N]),
    fp("onPremisesSyncEnabled", Kind::Bool, [D, A, N, N, D, N, N, A]),
];

/// The directory resources `$filter` knows, each with its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    User,
    Group,
    OrgContact,
}

impl Resource {
    /// The name Graph uses in error messages, e.g. "resource 'User'".
    pub(super) fn name(self) -> &'static str {
        match self {
            Resource::User => "User",
            Resource::Group => "Group",
            Resource::OrgContact => "OrgContact",
        }
    }

    fn props(self) -> &'static [FilterProp] {
        match self {
            Resource::User => USER_FILTERS,
            Resource::Group => GROUP_FILTERS,
            Resource::OrgContact => CONTACT_FILTERS,
        }
    }

    pub(super) fn prop(self, name: &str) -> Option<&'static FilterProp> {
        self.props().iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Lookup of a canonical name taken from the table itself.
    pub(super) fn prop_static(self, name: &str) -> Option<&'static FilterProp> {
        self.props().iter().find(|p| p.name == name)
    }
}

/// Members of `objectIdentity` usable inside an `identities/any(...)` lambda.
pub(super) const IDENTITY_MEMBERS: &[&str] = &["issuer", "issuerAssignedId", "signInType"];

/// Graph's answer for a property, or an operator on it, that `$filter` does not support.
pub(super) fn unindexed(prop: &str, resource: Resource) -> ODataError {
    ODataError::Unsupported(format!(
        "Unsupported or invalid query filter clause specified for property '{prop}' of resource '{}'.",
        resource.name()
    ))
}
