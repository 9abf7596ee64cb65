//! Drawing and writing postal addresses and phone numbers.

use rand::Rng;

use crate::cell::push_padded;
use crate::places::{ASCII_BUILDINGS, BUILDINGS, City, PREFECTURE_CUM, PREFECTURES, Prefecture};
use crate::seed::{chance, cumulative, pick};
use crate::wide::Workplace;

/// How the block-lot-number part of an address is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// `1-2-3`, by far the most common in web forms.
    Hyphen,
    /// `1丁目2番3号`.
    Kanji,
    /// `1-2-3, サクラハイツ201`: the building after a comma, as some people
    /// type it; the reason some address cells must be quoted.
    Comma,
}

#[derive(Clone, Copy, Debug)]
struct Building {
    name: u8,
    ascii: bool,
    room: u16,
    /// 0: `サクラハイツ201`, 1: `サクラハイツ 201`, 2: `サクラハイツ201号室`.
    room_style: u8,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Address {
    pref: u8,
    city: u8,
    town: u8,
    chome: u8,
    ban: u8,
    go: u8,
    postal3: u16,
    postal4: u16,
    building: Option<Building>,
    style: Style,
    /// A company and department the parcels go to (the wide shape only).
    pub care_of: Option<Workplace>,
}

impl Address {
    pub(crate) fn draw<R: Rng + ?Sized>(rng: &mut R) -> Address {
        let pref = pick(rng, &PREFECTURE_CUM);
        let cities = PREFECTURES[pref].cities;
        let city = rng.random_range(0..cities.len());
        let c = &cities[city];
        let town = rng.random_range(0..c.towns.len());
        let postal3 = draw_postal_prefix(rng, c.postal);
        let postal4 = rng.random_range(0..10_000u16);
        let style = if chance(rng, 20) {
            Style::Comma
        } else if chance(rng, 500) {
            Style::Kanji
        } else {
            Style::Hyphen
        };
        // Flats are common in the cities the table covers; a comma address
        // always has one because the comma separates it.
        let building = (style == Style::Comma || chance(rng, 4_500)).then(|| {
            let ascii = chance(rng, 1_100);
            let len = if ascii {
                ASCII_BUILDINGS.len()
            } else {
                BUILDINGS.len()
            };
            Building {
                name: rng.random_range(0..len) as u8,
                ascii,
                room: rng.random_range(1..=8u16) * 100 + rng.random_range(1..=12u16),
                room_style: pick(rng, &ROOM_STYLE_CUM) as u8,
            }
        });
        Address {
            pref: pref as u8,
            city: city as u8,
            town: town as u8,
            chome: pick(rng, &CHOME_CUM) as u8 + 1,
            ban: rng.random_range(1..=30u8),
            go: rng.random_range(1..=25u8),
            postal3,
            postal4,
            building,
            style,
            care_of: None,
        }
    }

    pub(crate) fn prefecture(&self) -> &'static Prefecture {
        &PREFECTURES[usize::from(self.pref)]
    }

    pub(crate) fn city(&self) -> &'static City {
        &self.prefecture().cities[usize::from(self.city)]
    }

    /// Appends `123-4567`.
    pub(crate) fn push_postal(&self, out: &mut Vec<u8>) {
        push_padded(out, u64::from(self.postal3), 3);
        out.push(b'-');
        push_padded(out, u64::from(self.postal4), 4);
    }

    /// Appends the full address text (not yet CSV-quoted).
    pub(crate) fn push_text(&self, out: &mut Vec<u8>) {
        let city = self.city();
        out.extend_from_slice(self.prefecture().name.as_bytes());
        out.extend_from_slice(city.name.as_bytes());
        out.extend_from_slice(city.towns[usize::from(self.town)].as_bytes());
        let (c, b, g) = (
            u64::from(self.chome),
            u64::from(self.ban),
            u64::from(self.go),
        );
        match self.style {
            Style::Kanji => {
                push_padded(out, c, 1);
                out.extend_from_slice("丁目".as_bytes());
                push_padded(out, b, 1);
                out.extend_from_slice("番".as_bytes());
                push_padded(out, g, 1);
                out.extend_from_slice("号".as_bytes());
            }
            Style::Hyphen | Style::Comma => {
                push_padded(out, c, 1);
                out.push(b'-');
                push_padded(out, b, 1);
                out.push(b'-');
                push_padded(out, g, 1);
            }
        }
        if let Some(bldg) = self.building {
            match self.style {
                Style::Comma => out.extend_from_slice(b", "),
                _ if bldg.ascii => out.push(b' '),
                _ => out.extend_from_slice("\u{3000}".as_bytes()),
            }
            let name = if bldg.ascii {
                ASCII_BUILDINGS[usize::from(bldg.name)]
            } else {
                BUILDINGS[usize::from(bldg.name)]
            };
            out.extend_from_slice(name.as_bytes());
            if bldg.room_style == 1 || bldg.ascii {
                out.push(b' ');
            }
            push_padded(out, u64::from(bldg.room), 1);
            if bldg.room_style == 2 && !bldg.ascii {
                out.extend_from_slice("号室".as_bytes());
            }
        }
        if let Some(w) = self.care_of {
            w.push_care_of(out);
        }
    }
}

const CHOME_CUM: [u32; 7] = cumulative([30, 25, 18, 12, 8, 4, 3]);
const ROOM_STYLE_CUM: [u32; 3] = cumulative([70, 15, 15]);

