//! What a notice says about one person, in plain words of their language.

use breachdesk_domain::{Item, ItemSet};
use serde::{Deserialize, Serialize};

/// Japanese unless the shop says otherwise: it is a Japanese shop's desk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Ja,
    En,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::Ja => "ja",
            Language::En => "en",
        }
    }
}

impl std::str::FromStr for Language {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ja" => Ok(Language::Ja),
            "en" => Ok(Language::En),
            other => Err(format!("unknown language {other:?} (ja or en)")),
        }
    }
}

/// An item as the person reads it.
pub fn item_label(item: Item, language: Language) -> &'static str {
    match (language, item) {
        (Language::Ja, Item::Name) => "氏名",
        (Language::Ja, Item::NameKana) => "氏名（フリガナ）",
        (Language::Ja, Item::Email) => "メールアドレス",
        (Language::Ja, Item::Phone) => "電話番号",
        (Language::Ja, Item::PostalCode) => "郵便番号",
        (Language::Ja, Item::Address) => "住所",
        (Language::Ja, Item::BirthDate) => "生年月日",
        (Language::Ja, Item::PasswordHash) => "パスワード（暗号化されたもの）",
        (Language::Ja, Item::OrderHistory) => "ご注文の履歴",
        (Language::Ja, Item::CardNumber) => "クレジットカード番号",
        (Language::Ja, Item::CardExpiry) => "クレジットカードの有効期限",
        (Language::Ja, Item::CardSecurityCode) => "セキュリティコード",
        (Language::Ja, Item::CardHolder) => "クレジットカードの名義",
        (Language::En, Item::Name) => "your name",
        (Language::En, Item::NameKana) => "the reading of your name",
        (Language::En, Item::Email) => "your email address",
        (Language::En, Item::Phone) => "your phone number",
        (Language::En, Item::PostalCode) => "your postal code",
        (Language::En, Item::Address) => "your address",
        (Language::En, Item::BirthDate) => "your date of birth",
        (Language::En, Item::PasswordHash) => "your password (in encrypted form)",
        (Language::En, Item::OrderHistory) => "your order history",
        (Language::En, Item::CardNumber) => "your card number",
        (Language::En, Item::CardExpiry) => "your card's expiry date",
        (Language::En, Item::CardSecurityCode) => "your card's security code",
        (Language::En, Item::CardHolder) => "the name on your card",
    }
}

/// The shop, as it signs its notices.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ShopInfo {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub url: String,
}

#[derive(Clone, Serialize)]
pub struct PersonInfo {
    pub name: String,
    pub email: String,
}

#[derive(Clone, Serialize)]
pub struct ItemText {
    pub key: &'static str,
    pub label: &'static str,
}

#[derive(Clone, Serialize)]
pub struct WindowText {
    pub from: String,
    pub to: String,
}

#[derive(Clone, Serialize)]
pub struct OrderText {
    pub number: String,
    pub date: String,
}

#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct CardText {
    pub brand: String,
    pub last4: String,
}

/// Everything a template may use. Values are escaped by the HTML templates.
#[derive(Clone, Serialize)]
pub struct NoticeContext {
    pub language: Language,
    pub shop: ShopInfo,
    pub incident_title: String,
    pub person: PersonInfo,
    pub items: Vec<ItemText>,
    pub windows: Vec<WindowText>,
    pub orders: Vec<OrderText>,
    pub cards: Vec<CardText>,
    pub card_exposed: bool,
    pub password_exposed: bool,
    /// Set when this corrects an earlier notice (its own templates).
    pub correction: Option<CorrectionText>,
}

/// What a correction says about the earlier notice.
#[derive(Clone, Serialize)]
pub struct CorrectionText {
    /// The revised scope leaves the person out altogether.
    pub no_longer_affected: bool,
    /// The items the earlier notice listed.
    pub earlier_items: Vec<ItemText>,
}

// Personal data: never in logs.
impl std::fmt::Debug for NoticeContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NoticeContext(<redacted>)")
    }
}

/// Writes a local date (`2022-11-15`) the way the language does.
pub fn date_text(iso_date: &str, language: Language) -> String {
    let parts: Vec<&str> = iso_date.get(..10).unwrap_or(iso_date).split('-').collect();
    match (language, parts.as_slice()) {
        (Language::Ja, [y, m, d]) => format!(
            "{y}年{}月{}日",
            m.trim_start_matches('0'),
            d.trim_start_matches('0')
        ),
        _ => iso_date.get(..10).unwrap_or(iso_date).to_owned(),
    }
}

impl NoticeContext {
    /// Items in a fixed, readable order: who, how to reach, then cards.
    pub fn items_of(items: ItemSet, language: Language) -> Vec<ItemText> {
        const ORDER: [Item; 13] = [
            Item::Name,
            Item::NameKana,
            Item::Email,
            Item::Phone,
            Item::PostalCode,
            Item::Address,
            Item::BirthDate,
            Item::PasswordHash,
            Item::OrderHistory,
            Item::CardNumber,
            Item::CardExpiry,
            Item::CardSecurityCode,
            Item::CardHolder,
        ];
        ORDER
            .into_iter()
            .filter(|i| items.contains(*i))
            .map(|i| ItemText {
                key: i.name(),
                label: item_label(i, language),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_labels() {
        assert_eq!(
            date_text("2022-11-05T10:00:00+09:00", Language::Ja),
            "2022年11月5日"
        );
        assert_eq!(date_text("2022-11-05", Language::En), "2022-11-05");
        let items: ItemSet = [Item::CardNumber, Item::Email, Item::Name]
            .into_iter()
            .collect();
        let labels: Vec<_> = NoticeContext::items_of(items, Language::Ja)
            .into_iter()
            .map(|i| i.label)
            .collect();
        assert_eq!(labels, ["氏名", "メールアドレス", "クレジットカード番号"]);
    }
}
