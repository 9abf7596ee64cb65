//! Checkouts, last pass: the text of each planned row.

use rand::Rng;

use crate::address::Phone;
use crate::cards::{Card, CardRef};
use crate::cell::{push_bool, push_field, push_id};
use crate::checkouts::{Entry, Kind, Plan};
use crate::ctx::{BLOCK_ROWS, Ctx, Payment};
use crate::customers::{CUSTOMER_ID_WIDTH, Core, Customer, FULL_WIDTH_SPACE, Guest, Person};
use crate::email::{Case, Email, apply_case, push_full_width};
use crate::seed::{Domain, chacha, chance, cumulative, pick};
use crate::time::{TsForm, numeric_bool, push_timestamp};
use crate::wide::push_checkout_extras;

pub(crate) const CHECKOUTS_HEADER: &str = "checkout_id,submitted_at,customer_id,logged_in,channel,payment_method,card_entry,card_brand,card_last4,card_fingerprint,order_id,auto_renewal,product_category,name,name_kana,email,phone,postal_code,address";

const ID_WIDTH: usize = 8;

/// Who is behind a row, with what the row needs to know about them.
enum Buyer {
    Member(u64, Customer),
    Guest(Guest),
    Store,
}

/// How a guest separates family and given name: mostly the full-width space
/// the shop's own forms suggest, sometimes an ASCII space or none.
const NAME_SEP: [&str; 3] = [FULL_WIDTH_SPACE, " ", ""];
const NAME_SEP_CUM: [u32; 3] = cumulative([70, 20, 10]);

/// How a member who did not sign in types their address: as on the account,
/// in full-width characters, or in another case.
const ALIAS_EMAIL_CUM: [u32; 3] = cumulative([55, 25, 20]);

/// Appends the checkouts.csv rows for `plans`, the rows of block `block`.
pub(crate) fn render_block(ctx: &Ctx, block: u64, plans: &[Plan], out: &mut Vec<u8>) {
    let mut rng = chacha(ctx.seed, Domain::CheckoutRow, block);
    // The wide shape's columns come from a stream of their own, so its rows
    // are the standard rows with columns added.
    let mut wide = ctx
        .shape
        .wide
        .then(|| chacha(ctx.seed, Domain::WideRow, block));
    let mut scratch = Vec::with_capacity(256);
    let first = block * BLOCK_ROWS;
    for (j, p) in (first..).zip(plans) {
        let buyer = match p.kind {
            Kind::Member => Buyer::Member(p.who, Customer::derive(ctx, p.who).0),
            Kind::Guest => Buyer::Guest(Guest::derive(ctx, p.who)),
            Kind::Store => Buyer::Store,
        };
        push_id(out, b'K', j + 1, ID_WIDTH);
        out.push(b',');
        push_timestamp(out, p.at, TsForm::draw(&mut rng));
        out.push(b',');
        if let Buyer::Member(i, _) = buyer {
            push_id(out, b'C', i + 1, CUSTOMER_ID_WIDTH);
        }
        out.push(b',');
        push_bool(out, p.kind == Kind::Member, numeric_bool(&mut rng));
        out.push(b',');
        out.extend_from_slice(if p.kind == Kind::Store {
            b"store"
        } else {
            b"online"
        });
        out.push(b',');
        out.extend_from_slice(p.payment.as_str().as_bytes());
        out.push(b',');
        out.extend_from_slice(p.entry.as_str().as_bytes());
        out.push(b',');
        match card_of(ctx, p, &buyer) {
            Some(card) => {
                out.extend_from_slice(card.brand().as_bytes());
                out.push(b',');
                card.push_last4(out);
                out.push(b',');
                card.push_fingerprint(out);
            }
            None => out.extend_from_slice(b",,"),
        }
        out.push(b',');
        if !p.abandoned {
            push_id(out, b'O', p.order, ID_WIDTH);
        }
        out.push(b',');
        let auto_renewal = ctx.profile.auto_renewal
            && p.kind == Kind::Member
            && p.payment == Payment::Card
            && chance(&mut rng, auto_renewal_bp(p.entry));
        push_bool(out, auto_renewal, numeric_bool(&mut rng));
        out.push(b',');
        let category = if auto_renewal {
            // What renews by itself: the subscription, or the data plan of a
            // translator device.
            if chance(&mut rng, 2_000) {
                "global-data-extension"
            } else {
                "subscription"
            }
        } else {
            ctx.profile.categories[pick(&mut rng, ctx.profile.category_cum)]
        };
        out.extend_from_slice(category.as_bytes());
        out.push(b',');
        match &buyer {
            Buyer::Member(_, c) => push_member_contact(&mut rng, c, out, &mut scratch),
            Buyer::Guest(g) => push_guest_contact(&mut rng, g, p.payment, out, &mut scratch),
            Buyer::Store => out.extend_from_slice(b",,,,,"),
        }
        if let Some(wide) = wide.as_mut() {
            push_checkout_extras(wide, out, &mut scratch);
        }
        out.push(b'\n');
    }
}

