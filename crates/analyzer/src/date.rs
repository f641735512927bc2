//! A calendar date, just enough for "is this before the scan date".
//!
//! The scan date is an input (never the clock) so that the same package always gets the same
//! indicators; certificate validity and NSC pin-set expiry are compared at day precision, which is
//! all those checks need.

use std::fmt;
use std::str::FromStr;

/// A proleptic Gregorian calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

/// Why a date string was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError(String);

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a yyyy-MM-dd date: {:?}", self.0)
    }
}
impl std::error::Error for DateError {}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// A valid date, or `None`.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        (1..=12).contains(&month).then_some(())?;
        (day >= 1 && day <= days_in_month(year, month)).then_some(Date { year, month, day })
    }

    /// The UTC calendar day `days` after 1970-01-01 (Howard Hinnant's days-to-civil).
    pub fn from_unix_days(days: i64) -> Option<Date> {
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = u8::try_from(doy - (153 * mp + 2) / 5 + 1).ok()?;
        let month = u8::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).ok()?;
        let year = i32::try_from(yoe + era * 400 + i64::from(month <= 2)).ok()?;
        Date::new(year, month, day)
    }

    pub fn year(&self) -> i32 {
        self.year
    }
    pub fn month(&self) -> u8 {
        self.month
    }
    pub fn day(&self) -> u8 {
        self.day
    }

    /// Parses the date at the start of `s`: `yyyy-MM-dd`, optionally followed by an RFC 3339 time
    /// (`T…`) which is ignored. Surrounding whitespace is allowed (NSC attributes carry it).
    pub fn parse_prefix(s: &str) -> Option<Date> {
        let s = s.trim();
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = b.get(r)?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return None;
            }
            part.iter().try_fold(0u32, |acc, d| {
                acc.checked_mul(10)?.checked_add(u32::from(d - b'0'))
            })
        };
        let year = i32::try_from(digits(0..4)?).ok()?;
        if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        let month = u8::try_from(digits(5..7)?).ok()?;
        let day = u8::try_from(digits(8..10)?).ok()?;
        match b.get(10) {
            None | Some(b'T') | Some(b't') | Some(b' ') => Date::new(year, month, day),
            Some(_) => None,
        }
    }
}

impl FromStr for Date {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Date, DateError> {
        Date::parse_prefix(s).ok_or_else(|| DateError(s.to_owned()))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_days_to_civil() {
        assert_eq!(Date::from_unix_days(0), Date::new(1970, 1, 1));
        assert_eq!(Date::from_unix_days(11_016), Date::new(2000, 2, 29));
        assert_eq!(Date::from_unix_days(20_417), Date::new(2025, 11, 25));
        assert_eq!(Date::from_unix_days(-1), Date::new(1969, 12, 31));
        assert_eq!(Date::from_unix_days(i64::MAX), None);
    }

    #[test]
    fn parses_dates_and_rfc3339() {
        assert_eq!(Date::parse_prefix("2026-11-25"), Date::new(2026, 11, 25));
        assert_eq!(
            Date::parse_prefix("2049-03-01T12:00:00Z"),
            Date::new(2049, 3, 1)
        );
        assert_eq!(Date::parse_prefix(" 2024-02-29 "), Date::new(2024, 2, 29));
        assert_eq!(Date::parse_prefix("2023-02-29"), None);
        assert_eq!(Date::parse_prefix("2023-13-01"), None);
        assert_eq!(Date::parse_prefix("2023-1-01"), None);
        assert_eq!(Date::parse_prefix("20230101"), None);
        assert_eq!(Date::parse_prefix("2023-01-01x"), None);
        assert_eq!(Date::parse_prefix(""), None);
        assert_eq!(Date::parse_prefix("2023-01-０1"), None);
        assert!("2023-01-02".parse::<Date>().unwrap() > Date::new(2023, 1, 1).unwrap());
        assert_eq!(Date::new(1900, 2, 29), None);
        assert_eq!(Date::new(2000, 2, 29).unwrap().to_string(), "2000-02-29");
    }
}
