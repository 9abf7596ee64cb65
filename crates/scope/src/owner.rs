//! Who a checkout belongs to, resolved once per matched row: the rule of
//! `breachdesk_domain::person::checkout_person_key`, but naming an account
//! by its directory index so that no key string is built for members, and
//! normalizing the email (NFKC) only when the row has no customer id.

use crate::directory::CustomerDirectory;
use breachdesk_domain::column::checkout as co;
use breachdesk_domain::person::{CHECKOUT_PREFIX, GUEST_PREFIX};
use breachdesk_domain::{Record, normalize_email};

/// What kind of text key a person without an account has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum TextKind {
    /// A `customer_id` the customers file does not have.
    UnknownId,
    /// `guest:<normalized email>`.
    Guest,
    /// `checkout:<checkout_id>`: no account and no email.
    Checkout,
}

impl TextKind {
    pub(crate) fn prefix(self) -> &'static str {
        match self {
            TextKind::UnknownId => "",
            TextKind::Guest => GUEST_PREFIX,
            TextKind::Checkout => CHECKOUT_PREFIX,
        }
    }
}

/// The person a checkout belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Owner<'a> {
    /// An account in the directory (by its id, or by its email: rule 2).
    Customer(u32),
    /// A person known by text: `rest` follows the kind's prefix.
    Text {
        kind: TextKind,
        rest: std::borrow::Cow<'a, str>,
        /// The checkout's normalized email, kept for an unknown id's person.
        email: Option<String>,
    },
}

impl Owner<'_> {
    /// The person key as `checkout_person_key` writes it.
    pub(crate) fn key(&self, directory: &CustomerDirectory) -> String {
        match self {
            Owner::Customer(i) => directory.id(*i).to_owned(),
            Owner::Text { kind, rest, .. } => format!("{}{rest}", kind.prefix()),
        }
    }

    /// Whether the account behind the checkout has a password hash on file.
    pub(crate) fn has_password(&self, directory: &CustomerDirectory) -> bool {
        match self {
            Owner::Customer(i) => directory.info(*i).has_password,
            Owner::Text { .. } => false,
        }
    }
}

/// Resolves the owner of a checkout.
pub(crate) fn resolve<'a>(directory: &CustomerDirectory, record: &Record<'a>) -> Owner<'a> {
    let id = record.get(co::CUSTOMER_ID).trim();
    if !id.is_empty() {
        return match directory.index_of_id(id) {
            Some(i) => Owner::Customer(i),
            None => Owner::Text {
                kind: TextKind::UnknownId,
                rest: id.into(),
                email: normalize_email(record.get(co::EMAIL)),
            },
        };
    }
    match normalize_email(record.get(co::EMAIL)) {
        Some(email) => match directory.index_of_email(&email) {
            Some(i) => Owner::Customer(i),
            None => Owner::Text {
                kind: TextKind::Guest,
                rest: email.into(),
                email: None,
            },
        },
        None => Owner::Text {
            kind: TextKind::Checkout,
            rest: record.get(co::CHECKOUT_ID).trim().into(),
            email: None,
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::directory::DirectoryShard;
    use breachdesk_domain::person::checkout_person_key;
    use breachdesk_domain::{RecordKind, column::customer as cu};
    use hashbrown::DefaultHashBuilder;

    fn directory() -> CustomerDirectory {
        let hasher = DefaultHashBuilder::default();
        let mut shard = DirectoryShard::new(hasher.clone());
        for (line, (id, email)) in [("C1", "Taro@Example.JP"), ("C2", "")].iter().enumerate() {
            let mut record = Record::empty(RecordKind::Customers);
            record.text[cu::CUSTOMER_ID] = id;
            record.text[cu::EMAIL] = email;
            shard.add(&record, line as u64 + 2);
        }
        CustomerDirectory::from_shards(vec![shard], hasher)
            .unwrap()
            .0
    }

    #[test]
    fn keys_agree_with_the_domain_rule() {
        let dir = directory();
        let rows = [
            ("C2", "taro@example.jp", "K1"),
            ("C9", "hana@example.jp", "K2"),
            ("", "ＴＡＲＯ@example.jp", "K3"),
            ("", "hana@example.jp", "K4"),
            (" ", "  ", "K5"),
        ];
        for (id, email, checkout) in rows {
            let mut record = Record::empty(RecordKind::Checkouts);
            record.text[co::CUSTOMER_ID] = id;
            record.text[co::EMAIL] = email;
            record.text[co::CHECKOUT_ID] = checkout;
            let expected =
                checkout_person_key(id, normalize_email(email).as_deref(), checkout, |e| {
                    dir.by_email(e).map(|c| c.id)
                });
            assert_eq!(
                resolve(&dir, &record).key(&dir),
                expected,
                "{id:?} {email:?}"
            );
        }
    }
}
