//! Files that hold personal data or secrets: readable by the owner only,
//! written whole or not at all, and durable once written (the folder's
//! entry synced too, so that a power loss cannot leave a renamed file
//! pointing nowhere).

use std::io::Write;
use std::path::Path;

fn owner_only_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Writes a new file (never replacing one) that only its owner can read:
/// the way every secret of the desk is stored.
pub fn write_owner_only(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = owner_only_options().open(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    sync_parent(path)
}

/// Writes `path` whole, owner-only, replacing what was there: the bytes go
/// to a new sibling first, which is renamed over `path` once on disk.
pub fn replace_owner_only(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    // A leftover of this process id can only be from a crash.
    let _ = std::fs::remove_file(&temp);
    let written = (|| {
        let mut file = owner_only_options().open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written?;
    sync_parent(path)
}

/// Creates a folder (and its parents) that only its owner may enter.
pub fn create_owner_only_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Makes the entries of `dir` (files created, renamed or removed in it)
/// durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    {
        // Windows cannot open a folder as a file; NTFS journals renames.
        let _ = dir;
    }
    Ok(())
}

/// Renames `from` to `to` (replacing `to` atomically if it exists) and
/// syncs the folders involved: a rename only in the page cache can be
/// undone by a power loss after later steps relied on it.
pub fn rename_durably(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::rename(from, to)?;
    sync_parent(to)?;
    if from.parent() != to.parent() {
        sync_parent(from)?;
    }
    Ok(())
}

fn sync_parent(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => sync_dir(dir),
        _ => sync_dir(Path::new(".")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn replaced_files_are_whole_owner_only_and_leave_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("previews");
        create_owner_only_dir(&sub).unwrap();
        let path = sub.join("person-1.txt");
        replace_owner_only(&path, b"first").unwrap();
        replace_owner_only(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert_eq!(std::fs::read_dir(&sub).unwrap().count(), 1);
        #[cfg(unix)]
        {
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&sub), 0o700);
        }
        assert!(write_owner_only(&path, b"x").is_err(), "never overwrites");
    }

    #[test]
    fn durable_renames_replace_and_move() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        write_owner_only(&a, b"one").unwrap();
        write_owner_only(&b, b"two").unwrap();
        rename_durably(&a, &b).unwrap();
        assert!(!a.exists());
        assert_eq!(std::fs::read(&b).unwrap(), b"one");
        let sub = dir.path().join("sub");
        create_owner_only_dir(&sub).unwrap();
        rename_durably(&b, &sub.join("c")).unwrap();
        assert_eq!(std::fs::read(sub.join("c")).unwrap(), b"one");
        assert!(rename_durably(&a, &b).is_err(), "nothing to move");
    }
}
