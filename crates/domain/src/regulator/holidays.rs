//! Japanese public holidays (国民の祝日に関する法律), computed rather than
//! listed, so deadlines are right for any year the tool is used in.
//!
//! Covers the law as it stands since 2000, including the moved holidays of
//! 2019 (the enthronement) and 2020–2021 (the Tokyo Olympics), substitute
//! holidays (振替休日) and the "sandwiched" citizens' holiday (国民の休日).

use jiff::civil::{Date, Weekday};

/// Whether `date` is a public holiday in Japan.
pub fn is_japanese_holiday(date: Date) -> bool {
    if named_holiday(date).is_some() {
        return true;
    }
    substitute_holiday(date) || citizens_holiday(date)
}

/// The statutory holiday on this date, if any (substitutes excluded).
pub fn named_holiday(date: Date) -> Option<&'static str> {
    let (y, m, d) = (date.year(), date.month(), date.day());
    let nth_monday = |n: i8| nth_weekday(y, m, Weekday::Monday, n) == Some(d);
    let name = match (m, d) {
        (1, 1) => "元日",
        (1, _) if nth_monday(2) => "成人の日",
        (2, 11) => "建国記念の日",
        (2, 23) if y >= 2020 => "天皇誕生日",
        (12, 23) if (1989..=2018).contains(&y) => "天皇誕生日",
        (3, _) if d == vernal_equinox(y) => "春分の日",
        (4, 29) if y >= 2007 => "昭和の日",
        (4, 29) => "みどりの日",
        (5, 3) => "憲法記念日",
        (5, 4) if y >= 2007 => "みどりの日",
        (5, 5) => "こどもの日",
        (7, 23) if y == 2020 => "海の日",
        (7, 22) if y == 2021 => "海の日",
        (7, 24) if y == 2020 => "スポーツの日",
        (7, 23) if y == 2021 => "スポーツの日",
        (7, _) if y >= 2003 && y != 2020 && y != 2021 && nth_monday(3) => "海の日",
        (7, 20) if (1996..2003).contains(&y) => "海の日",
        (8, 10) if y == 2020 => "山の日",
        (8, 8) if y == 2021 => "山の日",
        (8, 11) if y >= 2016 && y != 2020 && y != 2021 => "山の日",
        (9, _) if y >= 2003 && nth_monday(3) => "敬老の日",
        (9, 15) if y < 2003 => "敬老の日",
        (9, _) if d == autumnal_equinox(y) => "秋分の日",
        (10, _) if (2000..2020).contains(&y) && nth_monday(2) => "体育の日",
        (10, _) if y >= 2022 && nth_monday(2) => "スポーツの日",
        (11, 3) => "文化の日",
        (11, 23) => "勤労感謝の日",
        (5, 1) if y == 2019 => "即位の日",
        (10, 22) if y == 2019 => "即位礼正殿の儀の行われる日",
        (4, 30) | (5, 2) if y == 2019 => "国民の休日",
        _ => return None,
    };
    Some(name)
}

/// 振替休日: when a holiday falls on a Sunday, the next day that is not a
/// holiday becomes one (since 2007; before, only the Monday after).
fn substitute_holiday(date: Date) -> bool {
    if named_holiday(date).is_some() || date.weekday() == Weekday::Sunday {
        return false;
    }
    let mut day = date;
    // Walk back over the holidays just before this date to a Sunday holiday.
    for _ in 0..7 {
        let Ok(previous) = day.yesterday() else {
            return false;
        };
        if named_holiday(previous).is_none() {
            return false;
        }
        if previous.weekday() == Weekday::Sunday {
            return date.year() >= 2007 || previous.tomorrow().ok() == Some(date);
        }
        day = previous;
    }
    false
}