fn draw_postal_prefix<R: Rng + ?Sized>(rng: &mut R, ranges: &[(u16, u16)]) -> u16 {
    let total: u16 = ranges.iter().map(|&(lo, hi)| hi - lo + 1).sum();
    let mut r = rng.random_range(0..total.max(1));
    for &(lo, hi) in ranges {
        let width = hi - lo + 1;
        if r < width {
            return lo + r;
        }
        r -= width;
    }
    ranges.first().map_or(100, |&(lo, _)| lo)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PhoneKind {
    Empty,
    Mobile,
    Landline,
}

/// A Japanese phone number: 10 digits for a landline (area code + exchange +
/// 4 digits, the area code and exchange together always 6 digits) or 11 for a
/// mobile (`090`/`080`/`070`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Phone {
    kind: PhoneKind,
    /// Area code for a landline, `090`/`080`/`070` for a mobile.
    prefix: &'static str,
    middle: u32,
    last: u16,
    /// Most people type the hyphens, some leave them out.
    hyphens: bool,
}

const MOBILE: [&str; 3] = ["090", "080", "070"];
const MOBILE_CUM: [u32; 3] = cumulative([45, 35, 20]);
const PHONE_KIND_CUM: [u32; 3] = cumulative([10, 70, 20]);

impl Phone {
    pub(crate) const EMPTY: Phone = Phone {
        kind: PhoneKind::Empty,
        prefix: "",
        middle: 0,
        last: 0,
        hyphens: true,
    };

    /// About 70% mobile, 20% a landline in `city`, 10% none.
    pub(crate) fn draw<R: Rng + ?Sized>(rng: &mut R, city: &City) -> Phone {
        match pick(rng, &PHONE_KIND_CUM) {
            0 => Phone::EMPTY,
            1 => Phone::mobile(rng),
            _ => {
                let exchange_digits = 6u32.saturating_sub(city.area.len() as u32).max(1);
                let low = 2 * 10u32.pow(exchange_digits - 1);
                Phone {
                    kind: PhoneKind::Landline,
                    prefix: city.area,
                    middle: rng.random_range(low..10u32.pow(exchange_digits)),
                    last: rng.random_range(0..10_000u16),
                    hyphens: !chance(rng, 500),
                }
            }
        }
    }

    pub(crate) fn mobile<R: Rng + ?Sized>(rng: &mut R) -> Phone {
        Phone {
            kind: PhoneKind::Mobile,
            prefix: MOBILE[pick(rng, &MOBILE_CUM)],
            middle: rng.random_range(1_000..10_000u32),
            last: rng.random_range(0..10_000u16),
            hyphens: !chance(rng, 500),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.kind == PhoneKind::Empty
    }

    pub(crate) fn push(&self, out: &mut Vec<u8>) {
        if self.is_empty() {
            return;
        }
        out.extend_from_slice(self.prefix.as_bytes());
        if self.hyphens {
            out.push(b'-');
        }
        let width = match self.kind {
            PhoneKind::Mobile => 4,
            _ => 6 - self.prefix.len().min(5),
        };
        push_padded(out, u64::from(self.middle), width);
        if self.hyphens {
            out.push(b'-');
        }
        push_padded(out, u64::from(self.last), 4);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::seed::{Domain, chacha};

    #[test]
    fn addresses_agree_with_postal_code_and_phone() {
        let mut rng = chacha(3, Domain::Customer, 0);
        let (mut comma, mut ascii, mut landline) = (0, 0, 0);
        for _ in 0..20_000 {
            let a = Address::draw(&mut rng);
            let mut text = Vec::new();
            a.push_text(&mut text);
            let text = String::from_utf8(text).unwrap();
            assert!(text.starts_with(a.prefecture().name));
            assert!(text[a.prefecture().name.len()..].starts_with(a.city().name));
            let mut postal = Vec::new();
            a.push_postal(&mut postal);
            let postal = String::from_utf8(postal).unwrap();
            assert_eq!(postal.len(), 8);
            assert_eq!(&postal[3..4], "-");
            let p3: u16 = postal[..3].parse().unwrap();
            assert!(
                a.city().postal.iter().any(|&(lo, hi)| lo <= p3 && p3 <= hi),
                "{postal} {text}"
            );
            comma += usize::from(text.contains(','));
            ascii += usize::from(text.bytes().any(|b| b.is_ascii_alphabetic()));
            let phone = Phone::draw(&mut rng, a.city());
            let mut digits = Vec::new();
            phone.push(&mut digits);
            let digits: String = String::from_utf8(digits).unwrap().replace('-', "");
            match phone.kind {
                PhoneKind::Empty => assert!(digits.is_empty()),
                PhoneKind::Mobile => assert_eq!(digits.len(), 11),
                PhoneKind::Landline => {
                    landline += 1;
                    assert_eq!(digits.len(), 10, "{digits}");
                    assert!(digits.starts_with(a.city().area));
                }
            }
        }
        assert!((10..100).contains(&comma), "{comma} comma addresses");
        assert!((600..1_500).contains(&ascii), "{ascii} ascii addresses");
        assert!((3_000..5_000).contains(&landline), "{landline} landlines");
    }

    #[test]
    fn phone_text() {
        let p = Phone {
            kind: PhoneKind::Landline,
            prefix: "0422",
            middle: 5,
            last: 42,
            hyphens: true,
        };
        let mut out = Vec::new();
        p.push(&mut out);
        assert_eq!(out, b"0422-05-0042");
        let m = Phone {
            kind: PhoneKind::Mobile,
            prefix: "090",
            middle: 1234,
            last: 5678,
            hyphens: false,
        };
        out.clear();
        m.push(&mut out);
        assert_eq!(out, b"09012345678");
    }
}
