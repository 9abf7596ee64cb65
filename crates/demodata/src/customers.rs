//! Customers (and guest identities): everything about one person is derived
//! from its index alone, so checkouts can refer to any customer without the
//! customer table being held in memory.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::address::{Address, Phone};
use crate::cards::Card;
use crate::cell::{push_field, push_id};
use crate::ctx::Ctx;
use crate::email::{Email, scramble};
use crate::names::{Name, draw_family, draw_given, family, given};
use crate::seed::{Domain, Mix, chacha, chance, cumulative, pick};
use crate::time::{
    DAY, TsForm, birth_day, civil_from_days, online_time_of_day, push_date, push_timestamp,
};
use crate::wide::{Workplace, push_customer_extras};

pub(crate) const CUSTOMER_ID_WIDTH: usize = 7;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Single,
    /// First customer of a family pair: holds the card the pair shares.
    Holder,
    /// Second customer of a family pair: also uses the holder's first card.
    Partner,
}

/// The few facts about a customer that the sequential part of checkout
/// generation needs, from a cheap stream.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Core {
    pub registered: i64,
    pub withdrawn: Option<i64>,
    own_cards: u8,
    family: Family,
}

const OWN_CARDS_CUM: [u32; 3] = cumulative([85, 12, 3]);
const PARTNER_OWN_CARDS_CUM: [u32; 3] = cumulative([50, 40, 10]);

/// Customers `2p` and `2p + 1` form a family pair (same family name and
/// address, one shared card) for about 2.5% of `p`, which makes about 1% of
/// all cards shared by two customers.
fn is_family_pair(ctx: &Ctx, pair: u64) -> bool {
    2 * pair + 1 < ctx.customers && chance(&mut Mix::new(ctx.seed, Domain::FamilyFlag, pair), 250)
}

impl Core {
    pub(crate) fn of(ctx: &Ctx, i: u64) -> Core {
        let mut mix = Mix::new(ctx.seed, Domain::CustomerCore, i);
        let history = ctx.history();
        let registered = history.day_start(ctx.registration_day(i)) + online_time_of_day(&mut mix);
        let family = match (is_family_pair(ctx, i / 2), i % 2) {
            (false, _) => Family::Single,
            (true, 0) => Family::Holder,
            (true, _) => Family::Partner,
        };
        let cum = if family == Family::Partner {
            &PARTNER_OWN_CARDS_CUM
        } else {
            &OWN_CARDS_CUM
        };
        let offset = if family == Family::Partner { 0 } else { 1 };
        let own_cards = pick(&mut mix, cum) as u8 + offset;
        let left = history.end() - registered - DAY;
        let withdrawn = (chance(&mut mix, 400) && left > DAY)
            .then(|| registered + DAY + mix.random_range(0..left));
        Core {
            registered,
            withdrawn,
            own_cards,
            family,
        }
    }

    /// Number of cards in the wallet (1 to 3).
    pub(crate) fn cards(&self) -> u8 {
        self.own_cards + u8::from(self.family == Family::Partner)
    }

    /// The card in wallet slot `slot` of customer `i`. A partner's last slot
    /// is the holder's first card: same brand, last four and fingerprint.
    pub(crate) fn card(&self, ctx: &Ctx, i: u64, slot: u8) -> Card {
        if self.family == Family::Partner && slot >= self.own_cards {
            Card::of_customer(ctx.seed, i - 1, 0)
        } else {
            Card::of_customer(ctx.seed, i, slot)
        }
    }

    pub(crate) fn active_at(&self, t: i64) -> bool {
        self.registered < t && self.withdrawn.is_none_or(|w| t < w)
    }
}

/// Name, phone and address of a person.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Person {
    family: u16,
    female: bool,
    given: u16,
    pub phone: Phone,
    pub address: Address,
}

