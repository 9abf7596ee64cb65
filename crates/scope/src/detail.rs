//! A matched checkout as scoping keeps it for the desk: its text fields in
//! one string, its time and exposures as numbers. Turned into the
//! `CheckoutDetail` the desk seals only when the person's row is produced:
//! kept as eight strings and a formatted time each, the checkouts of a
//! quarter of a million persons took half of a load's memory.

use crate::aggregate::CheckoutDetail;
use breachdesk_domain::column::checkout as co;
use breachdesk_domain::{Instant, Record, Zone};

/// The text fields, in this order, joined in `text`.
const FIELDS: [usize; 7] = [
    co::CHECKOUT_ID,
    co::ORDER_ID,
    co::PAYMENT_METHOD,
    co::CARD_BRAND,
    co::CARD_LAST4,
    co::POSTAL_CODE,
    co::ADDRESS,
];

pub(crate) struct CompactDetail {
    pub at: Instant,
    pub line: u64,
    pub exposures: u64,
    /// Where each field but the first starts in `text`.
    starts: [u32; 6],
    text: Box<str>,
}

impl CompactDetail {
    pub(crate) fn of(record: &Record<'_>, exposures: u64, line: u64) -> CompactDetail {
        let mut text = String::new();
        let mut starts = [0u32; 6];
        for (i, column) in FIELDS.into_iter().enumerate() {
            if i > 0 {
                // One record's cells, capped far below 4 GiB by the reader.
                starts[i - 1] = u32::try_from(text.len()).unwrap_or(u32::MAX);
            }
            let value = record.get(column);
            match column {
                co::CARD_LAST4 => text.push_str(&last4(value)),
                co::POSTAL_CODE | co::ADDRESS => text.push_str(value.trim()),
                _ => text.push_str(value),
            }
        }
        CompactDetail {
            at: record.at,
            line,
            exposures,
            starts,
            text: text.into_boxed_str(),
        }
    }

    fn field(&self, i: usize) -> &str {
        let start = if i == 0 {
            0
        } else {
            self.starts[i - 1] as usize
        };
        let end = self.starts.get(i).map_or(self.text.len(), |&e| e as usize);
        self.text.get(start..end).unwrap_or("")
    }

    /// The full detail, with its exposures' ids (`ids` by bit) sorted.
    pub(crate) fn expand(&self, zone: &Zone, ids: &[String]) -> CheckoutDetail {
        let mut exposures: Vec<String> = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| self.exposures & (1 << i) != 0)
            .map(|(_, id)| id.clone())
            .collect();
        exposures.sort_unstable();
        CheckoutDetail {
            checkout_id: self.field(0).to_owned(),
            order_id: self.field(1).to_owned(),
            submitted_at: zone.format(self.at),
            payment_method: self.field(2).to_owned(),
            card_brand: self.field(3).to_owned(),
            card_last4: self.field(4).to_owned(),
            postal_code: self.field(5).to_owned(),
            address: self.field(6).to_owned(),
            exposures,
            sort_key: (self.at, self.line),
        }
    }
}

/// At most the last four digits: a longer value (a full number typed into
/// the wrong column) must never be kept.
pub(crate) fn last4(value: &str) -> String {
    let digits: Vec<char> = value.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(4)..].iter().collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use breachdesk_domain::RecordKind;

    #[test]
    fn only_the_last_four_digits_are_kept() {
        assert_eq!(last4("4242"), "4242");
        assert_eq!(last4("4111 1111 1111 1234"), "1234");
        assert_eq!(last4("12"), "12");
        assert_eq!(last4(""), "");
    }

    #[test]
    fn fields_come_back_as_they_went_in() {
        let mut record = Record::empty(RecordKind::Checkouts);
        record.text[co::CHECKOUT_ID] = "K42";
        record.text[co::ORDER_ID] = "";
        record.text[co::PAYMENT_METHOD] = "card";
        record.text[co::CARD_BRAND] = "VISA";
        record.text[co::CARD_LAST4] = "4111111111111234";
        record.text[co::POSTAL_CODE] = " 150-0001 ";
        record.text[co::ADDRESS] = "東京都渋谷区神宮前1-2-3";
        record.at = Instant(1_700_000_000_000_000);
        let compact = CompactDetail::of(&record, 0b10, 7);
        let zone = Zone::named("Asia/Tokyo").unwrap();
        let detail = compact.expand(&zone, &["a".into(), "b".into()]);
        assert_eq!(detail.checkout_id, "K42");
        assert_eq!(detail.order_id, "");
        assert_eq!(detail.payment_method, "card");
        assert_eq!(detail.card_brand, "VISA");
        assert_eq!(detail.card_last4, "1234");
        assert_eq!(detail.postal_code, "150-0001");
        assert_eq!(detail.address, "東京都渋谷区神宮前1-2-3");
        assert_eq!(detail.exposures, ["b"]);
        assert_eq!(detail.submitted_at, "2023-11-15T07:13:20+09:00");
        assert_eq!(detail.sort_key, (record.at, 7));
    }
}
