//! What the public site needs from the desk: sealing what people type into
//! its forms, keyed digests to find and count them by, and whether an
//! address belongs to a person of the current scope. Nothing here is
//! audited as a read of a person: no person's data is opened.

use crate::DeskError;
use crate::desk::Desk;
use crate::sealed::email_index;
use breachdesk_vault::Vault;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Where a sealed site value is stored: what it is bound to, so a value
/// copied to another row does not open. Named here, with the desk, because
/// a key rotation re-seals every one of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteRow<'a> {
    /// A queued self-check (`check_requests`): a [`CheckSealed`].
    CheckRequest,
    /// A mail of the site (`site_mail`), by id.
    SiteMail(i64),
    /// An inquiry from the form (`inquiries`), by id.
    Inquiry(i64),
    /// A secret every server of the desk shares (`web_secrets`), by name.
    WebSecret(&'a str),
}

impl SiteRow<'_> {
    fn context(self) -> String {
        match self {
            SiteRow::CheckRequest => "site/check_request".to_owned(),
            SiteRow::SiteMail(id) => format!("site/site_mail/{id}"),
            SiteRow::Inquiry(id) => format!("site/inquiry/{id}"),
            SiteRow::WebSecret(name) => format!("site/{name}"),
        }
    }
}

/// What a queued self-check holds, sealed: the address as typed, and the
/// language of the page it was typed on.
#[derive(Serialize, Deserialize)]
pub struct CheckSealed {
    pub email: String,
    pub lang: String,
}

pub(crate) fn seal_site(
    vault: &Vault,
    plaintext: &[u8],
    row: SiteRow,
) -> Result<Vec<u8>, DeskError> {
    Ok(vault.seal(plaintext, row.context().as_bytes())?)
}

pub(crate) fn open_site(
    vault: &Vault,
    sealed: &[u8],
    row: SiteRow,
) -> Result<Zeroizing<Vec<u8>>, DeskError> {
    Ok(vault.open(sealed, row.context().as_bytes())?)
}

fn site_digest(vault: &Vault, purpose: &str, value: &str) -> Vec<u8> {
    vault
        .blind_index(&format!("site\0{purpose}\0{value}"))
        .to_vec()
}

/// What a self-check is queued and remembered by: the address's blind
/// index, or for what cannot be read as an address, a digest of it.
pub(crate) fn check_index(vault: &Vault, email: &str) -> Vec<u8> {
    email_index(vault, email).unwrap_or_else(|| site_digest(vault, "malformed", email))
}

impl Desk {
    /// Seals site data (a form's fields) bound to the row it is stored in.
    pub fn seal_site(&self, plaintext: &[u8], row: SiteRow) -> Result<Vec<u8>, DeskError> {
        seal_site(self.vault(), plaintext, row)
    }

    /// Opens what `seal_site` sealed for the same row.
    pub fn open_site(&self, sealed: &[u8], row: SiteRow) -> Result<Zeroizing<Vec<u8>>, DeskError> {
        open_site(self.vault(), sealed, row)
    }

    /// A keyed digest of anything the site counts by (a client's address):
    /// stable for this desk's key, meaningless without it.
    pub fn site_digest(&self, purpose: &str, value: &str) -> Vec<u8> {
        site_digest(self.vault(), purpose, value)
    }

    /// Says that a `serve` runs on this desk, so `key rotate` waits for it
    /// to stop; its worker calls this every few seconds. Returns whether a
    /// key rotation has begun all the same (a rotation that checked just
    /// before this server started): then the server must stop, since
    /// what it seals from now on would be under the retired key.
    pub async fn mark_serving(&self) -> Result<bool, DeskError> {
        let store = self.store();
        store
            .set_meta(crate::rotate::META_SERVING_AT, &self.now().0.to_string())
            .await?;
        let rotating = store.meta(crate::desk::META_ROTATING_TO).await?;
        Ok(rotating.is_some_and(|target| !target.is_empty()))
    }

    /// How often a running `serve` calls [`Desk::mark_serving`].
    pub fn serving_mark_every() -> std::time::Duration {
        crate::rotate::SERVING_MARK_EVERY
    }

    /// The index a self-check for `email` is queued and remembered by.
    pub fn check_index(&self, email: &str) -> Vec<u8> {
        check_index(self.vault(), email)
    }

    /// The persons of the latest generation with this address, as
    /// (person id, generation); empty when nobody is, or nothing is loaded.
    pub async fn persons_in_scope_by_index(
        &self,
        index: &[u8],
    ) -> Result<Vec<(i64, i64)>, DeskError> {
        let Some(latest) = self.store().latest_generation().await? else {
            return Ok(Vec::new());
        };
        let mut found = Vec::new();
        for row in self.store().persons_by_email_index(index).await? {
            if self
                .store()
                .person_in_generation(latest, row.person_id)
                .await?
                .is_some()
            {
                found.push((row.person_id, latest));
            }
        }
        Ok(found)
    }
}
