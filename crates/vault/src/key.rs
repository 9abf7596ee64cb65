//! The data key: 32 random bytes in a file only its owner can read.

use crate::VaultError;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::path::{Path, PathBuf};
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
    ///
    /// A missing key file whose rotation's new key (`PATH.new`) is there
    /// is an unfinished rotation, not a lost key, and is reported so: the
    /// operator's way out is to finish the rotation.
    pub fn load(path: &Path) -> Result<DataKey, VaultError> {
        let error = match DataKey::load_exact(path) {
            Ok(key) => return Ok(key),
            Err(error) => error,
        };
        if let VaultError::ReadKey { source, .. } = &error
            && source.kind() == std::io::ErrorKind::NotFound
            && let Ok(target) = DataKey::load_exact(&pending_key_path(path))
        {
            return Err(VaultError::RotationUnfinished {
                path: path.display().to_string(),
                target: target.id().to_string(),
            });
        }
        Err(error)
    }

    /// Reads a key file if there is one: `None` when it does not exist,
    /// an error when it exists but cannot be used.
    pub fn load_if_exists(path: &Path) -> Result<Option<DataKey>, VaultError> {
        match DataKey::load_exact(path) {
            Ok(key) => Ok(Some(key)),
            Err(VaultError::ReadKey { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    /// Reads exactly `path`, without looking at its neighbours.
    fn load_exact(path: &Path) -> Result<DataKey, VaultError> {
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

/// Where a rotation keeps the key it moves to until it takes the place of
/// `key_file`: `KEYFILE.new`, beside it.
pub fn pending_key_path(key_file: &Path) -> PathBuf {
    with_suffix(key_file, ".new")
}

/// Where a rotation keeps a key it retired (`KEYFILE.old-KEYID`): backups
/// taken before the rotation still need it.
pub fn retired_key_path(key_file: &Path, key_id: &str) -> PathBuf {
    with_suffix(key_file, &format!(".old-{key_id}"))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
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
    fn a_missing_key_file_beside_its_rotation_target_is_an_unfinished_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.key");
        assert!(DataKey::load_if_exists(&path).unwrap().is_none());
        assert!(matches!(
            DataKey::load(&path),
            Err(VaultError::ReadKey { .. })
        ));
        let pending = pending_key_path(&path);
        assert_eq!(pending, dir.path().join("data.key.new"));
        // Half written (a crash while writing it): not a rotation's target.
        crate::files::write_owner_only(&pending, b"12ab").unwrap();
        assert!(matches!(
            DataKey::load(&path),
            Err(VaultError::ReadKey { .. })
        ));
        std::fs::remove_file(&pending).unwrap();
        let target = DataKey::generate().unwrap();
        target.write_new(&pending).unwrap();
        match DataKey::load(&path) {
            Err(e @ VaultError::RotationUnfinished { .. }) => {
                let text = e.to_string();
                assert!(text.contains(&target.id().to_string()), "{text}");
                assert!(text.contains("breachdesk key rotate"), "{text}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            retired_key_path(&path, "00ff"),
            dir.path().join("data.key.old-00ff")
        );
    }

    #[test]
    fn bad_key_text() {
        assert!(DataKey::from_hex("zz").is_none());
        assert!(DataKey::from_hex(&"ab".repeat(31)).is_none());
        assert!(DataKey::from_hex(&"ab".repeat(32)).is_some());
    }
}
