//! What the public site needs from the desk: sealing what people type into
//! its forms, keyed digests to find and count them by, and whether an
//! address belongs to a person of the current scope. Nothing here is
//! audited as a read of a person: no person's data is opened.

use crate::DeskError;
use crate::desk::Desk;
use crate::sealed::email_index;
use zeroize::Zeroizing;

impl Desk {
    /// Seals site data (a form's fields) bound to `context`, a name of the
    /// row it is stored in.
    pub fn seal_site(&self, plaintext: &[u8], context: &str) -> Result<Vec<u8>, DeskError> {
        Ok(self
            .vault()
            .seal(plaintext, site_context(context).as_bytes())?)
    }

    /// Opens what `seal_site` sealed for the same `context`.
    pub fn open_site(&self, sealed: &[u8], context: &str) -> Result<Zeroizing<Vec<u8>>, DeskError> {
        Ok(self
            .vault()
            .open(sealed, site_context(context).as_bytes())?)
    }

    /// A keyed digest of anything the site counts by (a client's address):
    /// stable for this desk's key, meaningless without it.
    pub fn site_digest(&self, purpose: &str, value: &str) -> Vec<u8> {
        self.vault()
            .blind_index(&format!("site\0{purpose}\0{value}"))
            .to_vec()
    }

    /// The blind index an address is looked up by (normalized first), or
    /// `None` when it cannot be read as an address.
    pub fn address_index(&self, email: &str) -> Option<Vec<u8>> {
        email_index(self.vault(), email)
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

fn site_context(context: &str) -> String {
    format!("site/{context}")
}
