#![forbid(unsafe_code)]
//! The desk's secrets: the data key, sealing personal fields with an AEAD,
//! and the keyed blind index that lets the desk find a person by email
//! without storing the address in the clear.
//!
//! Sealed values carry the id of the key that sealed them, so a key rotation
//! that is interrupted can resume: rows already under the new key are
//! recognised and skipped.

mod files;
mod key;

pub use files::{
    create_owner_only_dir, rename_durably, replace_owner_only, sync_dir, write_owner_only,
};
pub use key::{DataKey, KeyId, pending_key_path, retired_key_path};

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// Marks the layout of a sealed value: magic, key id, nonce, ciphertext+tag.
const MAGIC: &[u8; 3] = b"BD1";
const NONCE_LEN: usize = 24;
const HEADER_LEN: usize = MAGIC.len() + KeyId::LEN + NONCE_LEN;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("cannot read the data key {path}: {source}")]
    ReadKey {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write the data key {path}: {source}")]
    WriteKey {
        path: String,
        source: std::io::Error,
    },
    #[error("the data key {path} is not 64 hexadecimal digits")]
    BadKey { path: String },
    #[error(
        "the data key file {path} is readable by others (mode {mode:o}); run: chmod 600 {path}"
    )]
    KeyTooOpen { path: String, mode: u32 },
    /// The key file is missing while the key it is being rotated to waits
    /// beside it: a rotation stopped between moving the old key aside and
    /// putting the new one in its place.
    #[error(
        "the data key {path} is missing while {path}.new holds key {target}: a key rotation was interrupted; run `breachdesk key rotate` again to finish it"
    )]
    RotationUnfinished { path: String, target: String },
    #[error("the system random generator failed")]
    Random,
    #[error("a stored value is damaged or was sealed for another place")]
    Damaged,
    #[error("a stored value was sealed under another key ({0}); is the right key file in use?")]
    WrongKey(KeyId),
}

/// Seals and opens personal fields under one data key.
pub struct Vault {
    key_id: KeyId,
    cipher: XChaCha20Poly1305,
    index_key: Zeroizing<[u8; 32]>,
}

// Never print key material.
impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Derives the sealing and index keys from the data key (HKDF-SHA256),
    /// so that neither use of the key can leak anything about the other.
    pub fn new(key: &DataKey) -> Vault {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(b"breachdesk"), key.bytes());
        let mut seal_key = Zeroizing::new([0u8; 32]);
        let mut index_key = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF's limit of 255 * 32: expand cannot fail.
        let _ = hk.expand(b"seal v1", seal_key.as_mut());
        let _ = hk.expand(b"blind index v1", index_key.as_mut());
        let cipher = XChaCha20Poly1305::new(&(*seal_key).into());
        Vault {
            key_id: key.id(),
            cipher,
            index_key,
        }
    }

    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// Encrypts `plaintext`. `context` (e.g. `person/42/email`) is bound to
    /// the result as associated data, so a value moved to another row or
    /// column no longer opens.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<Vec<u8>, VaultError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| VaultError::Random)?;
        let sealed = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .map_err(|_| VaultError::Damaged)?;
        let mut out = Vec::with_capacity(HEADER_LEN + sealed.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(self.key_id.as_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn seal_str(&self, plaintext: &str, context: &str) -> Result<Vec<u8>, VaultError> {
        self.seal(plaintext.as_bytes(), context.as_bytes())
    }

    /// Decrypts a value sealed by [`Vault::seal`] with the same context.
    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let key_id = sealed_key_id(sealed).ok_or(VaultError::Damaged)?;
        if key_id != self.key_id {
            return Err(VaultError::WrongKey(key_id));
        }
        let nonce: [u8; NONCE_LEN] = sealed[MAGIC.len() + KeyId::LEN..HEADER_LEN]
            .try_into()
            .map_err(|_| VaultError::Damaged)?;
        self.cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &sealed[HEADER_LEN..],
                    aad: context,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| VaultError::Damaged)
    }

    pub fn open_string(
        &self,
        sealed: &[u8],
        context: &str,
    ) -> Result<Zeroizing<String>, VaultError> {
        let bytes = self.open(sealed, context.as_bytes())?;
        String::from_utf8(bytes.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| VaultError::Damaged)
    }

    /// The keyed blind index of a normalized email: equal addresses give
    /// equal indexes under one key, and nothing can be learned without it.
    pub fn blind_index(&self, normalized_email: &str) -> [u8; 32] {
        // HMAC accepts keys of any length: new_from_slice cannot fail here.
        match Hmac::<Sha256>::new_from_slice(self.index_key.as_ref()) {
            Ok(mut mac) => {
                mac.update(normalized_email.as_bytes());
                mac.finalize().into_bytes().into()
            }
            Err(_) => [0u8; 32],
        }
    }
}

/// The id of the key a sealed value was sealed under, if it is one.
pub fn sealed_key_id(sealed: &[u8]) -> Option<KeyId> {
    if sealed.len() < HEADER_LEN + 16 || &sealed[..MAGIC.len()] != MAGIC {
        return None;
    }
    let bytes: [u8; KeyId::LEN] = sealed[MAGIC.len()..MAGIC.len() + KeyId::LEN]
        .try_into()
        .ok()?;
    Some(KeyId::from_bytes(bytes))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_context_binding() {
        let vault = Vault::new(&DataKey::generate().unwrap());
        let sealed = vault.seal_str("山田 太郎", "person/1/name").unwrap();
        assert!(!sealed.windows("山田".len()).any(|w| w == "山田".as_bytes()));
        assert_eq!(
            vault
                .open_string(&sealed, "person/1/name")
                .unwrap()
                .as_str(),
            "山田 太郎"
        );
        assert!(matches!(
            vault.open_string(&sealed, "person/2/name"),
            Err(VaultError::Damaged)
        ));
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(matches!(
            vault.open(&tampered, b"person/1/name"),
            Err(VaultError::Damaged)
        ));
        // Two seals of one value differ (random nonces).
        assert_ne!(
            sealed,
            vault.seal_str("山田 太郎", "person/1/name").unwrap()
        );
    }

    #[test]
    fn another_key_is_recognised() {
        let a = Vault::new(&DataKey::generate().unwrap());
        let b = Vault::new(&DataKey::generate().unwrap());
        let sealed = a.seal_str("x", "c").unwrap();
        assert_eq!(sealed_key_id(&sealed), Some(a.key_id()));
        assert!(matches!(b.open(&sealed, b"c"), Err(VaultError::WrongKey(id)) if id == a.key_id()));
    }

    #[test]
    fn blind_index_is_keyed_and_deterministic() {
        let key = DataKey::generate().unwrap();
        let a = Vault::new(&key);
        let a2 = Vault::new(&key);
        let b = Vault::new(&DataKey::generate().unwrap());
        assert_eq!(
            a.blind_index("taro@example.jp"),
            a2.blind_index("taro@example.jp")
        );
        assert_ne!(
            a.blind_index("taro@example.jp"),
            a.blind_index("hanako@example.jp")
        );
        assert_ne!(
            a.blind_index("taro@example.jp"),
            b.blind_index("taro@example.jp")
        );
    }

    #[test]
    fn debug_shows_no_key_material() {
        let key = DataKey::generate().unwrap();
        let hex = key.to_hex();
        let shown = format!("{key:?} {:?}", Vault::new(&key));
        assert!(!shown.contains(hex.as_str()), "{shown}");
        assert!(!shown.contains(&hex[..16]), "{shown}");
    }
}
