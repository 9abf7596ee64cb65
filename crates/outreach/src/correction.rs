//! Corrections: the notice a person gets when a revised scope no longer
//! says what their earlier notice said. It lists what is now known next to
//! what they were told, or tells them they are not affected after all.

use crate::{Outreach, OutreachError};
use breachdesk_desk::PersonView;
use breachdesk_domain::{Item, ItemSet, NoticeKind};
use breachdesk_notify::{CorrectionText, Language, NoticeContext, RenderedNotice, Templates};
use breachdesk_store::NoticeRow;

/// The person a row speaks to (their stored version whose contact details
/// are used) and what it says; `None` when there is nothing to say (a
/// correction made moot by yet another revision).
pub(crate) struct Told {
    pub person: PersonView,
    pub notice: Option<RenderedNotice>,
}

fn items(names: &[String]) -> ItemSet {
    names.iter().filter_map(|i| Item::from_name(i)).collect()
}

impl Outreach {
    /// What a row of either kind says, rendered. Normal rows render their
    /// generation's version; corrections compare the version last told
    /// with the row's (the newest) generation, which may not hold the
    /// person at all.
    pub(crate) async fn render_row(
        &self,
        templates: &Templates,
        row: &NoticeRow,
        latest: i64,
        language: Language,
    ) -> Result<Told, OutreachError> {
        if row.kind == NoticeKind::Notice {
            let person = self
                .desk
                .stored_version(row.person_id, row.generation, latest)
                .await?;
            let notice = self.render_notice(templates, &person, language)?;
            return Ok(Told { person, notice });
        }
        let store = self.desk.store();
        let told_generation = store
            .told_generation(row.person_id, row.notice_id)
            .await?
            .ok_or(OutreachError::NothingToTell {
                person_id: row.person_id,
            })?;
        let told = self
            .desk
            .stored_version(row.person_id, told_generation, latest)
            .await?;
        let now = match store
            .person_in_generation(row.generation, row.person_id)
            .await?
        {
            Some(_) => Some(
                self.desk
                    .stored_version(row.person_id, row.generation, latest)
                    .await?,
            ),
            None => None,
        };
        let notice = self.render_correction(templates, &told, now.as_ref(), language)?;
        Ok(Told {
            person: now.unwrap_or(told),
            notice,
        })
    }

    /// The correction of what `told` said, given what the scope says `now`
    /// (`None`: not affected any more).
    pub(crate) fn render_correction(
        &self,
        templates: &Templates,
        told: &PersonView,
        now: Option<&PersonView>,
        language: Language,
    ) -> Result<Option<RenderedNotice>, OutreachError> {
        let Some(told_version) = told.versions.last() else {
            return Ok(None);
        };
        let context = match now {
            Some(now) => {
                let now_version = now.versions.last();
                if now_version.is_some_and(|v| {
                    v.exposures == told_version.exposures && v.items == told_version.items
                }) {
                    return Ok(None);
                }
                self.notice_context(now, language)
            }
            // Not affected any more: only who they are and the shop.
            None => self.notice_context(told, language).map(|mut c| {
                c.items.clear();
                c.windows.clear();
                c.orders.clear();
                c.cards.clear();
                c.card_exposed = false;
                c.password_exposed = false;
                c
            }),
        };
        let Some(mut context) = context else {
            return Ok(None);
        };
        context.correction = Some(CorrectionText {
            no_longer_affected: now.is_none(),
            earlier_items: NoticeContext::items_of(items(&told_version.items), language),
        });
        Ok(Some(templates.render(&context)?))
    }
}
