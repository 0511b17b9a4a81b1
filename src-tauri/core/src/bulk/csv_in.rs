//! The bulk CSV: a template, and an import that takes what Excel writes (comma or semicolon,
//! UTF-8 with or without a BOM, quoted fields with commas and line breaks). Problems are listed per
//! row; one bad row never rejects the file.

use crate::codes::RowProblem;
use serde::Serialize;
use ts_rs::TS;

use crate::convert;
use crate::convert_service::{redirect_url_ok, ConvertOptions};
use crate::error::{AppError, ErrorCode};

/// The template offered for download: the header and one example row. `sponsors` holds up to
/// five UPNs or object ids (users or groups) separated by `|` (or spaces), which survive both
/// comma and semicolon files; empty means the organisation's default sponsor, else Microsoft's
/// (the admin who converts).
pub const TEMPLATE: &str = "user,email,sendMail,language,message,cc,redirectUrl,setGuest,sponsors\r\n\
sam.jones@contoso.com,sam.jones@partner.example,yes,en-US,,,,no,\r\n";

/// The template of a bulk invitation of new external users. It has no user column: that is what
/// tells the two kinds of file apart (a file with a user column converts existing users). Its
/// example row says so in its message.
pub const INVITE_TEMPLATE: &str = "email,displayName,userType,sendMail,language,message,cc,redirectUrl\r\n\
sam.jones@partner.example,Sam Jones,Guest,yes,en-US,\"No user column: this file invites new external users (userType Guest or Member). A file with a user column converts existing users instead.\",,\r\n";

/// One row to convert, as read from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BulkRow {
    /// The line of the file where the row starts (1 is the header).
    pub line: u32,
    /// UPN or object id.
    pub user: String,
    pub email: String,
    pub send_mail: bool,
    pub language: Option<String>,
    pub message: Option<String>,
    pub cc: Option<String>,
    pub redirect_url: Option<String>,
    pub set_guest: bool,
    /// An invitation file's new user: the display name (`displayName`).
    pub display_name: Option<String>,
    /// An invitation file's new user: `userType` Member (Guest otherwise).
    pub member: bool,
    /// UPNs or object ids of sponsors (at most five); empty: the default.
    pub sponsors: Vec<String>,
}

impl BulkRow {
    pub fn options(&self, tenant_id: &str) -> ConvertOptions {
        let mut o = ConvertOptions::new(tenant_id);
        o.send_mail = self.send_mail;
        o.language = self.language.clone();
        o.message = self.message.clone();
        o.cc = self.cc.clone();
        if let Some(u) = &self.redirect_url {
            o.redirect_url = u.clone();
        }
        o.set_guest = self.set_guest;
        o.sponsors = self.sponsors.clone();
        o
    }
}

/// A row that could not be read. `code` is stable; the UI says it in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RowError {
    pub line: u32,
    pub code: RowProblem,
    /// The row's user and email as far as they could be read (empty when not).
    pub user: String,
    pub email: String,
    /// The column concerned, as named in the file.
    pub column: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ParsedCsv {
    pub rows: Vec<BulkRow>,
    pub errors: Vec<RowError>,
    /// "," or ";".
    pub delimiter: String,
    /// Convert existing users (a user column) or invite new ones (no user column).
    pub action: super::BulkAction,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    User,
    Email,
    SendMail,
    Language,
    Message,
    Cc,
    Redirect,
    SetGuest,
    DisplayName,
    UserType,
    Sponsors,
}

fn column(name: &str) -> Option<Col> {
    let n: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    Some(match n.as_str() {
        "user" | "upn" | "userprincipalname" | "id" | "objectid" | "userid" => Col::User,
        "email"
        | "externalemail"
        | "emailaddress"
        | "address"
        | "externaladdress"
        | "mail"
        | "inviteduseremailaddress" => Col::Email,
        "sendmail" | "sendemail" | "sendinvitation" | "sendinvitationmessage" => Col::SendMail,
        "language" | "messagelanguage" => Col::Language,
        "message" | "custommessage" | "customizedmessagebody" => Col::Message,
        "cc" | "ccrecipient" => Col::Cc,
        "redirecturl" | "inviteredirecturl" | "redirect" => Col::Redirect,
        "setguest" | "guest" | "usertypeguest" => Col::SetGuest,
        "displayname" | "name" | "inviteduserdisplayname" => Col::DisplayName,
        "usertype" | "invitedusertype" => Col::UserType,
        "sponsors" | "sponsor" => Col::Sponsors,
        _ => return None,
    })
}

/// The delimiter of the header line: the one of "," and ";" that appears more outside quotes.
fn sniff(text: &str) -> u8 {
    let (mut commas, mut semis, mut quoted) = (0, 0, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semis += 1,
            '\n' if !quoted => break,
            _ => {}
        }
    }
    if semis > commas {
        b';'
    } else {
        b','
    }
}