impl Person {
    pub(crate) fn family_name(&self) -> &'static Name {
        family(self.family)
    }

    pub(crate) fn given_name(&self) -> &'static Name {
        given(self.female, self.given)
    }

    /// `佐藤　太郎`, or with `sep` between family and given name.
    pub(crate) fn push_name(&self, out: &mut Vec<u8>, sep: &str) {
        out.extend_from_slice(self.family_name().kanji.as_bytes());
        out.extend_from_slice(sep.as_bytes());
        out.extend_from_slice(self.given_name().kanji.as_bytes());
    }

    /// `サトウ　タロウ`, or with `sep` between family and given name.
    pub(crate) fn push_kana(&self, out: &mut Vec<u8>, sep: &str) {
        out.extend_from_slice(self.family_name().kana.as_bytes());
        out.extend_from_slice(sep.as_bytes());
        out.extend_from_slice(self.given_name().kana.as_bytes());
    }

    pub(crate) fn push_email(&self, email: &Email, out: &mut Vec<u8>) {
        email.push_stored(self.given_name(), self.family_name(), out);
    }
}

pub(crate) struct Customer {
    pub core: Core,
    pub person: Person,
    pub email: Email,
    birth: Option<i64>,
}

/// The name separator customers use: the ideographic (full-width) space.
pub(crate) const FULL_WIDTH_SPACE: &str = "\u{3000}";

impl Customer {
    /// Customer `i` and the stream it was drawn from, which the customer
    /// table goes on drawing from for columns checkouts never need.
    pub(crate) fn derive(ctx: &Ctx, i: u64) -> (Customer, ChaCha8Rng) {
        let core = Core::of(ctx, i);
        let mut rng = chacha(ctx.seed, Domain::Customer, i);
        let (female, given) = draw_given(&mut rng);
        let birth = chance(&mut rng, 6_000).then(|| birth_day(&mut rng));
        let birth_year = birth.map(|d| civil_from_days(d).0);
        let email = Email::draw(&mut rng, scramble(i + 1, ctx.email_salt), birth_year);
        // A family pair shares its family name and its home.
        let (family, mut address) = if core.family == Family::Single {
            (draw_family(&mut rng), Address::draw(&mut rng))
        } else {
            let mut home = chacha(ctx.seed, Domain::Family, i / 2);
            (draw_family(&mut home), Address::draw(&mut home))
        };
        if ctx.shape.wide {
            address.care_of = Workplace::of(ctx.seed, false, i);
        }
        let phone = Phone::draw(&mut rng, address.city());
        let person = Person {
            family,
            female,
            given,
            phone,
            address,
        };
        (
            Customer {
                core,
                person,
                email,
                birth,
            },
            rng,
        )
    }
}

/// A guest identity: someone who checks out without an account, possibly a
/// member who did not sign in (then with the member's details).
pub(crate) struct Guest {
    pub person: Person,
    pub email: Email,
    /// Customer index when this guest is really a member.
    pub member: Option<u64>,
    pub card: Card,
}

impl Guest {
    pub(crate) fn derive(ctx: &Ctx, g: u64) -> Guest {
        let mut flag = Mix::new(ctx.seed, Domain::GuestFlag, g);
        if ctx.customers > 0 && chance(&mut flag, 1_500) {
            let i = flag.random_range(0..ctx.customers);
            let (c, _) = Customer::derive(ctx, i);
            let card = c.core.card(ctx, i, 0);
            return Guest {
                person: c.person,
                email: c.email,
                member: Some(i),
                card,
            };
        }
        let mut rng = chacha(ctx.seed, Domain::Guest, g);
        let (female, given) = draw_given(&mut rng);
        let family = draw_family(&mut rng);
        let birth_year = chance(&mut rng, 3_000).then(|| rng.random_range(1955..2005i64));
        // Numbers after the customers' keep guest addresses distinct from theirs.
        let email = Email::draw(
            &mut rng,
            scramble(ctx.customers + 1 + g, ctx.email_salt),
            birth_year,
        );
        let mut address = Address::draw(&mut rng);
        if ctx.shape.wide {
            address.care_of = Workplace::of(ctx.seed, true, g);
        }
        let phone = Phone::draw(&mut rng, address.city());
        let person = Person {
            family,
            female,
            given,
            phone,
            address,
        };
        Guest {
            person,
            email,
            member: None,
            card: Card::of_guest(ctx.seed, g),
        }
    }
}

pub(crate) const CUSTOMERS_HEADER: &str = "customer_id,email,name,name_kana,phone,postal_code,address,birth_date,password_hash,registered_at,withdrawn_at";

