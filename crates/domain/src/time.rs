//! Instants, the incident's time zone, and the timestamp forms the inputs use.
//!
//! Timestamps are parsed by hand: scoping reads tens of millions of them and a
//! general-purpose parser was the largest cost of a row. The zone rules still
//! come from jiff's bundled tz database, so results do not depend on the host.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use std::fmt;

/// A moment in time: microseconds since the Unix epoch, UTC. Microseconds,
/// not nanoseconds, so that "never" values such as 9999-12-31 still fit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(pub i64);

impl Instant {
    pub const MIN: Instant = Instant(i64::MIN);
    pub const MAX: Instant = Instant(i64::MAX);
}

/// The incident's time zone: local dates and naive timestamps are read in it,
/// and output times are written with its offset.
#[derive(Clone, Debug)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Zone {
    /// UTC, which needs no lookup and so cannot be missing.
    pub fn utc() -> Zone {
        Zone {
            name: "UTC".to_owned(),
            tz: TimeZone::UTC,
        }
    }

    /// Looks up an IANA zone name such as `Asia/Tokyo`.
    pub fn named(name: &str) -> Option<Zone> {
        TimeZone::get(name).ok().map(|tz| Zone {
            name: name.to_owned(),
            tz,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The instant a local wall-clock time names. A time that occurs twice or
    /// not at all (a DST change) resolves the way RFC 5545 and Temporal's
    /// "compatible" rule do: the earlier of two, or shifted forward over a gap.
    pub fn local_to_instant(&self, local: DateTime) -> Option<Instant> {
        let ts = self.tz.to_timestamp(local).ok()?;
        timestamp_to_instant(ts)
    }

    /// The first instant of a local date.
    pub fn start_of_day(&self, date: Date) -> Option<Instant> {
        self.local_to_instant(date.to_datetime(jiff::civil::Time::midnight()))
    }

    /// The last microsecond of a local date, so that a window ending on that
    /// date includes the whole day.
    pub fn end_of_day(&self, date: Date) -> Option<Instant> {
        let next = date.tomorrow().ok()?;
        self.start_of_day(next).map(|i| Instant(i.0 - 1))
    }

    /// An instant on this zone's clock (`None` outside the calendar's range).
    fn zoned(&self, instant: Instant) -> Option<jiff::Zoned> {
        Timestamp::from_microsecond(instant.0)
            .ok()
            .map(|ts| ts.to_zoned(self.tz.clone()))
    }

    /// The local calendar date of an instant.
    pub fn local_date(&self, instant: Instant) -> Option<Date> {
        self.zoned(instant).map(|z| z.date())
    }

    /// RFC 3339 with this zone's offset at that instant, e.g.
    /// `2023-01-17T23:30:00+09:00`; fractions only when present.
    pub fn format(&self, instant: Instant) -> String {
        let mut out = String::with_capacity(25);
        self.format_into(instant, &mut out);
        out
    }

    /// [`Zone::format`], appended to `out`. Whole seconds with a whole-minute
    /// offset in years 0 to 9999 (every row of a real export) are written by
    /// hand: output files hold two per person, and strftime's parsing of its
    /// pattern was most of a row's formatting time.
    pub fn format_into(&self, instant: Instant, out: &mut String) {
        let Ok(ts) = Timestamp::from_microsecond(instant.0) else {
            return;
        };
        let offset = self.tz.to_offset(ts);
        let local = offset.to_datetime(ts);
        let seconds = offset.seconds();
        if local.subsec_nanosecond() != 0
            || !(0..=9999).contains(&local.year())
            || seconds % 60 != 0
        {
            self.format_slow(ts, out);
            return;
        }
        push_digits(out, i64::from(local.year()), 4);
        out.push('-');
        push_digits(out, i64::from(local.month()), 2);
        out.push('-');
        push_digits(out, i64::from(local.day()), 2);
        out.push('T');
        push_digits(out, i64::from(local.hour()), 2);
        out.push(':');
        push_digits(out, i64::from(local.minute()), 2);
        out.push(':');
        push_digits(out, i64::from(local.second()), 2);
        out.push(if seconds < 0 { '-' } else { '+' });
        let minutes = i64::from(seconds.unsigned_abs() / 60);
        push_digits(out, minutes / 60, 2);
        out.push(':');
        push_digits(out, minutes % 60, 2);
    }

    fn format_slow(&self, ts: Timestamp, out: &mut String) {
        let zoned = ts.to_zoned(self.tz.clone());
        let frac = if zoned.subsec_nanosecond() == 0 {
            "%S"
        } else {
            "%S%.f"
        };
        out.push_str(
            &zoned
                .strftime(&format!("%Y-%m-%dT%H:%M:{frac}%:z"))
                .to_string(),
        );
    }

    /// A readable local time for people, e.g. `2023-01-17 23:30:00 +09:00`.
    pub fn format_readable(&self, instant: Instant) -> String {
        self.zoned(instant)
            .map(|z| z.strftime("%Y-%m-%d %H:%M:%S %:z").to_string())
            .unwrap_or_default()
    }

    /// Parses a timestamp cell: RFC 3339 / ISO 8601 with an offset, or without
    /// one (then read in this zone). `T` or a space may separate date and time;
    /// seconds and fractions are optional; a bare date means its midnight.
    pub fn parse_timestamp(&self, text: &str) -> Result<Instant, TimestampError> {
        let parsed = parse_parts(text.trim().as_bytes()).ok_or(TimestampError)?;
        let date = Date::new(parsed.year, parsed.month, parsed.day).map_err(|_| TimestampError)?;
        let time = jiff::civil::Time::new(parsed.hour, parsed.minute, parsed.second, parsed.nano)
            .map_err(|_| TimestampError)?;
        match parsed.offset_seconds {
            Some(offset) => {
                // Fixed offset: plain arithmetic, no zone lookup.
                let days = days_from_civil(parsed.year, parsed.month, parsed.day);
                let secs = days * 86_400
                    + i64::from(parsed.hour) * 3600
                    + i64::from(parsed.minute) * 60
                    + i64::from(parsed.second)
                    - i64::from(offset);
                secs.checked_mul(1_000_000)
                    .and_then(|n| n.checked_add(i64::from(parsed.nano / 1000)))
                    .map(Instant)
                    .ok_or(TimestampError)
            }
            None => self
                .local_to_instant(date.to_datetime(time))
                .ok_or(TimestampError),
        }
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// A cell that is not a timestamp in any accepted form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampError;

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a timestamp (expected e.g. 2023-01-17T15:00:00Z, 2023-01-18T00:00:00+09:00 or 2023-01-17 23:30:00)")
    }
}

impl std::error::Error for TimestampError {}

pub(crate) fn timestamp_to_instant(ts: Timestamp) -> Option<Instant> {
    Some(Instant(ts.as_microsecond()))
}

struct Parts {
    year: i16,
    month: i8,
    day: i8,
    hour: i8,
    minute: i8,
    second: i8,
    nano: i32,
    offset_seconds: Option<i32>,
}

/// Days since 1970-01-01 of a valid proleptic Gregorian date (H. Hinnant's
/// algorithm): cheaper than a calendar library call on the hot path.
fn days_from_civil(year: i16, month: i8, day: i8) -> i64 {
    let (y, m, d) = (i64::from(year), i64::from(month), i64::from(day));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(bytes: &[u8], at: usize, len: usize) -> Option<i32> {
    let slice = bytes.get(at..at + len)?;
    let mut value = 0i32;
    for &b in slice {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + i32::from(b - b'0');
    }
    Some(value)
}

fn expect(bytes: &[u8], at: usize, byte: u8) -> Option<()> {
    (bytes.get(at) == Some(&byte)).then_some(())
}

fn parse_parts(b: &[u8]) -> Option<Parts> {
    let year = digits(b, 0, 4)?;
    expect(b, 4, b'-')?;
    let month = digits(b, 5, 2)?;
    expect(b, 7, b'-')?;
    let day = digits(b, 8, 2)?;
    let mut parts = Parts {
        year: i16::try_from(year).ok()?,
        month: i8::try_from(month).ok()?,
        day: i8::try_from(day).ok()?,
        hour: 0,
        minute: 0,
        second: 0,
        nano: 0,
        offset_seconds: None,
    };
    if b.len() == 10 {
        return Some(parts);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    parts.hour = i8::try_from(digits(b, 11, 2)?).ok()?;
    expect(b, 13, b':')?;
    parts.minute = i8::try_from(digits(b, 14, 2)?).ok()?;
    let mut at = 16;
    if b.get(at) == Some(&b':') {
        parts.second = i8::try_from(digits(b, at + 1, 2)?).ok()?;
        at += 3;
        if matches!(b.get(at), Some(b'.' | b',')) {
            at += 1;
            let start = at;
            let mut nano = 0i32;
            while let Some(d) = b.get(at).filter(|d| d.is_ascii_digit()) {
                if at - start < 9 {
                    nano = nano * 10 + i32::from(d - b'0');
                }
                at += 1;
            }
            let len = at - start;
            if len == 0 {
                return None;
            }
            for _ in len.min(9)..9 {
                nano *= 10;
            }
            parts.nano = nano;
        }
    }
    let rest = b.get(at..)?;
    parts.offset_seconds = match rest {
        [] => None,
        [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (h, m) = match tail.len() {
                2 => (digits(tail, 0, 2)?, 0),
                4 => (digits(tail, 0, 2)?, digits(tail, 2, 2)?),
                5 if tail[2] == b':' => (digits(tail, 0, 2)?, digits(tail, 3, 2)?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let secs = h * 3600 + m * 60;
            Some(if *sign == b'-' { -secs } else { secs })
        }
        _ => return None,
    };
    Some(parts)
}

/// Appends `n` (0 or more) in exactly `width` decimal digits; callers
/// check the range, so nothing is cut off.
fn push_digits(out: &mut String, n: i64, width: u32) {
    let mut div = 10i64.pow(width - 1);
    while div > 0 {
        out.push(char::from(b'0' + ((n / div) % 10) as u8));
        div /= 10;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// The hand-written path against strftime, over zones with DST,
    /// negative and half-hour offsets, and local mean time before 1900.
    #[test]
    fn fast_format_agrees_with_strftime() {
        let zones = [
            "Asia/Tokyo",
            "America/New_York",
            "Asia/Kolkata",
            "Europe/London",
            "UTC",
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for name in zones {
            let zone = Zone::named(name).unwrap();
            for i in 0..5_000i64 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // 1850 to 2100, whole seconds mostly, some with fractions.
                let secs = -3_786_825_600 + (x % 7_888_608_000) as i64;
                let micros = if i % 10 == 0 {
                    (x % 1_000_000) as i64
                } else {
                    0
                };
                let instant = Instant(secs * 1_000_000 + micros);
                let ts = Timestamp::from_microsecond(instant.0).unwrap();
                let mut slow = String::new();
                zone.format_slow(ts, &mut slow);
                assert_eq!(zone.format(instant), slow, "{name} {instant:?}");
            }
        }
        assert_eq!(Zone::named("Asia/Tokyo").unwrap().format(Instant::MAX), "");
    }

    fn tokyo() -> Zone {
        Zone::named("Asia/Tokyo").unwrap()
    }

    #[test]
    fn offset_naive_and_utc_forms_agree() {
        let z = tokyo();
        let a = z.parse_timestamp("2023-01-17T15:00:00Z").unwrap();
        let b = z.parse_timestamp("2023-01-18T00:00:00+09:00").unwrap();
        let c = z.parse_timestamp("2023-01-18 00:00:00").unwrap();
        let d = z.parse_timestamp("2023-01-18T00:00").unwrap();
        let e = z.parse_timestamp("2023-01-18").unwrap();
        let f = z.parse_timestamp("2023-01-17T10:00:00-0500").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a, d);
        assert_eq!(a, e);
        assert_eq!(a, f);
        assert_eq!(a.0, 1_673_967_600_000_000);
    }

    #[test]
    fn fractions_are_kept() {
        let z = tokyo();
        let a = z.parse_timestamp("2023-01-17T23:59:59.999+09:00").unwrap();
        let b = z.parse_timestamp("2023-01-18T00:00:00+09:00").unwrap();
        assert_eq!(b.0 - a.0, 1_000);
        assert_eq!(z.format(a), "2023-01-17T23:59:59.999+09:00");
        assert_eq!(z.format(b), "2023-01-18T00:00:00+09:00");
    }

    #[test]
    fn rejects_garbage() {
        let z = tokyo();
        for bad in [
            "",
            "2023-13-01",
            "2023-02-30 00:00:00",
            "17/01/2023",
            "2023-01-17T25:00:00",
            "2023-01-17T10:00:00+9",
            "2023-01-17 10:00:00 JST",
            "2023-01-17T10:00:00.",
        ] {
            assert!(z.parse_timestamp(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn day_bounds_are_local() {
        let z = tokyo();
        let d = Date::constant(2023, 1, 17);
        assert_eq!(
            z.format(z.start_of_day(d).unwrap()),
            "2023-01-17T00:00:00+09:00"
        );
        assert_eq!(
            z.format(z.end_of_day(d).unwrap()),
            "2023-01-17T23:59:59.999999+09:00"
        );
    }

    #[test]
    fn dst_zone_uses_the_offset_of_the_instant() {
        let z = Zone::named("Europe/Berlin").unwrap();
        let winter = z.parse_timestamp("2023-01-10 12:00:00").unwrap();
        let summer = z.parse_timestamp("2023-07-10 12:00:00").unwrap();
        assert_eq!(z.format(winter), "2023-01-10T12:00:00+01:00");
        assert_eq!(z.format(summer), "2023-07-10T12:00:00+02:00");
        // 02:30 does not exist on 2023-03-26: shifted forward over the gap.
        let gap = z.parse_timestamp("2023-03-26 02:30:00").unwrap();
        assert_eq!(z.format(gap), "2023-03-26T03:30:00+02:00");
    }

    #[test]
    fn never_dates_fit() {
        let z = tokyo();
        let never = z.parse_timestamp("9999-12-31 00:00:00").unwrap();
        assert_eq!(z.format(never), "9999-12-31T00:00:00+09:00");
        assert!(never > z.parse_timestamp("2262-04-12T00:00:00Z").unwrap());
        assert_eq!(
            z.format(z.parse_timestamp("1900-01-01T00:00:00Z").unwrap()),
            "1900-01-01T09:00:00+09:00"
        );
    }

    #[test]
    fn unknown_zone() {
        assert!(Zone::named("Asia/Atlantis").is_none());
    }
}