/// 国民の休日: a weekday between two holidays is a holiday too.
fn citizens_holiday(date: Date) -> bool {
    if date.year() < 1988 || date.weekday() == Weekday::Sunday || named_holiday(date).is_some() {
        return false;
    }
    match (date.yesterday(), date.tomorrow()) {
        (Ok(before), Ok(after)) => {
            named_holiday(before).is_some() && named_holiday(after).is_some()
        }
        _ => false,
    }
}

/// The day of the month of the `n`th `weekday` of a month.
fn nth_weekday(year: i16, month: i8, weekday: Weekday, n: i8) -> Option<i8> {
    let first = Date::new(year, month, 1).ok()?;
    let offset =
        (weekday.to_monday_zero_offset() - first.weekday().to_monday_zero_offset()).rem_euclid(7);
    Some(1 + offset + 7 * (n - 1))
}

/// Day in March of the vernal equinox holiday: the formula the National
/// Astronomical Observatory's announcements follow for 1980–2099.
fn vernal_equinox(year: i16) -> i8 {
    equinox_day(year, 20.8431)
}

/// Day in September of the autumnal equinox holiday (same source as above).
fn autumnal_equinox(year: i16) -> i8 {
    equinox_day(year, 23.2488)
}

fn equinox_day(year: i16, base: f64) -> i8 {
    let years = f64::from(year - 1980);
    let leap_days = (f64::from(year - 1980) / 4.0).floor();
    (base + 0.242194 * years - leap_days).floor() as i8
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn holidays_of(year: i16) -> Vec<String> {
        let mut out = Vec::new();
        let mut day = date(year, 1, 1);
        while day.year() == year {
            if is_japanese_holiday(day) {
                out.push(day.strftime("%m-%d").to_string());
            }
            day = match day.tomorrow() {
                Ok(d) => d,
                Err(_) => break,
            };
        }
        out
    }

    #[test]
    fn year_2023_matches_the_cabinet_office_calendar() {
        // 16 holidays plus the substitute for New Year's Day on a Sunday.
        assert_eq!(
            holidays_of(2023),
            [
                "01-01", "01-02", "01-09", "02-11", "02-23", "03-21", "04-29", "05-03", "05-04",
                "05-05", "07-17", "08-11", "09-18", "09-23", "10-09", "11-03", "11-23"
            ]
        );
    }

    #[test]
    fn year_2026_has_a_citizens_holiday_in_september() {
        assert_eq!(
            holidays_of(2026),
            [
                "01-01", "01-12", "02-11", "02-23", "03-20", "04-29", "05-03", "05-04", "05-05",
                "05-06", "07-20", "08-11", "09-21", "09-22", "09-23", "10-12", "11-03", "11-23"
            ]
        );
    }

    #[test]
    fn moved_and_special_holidays() {
        let h = |y, m, d| is_japanese_holiday(date(y, m, d));
        // 2019: the enthronement week, and no Emperor's Birthday.
        assert!(
            h(2019, 4, 30) && h(2019, 5, 1) && h(2019, 5, 2) && h(2019, 5, 6) && h(2019, 10, 22)
        );
        assert!(!h(2019, 12, 23) && !h(2019, 2, 23));
        // 2020 and 2021: the Olympic moves.
        assert!(
            h(2020, 7, 23)
                && h(2020, 7, 24)
                && h(2020, 8, 10)
                && !h(2020, 7, 20)
                && !h(2020, 10, 12)
        );
        assert!(
            h(2021, 7, 22) && h(2021, 7, 23) && h(2021, 8, 8) && h(2021, 8, 9) && !h(2021, 8, 11)
        );
        // Substitute after a Sunday holiday that is followed by more holidays.
        assert!(h(2020, 5, 6));
        assert!(!h(2024, 1, 3));
    }

    #[test]
    fn equinoxes() {
        assert_eq!(vernal_equinox(2022), 21);
        assert_eq!(vernal_equinox(2024), 20);
        assert_eq!(autumnal_equinox(2022), 23);
        assert_eq!(autumnal_equinox(2024), 22);
        assert_eq!(autumnal_equinox(2012), 22);
    }
}