/// Appends the customers.csv rows of customers `range` to `out`.
pub(crate) fn render_block(ctx: &Ctx, range: std::ops::Range<u64>, out: &mut Vec<u8>) {
    let mut scratch = Vec::with_capacity(256);
    for i in range {
        let (c, mut rng) = Customer::derive(ctx, i);
        let p = &c.person;
        push_id(out, b'C', i + 1, CUSTOMER_ID_WIDTH);
        out.push(b',');
        scratch.clear();
        p.push_email(&c.email, &mut scratch);
        push_field(out, &scratch);
        out.push(b',');
        p.push_name(out, FULL_WIDTH_SPACE);
        out.push(b',');
        p.push_kana(out, FULL_WIDTH_SPACE);
        out.push(b',');
        p.phone.push(out);
        out.push(b',');
        p.address.push_postal(out);
        out.push(b',');
        scratch.clear();
        p.address.push_text(&mut scratch);
        push_field(out, &scratch);
        out.push(b',');
        if let Some(day) = c.birth {
            push_date(out, day);
        }
        out.push(b',');
        if chance(&mut rng, 9_000) {
            push_password_hash(&mut rng, out);
        }
        out.push(b',');
        push_timestamp(out, c.core.registered, TsForm::draw(&mut rng));
        out.push(b',');
        if let Some(w) = c.core.withdrawn {
            push_timestamp(out, w, TsForm::draw(&mut rng));
        }
        if ctx.shape.wide {
            push_customer_extras(&mut rng, p.address.care_of, out, &mut scratch);
        }
        out.push(b'\n');
    }
}

/// `$2y$10$` and 53 characters of the bcrypt alphabet: looks like a PHP
/// bcrypt hash but hashes nothing.
fn push_password_hash<R: Rng + ?Sized>(rng: &mut R, out: &mut Vec<u8>) {
    const ALPHABET: &[u8; 64] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    out.extend_from_slice(b"$2y$10$");
    let mut left = 53;
    while left > 0 {
        let mut bits: u64 = rng.random();
        for _ in 0..left.min(10) {
            out.push(ALPHABET[(bits & 63) as usize]);
            bits >>= 6;
        }
        left -= left.min(10);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::{DemoSpec, Shop};

    fn ctx(customers: u64) -> Ctx {
        Ctx::new(&DemoSpec {
            shop: Shop::Software,
            customers,
            checkouts: 1_000,
            seed: 42,
            shape: crate::Shape::Standard,
        })
    }

    #[test]
    fn password_hash_shape() {
        let mut rng = chacha(1, Domain::Customer, 0);
        let mut out = Vec::new();
        push_password_hash(&mut rng, &mut out);
        assert_eq!(out.len(), 7 + 53);
        assert!(
            out[7..]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"./".contains(b))
        );
    }

    #[test]
    fn family_pairs_share_name_home_and_a_card() {
        let ctx = ctx(20_000);
        let mut pairs = 0;
        let mut cards = 0u64;
        for i in (0..20_000).step_by(2) {
            let (a, b) = (Customer::derive(&ctx, i).0, Customer::derive(&ctx, i + 1).0);
            cards += u64::from(a.core.cards()) + u64::from(b.core.cards());
            for c in [&a, &b] {
                assert!((1..=3).contains(&c.core.cards()));
                assert!(c.core.withdrawn.is_none_or(|w| w > c.core.registered));
            }
            if b.core.family == Family::Partner {
                pairs += 1;
                assert_eq!(a.core.family, Family::Holder);
                assert_eq!(a.person.family, b.person.family);
                let (mut x, mut y) = (Vec::new(), Vec::new());
                a.person.address.push_text(&mut x);
                b.person.address.push_text(&mut y);
                assert_eq!(x, y);
                let shared = b.core.card(&ctx, i + 1, b.core.cards() - 1);
                let (mut x, mut y) = (Vec::new(), Vec::new());
                shared.push_fingerprint(&mut x);
                a.core.card(&ctx, i, 0).push_fingerprint(&mut y);
                assert_eq!(x, y);
            }
        }
        // About 1% of cards are shared.
        let share = pairs as f64 / cards as f64;
        assert!(
            (0.005..0.02).contains(&share),
            "{pairs} shared of {cards} cards"
        );
    }
}
