//! What every part of the generator needs to know about one run: the spec,
//! the shop's profile, and the sizes derived from them.

use crate::seed::{Domain, cumulative, key};
use crate::shape::ShapeParams;
use crate::time::History;
use crate::{DemoSpec, Shop};

/// Rows generated (and seeded) together. Fixed, never derived from the
/// number of threads, so the output does not depend on the machine. Small
/// enough that a handful of rendered blocks in flight stay in the tens of MB.
pub(crate) const BLOCK_ROWS: u64 = 8_192;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Payment {
    Card,
    Konbini,
    Cod,
    AmazonPay,
    BankTransfer,
}

impl Payment {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Payment::Card => "card",
            Payment::Konbini => "konbini",
            Payment::Cod => "cod",
            Payment::AmazonPay => "amazon_pay",
            Payment::BankTransfer => "bank_transfer",
        }
    }
}

/// How one shop trades.
pub(crate) struct Profile {
    pub history: History,
    /// The last year or so of trading, for the members-heavy shape.
    pub recent_history: History,
    /// The months around the example incident's window, for the
    /// match-heavy shape.
    pub match_history: History,
    pub payments: &'static [Payment],
    pub payment_cum: &'static [u32],
    pub categories: &'static [&'static str],
    pub category_cum: &'static [u32],
    /// Share of rows (basis points) that are in-store sales.
    pub store_bp: u32,
    /// Whether the shop sells anything that renews automatically.
    pub auto_renewal: bool,
}

static SOFTWARE: Profile = Profile {
    history: History::new((2020, 1, 1), (2023, 6, 30)),
    recent_history: History::new((2022, 6, 1), (2023, 6, 30)),
    match_history: History::new((2022, 11, 1), (2023, 1, 31)),
    payments: &[
        Payment::Card,
        Payment::Konbini,
        Payment::Cod,
        Payment::AmazonPay,
        Payment::BankTransfer,
    ],
    payment_cum: &cumulative([60, 12, 8, 15, 5]),
    categories: &[
        "software",
        "download",
        "subscription",
        "translator-device",
        "global-data-extension",
        "accessories",
    ],
    category_cum: &cumulative([22, 25, 20, 14, 4, 15]),
    store_bp: 0,
    auto_renewal: true,
};

/// The sweets shop closed its web store on 2021-06-16; its in-store sales
/// come from another system and carry no e-mail or address.
static CONFECTIONERY: Profile = Profile {
    history: History::new((2018, 1, 1), (2021, 6, 16)),
    recent_history: History::new((2020, 4, 1), (2021, 6, 16)),
    match_history: History::new((2021, 2, 1), (2021, 6, 16)),
    payments: &[
        Payment::Card,
        Payment::Cod,
        Payment::BankTransfer,
        Payment::Konbini,
    ],
    payment_cum: &cumulative([70, 15, 10, 5]),
    categories: &["cookies", "gift-box", "seasonal", "baked-goods"],
    category_cum: &cumulative([40, 25, 20, 15]),
    store_bp: 1_000,
    auto_renewal: false,
};

pub(crate) struct Ctx {
    pub seed: u64,
    pub profile: &'static Profile,
    pub shape: ShapeParams,
    /// The shop's payment weights, as the shape adjusts them.
    pub payment_cum: Vec<u32>,
    history: History,
    pub customers: u64,
    pub checkouts: u64,
    /// Number of distinct guest identities; guests are drawn from this pool
    /// so that the same guest comes back on several checkouts.
    pub guests: u64,
    /// Number of distinct cards seen only in the physical shop.
    pub store_cards: u64,
    /// Salt for the numbers in e-mail addresses.
    pub email_salt: u64,
}

impl Ctx {
    pub(crate) fn new(spec: &DemoSpec) -> Ctx {
        let profile = match spec.shop {
            Shop::Software => &SOFTWARE,
            Shop::Confectionery => &CONFECTIONERY,
        };
        let shape = spec.shape.params();
        // The standard shape: about 35% of checkouts are by guests, each
        // guest coming back about three times on average.
        let guests = (u128::from(spec.checkouts) * u128::from(shape.guest_share_bp) * 100
            / 10_000
            / u128::from(shape.guest_visits_x100.max(1)))
        .max(1) as u64;
        let store_cards = (spec.checkouts * u64::from(profile.store_bp) / 10_000 / 2).max(1);
        Ctx {
            seed: spec.seed,
            profile,
            shape,
            payment_cum: shape.payment_cum(profile.payments, profile.payment_cum),
            history: shape.history(profile),
            customers: spec.customers,
            checkouts: spec.checkouts,
            guests,
            store_cards,
            email_salt: key(spec.seed, Domain::EmailNumber, 0),
        }
    }

    /// The header of customers.csv: breachdesk's columns, then the shape's.
    pub(crate) fn customers_header(&self) -> String {
        let extra = if self.shape.wide {
            crate::wide::CUSTOMER_COLUMNS
        } else {
            ""
        };
        format!("{}{extra}", crate::CUSTOMERS_HEADER)
    }

    /// The header of checkouts.csv: breachdesk's columns, then the shape's.
    pub(crate) fn checkouts_header(&self) -> String {
        let extra = if self.shape.wide {
            crate::wide::CHECKOUT_COLUMNS
        } else {
            ""
        };
        format!("{}{extra}", crate::CHECKOUTS_HEADER)
    }

    pub(crate) fn history(&self) -> History {
        self.history
    }

    /// Day (offset into the history) on which customer `i` registered:
    /// customer numbers are handed out in registration order.
    pub(crate) fn registration_day(&self, i: u64) -> u64 {
        scale(i, self.history().days, self.customers)
    }

    /// Number of customers registered strictly before history day `day`:
    /// exactly the `i` with `registration_day(i) < day`.
    pub(crate) fn registered_before(&self, day: u64) -> u64 {
        let (d, n, days) = (
            u128::from(day),
            u128::from(self.customers),
            u128::from(self.history().days),
        );
        ((d * n).div_ceil(days)).min(n) as u64
    }

    /// Day on which checkout `j` happens: checkouts are spread evenly over
    /// the history in id order.
    pub(crate) fn checkout_day(&self, j: u64) -> u64 {
        scale(j, self.history().days, self.checkouts)
    }
}

/// `i * days / count` without overflow.
fn scale(i: u64, days: u64, count: u64) -> u64 {
    (u128::from(i) * u128::from(days) / u128::from(count.max(1))) as u64
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn registered_before_counts_exactly() {
        for customers in [0u64, 1, 7, 1_000, 12_345] {
            let ctx = Ctx::new(&DemoSpec {
                shop: Shop::Software,
                customers,
                checkouts: 10,
                seed: 1,
                shape: crate::Shape::Standard,
            });
            for day in [0u64, 1, 2, 100, 1_000, ctx.history().days] {
                let expected = (0..customers)
                    .filter(|&i| ctx.registration_day(i) < day)
                    .count() as u64;
                assert_eq!(
                    ctx.registered_before(day),
                    expected,
                    "{customers} customers, day {day}"
                );
            }
        }
    }

    #[test]
    fn weights_line_up() {
        for p in [&SOFTWARE, &CONFECTIONERY] {
            assert_eq!(p.payments.len(), p.payment_cum.len());
            assert_eq!(p.categories.len(), p.category_cum.len());
        }
        assert_eq!(SOFTWARE.history.days, 1_277);
    }
}
