//! `$search` for `/users`: quoted `"property:text"` clauses with AND/OR, displayName tokenized.

use serde_json::Value;

use super::{lower, ODataError, MAX_DEPTH, MAX_TOKENS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SearchMode {
    /// Tokenized, order-free token-prefix match (displayName, givenName, surname).
    Tokens,
    /// Case-insensitive startsWith (on each element for collections).
    Prefix,
}

const SEARCH_PROPS: &[(&str, SearchMode)] = &[
    ("displayName", SearchMode::Tokens),
    ("givenName", SearchMode::Tokens),
    ("surname", SearchMode::Tokens),
    ("mail", SearchMode::Prefix),
    ("userPrincipalName", SearchMode::Prefix),
    ("otherMails", SearchMode::Prefix),
    ("proxyAddresses", SearchMode::Prefix),
];

#[derive(Debug, Clone, PartialEq)]
enum SNode {
    And(Box<SNode>, Box<SNode>),
    Or(Box<SNode>, Box<SNode>),
    Clause {
        property: &'static str,
        mode: SearchMode,
        text: String,
    },
}

/// A parsed `$search` expression for `/users`.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    root: SNode,
}

#[derive(Debug, Clone, PartialEq)]
enum STok {
    /// Unescaped clause content and the position of its opening quote.
    Clause(String),
    LParen,
    RParen,
    And,
    Or,
}

fn search_syntax(detail: String) -> ODataError {
    ODataError::BadRequest(format!("Syntax error: {detail}"))
}

fn lex_search(input: &str) -> Result<Vec<(STok, usize)>, ODataError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i;
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push((STok::LParen, pos));
            i += 1;
        } else if c == ')' {
            out.push((STok::RParen, pos));
            i += 1;
        } else if c == '"' {
            let mut s = String::new();
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => {
                        return Err(search_syntax(format!(
                            "unterminated quoted clause starting at position {pos} in '{input}'."
                        )))
                    }
                    Some('"') => {
                        j += 1;
                        break;
                    }
                    Some('\\') => match chars.get(j + 1) {
                        Some(&e @ ('"' | '\\')) => {
                            s.push(e);
                            j += 2;
                        }
                        _ => {
                            return Err(search_syntax(format!(
                                "invalid escape sequence at position {j} in '{input}'; only \\\" and \\\\ \
                                 are allowed."
                            )))
                        }
                    },
                    Some(&other) => {
                        s.push(other);
                        j += 1;
                    }
                }
            }
            out.push((STok::Clause(s), pos));
            i = j;
        } else if c.is_ascii_alphabetic() {
            let mut j = i;
            while chars.get(j).is_some_and(char::is_ascii_alphabetic) {
                j += 1;
            }
            let word: String = chars[i..j].iter().collect();
            // AND / OR must be upper case.
            let tok = match word.as_str() {
                "AND" => STok::And,
                "OR" => STok::Or,
                _ => {
                    return Err(search_syntax(format!(
                        "character '{c}' is not valid at position {pos} in '{input}'."
                    )))
                }
            };
            out.push((tok, pos));
            i = j;
        } else {
            return Err(search_syntax(format!(
                "character '{c}' is not valid at position {pos} in '{input}'."
            )));
        }
    }
    Ok(out)
}

struct SearchParser<'a> {
    toks: Vec<(STok, usize)>,
    i: usize,
    input: &'a str,
    depth: usize,
}

