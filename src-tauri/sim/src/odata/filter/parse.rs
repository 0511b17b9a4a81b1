//! The `$filter` lexer and recursive-descent parser, with Graph's error texts.

use super::props::{unindexed, Cap, FilterProp, Kind, Resource, IDENTITY_MEMBERS};
use super::{func_cap, op_cap, CmpOp, Func, Lit, Node, Target};
use crate::odata::dates::parse_datetime;
use crate::odata::{ODataError, MAX_DEPTH, MAX_TOKENS};

/// Parses a whole `$filter` value (already URL-decoded) for `resource`.
pub(super) fn parse(resource: Resource, input: &str) -> Result<Node, ODataError> {
    let toks = lex_filter(input)?;
    if toks.len() > MAX_TOKENS {
        return Err(ODataError::BadRequest(
            "Invalid filter clause: The filter expression is too long.".to_string(),
        ));
    }
    let mut p = FilterParser {
        toks,
        i: 0,
        input,
        depth: 0,
        lambda: None,
        resource,
    };
    let root = p.parse_or()?;
    if let Some(t) = p.toks.get(p.i) {
        return Err(p.syntax_at(t.pos));
    }
    Ok(root)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    /// Unquoted number or date/time.
    Bare(String),
    LParen,
    RParen,
    Comma,
    Colon,
    Slash,
}

#[derive(Debug, Clone)]
struct Lexed {
    tok: Tok,
    /// Character offset (0-based) in the input.
    pos: usize,
}

fn filter_error(detail: String) -> ODataError {
    ODataError::BadRequest(format!("Invalid filter clause: {detail}"))
}

fn lex_filter(input: &str) -> Result<Vec<Lexed>, ODataError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i;
        let single = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            ':' => Some(Tok::Colon),
            '/' => Some(Tok::Slash),
            _ => None,
        };
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if let Some(tok) = single {
            out.push(Lexed { tok, pos });
            i += 1;
            continue;
        }
        if c == '\'' {
            // Single-quoted string; '' is an escaped quote.
            let mut s = String::new();
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => {
                        return Err(filter_error(format!(
                            "There is an unterminated string literal at position {pos} in '{input}'."
                        )))
                    }
                    Some('\'') if chars.get(j + 1) == Some(&'\'') => {
                        s.push('\'');
                        j += 2;
                    }
                    Some('\'') => {
                        j += 1;
                        break;
                    }
                    Some(&other) => {
                        s.push(other);
                        j += 1;
                    }
                }
            }
            out.push(Lexed {
                tok: Tok::Str(s),
                pos,
            });
            i = j;
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let mut j = i;
            while chars.get(j).is_some_and(|&x| x.is_alphanumeric() || x == '_') {
                j += 1;
            }
            out.push(Lexed {
                tok: Tok::Ident(chars[i..j].iter().collect()),
                pos,
            });
            i = j;
            continue;
        }
        if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let mut j = i + 1;
            while chars
                .get(j)
                .is_some_and(|&x| x.is_ascii_alphanumeric() || ":.+-".contains(x))
            {
                j += 1;
            }
            out.push(Lexed {
                tok: Tok::Bare(chars[i..j].iter().collect()),
                pos,
            });
            i = j;
            continue;
        }
        return Err(filter_error(format!(
            "Syntax error: character '{c}' is not valid at position {pos} in '{input}'."
        )));
    }
    Ok(out)
}

/// Known OData functions that Graph's directory does not support in `$filter`.
const UNSUPPORTED_FUNCTIONS: &[&str] = &[
    "contains",
    "substringof",
    "substring",
    "tolower",
    "toupper",
    "trim",
    "length",
    "indexof",
    "concat",
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "date",
    "time",
    "now",
    "round",
    "floor",
    "ceiling",
    "cast",
    "isof",
    "matchespattern",
];

/// Operator keywords that can never start an operand.
const RESERVED: &[&str] = &[
    "and", "or", "not", "eq", "ne", "ge", "le", "gt", "lt", "in", "has",
];

