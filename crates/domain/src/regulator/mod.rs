//! The regulator's clock: when reports are due, counted from discovery.
//!
//! Japan (APPI, Personal Information Protection Commission): a preliminary
//! report promptly (the guidance reads "within about 3–5 days"), a final
//! report within 30 days, or 60 days when the leak came from unauthorized
//! access. Day 1 is the day of discovery; a deadline falling on a Saturday,
//! Sunday, public holiday or 29 Dec – 3 Jan moves to the next day that is
//! none of these. EU (GDPR art. 33): 72 hours from awareness.
//!
//! Pure: "today" is passed in, so every deadline is testable.

mod holidays;

pub use holidays::{is_japanese_holiday, named_holiday};

use crate::time::{Instant, Zone};
use jiff::civil::{Date, Weekday};
use serde::Serialize;

/// Whether offices are closed: weekend, public holiday, or the year-end
/// break (29 December – 3 January).
pub fn is_closed_day(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
        || is_japanese_holiday(date)
        || (date.month() == 12 && date.day() >= 29)
        || (date.month() == 1 && date.day() <= 3)
}

/// The `n`th day counting the discovery day as day 1, moved past closed days.
pub fn nth_day_deadline(discovered: Date, n: i32) -> Option<Date> {
    let mut due = discovered
        .checked_add(jiff::Span::new().days(i64::from(n - 1)))
        .ok()?;
    // A run of closed days is at most about ten long (New Year plus a weekend).
    for _ in 0..30 {
        if !is_closed_day(due) {
            return Some(due);
        }
        due = due.tomorrow().ok()?;
    }
    None
}

/// What the incident file says about the regulator's clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegulatorFacts {
    /// When the shop became aware of the incident.
    pub discovered: Instant,
    pub unauthorized_access: bool,
    pub eu_residents: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// Stable key: `appi-preliminary-day3`, `appi-preliminary-day5`, `appi-final`, `gdpr-72h`.
    pub key: &'static str,
    pub title: &'static str,
    /// The last day (or, for GDPR, moment) it is due, in the incident's zone.
    pub due: String,
    /// Whole days from today to the due day; negative when overdue.
    pub days_left: i64,
    pub overdue: bool,
}

/// Every deadline that applies, as of `now`.
pub fn deadlines(facts: &RegulatorFacts, zone: &Zone, now: Instant) -> Vec<Deadline> {
    let Some(discovered) = zone.local_date(facts.discovered) else {
        return Vec::new();
    };
    let Some(today) = zone.local_date(now) else {
        return Vec::new();
    };
    let days_until = |due: Date| {
        today
            .until(due)
            .map(|s| i64::from(s.get_days()))
            .unwrap_or(0)
    };
    let mut out = Vec::new();
    let final_days = if facts.unauthorized_access { 60 } else { 30 };
    let appi: [(&'static str, &'static str, i32); 3] = [
        (
            "appi-preliminary-day3",
            "APPI preliminary report (promptly: day 3)",
            3,
        ),
        (
            "appi-preliminary-day5",
            "APPI preliminary report (at the latest: day 5)",
            5,
        ),
        (
            "appi-final",
            if facts.unauthorized_access {
                "APPI final report (60 days: unauthorized access)"
            } else {
                "APPI final report (30 days)"
            },
            final_days,
        ),
    ];
    for (key, title, n) in appi {
        if let Some(due) = nth_day_deadline(discovered, n) {
            let days_left = days_until(due);
            out.push(Deadline {
                key,
                title,
                due: due.to_string(),
                days_left,
                overdue: days_left < 0,
            });
        }
    }
    if facts.eu_residents {
        let due = Instant(facts.discovered.0.saturating_add(72 * 3600 * 1_000_000));
        let seconds_left = (due.0 - now.0) / 1_000_000;
        out.push(Deadline {
            key: "gdpr-72h",
            title: "GDPR notification to the supervisory authority (72 hours)",
            due: zone.format(due),
            days_left: seconds_left.div_euclid(86_400),
            overdue: now > due,
        });
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn tokyo() -> Zone {
        Zone::named("Asia/Tokyo").unwrap()
    }

    fn facts(discovered: &str, unauthorized_access: bool, eu_residents: bool) -> RegulatorFacts {
        RegulatorFacts {
            discovered: tokyo().parse_timestamp(discovered).unwrap(),
            unauthorized_access,
            eu_residents,
        }
    }

    #[test]
    fn day_one_is_the_discovery_day_and_closed_days_move_the_deadline() {
        // Discovered Wednesday 2023-02-01: day 3 is Friday 02-03, day 5 is
        // Sunday 02-05 -> Monday 02-06; day 30 is Thursday 03-02.
        assert_eq!(
            nth_day_deadline(date(2023, 2, 1), 3),
            Some(date(2023, 2, 3))
        );
        assert_eq!(
            nth_day_deadline(date(2023, 2, 1), 5),
            Some(date(2023, 2, 6))
        );
        assert_eq!(
            nth_day_deadline(date(2023, 2, 1), 30),
            Some(date(2023, 3, 2))
        );
        // Day 60 is Saturday 2023-04-01 -> Monday 04-03.
        assert_eq!(
            nth_day_deadline(date(2023, 2, 1), 60),
            Some(date(2023, 4, 3))
        );
    }

    #[test]
    fn year_end_and_holidays_are_skipped() {
        // Day 3 from 2022-12-27 is 12-29: closed until Wednesday 2023-01-04.
        assert_eq!(
            nth_day_deadline(date(2022, 12, 27), 3),
            Some(date(2023, 1, 4))
        );
        // Day 5 from 2023-05-01 is 05-05 (holiday), then a weekend: Monday 05-08.
        assert_eq!(
            nth_day_deadline(date(2023, 5, 1), 5),
            Some(date(2023, 5, 8))
        );
        // 2026-09-19 + 2 days = Monday 09-21 (敬老の日), 09-22 (国民の休日), 09-23 (秋分の日) -> 09-24.
        assert_eq!(
            nth_day_deadline(date(2026, 9, 19), 3),
            Some(date(2026, 9, 24))
        );
    }

    #[test]
    fn deadlines_as_of_a_pinned_clock() {
        let z = tokyo();
        let now = z.parse_timestamp("2023-02-04 09:00:00").unwrap();
        let list = deadlines(&facts("2023-02-01", false, false), &z, now);
        let keys: Vec<_> = list
            .iter()
            .map(|d| (d.key, d.due.as_str(), d.days_left, d.overdue))
            .collect();
        assert_eq!(
            keys,
            [
                ("appi-preliminary-day3", "2023-02-03", -1, true),
                ("appi-preliminary-day5", "2023-02-06", 2, false),
                ("appi-final", "2023-03-02", 26, false),
            ]
        );
        let list = deadlines(&facts("2023-02-01", true, false), &z, now);
        assert_eq!(list[2].due, "2023-04-03");
    }

    #[test]
    fn gdpr_counts_hours_from_discovery() {
        let z = tokyo();
        let f = facts("2023-02-01T10:00:00+09:00", false, true);
        let before = deadlines(&f, &z, z.parse_timestamp("2023-02-04 09:59:59").unwrap());
        let gdpr = before.iter().find(|d| d.key == "gdpr-72h").unwrap();
        assert_eq!(gdpr.due, "2023-02-04T10:00:00+09:00");
        assert!(!gdpr.overdue);
        let after = deadlines(&f, &z, z.parse_timestamp("2023-02-04 10:00:01").unwrap());
        assert!(after.iter().find(|d| d.key == "gdpr-72h").unwrap().overdue);
    }
}