impl SearchParser<'_> {
    fn pos(&self) -> usize {
        self.toks
            .get(self.i)
            .map_or_else(|| self.input.chars().count(), |t| t.1)
    }

    fn unexpected(&self) -> ODataError {
        match self.toks.get(self.i) {
            Some(_) => search_syntax(format!(
                "unexpected token at position {} in '{}'.",
                self.pos(),
                self.input
            )),
            None => search_syntax(format!("unexpected end of input in '{}'.", self.input)),
        }
    }

    fn eat(&mut self, tok: &STok) -> bool {
        if self.toks.get(self.i).map(|t| &t.0) == Some(tok) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn parse_or(&mut self) -> Result<SNode, ODataError> {
        let mut left = self.parse_and()?;
        while self.eat(&STok::Or) {
            let right = self.parse_and()?;
            left = SNode::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self) -> Result<SNode, ODataError> {
        let mut left = self.parse_primary()?;
        while self.eat(&STok::And) {
            let right = self.parse_primary()?;
            left = SNode::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_primary(&mut self) -> Result<SNode, ODataError> {
        let pos = self.pos();
        match self.toks.get(self.i).map(|t| t.0.clone()) {
            Some(STok::LParen) => {
                self.i += 1;
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(search_syntax(
                        "the search expression is nested too deeply.".to_string(),
                    ));
                }
                let inner = self.parse_or()?;
                if !self.eat(&STok::RParen) {
                    return Err(self.unexpected());
                }
                self.depth -= 1;
                Ok(inner)
            }
            Some(STok::Clause(raw)) => {
                self.i += 1;
                parse_clause(&raw, pos, self.input)
            }
            _ => Err(self.unexpected()),
        }
    }
}

fn parse_clause(raw: &str, pos: usize, input: &str) -> Result<SNode, ODataError> {
    let Some((prop, text)) = raw.split_once(':') else {
        return Err(search_syntax(format!(
            "the clause \"{raw}\" at position {pos} in '{input}' must have the form \"property:text\"."
        )));
    };
    let (prop, text) = (prop.trim(), text.trim());
    if prop.is_empty() {
        return Err(search_syntax(format!(
            "missing property name in the clause at position {pos} in '{input}'."
        )));
    }
    if text.is_empty() {
        return Err(search_syntax(format!(
            "missing search text in the clause at position {pos} in '{input}'."
        )));
    }
    let Some(&(property, mode)) = SEARCH_PROPS.iter().find(|(p, _)| p.eq_ignore_ascii_case(prop)) else {
        return Err(ODataError::Unsupported(format!(
            "Unsupported or invalid search clause specified for property '{prop}' of resource 'User'."
        )));
    };
    Ok(SNode::Clause {
        property,
        mode,
        text: text.to_string(),
    })
}

impl Search {
    /// `input` is the raw `$search` value, e.g. `"displayName:wa" OR "mail:ann"` (with the quotes).
    pub fn parse(input: &str) -> Result<Search, ODataError> {
        let toks = lex_search(input)?;
        if toks.is_empty() {
            return Err(search_syntax("the $search value is empty.".to_string()));
        }
        if toks.len() > MAX_TOKENS {
            return Err(search_syntax("the search expression is too long.".to_string()));
        }
        let mut p = SearchParser {
            toks,
            i: 0,
            input,
            depth: 0,
        };
        let root = p.parse_or()?;
        if p.i < p.toks.len() {
            return Err(p.unexpected());
        }
        Ok(Search { root })
    }

    pub fn matches(&self, user: &Value) -> bool {
        search_eval(&self.root, user)
    }
}

fn search_eval(node: &SNode, user: &Value) -> bool {
    match node {
        SNode::And(l, r) => search_eval(l, user) && search_eval(r, user),
        SNode::Or(l, r) => search_eval(l, user) || search_eval(r, user),
        SNode::Clause { property, mode, text } => {
            let values: Vec<&str> = match user.get(property) {
                Some(Value::String(s)) => vec![s.as_str()],
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            match mode {
                SearchMode::Tokens => values.iter().any(|v| tokens_match(text, v)),
                SearchMode::Prefix => {
                    let wanted = lower(text);
                    values.iter().any(|v| {
                        let v = lower(v);
                        // proxyAddresses also match on the address after the "smtp:" prefix.
                        v.starts_with(&wanted)
                            || (*property == "proxyAddresses"
                                && v.strip_prefix("smtp:")
                                    .is_some_and(|a| a.trim_start().starts_with(&wanted)))
                    })
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CharClass {
    Letter,
    Digit,
    /// Combining marks and other non-punctuation characters that extend the current token.
    Mark,
    Sep,
}

/// Non-ASCII punctuation and symbol ranges (std has no general-category lookup). Alphanumeric
/// characters are classified before this check, so letters inside these ranges are unaffected.
fn is_unicode_separator(c: char) -> bool {
    matches!(c,
        '\u{00A0}'..='\u{00BF}' | '\u{00D7}' | '\u{00F7}'
        | '\u{037E}' | '\u{0387}'
        | '\u{055A}'..='\u{055F}' | '\u{0589}' | '\u{058A}'
        | '\u{05BE}' | '\u{05C0}' | '\u{05C3}' | '\u{05C6}' | '\u{05F3}' | '\u{05F4}'
        | '\u{060C}' | '\u{061B}' | '\u{061F}' | '\u{066A}'..='\u{066D}' | '\u{06D4}'
        | '\u{2000}'..='\u{2BFF}' | '\u{2E00}'..='\u{2E7F}' | '\u{3000}'..='\u{303F}'
        | '\u{FE10}'..='\u{FE1F}' | '\u{FE30}'..='\u{FE6F}'
        | '\u{FF00}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '\u{FF3B}'..='\u{FF40}'
        | '\u{FF5B}'..='\u{FF65}' | '\u{FFF0}'..='\u{FFFF}' | '\u{1F000}'..='\u{1FAFF}')
}

fn classify(c: char) -> CharClass {
    if c.is_numeric() {
        CharClass::Digit
    } else if c.is_alphabetic() {
        CharClass::Letter
    } else if c.is_whitespace() || c.is_control() || c.is_ascii() || is_unicode_separator(c) {
        CharClass::Sep
    } else {
        CharClass::Mark
    }
}

/// Splits text into words (on whitespace and symbols/punctuation) and each word into lowercased
/// sub-tokens (between digits and letters and, when `split_case`, at lower->upper case changes).
fn split_words(s: &str, split_case: bool) -> Vec<Vec<String>> {
    let mut words: Vec<Vec<String>> = Vec::new();
    let mut word: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_class = CharClass::Sep;
    let mut prev: Option<char> = None;
    for c in s.chars() {
        let class = classify(c);
        let boundary = match class {
            CharClass::Sep => true,
            // A mark continues whatever token it follows.
            CharClass::Mark => false,
            CharClass::Digit => cur_class != CharClass::Digit,
            CharClass::Letter => {
                cur_class != CharClass::Letter
                    || (split_case && prev.is_some_and(char::is_lowercase) && c.is_uppercase())
            }
        };
        if boundary && !cur.is_empty() {
            word.push(lower(&cur));
            cur.clear();
        }
        if class == CharClass::Sep && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        match class {
            CharClass::Sep => cur_class = CharClass::Sep,
            CharClass::Mark => {
                if !cur.is_empty() {
                    cur.push(c);
                }
            }
            CharClass::Letter | CharClass::Digit => {
                cur.push(c);
                cur_class = class;
            }
        }
        prev = Some(c);
    }
    if !cur.is_empty() {
        word.push(lower(&cur));
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Graph-style tokens of a value: "JohnSmith42" -> john, smith, 42 (used by the tests).
#[cfg(test)]
fn tokenize(s: &str) -> Vec<String> {
    split_words(s, true).concat()
}

/// Tokenized match: every search token must be a prefix of some token of the value. The search
/// text is not split at case changes (its casing is arbitrary), so a search token may also run on
/// across the value's case-change/digit sub-tokens of one word: "johnsm" matches "JohnSmith".
fn tokens_match(text: &str, value: &str) -> bool {
    let wanted = split_words(text, false).concat();
    if wanted.is_empty() {
        return false;
    }
    let mut candidates: Vec<String> = Vec::new();
    for word in split_words(value, true) {
        for k in 0..word.len() {
            candidates.push(word[k..].concat());
        }
    }
    wanted
        .iter()
        .all(|w| candidates.iter().any(|c| c.starts_with(w.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odata::test_users::*;

    fn s(q: &str) -> Search {
        match Search::parse(q) {
            Ok(s) => s,
            Err(e) => panic!("search parse failed for {q:?}: {e}"),
        }
    }

    #[test]
    fn tokenizer_splits_like_graph() {
        assert_eq!(tokenize("Adele Vance"), vec!["adele", "vance"]);
        assert_eq!(tokenize("JohnSmith"), vec!["john", "smith"]);
        assert_eq!(tokenize("Room42B"), vec!["room", "42", "b"]);
        assert_eq!(
            tokenize("Mary-Jane O'Neil (HR)"),
            vec!["mary", "jane", "o", "neil", "hr"]
        );
        assert_eq!(tokenize("IBMWatson"), vec!["ibmwatson"]);
        assert_eq!(tokenize("Åsa Öberg"), vec!["åsa", "öberg"]);
        assert_eq!(tokenize("דנה כהן"), vec!["דנה", "כהן"]);
        // Combining marks stay inside the token (e + U+0301).
        assert_eq!(tokenize("Rene\u{301} Lund"), vec!["rene\u{301}", "lund"]);
        assert_eq!(tokenize("Anna—Berg"), vec!["anna", "berg"]);
        assert!(tokenize("  -- ").is_empty());
    }

    #[test]
    fn search_display_name_token_prefixes() {
        let q = s("\"displayName:wa\"");
        assert!(q.matches(&named("Oscar Ward")));
        assert!(q.matches(&named("Walter White")));
        assert!(!q.matches(&named("Adele Vance")));
        assert!(!q.matches(&named("Edwards")));
        let js = s("\"displayName:smi\"");
        assert!(js.matches(&named("JohnSmith")));
        // A search token may run across case-change sub-tokens of one word, but not start mid-token.
        assert!(s("\"displayName:JohnSm\"").matches(&named("JohnSmith")));
        assert!(s("\"displayName:johns\"").matches(&named("JohnSmith")));
        assert!(!s("\"displayName:ohn\"").matches(&named("JohnSmith")));
        assert!(!s("\"displayName:adelevance\"").matches(&named("Adele Vance")));
        assert!(s("\"displayName:room42\"").matches(&named("Room42B")));
        // Order-free, every token must match.
        assert!(s("\"displayName:vance ad\"").matches(&named("Adele Vance")));
        assert!(!s("\"displayName:vance bob\"").matches(&named("Adele Vance")));
        assert!(s("\"displayName:42\"").matches(&named("Room42B")));
        // Unicode lower-casing.
        assert!(s("\"displayName:ÖB\"").matches(&named("Åsa Öberg")));
        assert!(s("\"displayName:åSA\"").matches(&named("Åsa Öberg")));
        assert!(!s("\"displayName:ob\"").matches(&named("Åsa Öberg")));
        assert!(s("\"displayName:כה\"").matches(&named("דנה כהן")));
        assert!(!s("\"displayName:הן\"").matches(&named("דנה כהן")));
        // Text that is only punctuation matches nothing.
        assert!(!s("\"displayName:--\"").matches(&named("Adele Vance")));
    }

    #[test]
    fn search_given_name_and_surname_are_tokenized() {
        assert!(s("\"givenName:ad\"").matches(&adele()));
        assert!(s("\"surname:van\"").matches(&adele()));
        assert!(!s("\"surname:ad\"").matches(&adele()));
    }

    #[test]
    fn search_prefix_properties() {
        assert!(s("\"mail:adelev@\"").matches(&adele()));
        assert!(!s("\"mail:contoso\"").matches(&adele()));
        assert!(s("\"userPrincipalName:ADELE\"").matches(&adele()));
        assert!(s("\"otherMails:adele.pri\"").matches(&adele()));
        assert!(!s("\"otherMails:private\"").matches(&adele()));
        assert!(s("\"proxyAddresses:SMTP:adelev\"").matches(&adele()));
        assert!(s("\"proxyAddresses:adele@sales\"").matches(&adele()));
        assert!(!s("\"proxyAddresses:sales\"").matches(&adele()));
        // Null mail never matches.
        assert!(!s("\"mail:a\"").matches(&named("No Mail")));
    }

    #[test]
    fn search_boolean_combinations() {
        let either = s("\"displayName:wa\" OR \"displayName:ad\"");
        assert!(either.matches(&oscar()));
        assert!(either.matches(&adele()));
        assert!(!either.matches(&named("Bob Jones")));
        let both = s("\"displayName:oscar\" AND \"mail:oscarward\"");
        assert!(both.matches(&oscar()));
        assert!(!both.matches(&adele()));
        // AND binds tighter than OR.
        let q = s("\"displayName:bob\" OR \"displayName:oscar\" AND \"mail:nomatch\"");
        assert!(!q.matches(&oscar()));
        let q = s("(\"displayName:bob\" OR \"displayName:oscar\") AND \"mail:oscar\"");
        assert!(q.matches(&oscar()));
        assert!(s("\"DisplayName:wa\"").matches(&oscar()));
    }

    #[test]
    fn search_escapes() {
        let q = s(r#""displayName:say \"hi\"""#);
        assert_eq!(
            q.root,
            SNode::Clause {
                property: "displayName",
                mode: SearchMode::Tokens,
                text: "say \"hi\"".into()
            }
        );
        assert!(q.matches(&named("Say Hi Team")));
        let q = s(r#""displayName:a\\b""#);
        assert!(matches!(&q.root, SNode::Clause { text, .. } if text == "a\\b"));
        assert!(matches!(
            Search::parse(r#""displayName:a\b""#),
            Err(ODataError::BadRequest(_))
        ));
    }

    #[test]
    fn search_errors() {
        for q in [
            "",
            "displayName:wa",
            "\"displayName:wa",
            "\"displayNamewa\"",
            "\"displayName:wa\" or \"displayName:ad\"",
            "\"displayName:wa\" and \"displayName:ad\"",
            "\"displayName:wa\" \"displayName:ad\"",
            "\"displayName:wa\" OR",
            "(\"displayName:wa\"",
            "\"displayName:wa\")",
            "\"displayName:\"",
            "\":wa\"",
            "NOT \"displayName:wa\"",
        ] {
            let r = Search::parse(q);
            assert!(
                matches!(&r, Err(ODataError::BadRequest(m)) if m.starts_with("Syntax error:")),
                "{q:?} gave {r:?}"
            );
        }
        assert!(matches!(
            Search::parse("\"jobTitle:manager\""),
            Err(ODataError::Unsupported(m)) if m.contains("'jobTitle'")
        ));
    }
}
