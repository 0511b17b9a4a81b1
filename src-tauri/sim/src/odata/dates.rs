//! Edm.DateTimeOffset values as `$filter` compares them.

use time::{Date, Month, OffsetDateTime};

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]` into (UTC seconds since 1970, nanoseconds).
/// A missing offset is read as UTC; a day the month does not have is no date.
pub(super) fn parse_datetime(s: &str) -> Option<(i64, u32)> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let sep = |at: usize, c: &[u8]| b.get(at).is_some_and(|x| c.contains(x));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let date = calendar_date(year, month, day)?;
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    let mut nanos: u32 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 9 {
                nanos = nanos * 10 + u32::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..9 {
            nanos = nanos.saturating_mul(10);
        }
    }
    let offset_secs = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&c @ (b'+' | b'-')) if i + 6 == b.len() && sep(i + 3, b":") => {
            let (oh, om) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 3600 + om * 60;
            if c == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return None,
    };
    let days = (date - OffsetDateTime::UNIX_EPOCH.date()).whole_days();
    Some((
        days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs,
        nanos,
    ))
}

/// The proleptic Gregorian date, if it exists.
fn calendar_date(year: i64, month: i64, day: i64) -> Option<Date> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::parse_datetime;

    #[test]
    fn only_days_the_calendar_has() {
        assert_eq!(parse_datetime("2024-02-29T00:00:00Z"), Some((1_709_164_800, 0)));
        assert_eq!(parse_datetime("1969-12-31T23:59:59Z"), Some((-1, 0)));
        assert_eq!(parse_datetime("2023-02-29T00:00:00Z"), None);
        assert_eq!(parse_datetime("2024-04-31T00:00:00Z"), None);
        assert_eq!(parse_datetime("2024-00-10T00:00:00Z"), None);
    }
}