/// The 1-based line of the file at a byte offset; line breaks inside quoted fields count, as a
/// spreadsheet user sees them.
fn line_at(text: &str, byte: u64) -> u32 {
    let bytes = text.as_bytes();
    let mut end = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    // The csv crate may report a record from the previous line's terminator: step over it.
    while bytes.get(end).is_some_and(|b| *b == b'\r' || *b == b'\n') {
        end += 1;
    }
    let breaks = bytes[..end].iter().filter(|b| **b == b'\n').count();
    u32::try_from(breaks + 1).unwrap_or(u32::MAX)
}

fn flag(v: &str) -> Option<bool> {
    match v.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "x" => Some(true),
        "no" | "n" | "false" | "0" => Some(false),
        _ => None,
    }
}

/// Reads the file. Only a file that is not text, or has no user and email columns, is refused
/// as a whole (`csv_unreadable`, `csv_columns`); everything else is reported per row.
pub fn parse(bytes: &[u8]) -> Result<ParsedCsv, AppError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        AppError::new(
            ErrorCode::CsvUnreadable,
            format!("not UTF-8 text (byte {})", e.valid_up_to()),
        )
    })?;
    let delimiter = sniff(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| AppError::new(ErrorCode::CsvUnreadable, e.to_string()))?
        .clone();
    let cols: Vec<Option<Col>> = headers.iter().map(column).collect();
    // No user column but an e-mail column named as such (not a loose "address" or "mail"): new
    // users to invite. Anything else without a user column is refused as before.
    let invite_email = headers.iter().any(|h| {
        let n: String = h
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        matches!(
            n.as_str(),
            "email" | "emailaddress" | "externalemail" | "inviteduseremailaddress"
        )
    });
    let action = if cols.contains(&Some(Col::User)) {
        super::BulkAction::Convert
    } else {
        super::BulkAction::Invite
    };
    if !cols.contains(&Some(Col::Email)) || (action == super::BulkAction::Invite && !invite_email) {
        return Err(AppError::new(
            ErrorCode::CsvColumns,
            format!("columns found: {}", headers.iter().collect::<Vec<_>>().join(", ")),
        ));
    }
    let mut out = ParsedCsv {
        rows: Vec::new(),
        errors: Vec::new(),
        delimiter: (delimiter as char).to_string(),
        action,
    };
    let invite = action == super::BulkAction::Invite;
    let mut seen = std::collections::HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.errors.push(RowError {
                    line: line_at(text, e.position().map_or(0, |p| p.byte())),
                    code: RowProblem::UnreadableRow,
                    user: String::new(),
                    email: String::new(),
                    column: None,
                    value: None,
                });
                continue;
            }
        };
        let line = line_at(text, record.position().map_or(0, |p| p.byte()));
        if record.iter().all(str::is_empty) {
            continue;
        }
        // The user and email as written, kept on a rejected row so that the report can name it.
        let field = |c: Col| {
            cols.iter()
                .position(|x| *x == Some(c))
                .and_then(|i| record.get(i))
                .unwrap_or("")
                .to_owned()
        };
        let (user, email) = (field(Col::User), field(Col::Email));
        let err = |code: RowProblem, col: Option<usize>, value: Option<&str>| RowError {
            line,
            code,
            user: user.clone(),
            email: email.clone(),
            column: col.and_then(|i| headers.get(i)).map(str::to_owned),
            value: value.map(str::to_owned),
        };
        if record.len() > headers.len() && record.iter().skip(headers.len()).any(|f| !f.is_empty()) {
            out.errors.push(err(RowProblem::TooManyFields, None, None));
            continue;
        }
        let mut row = BulkRow {
            line,
            user: String::new(),
            email: String::new(),
            send_mail: true,
            language: None,
            message: None,
            cc: None,
            redirect_url: None,
            set_guest: false,
            display_name: None,
            member: false,
            sponsors: Vec::new(),
        };
        let mut problem = None;
        for (i, value) in record.iter().enumerate() {
            let Some(Some(col)) = cols.get(i) else { continue };
            let some = (!value.is_empty()).then(|| value.to_owned());
            match col {
                Col::User => row.user = value.to_owned(),
                Col::Email => row.email = value.to_owned(),
                Col::SendMail | Col::SetGuest if value.is_empty() => {}
                Col::SendMail | Col::SetGuest => match flag(value) {
                    Some(b) if *col == Col::SendMail => row.send_mail = b,
                    Some(b) => row.set_guest = b,
                    None => problem = problem.or(Some(err(RowProblem::InvalidYesNo, Some(i), Some(value)))),
                },
                Col::DisplayName => row.display_name = some,
                Col::UserType if value.is_empty() => {}
                Col::UserType => match value.to_ascii_lowercase().as_str() {
                    "member" => row.member = true,
                    "guest" => row.member = false,
                    _ => problem = problem.or(Some(err(RowProblem::InvalidUserType, Some(i), Some(value)))),
                },
                Col::Language => row.language = some,
                Col::Message => row.message = some,
                Col::Cc => {
                    if some.is_some() && !convert::address_is_valid(value) {
                        problem = problem.or(Some(err(RowProblem::InvalidCc, Some(i), Some(value))));
                    }
                    row.cc = some;
                }
                Col::Redirect => {
                    if some.is_some() && !redirect_url_ok(value) {
                        problem = problem.or(Some(err(RowProblem::InvalidRedirectUrl, Some(i), Some(value))));
                    }
                    row.redirect_url = some;
                }
                Col::Sponsors => {
                    row.sponsors = crate::sponsors::parse_list(value);
                    if crate::sponsors::check_entries(&row.sponsors).is_err() {
                        problem = problem.or(Some(err(RowProblem::InvalidSponsors, Some(i), Some(value))));
                    }
                }
            }
        }
        let email_col = cols.iter().position(|c| *c == Some(Col::Email));
        let user_col = cols.iter().position(|c| *c == Some(Col::User));
        if invite {
            // Nothing to set to Guest: the new user's type comes from userType.
            row.set_guest = false;
        }
        if row.user.is_empty() && !invite {
            problem = Some(err(RowProblem::MissingUser, user_col, None));
        } else if row.email.is_empty() {
            problem = Some(err(RowProblem::MissingEmail, email_col, None));
        } else if !convert::address_is_valid(&row.email) {
            problem = Some(err(RowProblem::InvalidEmail, email_col, Some(&row.email)));
        } else if invite && !seen.insert(row.email.to_lowercase()) {
            problem = Some(err(RowProblem::DuplicateEmail, email_col, Some(&row.email)));
        } else if !invite && !seen.insert(row.user.to_lowercase()) {
            problem = Some(err(RowProblem::DuplicateUser, user_col, Some(&row.user)));
        }
        match problem {
            Some(p) => out.errors.push(p),
            None => out.rows.push(row),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> ParsedCsv {
        parse(text.as_bytes()).expect("parses")
    }

    #[test]
    fn an_invite_file_has_no_user_column() {
        let p = ok(INVITE_TEMPLATE);
        assert_eq!(p.action, crate::bulk::BulkAction::Invite);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.rows[0].email, "sam.jones@partner.example");
        assert_eq!(p.rows[0].display_name.as_deref(), Some("Sam Jones"));
        assert!(!p.rows[0].member && p.rows[0].send_mail);
        assert!(p.rows[0]
            .message
            .as_deref()
            .is_some_and(|m| m.contains("user column")));
        assert_eq!(ok(TEMPLATE).action, crate::bulk::BulkAction::Convert);
        let p =
            ok("email;Display Name;userType\na@x.example;A;Member\nA@x.example;A2;\nb@x.example;B;Owner\n");
        assert_eq!(p.rows.len(), 1);
        assert!(p.rows[0].member);
        let codes: Vec<RowProblem> = p.errors.iter().map(|e| e.code).collect();
        assert_eq!(codes, [RowProblem::DuplicateEmail, RowProblem::InvalidUserType]);
        assert!(matches!(parse(b"displayName\nA\n"), Err(e) if e.code == ErrorCode::CsvColumns));
    }

    #[test]
    fn the_template_parses_to_its_example() {
        let p = ok(TEMPLATE);
        assert_eq!(p.rows.len(), 1);
        assert!(p.errors.is_empty());
        assert_eq!(p.rows[0].user, "sam.jones@contoso.com");
        assert_eq!(p.rows[0].language.as_deref(), Some("en-US"));
        assert!(p.rows[0].send_mail && !p.rows[0].set_guest);
    }

    #[test]
    fn excel_semicolons_bom_quotes_and_line_breaks() {
        let text = "\u{feff}User Principal Name;External Email;Message;Send mail\r\n\
                    a@contoso.com;a@x.example;\"Hello; welcome,\r\nsee you\";no\r\n\
                    b@contoso.com;b@x.example;;\r\n";
        let p = ok(text);
        assert_eq!(p.delimiter, ";");
        assert_eq!(p.rows.len(), 2, "{p:?}");
        assert_eq!(p.rows[0].message.as_deref(), Some("Hello; welcome,\r\nsee you"));
        assert!(!p.rows[0].send_mail);
        assert!(p.rows[1].send_mail, "empty means the default");
        assert_eq!(
            p.rows[1].line, 4,
            "the quoted line break moves the next row down: {p:?}"
        );
    }

    #[test]
    fn one_bad_row_never_rejects_the_file() {
        let text = "user,email,cc,redirectUrl,setGuest\n\
                    a@contoso.com,a@x.example,,,\n\
                    ,b@x.example,,,\n\
                    c@contoso.com,,,,\n\
                    d@contoso.com,not an address,,,\n\
                    e@contoso.com,e@x.example,bad cc,,\n\
                    f@contoso.com,f@x.example,,http://evil.example,\n\
                    g@contoso.com,g@x.example,,,maybe\n\
                    A@contoso.com,a2@x.example,,,\n\
                    h@contoso.com,h@x.example,,,,,extra\n\
                    \n\
                    ,,,,\n\
                    i@contoso.com,i@x.example,,,yes\n";
        let p = ok(text);
        let codes: Vec<(u32, &str)> = p.errors.iter().map(|e| (e.line, e.code.as_str())).collect();
        assert_eq!(
            codes,
            [
                (3, "missing_user"),
                (4, "missing_email"),
                (5, "invalid_email"),
                (6, "invalid_cc"),
                (7, "invalid_redirect_url"),
                (8, "invalid_yes_no"),
                (9, "duplicate_user"),
                (10, "too_many_fields"),
            ]
        );
        let users: Vec<&str> = p.rows.iter().map(|r| r.user.as_str()).collect();
        assert_eq!(users, ["a@contoso.com", "i@contoso.com"]);
        assert!(p.rows[1].set_guest);
        assert_eq!(p.errors[2].column.as_deref(), Some("email"));
        // A rejected row keeps what could be read of it.
        assert_eq!(p.errors[2].user, "d@contoso.com");
        assert_eq!(p.errors[2].email, "not an address");
        assert_eq!(p.errors[6].user, "A@contoso.com");
        assert_eq!(p.errors[7].user, "h@contoso.com");
    }

    #[test]
    fn whole_file_problems() {
        assert_eq!(
            parse(b"\xff\xfe\x00u").map_err(|e| e.code),
            Err(ErrorCode::CsvUnreadable)
        );
        assert_eq!(
            parse(b"name,address\nx,y@z.example\n").map_err(|e| e.code),
            Err(ErrorCode::CsvColumns)
        );
        assert_eq!(parse(b"").map_err(|e| e.code), Err(ErrorCode::CsvColumns));
    }

    mod fuzz {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            /// Any bytes: no panic, and every data record is either a row or an error.
            #[test]
            fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
                let _ = parse(&bytes);
            }

            /// Rows written by a CSV writer, with either delimiter, come back as they were.
            #[test]
            fn written_rows_come_back(
                rows in proptest::collection::vec(("[a-z]{1,8}", "[a-z]{1,8}", "[ -~\n\u{e9}\u{5d0}]{0,30}"), 1..20),
                semicolon in any::<bool>(),
                bom in any::<bool>(),
            ) {
                let delimiter = if semicolon { b';' } else { b',' };
                let mut w = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
                w.write_record(["user", "email", "message"]).expect("header");
                for (i, (u, d, m)) in rows.iter().enumerate() {
                    w.write_record([format!("{u}{i}@contoso.com"), format!("{u}@{d}.example"), m.clone()]).expect("row");
                }
                let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
                bytes.extend(w.into_inner().expect("bytes"));
                let p = parse(&bytes).expect("parses");
                prop_assert!(p.errors.is_empty(), "{:?}", p.errors);
                prop_assert_eq!(p.rows.len(), rows.len());
                for (row, (u, _, m)) in p.rows.iter().zip(&rows) {
                    prop_assert!(row.user.starts_with(u.as_str()));
                    let trimmed = m.trim();
                    prop_assert_eq!(row.message.as_deref().unwrap_or(""), trimmed);
                }
            }
        }
    }

    #[test]
    fn a_sponsors_column() {
        let text = "user;email;sponsors\n\
                    a@contoso.com;a@x.example;ann@contoso.com|bob@contoso.com\n\
                    b@contoso.com;b@x.example;\n\
                    c@contoso.com;c@x.example;1@c.com|2@c.com|3@c.com|4@c.com|5@c.com|6@c.com\n\
                    d@contoso.com;d@x.example;not-a-sponsor\n";
        let p = ok(text);
        assert_eq!(p.rows.len(), 2, "{p:?}");
        assert_eq!(p.rows[0].sponsors, ["ann@contoso.com", "bob@contoso.com"]);
        assert_eq!(
            p.rows[0].options("t").sponsors,
            ["ann@contoso.com", "bob@contoso.com"]
        );
        assert!(p.rows[1].sponsors.is_empty());
        let codes: Vec<(u32, &str)> = p.errors.iter().map(|e| (e.line, e.code.as_str())).collect();
        assert_eq!(codes, [(4, "invalid_sponsors"), (5, "invalid_sponsors")]);
        assert_eq!(p.errors[0].column.as_deref(), Some("sponsors"));
    }
}
