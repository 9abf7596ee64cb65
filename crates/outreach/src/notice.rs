//! The notice each stored person gets, from their latest generation.

use crate::{Outreach, OutreachError};
use breachdesk_desk::PersonView;
use breachdesk_domain::ItemSet;
use breachdesk_notify::{
    CardText, Language, NoticeContext, OrderText, PersonInfo, RenderedNotice, Templates,
    WindowText, date_text,
};

impl Outreach {
    /// The desk's templates (`templates/` in the desk; defaults written on
    /// first use). Refused while the shop has not said who it is: a notice
    /// nobody signed would look like the phishing it warns about.
    pub fn templates(&self) -> Result<Templates, OutreachError> {
        let shop = &self.desk.config().shop;
        if shop.name.trim().is_empty() || shop.email.trim().is_empty() {
            return Err(OutreachError::ShopUnsigned {
                config: self.desk.config().dir.join(breachdesk_desk::CONFIG_FILE),
            });
        }
        Ok(Templates::in_dir(
            &self.desk.config().dir.join("templates"),
        )?)
    }

    pub fn language(&self) -> Language {
        self.desk.config().shop.language
    }

    /// What the notice says to this person, from their latest version.
    pub fn notice_context(&self, person: &PersonView, language: Language) -> Option<NoticeContext> {
        let version = person.versions.last()?;
        let items: ItemSet = version
            .items
            .iter()
            .filter_map(|i| breachdesk_domain::Item::from_name(i))
            .collect();
        let zone = &self.desk.incident().zone;
        let windows = self
            .desk
            .incident()
            .exposures
            .iter()
            .filter(|e| version.exposures.contains(&e.id))
            .map(|e| WindowText {
                from: e
                    .from
                    .map(|t| date_text(&zone.format(t), language))
                    .unwrap_or_default(),
                to: e
                    .to
                    .map(|t| date_text(&zone.format(t), language))
                    .unwrap_or_default(),
            })
            .fold(Vec::<WindowText>::new(), |mut acc, w| {
                if !acc.iter().any(|a| a.from == w.from && a.to == w.to) {
                    acc.push(w);
                }
                acc
            });
        let data = &version.data;
        let orders = data
            .checkouts
            .iter()
            .filter(|c| !c.order_id.is_empty())
            .map(|c| OrderText {
                number: c.order_id.clone(),
                date: date_text(&c.submitted_at, language),
            })
            .collect();
        let mut cards: Vec<CardText> = Vec::new();
        if items.has_card_item() {
            for c in data.checkouts.iter().filter(|c| !c.card_last4.is_empty()) {
                let card = CardText {
                    brand: c.card_brand.clone(),
                    last4: c.card_last4.clone(),
                };
                if !cards.contains(&card) {
                    cards.push(card);
                }
            }
        }
        Some(NoticeContext {
            language,
            shop: self.desk.config().shop.info(),
            incident_title: self.desk.incident().title.clone(),
            person: PersonInfo {
                name: data.name.clone(),
                email: data.email.clone(),
            },
            items: NoticeContext::items_of(items, language),
            windows,
            orders,
            cards,
            card_exposed: items.has_card_item(),
            password_exposed: items.contains(breachdesk_domain::Item::PasswordHash),
            correction: None,
        })
    }

    pub fn render_notice(
        &self,
        templates: &Templates,
        person: &PersonView,
        language: Language,
    ) -> Result<Option<RenderedNotice>, OutreachError> {
        match self.notice_context(person, language) {
            Some(context) => templates
                .render(&context)
                .map(Some)
                .map_err(OutreachError::from),
            None => Ok(None),
        }
    }
}
