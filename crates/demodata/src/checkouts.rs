//! Checkouts, first pass: who checks out when, how they pay, which card.
//!
//! Checkout generation has three steps per block of rows: this plan (in
//! parallel), [`Sequencer`] (in order, cheap: the only part that needs to
//! know what happened in earlier blocks), and rendering the text (in
//! parallel, `checkout_rows.rs`).

use rand::Rng;

use crate::cards::CardRef;
use crate::ctx::{BLOCK_ROWS, Ctx, Payment};
use crate::customers::Core;
use crate::seed::{Domain, chacha, chance, cumulative, pick};
use crate::time::{online_time_of_day, store_time_of_day};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Signed in: `customer` is the customer index.
    Member,
    /// Not signed in: `customer` is the guest identity.
    Guest,
    /// A sale in the physical shop, recorded by another system.
    Store,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    None,
    /// The card number was typed in.
    New,
    /// A saved card's details were typed in again (e.g. a new expiry date).
    Updated,
    /// A card saved on the account was chosen; nothing was typed.
    Saved,
}

impl Entry {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Entry::None => "",
            Entry::New => "new",
            Entry::Updated => "updated",
            Entry::Saved => "saved",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    /// Japanese local seconds.
    pub at: i64,
    pub kind: Kind,
    pub who: u64,
    pub payment: Payment,
    pub card: CardRef,
    pub entry: Entry,
    pub abandoned: bool,
    /// Order number, set by the sequencer for completed checkouts.
    pub order: u64,
}

const ABANDONED_BP: u32 = 800;
/// Chance that a store sale is paid with a card also used online.
const STORE_KNOWN_CARD_BP: u32 = 3_000;
/// What a member does with a card already saved on the account. A card's
/// first use is always `new`, which brings the overall mix among members to
/// roughly 45% saved, 40% new, 15% updated.
const REPEAT_ENTRY_CUM: [u32; 3] = cumulative([60, 20, 20]);

/// Plans the rows of block `block`.
pub(crate) fn plan_block(ctx: &Ctx, block: u64) -> Vec<Plan> {
    let mut rng = chacha(ctx.seed, Domain::CheckoutPlan, block);
    let start = block * BLOCK_ROWS;
    let end = (start + BLOCK_ROWS).min(ctx.checkouts);
    let profile = ctx.profile;
    let history = ctx.history();
    let mut plans = Vec::with_capacity((end - start) as usize);
    for j in start..end {
        let day = ctx.checkout_day(j);
        let midnight = history.day_start(day);
        if profile.store_bp > 0 && chance(&mut rng, profile.store_bp) {
            let card = if ctx.customers > 0 && chance(&mut rng, STORE_KNOWN_CARD_BP) {
                let i = rng.random_range(0..ctx.customers);
                let slot = rng.random_range(0..Core::of(ctx, i).cards());
                CardRef::Customer(i, slot)
            } else {
                CardRef::Store(rng.random_range(0..ctx.store_cards))
            };
            plans.push(Plan {
                at: midnight + store_time_of_day(&mut rng),
                kind: Kind::Store,
                who: 0,
                payment: Payment::Card,
                card,
                entry: Entry::None,
                abandoned: false,
                order: 0,
            });
            continue;
        }
        let at = midnight + online_time_of_day(&mut rng);
        let member = if chance(&mut rng, ctx.shape.member_bp) {
            pick_member(ctx, &mut rng, day, at)
        } else {
            None
        };
        let payment = profile.payments[pick(&mut rng, &ctx.payment_cum)];
        let is_card = payment == Payment::Card;
        let (kind, who, card, entry) = match member {
            Some((i, core)) => {
                let (card, entry) = if is_card {
                    let slot = pick_slot(&mut rng, core.cards());
                    let entry = match pick(&mut rng, &REPEAT_ENTRY_CUM) {
                        0 => Entry::Saved,
                        1 => Entry::Updated,
                        _ => Entry::New,
                    };
                    (CardRef::Customer(i, slot), entry)
                } else {
                    (CardRef::None, Entry::None)
                };
                (Kind::Member, i, card, entry)
            }
            None => {
                let g = rng.random_range(0..ctx.guests);
                let (card, entry) = if is_card {
                    (CardRef::Guest(g), Entry::New)
                } else {
                    (CardRef::None, Entry::None)
                };
                (Kind::Guest, g, card, entry)
            }
        };
        let abandoned = chance(&mut rng, ABANDONED_BP);
        plans.push(Plan {
            at,
            kind,
            who,
            payment,
            card,
            entry,
            abandoned,
            order: 0,
        });
    }
    plans
}

/// A customer who had registered before `day` and not yet withdrawn at
/// `at`, or `None` (the checkout becomes a guest's) if a few tries find none.
fn pick_member<R: Rng + ?Sized>(ctx: &Ctx, rng: &mut R, day: u64, at: i64) -> Option<(u64, Core)> {
    let registered = ctx.registered_before(day);
    if registered == 0 {
        return None;
    }
    for _ in 0..3 {
        let i = rng.random_range(0..registered);
        let core = Core::of(ctx, i);
        if core.active_at(at) {
            return Some((i, core));
        }
    }
    None
}

/// Mostly the first card in the wallet.
fn pick_slot<R: Rng + ?Sized>(rng: &mut R, cards: u8) -> u8 {
    if cards <= 1 || chance(rng, 7_000) {
        0
    } else {
        rng.random_range(1..cards)
    }
}

/// The in-order step: a saved card must have been used before, and order
/// numbers count completed checkouts.
pub(crate) struct Sequencer {
    /// One bit per wallet slot (3 per customer): card used on a completed
    /// checkout, so saved on the account.
    saved: Vec<u64>,
    next_order: u64,
}

impl Sequencer {
    pub(crate) fn new(ctx: &Ctx) -> Sequencer {
        let bits = ctx.customers.saturating_mul(3);
        Sequencer {
            saved: vec![0; bits.div_ceil(64) as usize],
            next_order: 1,
        }
    }

    pub(crate) fn apply(&mut self, plans: &mut [Plan]) {
        for p in plans {
            if let (Kind::Member, CardRef::Customer(i, slot)) = (p.kind, p.card) {
                let bit = i * 3 + u64::from(slot.min(2));
                let (word, mask) = ((bit / 64) as usize, 1u64 << (bit % 64));
                if let Some(w) = self.saved.get_mut(word) {
                    if *w & mask == 0 && p.entry != Entry::New {
                        p.entry = Entry::New;
                    }
                    if !p.abandoned {
                        *w |= mask;
                    }
                }
            }
            if !p.abandoned {
                p.order = self.next_order;
                self.next_order += 1;
            }
        }
    }
}
