//! The public site's part of a key rotation: every sealed row it stored
//! (queued self-checks, its mail, inquiries, the secrets the servers
//! share) re-sealed under the new key, and each self-check's index
//! computed again under it, in `check_results` too, so an address that had
//! its result today still gets no second one. Per-client counters, keyed by
//! digests under the old key, are dropped: they would match nobody.

use super::{BATCH, Counts, Rotation, Step};
use crate::DeskError;
use crate::site::{CheckSealed, SiteRow, check_index, open_site, seal_site};
use breachdesk_store::{SiteResealed, SiteTable};
use breachdesk_vault::{Vault, sealed_key_id};

/// How recently a `serve` must have said it runs for a rotation to refuse
/// to start: it seals with the key it opened the desk with, so rows it
/// writes during or after the rotation would be under the retired key.
/// (Its worker says so every few seconds, see [`crate::Desk::mark_serving`].)
const SERVING_FRESH_MICROS: i64 = 15_000_000;

/// How often a running `serve` marks the desk: a third of the above, so
/// two marks may come late and it still holds.
pub(crate) const SERVING_MARK_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The meta entry a running `serve` refreshes: when it last said so.
pub(crate) const META_SERVING_AT: &str = "site_serving_at";

const TABLES: [SiteTable; 3] = [
    SiteTable::CheckRequests,
    SiteTable::SiteMail,
    SiteTable::Inquiries,
];

impl Rotation<'_> {
    /// Refuses while a `serve` of this desk is running (seen recently).
    pub(super) async fn refuse_while_serving(&self) -> Result<(), DeskError> {
        let seen = self.store.meta(META_SERVING_AT).await?;
        let Some(seen) = seen.and_then(|s| s.parse::<i64>().ok()) else {
            return Ok(());
        };
        let ago = self.clock.now().0 - seen;
        if ago < SERVING_FRESH_MICROS {
            return Err(DeskError::SiteServing {
                seconds_ago: ago.max(0) / 1_000_000,
            });
        }
        Ok(())
    }

    pub(super) async fn reseal_site(
        &mut self,
        old: &Vault,
        new: &Vault,
        counts: &mut Counts,
    ) -> Result<(), DeskError> {
        let is_new = |sealed: &[u8]| sealed_key_id(sealed) == Some(new.key_id());
        let mut batch: Vec<SiteResealed> = Vec::new();
        for table in TABLES {
            let mut after = i64::MIN;
            loop {
                let page = self
                    .store
                    .site_sealed_page(table, after, BATCH as i64)
                    .await?;
                let Some(last) = page.last() else { break };
                after = last.id;
                for row in page {
                    if is_new(&row.sealed) {
                        counts.skipped += 1;
                        continue;
                    }
                    if self.steps.stop() {
                        self.store.replace_site_sealed(&batch, &[]).await?;
                        return Err(DeskError::RotationStopped {
                            before: Step::Reseal.name(),
                        });
                    }
                    let place = match table {
                        SiteTable::CheckRequests => SiteRow::CheckRequest,
                        SiteTable::SiteMail => SiteRow::SiteMail(row.id),
                        SiteTable::Inquiries => SiteRow::Inquiry(row.id),
                    };
                    let plain = open_site(old, &row.sealed, place)?;
                    let index = match table {
                        SiteTable::CheckRequests => {
                            let check: CheckSealed =
                                serde_json::from_slice(&plain).map_err(|e| DeskError::Corrupt {
                                    what: "a queued self-check",
                                    message: format!("request {}: {e}", row.id),
                                })?;
                            Some(check_index(new, &check.email))
                        }
                        _ => None,
                    };
                    batch.push(SiteResealed {
                        table,
                        id: row.id,
                        sealed: seal_site(new, &plain, place)?,
                        // Only check requests have one (the others select NULL).
                        old_index: row.index,
                        index,
                    });
                    counts.rows += 1;
                    if batch.len() >= BATCH {
                        self.store.replace_site_sealed(&batch, &[]).await?;
                        batch.clear();
                    }
                }
            }
        }
        self.store.replace_site_sealed(&batch, &[]).await?;
        let mut secrets = Vec::new();
        for (name, sealed) in self.store.web_secrets().await? {
            if is_new(&sealed) {
                continue;
            }
            // One sealed under a key older still (a rotation before this
            // code) is made again by the first `serve`: nothing to keep.
            if let Ok(plain) = open_site(old, &sealed, SiteRow::WebSecret(&name)) {
                let resealed = seal_site(new, &plain, SiteRow::WebSecret(&name))?;
                secrets.push((name, resealed));
            }
        }
        self.store.replace_site_sealed(&[], &secrets).await?;
        self.store.clear_rate_counters().await?;
        Ok(())
    }
}
