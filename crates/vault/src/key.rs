//! The data key: 32 random bytes in a file only its owner can read.

use crate::VaultError;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::path::Path;
use zeroize::Zeroizing;

/// A public fingerprint of a key: which key sealed a value, without
/// revealing the key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId([u8; 8]);

impl KeyId {
    pub const LEN: usize = 8;

    pub fn from_bytes(bytes: [u8; 8]) -> KeyId {
        KeyId(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// The desk's data key. Zeroed when dropped; never printed.
pub struct DataKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataKey({}, <redacted>)", self.id())
    }
}

impl DataKey {
    pub fn generate() -> Result<DataKey, VaultError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|_| VaultError::Random)?;
        Ok(DataKey(bytes))
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        self.0.as_ref()
    }

    /// The key's public fingerprint.
    pub fn id(&self) -> KeyId {
        let mut id = [0u8; 8];
        if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.bytes()) {
            mac.update(b"breachdesk key id");
            id.copy_from_slice(&mac.finalize().into_bytes()[..8]);
        }
        KeyId(id)
    }

    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_ref()))
    }

    pub fn from_hex(text: &str) -> Option<DataKey> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), bytes.as_mut()).ok()?;
        Some(DataKey(bytes))
    }

    /// Reads a key file (64 hex digits). On Unix the file must not be
    /// readable by group or others: a key anyone can read protects nothing.
    pub fn load(path: &Path) -> Result<DataKey, VaultError> {
        let shown = path.display().to_string();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map_err(|source| VaultError::ReadKey {
                    path: shown.clone(),
                    source,
                })?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(VaultError::KeyTooOpen {
                    path: shown,
                    mode: mode & 0o777,
                });
            }
        }
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
            VaultError::ReadKey {
                path: shown.clone(),
                source,
            }
        })?);
        DataKey::from_hex(&text).ok_or(VaultError::BadKey { path: shown })
    }

    /// Writes the key to a new file readable only by its owner. Refuses to
    /// overwrite: losing a data key loses every sealed value.
    pub fn write_new(&self, path: &Path) -> Result<(), VaultError> {
        let mut text = self.to_hex();
        text.push('\n');
        crate::files::write_owner_only(path, text.as_bytes()).map_err(|source| {
            VaultError::WriteKey {
                path: path.display().to_string(),
                source,
            }
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn key_file_round_trip_owner_only_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.key");
        let key = DataKey::generate().unwrap();
        key.write_new(&path).unwrap();
        assert_eq!(DataKey::load(&path).unwrap().id(), key.id());
        assert!(matches!(
            key.write_new(&path),
            Err(VaultError::WriteKey { .. })
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                DataKey::load(&path),
                Err(VaultError::KeyTooOpen { .. })
            ));
        }
    }

    #[test]
    fn bad_key_text() {
        assert!(DataKey::from_hex("zz").is_none());
        assert!(DataKey::from_hex(&"ab".repeat(31)).is_none());
        assert!(DataKey::from_hex(&"ab".repeat(32)).is_some());
    }
}
