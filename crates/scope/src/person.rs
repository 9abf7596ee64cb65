//! What scoping remembers of one affected person while the rows stream past:
//! a fixed-size record, with no allocation at all for a person with an
//! account (named by directory index, name and email read from the
//! directory) and one for a person without (their key, latest name and
//! email in one string). Folding in a checkout is order-free, so the result
//! does not depend on how the file was split or which worker came first.

use crate::detail::CompactDetail;
use crate::owner::{Owner, TextKind};
use breachdesk_domain::{Instant, ItemSet};

/// When a value was seen: the latest wins, the later line on a tie, so the
/// choice is the same however rows were split.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Stamp {
    pub at: Instant,
    pub line: u64,
}

impl Stamp {
    const NEVER: Stamp = Stamp {
        at: Instant::MIN,
        line: 0,
    };
}

/// Who the record is about.
pub(crate) enum Who {
    Customer(u32),
    /// `texts` is the key, then the latest name, then (for an unknown id)
    /// the latest email.
    Text {
        kind: TextKind,
        texts: Box<str>,
        key_len: u32,
        name_len: u32,
    },
}

impl Who {
    pub(crate) fn from_owner(owner: &Owner<'_>) -> Who {
        match owner {
            Owner::Customer(i) => Who::Customer(*i),
            Owner::Text { kind, rest, .. } => {
                let key = format!("{}{rest}", kind.prefix());
                Who::Text {
                    kind: *kind,
                    key_len: len32(&key),
                    name_len: 0,
                    texts: key.into_boxed_str(),
                }
            }
        }
    }

    /// Whether this is the person `owner` names.
    pub(crate) fn is(&self, owner: &Owner<'_>) -> bool {
        match (self, owner) {
            (Who::Customer(a), Owner::Customer(b)) => a == b,
            (Who::Text { kind: a, .. }, Owner::Text { kind: b, rest, .. }) => {
                a == b && self.key_rest() == rest
            }
            _ => false,
        }
    }

    /// The text key (empty for an account: its key is in the directory).
    pub(crate) fn text_key(&self) -> &str {
        match self {
            Who::Customer(_) => "",
            Who::Text { texts, key_len, .. } => texts.get(..*key_len as usize).unwrap_or(""),
        }
    }

    /// The text key without its kind's prefix.
    pub(crate) fn key_rest(&self) -> &str {
        match self {
            Who::Customer(_) => "",
            Who::Text { kind, .. } => self.text_key().get(kind.prefix().len()..).unwrap_or(""),
        }
    }

    pub(crate) fn kind(&self) -> Option<TextKind> {
        match self {
            Who::Customer(_) => None,
            Who::Text { kind, .. } => Some(*kind),
        }
    }

    /// The latest name typed on a checkout (persons without an account).
    pub(crate) fn name(&self) -> &str {
        match self {
            Who::Customer(_) => "",
            Who::Text {
                texts,
                key_len,
                name_len,
                ..
            } => {
                let start = *key_len as usize;
                texts.get(start..start + *name_len as usize).unwrap_or("")
            }
        }
    }

    /// The latest normalized email of an unknown id's checkouts.
    pub(crate) fn email(&self) -> &str {
        match self {
            Who::Customer(_) => "",
            Who::Text {
                texts,
                key_len,
                name_len,
                ..
            } => texts.get((*key_len + *name_len) as usize..).unwrap_or(""),
        }
    }

    fn set_texts(&mut self, name: &str, email: &str) {
        if let Who::Text {
            texts,
            key_len,
            name_len,
            ..
        } = self
        {
            let key = texts.get(..*key_len as usize).unwrap_or("");
            let mut joined = String::with_capacity(key.len() + name.len() + email.len());
            joined.push_str(key);
            joined.push_str(name);
            joined.push_str(email);
            *name_len = len32(name);
            *texts = joined.into_boxed_str();
        }
    }
}

/// Cells are at most one record long, which the reader caps far below 4 GiB.
fn len32(s: &str) -> u32 {
    u32::try_from(s.len()).unwrap_or(u32::MAX)
}

/// Keyed 128-bit hashes of the card fingerprints of matched checkouts: 16
/// bytes a card instead of the fingerprint string, and no allocation for a
/// person with one card. 128 bits keep accidental collisions out of any
/// count (about 2^-90 for a billion cards); the key keeps crafted ones out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum CardSet {
    #[default]
    None,
    One([u64; 2]),
    Many(Vec<[u64; 2]>),
}

impl CardSet {
    pub(crate) fn insert(&mut self, card: [u64; 2]) {
        match self {
            CardSet::None => *self = CardSet::One(card),
            CardSet::One(first) if *first == card => {}
            CardSet::One(first) => *self = CardSet::Many(vec![*first, card]),
            CardSet::Many(cards) => {
                if !cards.contains(&card) {
                    cards.push(card);
                }
            }
        }
    }

    pub(crate) fn as_slice(&self) -> &[[u64; 2]] {
        match self {
            CardSet::None => &[],
            CardSet::One(card) => std::slice::from_ref(card),
            CardSet::Many(cards) => cards,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.as_slice().len()
    }
}

/// One matched checkout, folded into its person.
pub(crate) struct CheckoutHit<'a> {
    pub exposures: u64,
    pub items: ItemSet,
    pub card: Option<[u64; 2]>,
    pub at: Instant,
    pub line: u64,
    pub name: &'a str,
    pub normalized_email: Option<&'a str>,
    pub detail: Option<CompactDetail>,
}

