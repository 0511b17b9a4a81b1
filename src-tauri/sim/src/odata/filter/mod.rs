//! `$filter`: the parsed expression, Graph's default-vs-advanced query rules, and evaluation.

mod eval;
mod parse;
mod props;
#[cfg(test)]
mod tests;

use serde_json::Value;

use super::{Advanced, ODataError};
pub use props::Resource;
use props::{unindexed, Cap, FilterProp, Kind};

fn needs_advanced(op: &str) -> ODataError {
    ODataError::Unsupported(format!(
        "Operator '{op}' is not supported because the required parameters might be missing. Try adding \
         $count=true query parameter and ConsistencyLevel:eventual header. Refer to \
         https://aka.ms/graph-docs/advanced-queries for more information"
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Eq,
    Ne,
    Ge,
    Le,
}

impl CmpOp {
    fn name(self) -> &'static str {
        match self {
            CmpOp::Eq => "eq",
            CmpOp::Ne => "ne",
            CmpOp::Ge => "ge",
            CmpOp::Le => "le",
        }
    }

    /// OData's operator kind name, used in type errors.
    fn kind_name(self) -> &'static str {
        match self {
            CmpOp::Eq => "Equal",
            CmpOp::Ne => "NotEqual",
            CmpOp::Ge => "GreaterThanOrEqual",
            CmpOp::Le => "LessThanOrEqual",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    StartsWith,
    EndsWith,
}

impl Func {
    fn name(self) -> &'static str {
        match self {
            Func::StartsWith => "startsWith",
            Func::EndsWith => "endsWith",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Lit {
    Str(String),
    Bool(bool),
    Null,
    /// An unquoted DateTimeOffset literal, e.g. `2024-01-01T00:00:00Z`.
    DateTime(String),
    /// An unquoted number; no filterable user property is numeric, so it only produces type errors.
    Number(String),
}

impl Lit {
    fn type_name(&self) -> &'static str {
        match self {
            Lit::Str(_) => "Edm.String",
            Lit::Bool(_) => "Edm.Boolean",
            Lit::Null => "null",
            Lit::DateTime(_) => "Edm.DateTimeOffset",
            Lit::Number(_) => "Edm.Int32",
        }
    }
}

/// What a comparison or function reads from the user.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    /// A single-valued user property (canonical name).
    Prop(&'static str),
    /// The lambda's range variable: one element of the collection `coll`.
    Elem(&'static str),
    /// A member of the range variable, e.g. `i/issuer` for `identities`.
    Member(&'static str, &'static str),
}

impl Target {
    /// The user property whose operator capabilities apply.
    fn prop(&self) -> &'static str {
        match self {
            Target::Prop(p) | Target::Elem(p) | Target::Member(p, _) => p,
        }
    }

    fn type_name(&self, resource: Resource) -> &'static str {
        match self {
            Target::Elem(coll) if *coll == "identities" => "microsoft.graph.objectIdentity",
            Target::Elem(_) | Target::Member(..) => "Edm.String",
            Target::Prop(p) => match resource.prop_static(p).map(|f| f.kind) {
                Some(Kind::Bool) => "Edm.Boolean",
                Some(Kind::DateTime) => "Edm.DateTimeOffset",
                _ => "Edm.String",
            },
        }
    }

    fn resolve<'a>(&self, user: &'a Value, elem: Option<&'a Value>) -> Option<&'a Value> {
        match self {
            Target::Prop(p) => user.get(p),
            Target::Elem(_) => elem,
            Target::Member(_, m) => elem.and_then(|e| e.get(m)),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Cmp {
        target: Target,
        op: CmpOp,
        lit: Lit,
    },
    In {
        target: Target,
        lits: Vec<Lit>,
    },
    Func {
        func: Func,
        target: Target,
        arg: String,
    },
    /// `coll/any(var: body)`.
    Any {
        coll: &'static str,
        var: String,
        body: Box<Node>,
    },
}

/// A parsed `$filter` expression for `/users` (or another directory resource, see [`Resource`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    root: Node,
    resource: Resource,
}

impl Filter {
    /// Parses a `$filter` value for `/users` (already URL-decoded). Rejects syntax errors
    /// (BadRequest), unknown or unfilterable properties and operators a property does not support
    /// at all (Unsupported).
    pub fn parse(input: &str) -> Result<Filter, ODataError> {
        Filter::parse_for(Resource::User, input)
    }

    /// Like [`Filter::parse`], with the filter table of `resource`.
    pub fn parse_for(resource: Resource, input: &str) -> Result<Filter, ODataError> {
        let root = parse::parse(resource, input)?;
        Ok(Filter { root, resource })
    }

    /// Checks Graph's advanced-query rules against the request's headers/params: advanced-only
    /// operators need both, and default-only ones (identities) fail with them.
    pub fn check_advanced(&self, adv: Advanced) -> Result<(), ODataError> {
        if adv.enabled() {
            // [inf] The error text for a default-only property in an advanced query is undocumented.
            return match first_default_only(&self.root, self.resource) {
                Some(prop) => Err(unindexed(prop, self.resource)),
                None => Ok(()),
            };
        }
        match first_advanced(&self.root, self.resource) {
            Some(op) => Err(needs_advanced(op)),
            None => Ok(()),
        }
    }

    /// Evaluates the filter against an object serialised as JSON (camelCase Graph names).
    pub fn matches(&self, user: &Value) -> bool {
        eval::eval(&self.root, user, None)
    }
}

/// The first operator (left to right) that only works as an advanced query.
fn first_advanced(node: &Node, res: Resource) -> Option<&'static str> {
    match node {
        Node::Not(_) => Some("not"),
        Node::And(l, r) | Node::Or(l, r) => first_advanced(l, res).or_else(|| first_advanced(r, res)),
        Node::Cmp { target, op, lit } => {
            let p = res.prop_static(target.prop())?;
            let mut cap = op_cap(p, *op);
            if *lit == Lit::Null && p.null == Cap::Adv {
                cap = Cap::Adv;
            }
            (cap == Cap::Adv).then(|| op.name())
        }
        Node::In { target, lits } => {
            let p = res.prop_static(target.prop())?;
            let null_adv = lits.contains(&Lit::Null) && p.null == Cap::Adv;
            (p.in_ == Cap::Adv || null_adv).then_some("in")
        }
        Node::Func { func, target, .. } => {
            let p = res.prop_static(target.prop())?;
            (func_cap(p, *func) == Cap::Adv).then(|| func.name())
        }
        Node::Any { body, .. } => first_advanced(body, res),
    }
}

/// The first property (left to right) used with an operator that works only without the
/// advanced query parameters.
fn first_default_only(node: &Node, res: Resource) -> Option<&'static str> {
    match node {
        Node::Not(n) | Node::Any { body: n, .. } => first_default_only(n, res),
        Node::And(l, r) | Node::Or(l, r) => first_default_only(l, res).or_else(|| first_default_only(r, res)),
        Node::Cmp { target, op, .. } => {
            let p = res.prop_static(target.prop())?;
            (op_cap(p, *op) == Cap::DefaultOnly).then_some(p.name)
        }
        Node::In { target, .. } => {
            let p = res.prop_static(target.prop())?;
            (p.in_ == Cap::DefaultOnly).then_some(p.name)
        }
        Node::Func { func, target, .. } => {
            let p = res.prop_static(target.prop())?;
            (func_cap(p, *func) == Cap::DefaultOnly).then_some(p.name)
        }
    }
}

fn op_cap(p: &FilterProp, op: CmpOp) -> Cap {
    match op {
        CmpOp::Eq => p.eq,
        CmpOp::Ne => p.ne,
        CmpOp::Ge => p.ge,
        CmpOp::Le => p.le,
    }
}

fn func_cap(p: &FilterProp, f: Func) -> Cap {
    match f {
        Func::StartsWith => p.starts,
        Func::EndsWith => p.ends,
    }
}
