//! The figures the Q&A page shows, from the desk: nobody types them, so a
//! new generation changes the page.

use crate::SiteError;
use breachdesk_desk::Desk;
use breachdesk_notify::{Language, ShopInfo, date_text};
use serde::Serialize;

/// One exposure as the page describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExposureFigures {
    pub id: String,
    pub title: String,
    pub from: String,
    pub to: String,
    /// What it revealed, in the page's language, joined.
    pub items: String,
    pub persons: String,
}

/// Everything an answer may use.
#[derive(Clone, Debug, Serialize)]
pub struct Figures {
    pub generation: Option<i64>,
    pub persons: String,
    pub cards: String,
    pub window_from: String,
    pub window_to: String,
    pub exposures: Vec<ExposureFigures>,
    pub password_exposed: bool,
    pub card_exposed: bool,
    pub shop: ShopInfo,
    pub incident_title: String,
}

/// 1234567 as "1,234,567".
pub(crate) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Figures {
    pub async fn of(desk: &Desk, language: Language) -> Result<Figures, SiteError> {
        let scope = desk.scope_figures().await?;
        let incident = desk.incident();
        let zone = &incident.zone;
        let date = |t: Option<breachdesk_domain::Instant>| {
            t.map(|t| date_text(&zone.format(t), language))
                .unwrap_or_default()
        };
        let separator = match language {
            Language::Ja => "、",
            Language::En => ", ",
        };
        let exposures: Vec<ExposureFigures> = incident
            .exposures
            .iter()
            .map(|e| ExposureFigures {
                id: e.id.clone(),
                title: e.title.clone(),
                from: date(e.from),
                to: date(e.to),
                items: breachdesk_notify::NoticeContext::items_of(e.exposes, language)
                    .iter()
                    .map(|i| i.label)
                    .collect::<Vec<_>>()
                    .join(separator),
                persons: grouped(scope.by_exposure.get(&e.id).copied().unwrap_or(0)),
            })
            .collect();
        let from = incident.exposures.iter().filter_map(|e| e.from).min();
        let to = incident.exposures.iter().filter_map(|e| e.to).max();
        let any = |item| incident.exposures.iter().any(|e| e.exposes.contains(item));
        Ok(Figures {
            generation: scope.generation,
            persons: grouped(scope.persons),
            cards: grouped(scope.cards),
            window_from: date(from),
            window_to: date(to),
            exposures,
            password_exposed: any(breachdesk_domain::Item::PasswordHash),
            card_exposed: any(breachdesk_domain::Item::CardNumber),
            shop: desk.config().shop.info(),
            incident_title: incident.title.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(super::grouped(0), "0");
        assert_eq!(super::grouped(999), "999");
        assert_eq!(super::grouped(1000), "1,000");
        assert_eq!(super::grouped(242705), "242,705");
        assert_eq!(super::grouped(1234567), "1,234,567");
    }
}
