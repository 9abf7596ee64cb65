//! Shapes of data: the same shop, traded in proportions that change what a
//! scope over its exports costs. A benchmark on one shape says little about
//! another: many signed-in members make the customer lookups dominate, a
//! window that covers most of the history makes the per-person work
//! dominate, long free-text rows make splitting dominate.

use std::fmt;
use std::str::FromStr;

use crate::time::History;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Shape {
    /// The shop as it is: about 65 % of online checkouts by signed-in
    /// members, guests coming back about three times, five years of history.
    #[default]
    Standard,
    /// 70 % of checkouts by members who each check out many times, 30 % by
    /// guests who mostly come once or twice, three checkouts in seven by card.
    MembersHeavy,
    /// The history is little more than the incident's window and most
    /// checkouts are typed by new buyers: about half of all checkouts match.
    MatchHeavy,
    /// The standard proportions, with long addresses (building, room, a
    /// company and department) and free-text columns a scope never reads
    /// (delivery notes, gift messages, items, the browser's user agent).
    Wide,
}

impl Shape {
    pub const ALL: [Shape; 4] = [
        Shape::Standard,
        Shape::MembersHeavy,
        Shape::MatchHeavy,
        Shape::Wide,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Standard => "standard",
            Shape::MembersHeavy => "members-heavy",
            Shape::MatchHeavy => "match-heavy",
            Shape::Wide => "wide",
        }
    }

    pub(crate) fn params(self) -> ShapeParams {
        let standard = ShapeParams {
            member_bp: 6_500,
            guest_share_bp: 3_500,
            guest_visits_x100: 300,
            card_bp: None,
            span: Span::Whole,
            wide: false,
        };
        match self {
            Shape::Standard => standard,
            Shape::MembersHeavy => ShapeParams {
                member_bp: 7_000,
                guest_share_bp: 3_000,
                // 1.2M guest checkouts from 600k identities: about 520k
                // distinct guests actually check out.
                guest_visits_x100: 200,
                card_bp: Some(4_286),
                span: Span::Recent,
                ..standard
            },
            Shape::MatchHeavy => ShapeParams {
                member_bp: 4_000,
                guest_share_bp: 6_000,
                guest_visits_x100: 160,
                card_bp: Some(7_000),
                span: Span::AroundIncident,
                ..standard
            },
            Shape::Wide => ShapeParams {
                wide: true,
                ..standard
            },
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A shape name that is not one of [`Shape::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown shape {0:?} (expected standard, members-heavy, match-heavy or wide)")]
pub struct UnknownShape(pub String);

impl FromStr for Shape {
    type Err = UnknownShape;

    fn from_str(s: &str) -> Result<Shape, UnknownShape> {
        Shape::ALL
            .into_iter()
            .find(|shape| shape.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownShape(s.to_owned()))
    }
}

/// Which part of a shop's history a shape trades in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Span {
    /// All of it.
    Whole,
    /// The year before the web store closed: a denser customer base.
    Recent,
    /// The months around the example incident's window.
    AroundIncident,
}

/// The numbers behind a shape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ShapeParams {
    /// Chance (basis points) that an online checkout is a signed-in member's.
    pub member_bp: u32,
    /// Share of checkouts (basis points) expected to be guests', which sizes
    /// the pool of guest identities.
    pub guest_share_bp: u32,
    /// Checkouts per guest identity, times 100.
    pub guest_visits_x100: u64,
    /// Share of card payments (basis points); the other methods keep the
    /// shop's relative weights. `None`: the shop's own mix.
    pub card_bp: Option<u32>,
    /// Which part of the shop's history the checkouts fall in.
    pub span: Span,
    /// Long addresses and free-text columns.
    pub wide: bool,
}

impl ShapeParams {
    /// Cumulative payment weights: the shop's, or with the card share
    /// replaced (weights in basis points of all checkouts).
    pub(crate) fn payment_cum(&self, payments: &[crate::ctx::Payment], cum: &[u32]) -> Vec<u32> {
        let Some(card_bp) = self.card_bp else {
            return cum.to_vec();
        };
        let weights: Vec<u32> = cum
            .iter()
            .scan(0, |prev, &c| {
                let w = c - *prev;
                *prev = c;
                Some(w)
            })
            .collect();
        let others: u64 = payments
            .iter()
            .zip(&weights)
            .filter(|(p, _)| **p != crate::ctx::Payment::Card)
            .map(|(_, &w)| u64::from(w))
            .sum();
        let rest = u64::from(10_000u32.saturating_sub(card_bp));
        let mut total = 0;
        payments
            .iter()
            .zip(&weights)
            .map(|(p, &w)| {
                total += if *p == crate::ctx::Payment::Card {
                    card_bp
                } else {
                    (u64::from(w) * rest).checked_div(others).unwrap_or(0) as u32
                };
                total
            })
            .collect()
    }

    pub(crate) fn history(&self, profile: &crate::ctx::Profile) -> History {
        match self.span {
            Span::Whole => profile.history,
            Span::Recent => profile.recent_history,
            Span::AroundIncident => profile.match_history,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::ctx::Payment;

    #[test]
    fn names_round_trip() {
        for shape in Shape::ALL {
            assert_eq!(shape.to_string().parse::<Shape>().unwrap(), shape);
        }
        assert_eq!(
            "Members-Heavy".parse::<Shape>().unwrap(),
            Shape::MembersHeavy
        );
        assert!("tall".parse::<Shape>().is_err());
    }

    #[test]
    fn card_share_replaces_the_shops_own() {
        let payments = [Payment::Card, Payment::Konbini, Payment::Cod];
        let cum = [60, 80, 100];
        let own = Shape::Standard.params().payment_cum(&payments, &cum);
        assert_eq!(own, vec![60, 80, 100]);
        let params = ShapeParams {
            card_bp: Some(4_000),
            ..Shape::Standard.params()
        };
        // The other two keep their 1:1 ratio in the remaining 60 %.
        assert_eq!(
            params.payment_cum(&payments, &cum),
            vec![4_000, 7_000, 10_000]
        );
    }
}
