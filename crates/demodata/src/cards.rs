//! Payment cards. A card is known only by what a payment provider hands
//! back: brand, last four digits and an opaque fingerprint, all stable for
//! the card, so the same card can be recognised across checkouts.

use rand::Rng;

use crate::cell::push_padded;
use crate::seed::{Domain, Mix, cumulative, pick};

const BRANDS: [&str; 5] = ["VISA", "Mastercard", "JCB", "AMEX", "Diners"];
/// JCB is a domestic brand and far more common in Japan than elsewhere.
const BRAND_CUM: [u32; 5] = cumulative([45, 22, 25, 5, 3]);

/// Whose card it is: the key the card's details are derived from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CardRef {
    None,
    /// Card number `slot` of customer `index`'s wallet (see
    /// [`crate::customers::Core::card`] for shared family cards).
    Customer(u64, u8),
    /// The card of guest identity `g` (for a guest who is really a member,
    /// that member's first card).
    Guest(u64),
    /// A card only ever seen in the physical shop.
    Store(u64),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Card {
    brand: u8,
    last4: u16,
    fingerprint: u64,
}

/// Tags keep the three kinds of card owner apart in one key space.
const GUEST_TAG: u64 = 1 << 62;
const STORE_TAG: u64 = 2 << 62;

impl Card {
    /// The card that customer `owner` added as card number `slot`.
    pub(crate) fn of_customer(seed: u64, owner: u64, slot: u8) -> Card {
        Card::from_key(seed, (owner << 2) | u64::from(slot & 3))
    }

    pub(crate) fn of_guest(seed: u64, guest: u64) -> Card {
        Card::from_key(seed, GUEST_TAG | guest)
    }

    pub(crate) fn of_store(seed: u64, n: u64) -> Card {
        Card::from_key(seed, STORE_TAG | n)
    }

    fn from_key(seed: u64, key: u64) -> Card {
        let mut mix = Mix::new(seed, Domain::Card, key);
        Card {
            brand: pick(&mut mix, &BRAND_CUM) as u8,
            last4: mix.random_range(0..10_000u16),
            fingerprint: mix.random(),
        }
    }

    pub(crate) fn brand(&self) -> &'static str {
        BRANDS[usize::from(self.brand)]
    }

    pub(crate) fn push_last4(&self, out: &mut Vec<u8>) {
        push_padded(out, u64::from(self.last4), 4);
    }

    /// Appends `fp_` and 16 lower-case hex digits.
    pub(crate) fn push_fingerprint(&self, out: &mut Vec<u8>) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        out.extend_from_slice(b"fp_");
        for shift in (0..16).rev() {
            out.push(HEX[((self.fingerprint >> (shift * 4)) & 0xF) as usize]);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn text(c: &Card) -> String {
        let mut out = Vec::new();
        out.extend_from_slice(c.brand().as_bytes());
        out.push(b' ');
        c.push_last4(&mut out);
        out.push(b' ');
        c.push_fingerprint(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn cards_are_stable_and_distinct() {
        let a = text(&Card::of_customer(5, 10, 0));
        assert_eq!(a, text(&Card::of_customer(5, 10, 0)));
        assert_ne!(a, text(&Card::of_customer(5, 10, 1)));
        assert_ne!(a, text(&Card::of_customer(5, 11, 0)));
        assert_ne!(a, text(&Card::of_guest(5, 40)));
        assert_ne!(text(&Card::of_guest(5, 40)), text(&Card::of_store(5, 40)));
        let fp = a.rsplit(' ').next().unwrap();
        assert_eq!(fp.len(), 19);
        assert!(fp[3..].bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn brand_mix() {
        let mut counts = [0u32; 5];
        for i in 0..20_000 {
            counts[usize::from(Card::of_customer(1, i, 0).brand)] += 1;
        }
        assert!(
            counts[2] > counts[1] && counts[2] > 4_000,
            "JCB is big: {counts:?}"
        );
        assert!(counts[0] > 8_000, "{counts:?}");
        assert!(counts[4] > 200, "{counts:?}");
    }
}
