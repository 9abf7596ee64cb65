//! Calendar arithmetic and timestamp text.
//!
//! Times are kept as "Japanese local seconds": seconds since 1970-01-01
//! 00:00:00 on the Asia/Tokyo wall clock. Japan has had no daylight saving
//! since 1951, so the UTC instant is always 9 hours earlier and no time-zone
//! database is needed.

use rand::Rng;

use crate::cell::push_padded;
use crate::seed::{chance, cumulative, pick};

pub(crate) const DAY: i64 = 86_400;
const JST_OFFSET: i64 = 9 * 3600;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
pub(crate) const fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
pub(crate) const fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

pub(crate) const fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A shop's trading period, as whole local days (both ends included).
#[derive(Clone, Copy, Debug)]
pub(crate) struct History {
    pub first_day: i64,
    pub days: u64,
}

impl History {
    pub(crate) const fn new(first: (i64, u32, u32), last: (i64, u32, u32)) -> History {
        let first_day = days_from_civil(first.0, first.1, first.2);
        let last_day = days_from_civil(last.0, last.1, last.2);
        History {
            first_day,
            days: (last_day - first_day + 1) as u64,
        }
    }

    /// Local seconds at midnight starting day `offset` of the history.
    pub(crate) const fn day_start(&self, offset: u64) -> i64 {
        (self.first_day + offset as i64) * DAY
    }

    /// Local seconds just after the last day.
    pub(crate) const fn end(&self) -> i64 {
        self.day_start(self.days)
    }
}

/// How a timestamp is written. Real exports mix these, so the demo does too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TsForm {
    /// `2021-04-01 10:23:45`, Japanese local time without an offset.
    Naive,
    /// `2021-04-01T10:23:45+09:00`.
    Offset,
    /// `2021-04-01T01:23:45Z`, the same instant in UTC.
    Utc,
}

const FORM_CUM: [u32; 3] = cumulative([60, 25, 15]);

impl TsForm {
    pub(crate) fn draw<R: Rng + ?Sized>(rng: &mut R) -> TsForm {
        match pick(rng, &FORM_CUM) {
            0 => TsForm::Naive,
            1 => TsForm::Offset,
            _ => TsForm::Utc,
        }
    }
}

/// Appends `local` (Japanese local seconds) in the given form.
pub(crate) fn push_timestamp(out: &mut Vec<u8>, local: i64, form: TsForm) {
    let secs = if form == TsForm::Utc {
        local - JST_OFFSET
    } else {
        local
    };
    let day = secs.div_euclid(DAY);
    let tod = secs.rem_euclid(DAY);
    push_date(out, day);
    out.push(if form == TsForm::Naive { b' ' } else { b'T' });
    push_padded(out, (tod / 3600) as u64, 2);
    out.push(b':');
    push_padded(out, (tod / 60 % 60) as u64, 2);
    out.push(b':');
    push_padded(out, (tod % 60) as u64, 2);
    match form {
        TsForm::Naive => {}
        TsForm::Offset => out.extend_from_slice(b"+09:00"),
        TsForm::Utc => out.push(b'Z'),
    }
}

/// Appends the date of a day number as `YYYY-MM-DD`.
pub(crate) fn push_date(out: &mut Vec<u8>, day: i64) {
    let (y, m, d) = civil_from_days(day);
    push_padded(out, y.max(0) as u64, 4);
    out.push(b'-');
    push_padded(out, u64::from(m), 2);
    out.push(b'-');
    push_padded(out, u64::from(d), 2);
}

/// Relative activity of each hour of the day for online shopping in Japan:
/// quiet at night, busiest in the evening after work.
const ONLINE_HOURS: [u32; 24] = cumulative([
    3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 6, 6, 6, 6, 6, 7, 8, 9, 10, 9, 6,
]);

/// A physical shop only sells while it is open.
const STORE_HOURS: [u32; 24] = cumulative([
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 6, 8, 7, 6, 6, 7, 8, 7, 5, 0, 0, 0, 0,
]);

/// Seconds after midnight for an online action.
pub(crate) fn online_time_of_day<R: Rng + ?Sized>(rng: &mut R) -> i64 {
    pick(rng, &ONLINE_HOURS) as i64 * 3600 + rng.random_range(0..3600i64)
}

/// Seconds after midnight for an in-store sale.
pub(crate) fn store_time_of_day<R: Rng + ?Sized>(rng: &mut R) -> i64 {
    pick(rng, &STORE_HOURS) as i64 * 3600 + rng.random_range(0..3600i64)
}

/// A birth date as a day number: people shopping online were mostly born
/// between the 1950s and the early 2000s, most around the late 1970s.
pub(crate) fn birth_day<R: Rng + ?Sized>(rng: &mut R) -> i64 {
    let y = 1950 + rng.random_range(0..28i64) + rng.random_range(0..28i64);
    let m = rng.random_range(1..=12u32);
    let d = rng.random_range(1..=days_in_month(y, m));
    days_from_civil(y, m, d)
}

/// A boolean is written `1`/`0` about 5% of the time.
pub(crate) fn numeric_bool<R: Rng + ?Sized>(rng: &mut R) -> bool {
    chance(rng, 500)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn ts(local: i64, form: TsForm) -> String {
        let mut out = Vec::new();
        push_timestamp(&mut out, local, form);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for day in -800_000..800_000 {
            let (y, m, d) = civil_from_days(day);
            assert!(d >= 1 && d <= days_in_month(y, m));
            assert_eq!(days_from_civil(y, m, d), day);
        }
    }

    #[test]
    fn forms_name_the_same_instant() {
        let local = days_from_civil(2021, 4, 1) * DAY + 10 * 3600 + 23 * 60 + 45;
        assert_eq!(ts(local, TsForm::Naive), "2021-04-01 10:23:45");
        assert_eq!(ts(local, TsForm::Offset), "2021-04-01T10:23:45+09:00");
        assert_eq!(ts(local, TsForm::Utc), "2021-04-01T01:23:45Z");
        let early = days_from_civil(2020, 1, 1) * DAY + 3600;
        assert_eq!(ts(early, TsForm::Utc), "2019-12-31T16:00:00Z");
    }

    #[test]
    fn history_bounds() {
        let h = History::new((2020, 1, 1), (2020, 12, 31));
        assert_eq!(h.days, 366);
        assert_eq!(h.end() - h.day_start(0), 366 * DAY);
    }
}
