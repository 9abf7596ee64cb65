//! Mapping a file's columns onto a record kind, and checking each row's cells.

use crate::error::RowError;
use breachdesk_domain::column::{ColumnDef, ColumnType, parse_flag};
use breachdesk_domain::{Record, RecordKind, Zone};

/// Which schema column each file column feeds, and how cells are checked.
#[derive(Clone, Debug)]
pub(crate) struct Schema {
    pub kind: RecordKind,
    pub zone: Zone,
    /// For each column of the file (CSV), the record column it fills.
    pub positions: Vec<Option<usize>>,
    /// The file's header names (CSV), for messages.
    pub names: Vec<String>,
    /// The columns whose cells are checked: typed ones and keys.
    checked: Vec<(usize, ColumnDef)>,
}

fn checked_columns(kind: RecordKind) -> Vec<(usize, ColumnDef)> {
    kind.columns()
        .iter()
        .enumerate()
        .filter(|(i, def)| def.ty != ColumnType::Text || must_be_filled(kind, *i))
        .map(|(i, def)| (i, *def))
        .collect()
}

/// Key columns must not be empty: every other step addresses rows by them.
fn must_be_filled(kind: RecordKind, column: usize) -> bool {
    let name = kind.columns().get(column).map(|c| c.name).unwrap_or("");
    matches!(
        name,
        "checkout_id" | "customer_id" | "submitted_at" | "registered_at"
    ) && {
        // `customer_id` is a key of customers but optional on checkouts (guests).
        !(kind == RecordKind::Checkouts && name == "customer_id")
    }
}

impl Schema {
    /// Builds the mapping from a CSV header; a missing required column or a
    /// known column named twice is an error on line 1.
    pub fn from_header(
        kind: RecordKind,
        zone: &Zone,
        header: &[String],
    ) -> Result<Schema, RowError> {
        let mut positions = Vec::with_capacity(header.len());
        let mut seen = vec![false; kind.columns().len()];
        for name in header {
            let column = kind.column_index(name);
            if let Some(c) = column {
                if seen[c] {
                    return Err(RowError::new(
                        0,
                        format!("column `{name}` appears twice in the header"),
                    ));
                }
                seen[c] = true;
            }
            positions.push(column);
        }
        for (def, present) in kind.columns().iter().zip(&seen) {
            if def.required && !present {
                return Err(RowError::new(
                    0,
                    format!("missing required column `{}` in the header", def.name),
                ));
            }
        }
        Ok(Schema {
            kind,
            zone: zone.clone(),
            positions,
            names: header.to_vec(),
            checked: checked_columns(kind),
        })
    }

    /// A schema for JSON Lines, whose rows name their fields themselves.
    pub fn for_json(kind: RecordKind, zone: &Zone) -> Schema {
        Schema {
            kind,
            zone: zone.clone(),
            positions: Vec::new(),
            names: Vec::new(),
            checked: checked_columns(kind),
        }
    }

    /// Checks the cells already placed in `record.text` and fills the parsed
    /// parts: times, flags, whether a password hash is there. Free-text
    /// columns need no check, so only typed and key columns are visited.
    pub fn finish(&self, record: &mut Record<'_>, line_offset: u64) -> Result<(), RowError> {
        for &(column, def) in &self.checked {
            let text = record.text[column];
            let bad = |message: String| RowError::new(line_offset, message).in_column(def.name);
            let blank = text.is_empty() || text.trim().is_empty();
            if blank {
                if must_be_filled(self.kind, column) {
                    return Err(bad("required value is empty".to_owned()));
                }
                continue;
            }
            match def.ty {
                ColumnType::Text => {}
                ColumnType::Flag => {
                    let value = parse_flag(text).or_else(|| parse_flag(text.trim())).ok_or_else(|| {
                        bad(format!("cannot read {text:?} as a boolean (use true/false, 1/0 or leave empty)"))
                    })?;
                    record.set_flag(column, value);
                }
                ColumnType::Time => {
                    let instant = self
                        .zone
                        .parse_timestamp(text)
                        .map_err(|e| bad(format!("cannot read {text:?} as a timestamp: {e}")))?;
                    if def.name == "withdrawn_at" {
                        record.withdrawn_at = Some(instant);
                    } else {
                        record.at = instant;
                    }
                }
            }
        }
        if self.kind == RecordKind::Customers {
            let hash = record.get(breachdesk_domain::column::customer::PASSWORD_HASH);
            record.has_password_hash = !hash.trim().is_empty();
        }
        Ok(())
    }

    pub fn column_name(&self, column: usize) -> &'static str {
        self.kind
            .columns()
            .get(column)
            .map(|c| c.name)
            .unwrap_or("?")
    }
}
