//! What is sealed for each person, and the contexts and blind indexes that
//! tie sealed values to their place.

use breachdesk_domain::normalize_email;
use breachdesk_scope::{AffectedPerson, CheckoutDetail};
use breachdesk_vault::{Vault, VaultError};
use serde::{Deserialize, Serialize};

/// A person's personal data in one generation, sealed as one JSON value.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedPerson {
    pub key: String,
    pub email: String,
    pub name: String,
    pub first_exposed_at: Option<String>,
    pub last_exposed_at: Option<String>,
    pub checkouts: Vec<CheckoutDetail>,
    /// Where a letter goes: the account's registered address, else the
    /// latest matched checkout's.
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub address: String,
}

// Personal data: never in logs.
impl std::fmt::Debug for SealedPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealedPerson(<redacted>)")
    }
}

impl SealedPerson {
    pub fn from_affected(p: &AffectedPerson) -> SealedPerson {
        SealedPerson {
            key: p.person.clone(),
            email: p.email.clone(),
            name: p.name.clone(),
            first_exposed_at: p.first_exposed_at.clone(),
            last_exposed_at: p.last_exposed_at.clone(),
            checkouts: p.checkouts_detail.clone(),
            postal_code: String::new(),
            address: String::new(),
        }
        .with_checkout_address()
    }

    /// The account's registered address, when it has one.
    pub(crate) fn with_registered(mut self, registered: Option<&(String, String)>) -> SealedPerson {
        if let Some((postal_code, address)) = registered {
            self.postal_code = postal_code.clone();
            self.address = address.clone();
        }
        self
    }

    /// The latest matched checkout that carried an address, when the
    /// person has none yet.
    fn with_checkout_address(mut self) -> SealedPerson {
        if self.address.is_empty()
            && let Some(c) = self.checkouts.iter().rev().find(|c| !c.address.is_empty())
        {
            self.postal_code = c.postal_code.clone();
            self.address = c.address.clone();
        }
        self
    }
}

pub(crate) fn key_context(person_id: i64) -> String {
    format!("person/{person_id}/key")
}

pub(crate) fn generation_context(generation: i64, person_id: i64) -> String {
    format!("generation/{generation}/person/{person_id}")
}

/// Blind index of a person key; separated from email indexes by a prefix.
pub(crate) fn key_index(vault: &Vault, key: &str) -> Vec<u8> {
    vault.blind_index(&format!("key\0{key}")).to_vec()
}

/// Blind index of an email address, normalized first.
pub(crate) fn email_index(vault: &Vault, email: &str) -> Option<Vec<u8>> {
    normalize_email(email).map(|e| vault.blind_index(&format!("email\0{e}")).to_vec())
}

pub(crate) fn seal_person(
    vault: &Vault,
    generation: i64,
    person_id: i64,
    person: &SealedPerson,
) -> Result<Vec<u8>, VaultError> {
    let json = serde_json::to_vec(person).map_err(|_| VaultError::Damaged)?;
    let json = zeroize::Zeroizing::new(json);
    vault.seal(&json, generation_context(generation, person_id).as_bytes())
}

pub(crate) fn open_person(
    vault: &Vault,
    generation: i64,
    person_id: i64,
    sealed: &[u8],
) -> Result<SealedPerson, VaultError> {
    let json = vault.open(sealed, generation_context(generation, person_id).as_bytes())?;
    serde_json::from_slice(&json).map_err(|_| VaultError::Damaged)
}
