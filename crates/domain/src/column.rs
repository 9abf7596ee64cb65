//! The columns of the two record kinds, as the scoping contract names them.

use std::fmt;

/// Which table a record comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Checkouts,
    Customers,
}

impl RecordKind {
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Checkouts => "checkouts",
            RecordKind::Customers => "customers",
        }
    }

    pub fn from_name(name: &str) -> Option<RecordKind> {
        match name {
            "checkouts" => Some(RecordKind::Checkouts),
            "customers" => Some(RecordKind::Customers),
            _ => None,
        }
    }

    pub fn columns(self) -> &'static [ColumnDef] {
        match self {
            RecordKind::Checkouts => &CHECKOUT_COLUMNS,
            RecordKind::Customers => &CUSTOMER_COLUMNS,
        }
    }

    /// Position of a column in [`RecordKind::columns`].
    pub fn column_index(self, name: &str) -> Option<usize> {
        self.columns().iter().position(|c| c.name == name)
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a column's text is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    /// `true`/`false`, `1`/`0`, empty = false.
    Flag,
    /// A timestamp with or without offset.
    Time,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnDef {
    pub name: &'static str,
    pub ty: ColumnType,
    pub required: bool,
}

const fn col(name: &'static str, ty: ColumnType, required: bool) -> ColumnDef {
    ColumnDef { name, ty, required }
}

use ColumnType::{Flag, Text, Time};

/// The most columns a record kind has; a record holds this many text slots.
pub const MAX_COLUMNS: usize = 19;

/// Column positions of a checkout record.
pub mod checkout {
    pub const CHECKOUT_ID: usize = 0;
    pub const SUBMITTED_AT: usize = 1;
    pub const CUSTOMER_ID: usize = 2;
    pub const LOGGED_IN: usize = 3;
    pub const CHANNEL: usize = 4;
    pub const PAYMENT_METHOD: usize = 5;
    pub const CARD_ENTRY: usize = 6;
    pub const CARD_BRAND: usize = 7;
    pub const CARD_LAST4: usize = 8;
    pub const CARD_FINGERPRINT: usize = 9;
    pub const ORDER_ID: usize = 10;
    pub const AUTO_RENEWAL: usize = 11;
    pub const PRODUCT_CATEGORY: usize = 12;
    pub const NAME: usize = 13;
    pub const NAME_KANA: usize = 14;
    pub const EMAIL: usize = 15;
    pub const PHONE: usize = 16;
    pub const POSTAL_CODE: usize = 17;
    pub const ADDRESS: usize = 18;
}

/// Column positions of a customer record.
pub mod customer {
    pub const CUSTOMER_ID: usize = 0;
    pub const EMAIL: usize = 1;
    pub const NAME: usize = 2;
    pub const NAME_KANA: usize = 3;
    pub const PHONE: usize = 4;
    pub const POSTAL_CODE: usize = 5;
    pub const ADDRESS: usize = 6;
    pub const BIRTH_DATE: usize = 7;
    pub const PASSWORD_HASH: usize = 8;
    pub const REGISTERED_AT: usize = 9;
    pub const WITHDRAWN_AT: usize = 10;
}

pub static CHECKOUT_COLUMNS: [ColumnDef; MAX_COLUMNS] = [
    col("checkout_id", Text, true),
    col("submitted_at", Time, true),
    col("customer_id", Text, false),
    col("logged_in", Flag, true),
    col("channel", Text, true),
    col("payment_method", Text, true),
    col("card_entry", Text, false),
    col("card_brand", Text, false),
    col("card_last4", Text, false),
    col("card_fingerprint", Text, false),
    col("order_id", Text, false),
    col("auto_renewal", Flag, false),
    col("product_category", Text, false),
    col("name", Text, false),
    col("name_kana", Text, false),
    col("email", Text, false),
    col("phone", Text, false),
    col("postal_code", Text, false),
    col("address", Text, false),
];

pub static CUSTOMER_COLUMNS: [ColumnDef; 11] = [
    col("customer_id", Text, true),
    col("email", Text, true),
    col("name", Text, true),
    col("name_kana", Text, false),
    col("phone", Text, false),
    col("postal_code", Text, false),
    col("address", Text, false),
    col("birth_date", Text, false),
    col("password_hash", Text, false),
    col("registered_at", Time, true),
    col("withdrawn_at", Time, false),
];

/// Reads a boolean cell: `true`/`false` (any case: Excel writes `TRUE`),
/// `1`/`0`, empty = false.
pub fn parse_flag(text: &str) -> Option<bool> {
    match text {
        "true" | "1" => Some(true),
        "false" | "0" | "" => Some(false),
        _ if text.eq_ignore_ascii_case("true") => Some(true),
        _ if text.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_constants_match_the_tables() {
        let c = RecordKind::Checkouts;
        assert_eq!(c.column_index("checkout_id"), Some(checkout::CHECKOUT_ID));
        assert_eq!(c.column_index("submitted_at"), Some(checkout::SUBMITTED_AT));
        assert_eq!(c.column_index("customer_id"), Some(checkout::CUSTOMER_ID));
        assert_eq!(c.column_index("logged_in"), Some(checkout::LOGGED_IN));
        assert_eq!(c.column_index("card_entry"), Some(checkout::CARD_ENTRY));
        assert_eq!(
            c.column_index("card_fingerprint"),
            Some(checkout::CARD_FINGERPRINT)
        );
        assert_eq!(c.column_index("order_id"), Some(checkout::ORDER_ID));
        assert_eq!(c.column_index("auto_renewal"), Some(checkout::AUTO_RENEWAL));
        assert_eq!(c.column_index("name"), Some(checkout::NAME));
        assert_eq!(c.column_index("email"), Some(checkout::EMAIL));
        assert_eq!(c.column_index("address"), Some(checkout::ADDRESS));
        let k = RecordKind::Customers;
        assert_eq!(k.column_index("email"), Some(customer::EMAIL));
        assert_eq!(
            k.column_index("password_hash"),
            Some(customer::PASSWORD_HASH)
        );
        assert_eq!(
            k.column_index("registered_at"),
            Some(customer::REGISTERED_AT)
        );
        assert_eq!(k.column_index("withdrawn_at"), Some(customer::WITHDRAWN_AT));
        assert_eq!(k.column_index("payment_method"), None);
    }

    #[test]
    fn flags() {
        assert_eq!(parse_flag("1"), Some(true));
        assert_eq!(parse_flag(""), Some(false));
        assert_eq!(parse_flag("TRUE"), Some(true));
        assert_eq!(parse_flag("False"), Some(false));
        assert_eq!(parse_flag("2"), None);
        assert_eq!(parse_flag("yes"), None);
    }
}