/// A parsed path before deciding what it is used for.
enum Operand {
    Single(Target),
    Collection(&'static FilterProp),
}

struct FilterParser<'a> {
    toks: Vec<Lexed>,
    i: usize,
    input: &'a str,
    depth: usize,
    /// The range variable of the lambda being parsed and its collection.
    lambda: Option<(String, &'static FilterProp)>,
    resource: Resource,
}

impl FilterParser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.tok)
    }

    fn peek_at(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.i + k).map(|t| &t.tok)
    }

    /// Position of the current token, or the input length at the end.
    fn pos(&self) -> usize {
        self.toks
            .get(self.i)
            .map_or_else(|| self.input.chars().count(), |t| t.pos)
    }

    fn syntax_at(&self, pos: usize) -> ODataError {
        filter_error(format!("Syntax error at position {pos} in '{}'.", self.input))
    }

    fn expected(&self, what: &str) -> ODataError {
        filter_error(format!(
            "{what} expected at position {} in '{}'.",
            self.pos(),
            self.input
        ))
    }

    fn peek_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(kw))
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == Some(tok) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<(), ODataError> {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }

    fn enter(&mut self) -> Result<(), ODataError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(filter_error(
                "The filter expression is nested too deeply.".to_string(),
            ));
        }
        Ok(())
    }

    fn parse_or(&mut self) -> Result<Node, ODataError> {
        let mut left = self.parse_and()?;
        while self.peek_keyword("or") {
            self.i += 1;
            let right = self.parse_and()?;
            left = Node::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self) -> Result<Node, ODataError> {
        let mut left = self.parse_unary()?;
        while self.peek_keyword("and") {
            self.i += 1;
            let right = self.parse_unary()?;
            left = Node::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_unary(&mut self) -> Result<Node, ODataError> {
        // `not` binds tighter than `and`; `not(...)` and `not startsWith(...)` both work.
        if self.peek_keyword("not") {
            self.i += 1;
            self.enter()?;
            let inner = self.parse_unary()?;
            self.depth -= 1;
            return Ok(Node::Not(Box::new(inner)));
        }
        self.parse_primary()
    }

    fn parse_primary(&mut self) -> Result<Node, ODataError> {
        match self.peek().cloned() {
            Some(Tok::LParen) => {
                self.i += 1;
                self.enter()?;
                let inner = self.parse_or()?;
                self.expect(&Tok::RParen, "')'")?;
                self.depth -= 1;
                Ok(inner)
            }
            Some(Tok::Ident(name)) => {
                if RESERVED.iter().any(|k| k.eq_ignore_ascii_case(&name)) {
                    return Err(self.syntax_at(self.pos()));
                }
                if self.peek_at(1) == Some(&Tok::LParen) {
                    return self.parse_function(&name);
                }
                let path_pos = self.pos();
                match self.parse_operand()? {
                    Operand::Single(target) => self.parse_comparison(target),
                    Operand::Collection(prop) => self.parse_collection_use(prop, path_pos),
                }
            }
            None => Err(self.expected("Expression")),
            Some(_) => Err(self.syntax_at(self.pos())),
        }
    }

    /// Parses a property path: `prop`, `x` (range variable) or `i/member`.
    fn parse_operand(&mut self) -> Result<Operand, ODataError> {
        let Some(Tok::Ident(name)) = self.peek().cloned() else {
            return Err(self.expected("Property name"));
        };
        self.i += 1;
        if let Some((var, coll)) = self.lambda.clone() {
            if var == name {
                if !self.eat(&Tok::Slash) {
                    return Ok(Operand::Single(Target::Elem(coll.name)));
                }
                let Some(Tok::Ident(member)) = self.peek().cloned() else {
                    return Err(self.expected("Property name"));
                };
                self.i += 1;
                if coll.kind != Kind::IdentColl {
                    return Err(filter_error(format!(
                        "Could not find a property named '{member}' on type 'Edm.String'."
                    )));
                }
                let Some(m) = IDENTITY_MEMBERS.iter().find(|m| m.eq_ignore_ascii_case(&member)) else {
                    return Err(filter_error(format!(
                        "Could not find a property named '{member}' on type 'microsoft.graph.objectIdentity'."
                    )));
                };
                return Ok(Operand::Single(Target::Member(coll.name, m)));
            }
        }
        let Some(prop) = self.resource.prop(&name) else {
            return Err(unindexed(&name, self.resource));
        };
        if matches!(prop.kind, Kind::StrColl | Kind::IdentColl) {
            return Ok(Operand::Collection(prop));
        }
        if self.peek() == Some(&Tok::Slash) {
            let next = match self.peek_at(1) {
                Some(Tok::Ident(s)) => s.clone(),
                _ => String::new(),
            };
            if next.eq_ignore_ascii_case("any") || next.eq_ignore_ascii_case("all") {
                return Err(filter_error(format!(
                    "The parent value for the '{next}' query expression on property '{}' must be a \
                     collection.",
                    prop.name
                )));
            }
            return Err(filter_error(format!(
                "Could not find a property named '{next}' on type '{}'.",
                Target::Prop(prop.name).type_name(self.resource)
            )));
        }
        Ok(Operand::Single(Target::Prop(prop.name)))
    }

    /// After a collection property: only `coll/any(var: body)` is allowed.
    fn parse_collection_use(&mut self, prop: &'static FilterProp, pos: usize) -> Result<Node, ODataError> {
        if !self.eat(&Tok::Slash) {
            let op = match self.peek() {
                Some(Tok::Ident(s)) => match s.to_ascii_lowercase().as_str() {
                    "eq" => "Equal",
                    "ne" => "NotEqual",
                    "ge" => "GreaterThanOrEqual",
                    "le" => "LessThanOrEqual",
                    "in" => "In",
                    _ => return Err(self.syntax_at(self.pos())),
                },
                _ => return Err(self.syntax_at(self.pos())),
            };
            return Err(filter_error(format!(
                "The operand for a binary operator '{op}' is not a single value. Binary operators \
                 require both operands to be single values (use '{}/any(x:x eq ...)').",
                prop.name
            )));
        }
        let Some(Tok::Ident(word)) = self.peek().cloned() else {
            return Err(self.expected("'any'"));
        };
        self.i += 1;
        if word.eq_ignore_ascii_case("all") {
            return Err(unindexed(prop.name, self.resource));
        }
        if !word.eq_ignore_ascii_case("any") {
            return Err(filter_error(format!(
                "The parent value for a property access of a property '{word}' is not a single value. \
                 Property access can only be applied to a single value (at position {pos} in '{}').",
                self.input
            )));
        }
        if self.lambda.is_some() {
            return Err(unindexed(prop.name, self.resource));
        }
        self.expect(&Tok::LParen, "'('")?;
        let Some(Tok::Ident(var)) = self.peek().cloned() else {
            return Err(filter_error(format!(
                "A lambda variable is required after 'any(' at position {} in '{}'.",
                self.pos(),
                self.input
            )));
        };
        self.i += 1;
        self.expect(&Tok::Colon, "':'")?;
        self.enter()?;
        self.lambda = Some((var.clone(), prop));
        let body = self.parse_or();
        self.lambda = None;
        let body = body?;
        self.expect(&Tok::RParen, "')'")?;
        self.depth -= 1;
        Ok(Node::Any {
            coll: prop.name,
            var,
            body: Box::new(body),
        })
    }

    fn parse_comparison(&mut self, target: Target) -> Result<Node, ODataError> {
        let op_pos = self.pos();
        let Some(Tok::Ident(op)) = self.peek().cloned() else {
            return Err(filter_error(format!(
                "An operator (eq, ne, in, ...) was expected at position {op_pos} in '{}'.",
                self.input
            )));
        };
        self.i += 1;
        let prop = self
            .resource
            .prop_static(target.prop())
            .ok_or_else(|| unindexed(target.prop(), self.resource))?;
        let op = match op.to_ascii_lowercase().as_str() {
            "eq" => CmpOp::Eq,
            "ne" => CmpOp::Ne,
            "ge" => CmpOp::Ge,
            "le" => CmpOp::Le,
            "in" => return self.parse_in(target, prop),
            // Graph's directory does not support gt/lt/has.
            "gt" | "lt" | "has" => return Err(unindexed(prop.name, self.resource)),
            _ => return Err(self.syntax_at(op_pos)),
        };
        let lit = self.parse_literal()?;
        check_type(&target, &lit, op.kind_name(), self.resource)?;
        if op_cap(prop, op) == Cap::No || (lit == Lit::Null && prop.null == Cap::No) {
            return Err(unindexed(prop.name, self.resource));
        }
        Ok(Node::Cmp { target, op, lit })
    }

    fn parse_in(&mut self, target: Target, prop: &'static FilterProp) -> Result<Node, ODataError> {
        self.expect(&Tok::LParen, "'('")?;
        let mut lits = Vec::new();
        loop {
            let lit = self.parse_literal()?;
            check_type(&target, &lit, "In", self.resource)?;
            lits.push(lit);
            if self.eat(&Tok::Comma) {
                continue;
            }
            self.expect(&Tok::RParen, "')' or ','")?;
            break;
        }
        if prop.in_ == Cap::No || (lits.contains(&Lit::Null) && prop.null == Cap::No) {
            return Err(unindexed(prop.name, self.resource));
        }
        Ok(Node::In { target, lits })
    }

    fn parse_literal(&mut self) -> Result<Lit, ODataError> {
        let pos = self.pos();
        let lit = match self.peek().cloned() {
            Some(Tok::Str(s)) => Lit::Str(s),
            Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("null") => Lit::Null,
            Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("true") => Lit::Bool(true),
            Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("false") => Lit::Bool(false),
            Some(Tok::Bare(b)) if parse_datetime(&b).is_some() => Lit::DateTime(b),
            Some(Tok::Bare(b))
                if b.trim_start_matches('-')
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.') =>
            {
                Lit::Number(b)
            }
            _ => {
                return Err(filter_error(format!(
                    "A literal value was expected at position {pos} in '{}'.",
                    self.input
                )))
            }
        };
        self.i += 1;
        Ok(lit)
    }

    fn parse_function(&mut self, name: &str) -> Result<Node, ODataError> {
        let lname = name.to_ascii_lowercase();
        let func = match lname.as_str() {
            "startswith" => Func::StartsWith,
            "endswith" => Func::EndsWith,
            _ if UNSUPPORTED_FUNCTIONS.contains(&lname.as_str()) => {
                return Err(ODataError::Unsupported(format!(
                    "Unsupported query function '{name}' in filter clause."
                )))
            }
            _ => {
                return Err(filter_error(format!(
                    "An unknown function with name '{name}' was found."
                )));
            }
        };
        self.i += 2; // name and '('
        let no_signature = || {
            filter_error(format!(
                "No function signature for the function with name '{lname}' matches the specified \
                 arguments. The function signatures considered are: {lname}(Edm.String Nullable=true, \
                 Edm.String Nullable=true)."
            ))
        };
        let target = match self.parse_operand()? {
            Operand::Single(t) => t,
            Operand::Collection(p) => {
                return Err(filter_error(format!(
                    "The argument for an invocation of a function with name '{lname}' is not a single \
                     value (use '{}/any(x:{}(x,...))').",
                    p.name,
                    func.name()
                )))
            }
        };
        if target.type_name(self.resource) != "Edm.String" {
            return Err(no_signature());
        }
        self.expect(&Tok::Comma, "','")?;
        let arg = match self.parse_literal()? {
            Lit::Str(s) => s,
            _ => return Err(no_signature()),
        };
        self.expect(&Tok::RParen, "')'")?;
        let prop = self
            .resource
            .prop_static(target.prop())
            .ok_or_else(|| unindexed(target.prop(), self.resource))?;
        if func_cap(prop, func) == Cap::No {
            return Err(unindexed(prop.name, self.resource));
        }
        Ok(Node::Func { func, target, arg })
    }
}

fn check_type(target: &Target, lit: &Lit, op_kind: &str, resource: Resource) -> Result<(), ODataError> {
    let t = target.type_name(resource);
    let ok = match lit {
        Lit::Null => true,
        other => other.type_name() == t,
    };
    if ok {
        return Ok(());
    }
    Err(filter_error(format!(
        "A binary operator with incompatible types was detected. Found operand types '{t}' and '{}' for \
         operator kind '{op_kind}'.",
        lit.type_name()
    )))
}