pub(crate) struct PersonAgg {
    pub who: Who,
    pub exposures: u64,
    /// Earliest and latest matched checkout; `Instant::MAX`/`MIN` with none.
    first: Instant,
    last: Instant,
    name_stamp: Stamp,
    email_stamp: Stamp,
    checkouts: u32,
    pub items: ItemSet,
    pub cards: CardSet,
    /// The matched checkouts themselves, when the caller asked for them.
    pub details: Vec<CompactDetail>,
}

impl PersonAgg {
    pub(crate) fn new(who: Who) -> PersonAgg {
        PersonAgg {
            who,
            exposures: 0,
            first: Instant::MAX,
            last: Instant::MIN,
            name_stamp: Stamp::NEVER,
            email_stamp: Stamp::NEVER,
            checkouts: 0,
            items: ItemSet::EMPTY,
            cards: CardSet::None,
            details: Vec::new(),
        }
    }

    pub(crate) fn checkouts(&self) -> u64 {
        u64::from(self.checkouts)
    }

    /// The time span of the matched checkouts, if any.
    pub(crate) fn span(&self) -> Option<(Instant, Instant)> {
        (self.checkouts > 0).then_some((self.first, self.last))
    }

    pub(crate) fn add_checkout(&mut self, hit: CheckoutHit<'_>) {
        self.exposures |= hit.exposures;
        self.items = self.items.union(hit.items);
        self.checkouts = self.checkouts.saturating_add(1);
        if let Some(card) = hit.card {
            self.cards.insert(card);
        }
        self.first = self.first.min(hit.at);
        self.last = self.last.max(hit.at);
        if let Some(detail) = hit.detail {
            // Most persons have one or two: grow one at a time, not by
            // the four a first push would take.
            if self.details.len() < 4 {
                self.details.reserve_exact(1);
            }
            self.details.push(detail);
        }
        let Some(kind) = self.who.kind() else {
            // A person with an account is named by it: remembering the name
            // and address typed on each checkout would only cost memory.
            return;
        };
        let stamp = Stamp {
            at: hit.at,
            line: hit.line,
        };
        let mut name = None;
        if !hit.name.trim().is_empty() && stamp > self.name_stamp {
            self.name_stamp = stamp;
            if self.who.name() != hit.name {
                name = Some(hit.name);
            }
        }
        let mut email = None;
        if kind == TextKind::UnknownId
            && let Some(e) = hit.normalized_email
            && stamp > self.email_stamp
        {
            self.email_stamp = stamp;
            if self.who.email() != e {
                email = Some(e);
            }
        }
        if name.is_some() || email.is_some() {
            let name = name.map_or_else(|| self.who.name().to_owned(), str::to_owned);
            let email = email.map_or_else(|| self.who.email().to_owned(), str::to_owned);
            self.who.set_texts(&name, &email);
        }
    }

    pub(crate) fn add_customer(&mut self, exposures: u64, items: ItemSet) {
        self.exposures |= exposures;
        self.items = self.items.union(items);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn hit<'a>(at: i64, line: u64, name: &'a str, email: Option<&'a str>) -> CheckoutHit<'a> {
        CheckoutHit {
            exposures: 1,
            items: ItemSet::EMPTY,
            card: Some([at as u64, 0]),
            at: Instant(at),
            line,
            name,
            normalized_email: email,
            detail: None,
        }
    }

    fn unknown() -> PersonAgg {
        PersonAgg::new(Who::from_owner(&Owner::Text {
            kind: TextKind::UnknownId,
            rest: "X9".into(),
            email: None,
        }))
    }

    #[test]
    fn the_latest_name_and_email_win_in_any_order() {
        let hits = [
            (5, 10, "新しい 名前", Some("new@example.jp")),
            (1, 2, "古い 名前", Some("old@example.jp")),
            (5, 3, "同時刻の 前の行", None),
            (9, 1, "  ", Some("blank-name@example.jp")),
        ];
        // Every rotation and its reverse.
        for start in 0..hits.len() {
            for reverse in [false, true] {
                let mut order: Vec<_> = hits.iter().cycle().skip(start).take(hits.len()).collect();
                if reverse {
                    order.reverse();
                }
                let mut agg = unknown();
                for &&(at, line, name, email) in &order {
                    agg.add_checkout(hit(at, line, name, email));
                }
                assert_eq!(agg.who.name(), "新しい 名前", "from {start}, {reverse}");
                assert_eq!(agg.who.email(), "blank-name@example.jp");
                assert_eq!(agg.who.text_key(), "X9");
                assert_eq!(agg.checkouts(), 4);
                assert_eq!(agg.span(), Some((Instant(1), Instant(9))));
                assert_eq!(agg.cards.len(), 3, "cards 5, 1 and 9");
            }
        }
    }

    #[test]
    fn accounts_keep_no_texts_and_cards_stay_distinct() {
        let mut agg = PersonAgg::new(Who::Customer(7));
        agg.add_checkout(hit(1, 1, "山田 太郎", Some("t@example.jp")));
        agg.add_checkout(hit(1, 2, "山田 太郎", None));
        assert_eq!((agg.who.name(), agg.who.email()), ("", ""));
        assert_eq!(agg.cards, CardSet::One([1, 0]));
        assert!(agg.who.is(&Owner::Customer(7)));
        assert!(!agg.who.is(&Owner::Customer(8)));
        assert_eq!(PersonAgg::new(Who::Customer(1)).span(), None);
    }
}