/// Chance of automatic renewal on a member's card checkout: mostly set up
/// with a card already saved on the account.
fn auto_renewal_bp(entry: Entry) -> u32 {
    match entry {
        Entry::Saved => 1_700,
        Entry::Updated => 600,
        Entry::New => 300,
        Entry::None => 0,
    }
}

fn card_of(ctx: &Ctx, p: &Plan, buyer: &Buyer) -> Option<Card> {
    match (p.card, buyer) {
        (CardRef::None, _) => None,
        (CardRef::Customer(i, slot), Buyer::Member(_, c)) => Some(c.core.card(ctx, i, slot)),
        (CardRef::Customer(i, slot), _) => Some(Core::of(ctx, i).card(ctx, i, slot)),
        (CardRef::Guest(_), Buyer::Guest(g)) => Some(g.card),
        (CardRef::Guest(g), _) => Some(Card::of_guest(ctx.seed, g)),
        (CardRef::Store(n), _) => Some(Card::of_store(ctx.seed, n)),
    }
}

/// Prefilled from the account; a few members change the phone number.
fn push_member_contact<R: Rng + ?Sized>(
    rng: &mut R,
    c: &Customer,
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) {
    let person = &c.person;
    person.push_name(out, FULL_WIDTH_SPACE);
    out.push(b',');
    person.push_kana(out, FULL_WIDTH_SPACE);
    out.push(b',');
    scratch.clear();
    person.push_email(&c.email, scratch);
    push_field(out, scratch);
    out.push(b',');
    let phone = if person.phone.is_empty() {
        if chance(rng, 6_000) {
            Phone::mobile(rng)
        } else {
            Phone::EMPTY
        }
    } else if chance(rng, 500) {
        Phone::mobile(rng)
    } else {
        person.phone
    };
    phone.push(out);
    out.push(b',');
    person.address.push_postal(out);
    out.push(b',');
    scratch.clear();
    person.address.push_text(scratch);
    push_field(out, scratch);
}

/// Typed by hand: optional fields are sometimes left empty, except what
/// cash on delivery needs.
fn push_guest_contact<R: Rng + ?Sized>(
    rng: &mut R,
    g: &Guest,
    payment: Payment,
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) {
    let person = &g.person;
    let sep = NAME_SEP[pick(rng, &NAME_SEP_CUM)];
    person.push_name(out, sep);
    out.push(b',');
    if chance(rng, 8_000) {
        person.push_kana(out, sep);
    }
    out.push(b',');
    if !chance(rng, 50) {
        scratch.clear();
        push_typed_email(rng, g, person, &g.email, scratch);
        push_field(out, scratch);
    }
    out.push(b',');
    let needs_delivery = payment == Payment::Cod;
    if needs_delivery || chance(rng, 8_000) {
        let phone = if person.phone.is_empty() {
            Phone::mobile(rng)
        } else {
            person.phone
        };
        phone.push(out);
    }
    out.push(b',');
    if needs_delivery || chance(rng, 8_000) {
        person.address.push_postal(out);
    }
    out.push(b',');
    if needs_delivery || chance(rng, 8_000) {
        scratch.clear();
        person.address.push_text(scratch);
        push_field(out, scratch);
    }
}

/// The address a guest types into the form, appended to `out`.
fn push_typed_email<R: Rng + ?Sized>(
    rng: &mut R,
    g: &Guest,
    person: &Person,
    email: &Email,
    out: &mut Vec<u8>,
) {
    let start = out.len();
    person.push_email(email, out);
    // Whatever space was stored with the account is not typed again.
    let end = start + out[start..].trim_ascii_end().len();
    out.truncate(end);
    let lead = out[start..].len() - out[start..].trim_ascii_start().len();
    out.drain(start..start + lead);
    let style = if g.member.is_some() {
        pick(rng, &ALIAS_EMAIL_CUM)
    } else if chance(rng, 300) {
        2
    } else {
        0
    };
    match style {
        0 => {}
        1 => {
            // Rare (about 1% of rows), so a copy is fine here.
            let typed = out.split_off(start);
            push_full_width(out, &typed, chance(rng, 3_000));
        }
        _ => {
            let case = if email.case == Case::Lower && chance(rng, 7_500) {
                Case::Capitalized
            } else {
                Case::Upper
            };
            apply_case(&mut out[start..], case);
        }
    }
}
