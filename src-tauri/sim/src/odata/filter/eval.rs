//! Evaluating a parsed `$filter` against a user's JSON.

use std::cmp::Ordering;

use serde_json::Value;

use super::{CmpOp, Func, Lit, Node, Target};
use crate::odata::dates::parse_datetime;
use crate::odata::lower;

pub(super) fn eval(node: &Node, user: &Value, elem: Option<&Value>) -> bool {
    match node {
        Node::And(l, r) => eval(l, user, elem) && eval(r, user, elem),
        Node::Or(l, r) => eval(l, user, elem) || eval(r, user, elem),
        Node::Not(n) => !eval(n, user, elem),
        Node::Cmp {
            target: Target::Elem("proxyAddresses"),
            op: CmpOp::Eq,
            lit: Lit::Str(s),
        } => elem
            .and_then(Value::as_str)
            .is_some_and(|v| proxy_key(v) == proxy_key(s)),
        // objectIdentity, "Filtering": for local accounts (signInType `userName`, or
        // `emailAddress` and custom types that start with it) the issuer value is ignored, by design.
        Node::Cmp {
            target: Target::Member("identities", "issuer"),
            op: CmpOp::Eq,
            ..
        } if elem.is_some_and(local_account) => true,
        Node::Cmp { target, op, lit } => {
            let v = target.resolve(user, elem);
            match op {
                CmpOp::Eq => lit_equals(v, lit),
                CmpOp::Ne => !lit_equals(v, lit),
                CmpOp::Ge => matches!(lit_order(v, lit), Some(Ordering::Greater | Ordering::Equal)),
                CmpOp::Le => matches!(lit_order(v, lit), Some(Ordering::Less | Ordering::Equal)),
            }
        }
        Node::In { target, lits } => {
            let v = target.resolve(user, elem);
            lits.iter().any(|l| lit_equals(v, l))
        }
        Node::Func { func, target, arg } => {
            let Some(s) = target.resolve(user, elem).and_then(Value::as_str) else {
                return false;
            };
            if *target == Target::Elem("proxyAddresses") {
                // Without a ':' the argument lies within the prefix (startsWith) or within the
                // address (endsWith).
                let v = proxy_key(s);
                return match func {
                    Func::StartsWith if arg.contains(':') => v.starts_with(&proxy_key(arg)),
                    Func::StartsWith => v.starts_with(arg.as_str()),
                    Func::EndsWith if arg.contains(':') => v.ends_with(&proxy_key(arg)),
                    Func::EndsWith => v.ends_with(&lower(arg)),
                };
            }
            let (s, arg) = (lower(s), lower(arg));
            match func {
                Func::StartsWith => s.starts_with(&arg),
                Func::EndsWith => s.ends_with(&arg),
            }
        }
        Node::Any { coll, body, .. } => user
            .get(coll)
            .and_then(Value::as_array)
            .is_some_and(|items| items.iter().any(|e| eval(body, user, Some(e)))),
    }
}

/// An `identities` entry of a local account: its sign-in name is the issuerAssignedId.
fn local_account(e: &Value) -> bool {
    e.get("signInType").and_then(Value::as_str).is_some_and(|t| {
        t.eq_ignore_ascii_case("userName") || t.to_ascii_lowercase().starts_with("emailaddress")
    })
}

/// A proxyAddresses value as compared here: the prefix (`SMTP` primary, `smtp` secondary, `X500`,
/// ...) exactly, the address after the first ':' case-insensitively (CONTRACT.md 9.9). Microsoft
/// documents the prefixes, not how `eq` treats their case; exact prefixes are the stricter reading,
/// so a client must ask for both `SMTP:` and `smtp:` [inf].
fn proxy_key(s: &str) -> String {
    match s.split_once(':') {
        Some((prefix, address)) => format!("{prefix}:{}", lower(address)),
        None => s.to_owned(),
    }
}

/// OData equality: `null eq null` is true, strings compare case-insensitively.
fn lit_equals(v: Option<&Value>, lit: &Lit) -> bool {
    match lit {
        Lit::Null => v.is_none_or(Value::is_null),
        Lit::Str(s) => v.and_then(Value::as_str).is_some_and(|x| lower(x) == lower(s)),
        Lit::Bool(b) => v.and_then(Value::as_bool) == Some(*b),
        Lit::DateTime(d) => match (
            v.and_then(Value::as_str).and_then(parse_datetime),
            parse_datetime(d),
        ) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        },
        Lit::Number(_) => false,
    }
}

/// Ordering of the user's value relative to the literal; None when either side is null/mismatched.
fn lit_order(v: Option<&Value>, lit: &Lit) -> Option<Ordering> {
    let v = v?;
    match lit {
        Lit::Str(s) => Some(lower(v.as_str()?).cmp(&lower(s))),
        Lit::Bool(b) => Some(v.as_bool()?.cmp(b)),
        Lit::DateTime(d) => Some(parse_datetime(v.as_str()?)?.cmp(&parse_datetime(d)?)),
        Lit::Null | Lit::Number(_) => None,
    }
}
