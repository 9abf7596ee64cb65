//! The items of personal data an exposure can reveal, and small sets of them.

use std::fmt;

/// One kind of personal data. The names are the contract of the incident file
/// and of `affected.csv`, so they never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Item {
    Address,
    BirthDate,
    CardExpiry,
    CardHolder,
    CardNumber,
    CardSecurityCode,
    Email,
    Name,
    NameKana,
    OrderHistory,
    PasswordHash,
    Phone,
    PostalCode,
}

impl Item {
    /// Every item, sorted by name (the enum is declared in name order so that
    /// iterating a set yields names in the byte order `affected.csv` wants).
    pub const ALL: [Item; 13] = [
        Item::Address,
        Item::BirthDate,
        Item::CardExpiry,
        Item::CardHolder,
        Item::CardNumber,
        Item::CardSecurityCode,
        Item::Email,
        Item::Name,
        Item::NameKana,
        Item::OrderHistory,
        Item::PasswordHash,
        Item::Phone,
        Item::PostalCode,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Item::Address => "address",
            Item::BirthDate => "birth_date",
            Item::CardExpiry => "card_expiry",
            Item::CardHolder => "card_holder",
            Item::CardNumber => "card_number",
            Item::CardSecurityCode => "card_security_code",
            Item::Email => "email",
            Item::Name => "name",
            Item::NameKana => "name_kana",
            Item::OrderHistory => "order_history",
            Item::PasswordHash => "password_hash",
            Item::Phone => "phone",
            Item::PostalCode => "postal_code",
        }
    }

    pub fn from_name(name: &str) -> Option<Item> {
        Item::ALL.into_iter().find(|item| item.name() == name)
    }

    /// Items that only exist where the card was typed into the form.
    pub fn is_card(self) -> bool {
        matches!(
            self,
            Item::CardNumber | Item::CardExpiry | Item::CardSecurityCode | Item::CardHolder
        )
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of items as a bit mask: cheap to copy and merge in the hot loop.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ItemSet(u16);

impl ItemSet {
    pub const EMPTY: ItemSet = ItemSet(0);

    pub fn insert(&mut self, item: Item) {
        self.0 |= item.bit();
    }

    pub fn contains(self, item: Item) -> bool {
        self.0 & item.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The mask itself, for tallies keyed by item set.
    pub fn bits(self) -> u16 {
        self.0
    }

    /// A set from [`ItemSet::bits`]; bits that name no item are dropped.
    pub fn from_bits(bits: u16) -> ItemSet {
        Item::ALL
            .into_iter()
            .filter(|item| bits & item.bit() != 0)
            .collect()
    }

    pub fn union(self, other: ItemSet) -> ItemSet {
        ItemSet(self.0 | other.0)
    }

    pub fn has_card_item(self) -> bool {
        self.iter().any(Item::is_card)
    }

    /// Items in name order.
    pub fn iter(self) -> impl Iterator<Item = Item> {
        Item::ALL
            .into_iter()
            .filter(move |item| self.contains(*item))
    }

    /// Names joined with `;`, the form used in `affected.csv`.
    pub fn joined(self) -> String {
        self.iter().map(Item::name).collect::<Vec<_>>().join(";")
    }
}

impl FromIterator<Item> for ItemSet {
    fn from_iter<T: IntoIterator<Item = Item>>(iter: T) -> Self {
        let mut set = ItemSet::EMPTY;
        for item in iter {
            set.insert(item);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_sorted_by_name_and_round_trips() {
        let names: Vec<_> = Item::ALL.iter().map(|i| i.name()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        for item in Item::ALL {
            assert_eq!(Item::from_name(item.name()), Some(item));
        }
        assert_eq!(Item::from_name("cardnumber"), None);
    }

    #[test]
    fn set_joins_in_name_order() {
        let set: ItemSet = [Item::Name, Item::CardNumber, Item::Email]
            .into_iter()
            .collect();
        assert_eq!(set.joined(), "card_number;email;name");
        assert!(set.has_card_item());
        assert!(!ItemSet::EMPTY.has_card_item());
    }
}
