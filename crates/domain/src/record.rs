//! One input row, as the evaluation sees it.

use crate::column::{MAX_COLUMNS, RecordKind};
use crate::time::Instant;

/// A checkout or customer row with every field already checked: text cells
/// by column position (empty when absent), flags parsed, times as instants.
///
/// It borrows from the reader's buffers, so building one costs no allocation.
#[derive(Clone, Copy)]
pub struct Record<'a> {
    pub kind: RecordKind,
    /// Text of each column of `kind`, by position in `kind.columns()`.
    pub text: [&'a str; MAX_COLUMNS],
    /// Bit `i` set when flag column `i` is true.
    pub flags: u32,
    /// `submitted_at` of a checkout, `registered_at` of a customer.
    pub at: Instant,
    /// `withdrawn_at` of a customer.
    pub withdrawn_at: Option<Instant>,
    /// Whether the customer behind this record has a password hash: the
    /// customer's own cell, or for a checkout the resolved customer's.
    pub has_password_hash: bool,
}

impl<'a> Record<'a> {
    pub fn empty(kind: RecordKind) -> Record<'a> {
        Record {
            kind,
            text: [""; MAX_COLUMNS],
            flags: 0,
            at: Instant(0),
            withdrawn_at: None,
            has_password_hash: false,
        }
    }

    pub fn get(&self, column: usize) -> &'a str {
        self.text.get(column).copied().unwrap_or("")
    }

    pub fn flag(&self, column: usize) -> bool {
        self.flags & (1 << column) != 0
    }

    pub fn set_flag(&mut self, column: usize, value: bool) {
        if value {
            self.flags |= 1 << column;
        } else {
            self.flags &= !(1 << column);
        }
    }
}

// Records hold personal data: Debug shows only what identifies the row.
impl std::fmt::Debug for Record<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Record")
            .field("kind", &self.kind)
            .field("id", &self.get(0))
            .finish_non_exhaustive()
    }
}
