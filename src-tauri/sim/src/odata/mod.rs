//! OData query options for the simulated `GET /users`: `$filter`, `$search`, `$orderby`, `$select`,
//! and Graph's default-vs-advanced query rules (CONTRACT.md section 2).
//!
//! Everything here works on a user serialised to JSON with Graph's camelCase names, so the module
//! does not depend on the model types. Errors carry Graph's code family and message text; the caller
//! wraps them in the error envelope (CONTRACT.md section 3).
//!
//! One module per concern: `filter` (parser, advanced-query rules, evaluation), `search`, `order`,
//! `select` (with projection) and `dates`.

mod dates;
mod filter;
mod order;
mod search;
mod select;
#[cfg(test)]
mod test_users;

pub use filter::{Filter, Resource};
pub use order::OrderBy;
pub use search::Search;
pub use select::{parse_select, project};

/// Which Graph error an OData problem maps to.
#[derive(Debug, Clone, PartialEq)]
pub enum ODataError {
    /// 400 Request_UnsupportedQuery, with Graph's message text.
    Unsupported(String),
    /// 400 Request_BadRequest, with Graph's message text.
    BadRequest(String),
}

impl ODataError {
    /// The Graph error code for the envelope.
    pub fn code(&self) -> &'static str {
        match self {
            ODataError::Unsupported(_) => "Request_UnsupportedQuery",
            ODataError::BadRequest(_) => "Request_BadRequest",
        }
    }

    /// The Graph error message for the envelope.
    pub fn message(&self) -> &str {
        match self {
            ODataError::Unsupported(m) | ODataError::BadRequest(m) => m,
        }
    }
}

impl std::fmt::Display for ODataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for ODataError {}

/// Whether the request carried `ConsistencyLevel: eventual` and `$count=true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advanced {
    pub consistency_eventual: bool,
    pub count: bool,
}

impl Advanced {
    fn enabled(self) -> bool {
        self.consistency_eventual && self.count
    }
}

/// Longest token stream accepted for `$filter`/`$search`; keeps the AST (and recursion) shallow.
const MAX_TOKENS: usize = 1000;
/// Deepest nesting of parentheses / `not` accepted.
const MAX_DEPTH: usize = 64;

/// Unicode-aware lowercase used for every case-insensitive comparison.
fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// OData string literal escaping helper used by tests: `O'Brien` -> `O''Brien`.
pub fn escape_literal(s: &str) -> String {
    s.replace('\'', "''")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odata::test_users::*;
    use serde_json::json;

    /// Tiny deterministic generator (xorshift) so the test needs no extra crates.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn malformed_inputs_never_panic() {
        let pieces = [
            "displayName",
            "eq",
            "ne",
            "'a'",
            "'",
            "''",
            "(",
            ")",
            ",",
            ":",
            "/",
            "any",
            "all",
            "x",
            "not",
            "NOT",
            "and",
            "or",
            "AND",
            "OR",
            "startsWith(",
            "endswith(",
            "null",
            "true",
            "in",
            "2024-01-01T00:00:00Z",
            "-",
            "9",
            "\"",
            "\\",
            "\"displayName:wa\"",
            "\"mail:",
            "é",
            "כ",
            "\u{301}",
            "identities",
            "i/issuer",
            "proxyAddresses",
            " ",
            "\u{0}",
            "💥",
            "ge",
            "le",
            "_sim",
        ];
        let users = [
            adele(),
            oscar(),
            json!({}),
            json!(null),
            json!({"proxyAddresses": "notalist"}),
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..600 {
            let n = (next(&mut state) % 12) as usize;
            let mut input = String::new();
            for _ in 0..n {
                let piece = pieces[(next(&mut state) % pieces.len() as u64) as usize];
                input.push_str(piece);
                if next(&mut state) % 2 == 0 {
                    input.push(' ');
                }
            }
            if let Ok(flt) = Filter::parse(&input) {
                let _ = flt.check_advanced(NO_ADV);
                for u in &users {
                    let _ = flt.matches(u);
                }
            }
            if let Ok(srch) = Search::parse(&input) {
                for u in &users {
                    let _ = srch.matches(u);
                }
            }
            let _ = OrderBy::parse(&input);
            let _ = parse_select(&input);
        }
        // Raw byte-ish garbage too.
        for i in 0..300u32 {
            let garbage: String = (0..(i % 17))
                .filter_map(|k| char::from_u32((i * 7919 + k * 104_729) % 0x3000))
                .collect();
            let _ = Filter::parse(&garbage);
            let _ = Search::parse(&garbage);
        }
    }
}
