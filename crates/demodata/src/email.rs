//! E-mail addresses: romanized names, digits, dots and underscores at the
//! domains Japanese shoppers use, including the mobile carriers' own.
//!
//! Uniqueness: every local part ends in a number that is a bijection of the
//! person's number, and the text before it never ends in a digit, so two
//! people can never get the same address (the trailing digits differ).

use rand::Rng;

use crate::cell::push_u64;
use crate::names::Name;
use crate::seed::{chance, cumulative, pick};

pub(crate) const DOMAINS: [&str; 10] = [
    "gmail.com",
    "yahoo.co.jp",
    "icloud.com",
    "outlook.jp",
    "hotmail.co.jp",
    // Mobile carriers: about a quarter of Japanese shoppers still use one.
    "docomo.ne.jp",
    "ezweb.ne.jp",
    "au.com",
    "softbank.ne.jp",
    "i.softbank.jp",
];
const FIRST_CARRIER: usize = 5;
const DOMAIN_CUM: [u32; 10] = cumulative([32, 22, 10, 5, 6, 10, 4, 3, 4, 4]);

/// Local-part shapes, see [`Email::push_local`]. Carrier addresses were
/// traditionally chosen on a phone keypad and lean to hyphens and dots.
const PATTERN_CUM: [u32; 9] = cumulative([20, 12, 10, 10, 12, 8, 10, 0, 6]);
const CARRIER_PATTERN_CUM: [u32; 9] = cumulative([8, 6, 6, 4, 8, 4, 10, 30, 12]);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Case {
    Lower,
    /// `Taro.Sato12@Gmail.com`
    Capitalized,
    /// `TARO.SATO12@gmail.com`
    Upper,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Email {
    pattern: u8,
    domain: u8,
    /// Two-digit birth year, for the `taro85_123` shape.
    yy: Option<u8>,
    number: u64,
    pub case: Case,
    /// White space typed around the address: bit 0 leading, bit 1 trailing.
    pad: u8,
}

impl Email {
    /// An address for a person with unique `number` (already scrambled).
    /// About 1% are kept in odd case and 0.5% with surrounding spaces, as
    /// they were typed at sign-up.
    pub(crate) fn draw<R: Rng + ?Sized>(
        rng: &mut R,
        number: u64,
        birth_year: Option<i64>,
    ) -> Email {
        let domain = pick(rng, &DOMAIN_CUM);
        let cum = if domain >= FIRST_CARRIER {
            &CARRIER_PATTERN_CUM
        } else {
            &PATTERN_CUM
        };
        let mut pattern = pick(rng, cum) as u8;
        let yy = birth_year.map(|y| y.rem_euclid(100) as u8);
        if pattern == 6 && yy.is_none() {
            pattern = 0;
        }
        let case = if chance(rng, 100) {
            if chance(rng, 2_500) {
                Case::Upper
            } else {
                Case::Capitalized
            }
        } else {
            Case::Lower
        };
        let pad = if chance(rng, 50) {
            [1u8, 2, 3][rng.random_range(0..3usize)]
        } else {
            0
        };
        Email {
            pattern,
            domain: domain as u8,
            yy,
            number,
            case,
            pad,
        }
    }

    /// The address in lower case without surrounding space: what the shop
    /// should have stored, and the identity used across files.
    pub(crate) fn push_canonical(&self, given: &Name, family: &Name, out: &mut Vec<u8>) {
        self.push_local(given, family, out);
        out.push(b'@');
        out.extend_from_slice(DOMAINS[usize::from(self.domain)].as_bytes());
    }

    /// The address as typed at sign-up: with its case and padding.
    pub(crate) fn push_stored(&self, given: &Name, family: &Name, out: &mut Vec<u8>) {
        if self.pad & 1 != 0 {
            out.push(b' ');
        }
        let start = out.len();
        self.push_canonical(given, family, out);
        apply_case(&mut out[start..], self.case);
        if self.pad & 2 != 0 {
            out.push(b' ');
        }
    }

    fn push_local(&self, given: &Name, family: &Name, out: &mut Vec<u8>) {
        let g = given.romaji.as_bytes();
        let f = family.romaji.as_bytes();
        match self.pattern {
            1 => join(out, f, b".", g),
            2 => join(out, g, b"_", f),
            3 => join(out, &g[..g.len().min(1)], b".", f),
            4 => join(out, g, b"", f),
            5 => join(out, f, b"_", g),
            6 => {
                out.extend_from_slice(g);
                push_u64(out, u64::from(self.yy.unwrap_or(0)) / 10);
                push_u64(out, u64::from(self.yy.unwrap_or(0)) % 10);
                out.push(b'_');
            }
            7 => {
                join(out, f, b"-", g);
                out.push(b'.');
            }
            8 => {
                join(out, g, b".", f);
                out.push(b'.');
            }
            _ => join(out, g, b".", f),
        }
        push_u64(out, self.number);
    }
}

fn join(out: &mut Vec<u8>, a: &[u8], sep: &[u8], b: &[u8]) {
    out.extend_from_slice(a);
    out.extend_from_slice(sep);
    out.extend_from_slice(b);
}

/// Rewrites an ASCII address in place in the given case.
pub(crate) fn apply_case(addr: &mut [u8], case: Case) {
    match case {
        Case::Lower => {}
        Case::Upper => {
            for b in addr.iter_mut().take_while(|b| **b != b'@') {
                b.make_ascii_uppercase();
            }
        }
        Case::Capitalized => {
            let mut start = true;
            for b in addr.iter_mut() {
                if start {
                    b.make_ascii_uppercase();
                }
                start = matches!(*b, b'.' | b'_' | b'-' | b'@');
            }
            // Only the first label of the domain is capitalized (`Gmail.com`,
            // not `Gmail.Com`): undo the rest.
            if let Some(at) = addr.iter().position(|&b| b == b'@')
                && let Some(dot) = addr[at..].iter().position(|&b| b == b'.')
            {
                for b in &mut addr[at + dot..] {
                    b.make_ascii_lowercase();
                }
            }
        }
    }
}

/// Appends `src` (ASCII) typed with a Japanese IME in full-width mode:
/// every printable character becomes its full-width form (`ａ`, `＠`, `．`),
/// or, with `only_at`, just the `@`. NFKC turns either back into `src`.
pub(crate) fn push_full_width(out: &mut Vec<u8>, src: &[u8], only_at: bool) {
    for &b in src {
        if (0x21..=0x7E).contains(&b) && (!only_at || b == b'@') {
            let wide = char::from_u32(u32::from(b) + 0xFEE0).unwrap_or('?');
            let mut buf = [0u8; 4];
            out.extend_from_slice(wide.encode_utf8(&mut buf).as_bytes());
        } else {
            out.push(b);
        }
    }
}

/// Maps a person number (1-based) to the number in their address: a
/// bijection within each number of digits, so `n` and `scramble(n)` have the
/// same length and numbers don't visibly count up customer by customer.
pub(crate) fn scramble(n: u64, salt: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let digits = n.ilog10();
    let low = 10u64.pow(digits);
    let span = 9 * low;
    // 7919 is prime, so coprime with span (whose factors are 2, 3 and 5).
    let mixed = (u128::from(n - low) * 7919 + u128::from(salt % span)) % u128::from(span);
    low + mixed as u64
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::names::{FAMILY, GIVEN_MALE};
    use crate::seed::{Domain, chacha};

    #[test]
    fn scramble_is_a_bijection_per_length() {
        for salt in [0u64, 1, 987_654_321] {
            let mut seen = vec![false; 100_000];
            for n in 1..100_000u64 {
                let s = scramble(n, salt);
                assert_eq!(s.ilog10(), n.ilog10());
                assert!(!seen[s as usize]);
                seen[s as usize] = true;
            }
        }
    }

    #[test]
    fn case_and_width() {
        let mut a = b"taro.sato12@gmail.com".to_vec();
        apply_case(&mut a, Case::Capitalized);
        assert_eq!(a, b"Taro.Sato12@Gmail.com");
        let mut a = b"sato-taro.7@docomo.ne.jp".to_vec();
        apply_case(&mut a, Case::Upper);
        assert_eq!(a, b"SATO-TARO.7@docomo.ne.jp");
        let mut w = Vec::new();
        push_full_width(&mut w, b"taro.sato@gmail.com", false);
        assert_eq!(
            String::from_utf8(w).unwrap(),
            "ｔａｒｏ．ｓａｔｏ＠ｇｍａｉｌ．ｃｏｍ"
        );
        let mut w = Vec::new();
        push_full_width(&mut w, b"a.b@c.jp", true);
        assert_eq!(String::from_utf8(w).unwrap(), "a.b＠c.jp");
    }

    #[test]
    fn addresses_are_unique_and_well_formed() {
        let mut rng = chacha(11, Domain::Customer, 0);
        let mut seen = std::collections::HashSet::new();
        let mut carrier = 0;
        for n in 1..=50_000u64 {
            let e = Email::draw(&mut rng, scramble(n, 99), Some(1980 + (n as i64 % 20)));
            let (g, f) = (&GIVEN_MALE[n as usize % 7], &FAMILY[n as usize % 3]);
            let mut canon = Vec::new();
            e.push_canonical(g, f, &mut canon);
            let canon = String::from_utf8(canon).unwrap();
            let mut stored = Vec::new();
            e.push_stored(g, f, &mut stored);
            let stored = String::from_utf8(stored).unwrap();
            assert_eq!(stored.trim().to_ascii_lowercase(), canon);
            let (local, domain) = canon.split_once('@').unwrap();
            assert!(DOMAINS.contains(&domain));
            carrier += usize::from(DOMAINS[FIRST_CARRIER..].contains(&domain));
            assert!(
                local
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
            );
            assert!(seen.insert(canon), "duplicate address");
        }
        assert!(
            (11_000..14_000).contains(&carrier),
            "{carrier} carrier addresses"
        );
    }
}
