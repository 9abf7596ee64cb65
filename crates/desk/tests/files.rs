//! Files the desk writes that hold personal data: owner-only, however
//! permissive the umask of whoever runs the command.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use breachdesk_desk::{Desk, DeskError, Overrides, load_config};
mod example;
use example::{clock, inputs};
use std::path::Path;

/// A desk on the software-shop example, loaded once.
async fn loaded_desk(dir: &Path) -> Desk {
    let config = example::make_desk(dir, None, |text| text);
    let desk = Desk::open(config, clock()).await.unwrap();
    assert_eq!(desk.load(&inputs()).await.unwrap().persons, 9);
    desk
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Set in the copy of this test binary that runs under `umask 0`.
const UNDER_UMASK_0: &str = "BREACHDESK_TEST_UNDER_UMASK_0";

/// The backup is owner-only even when the umask lets everyone read what
/// is created: the test runs itself again under `umask 0` (a shell sets
/// it; this crate forbids the unsafe call), so that the check does not
/// depend on the umask of whoever runs the tests.
#[cfg(unix)]
#[test]
fn a_backup_is_owner_only_whatever_the_umask() {
    if std::env::var_os(UNDER_UMASK_0).is_some() {
        return backup_under_any_umask();
    }
    let out = std::process::Command::new("/bin/sh")
        .args(["-c", "umask 0 && exec \"$0\" \"$@\""])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_backup_is_owner_only_whatever_the_umask",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(UNDER_UMASK_0, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "under umask 0: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("1 passed"),
        "the copy under umask 0 ran the test: {stdout}"
    );
}

#[cfg(unix)]
fn backup_under_any_umask() {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let tmp = tempfile::tempdir().unwrap();
        let desk = loaded_desk(&tmp.path().join("desk")).await;
        // Somewhere outside the desk's owner-only folder, as a backup
        // usually goes.
        let shared = tmp.path().join("backups");
        std::fs::create_dir(&shared).unwrap();
        // Under umask 0 a file made without a mode is world-readable: the
        // check below is not passed by the umask.
        let probe = shared.join("probe");
        std::fs::write(&probe, b"").unwrap();
        assert_eq!(mode(&probe), 0o666, "the umask is 0");
        std::fs::remove_file(&probe).unwrap();

        let backup = shared.join("desk-2023-02-04.db");
        desk.backup(&backup).await.unwrap();
        assert_eq!(mode(&backup), 0o600, "the backup is owner-only");
        // Nothing else was left beside it (no journal of the copy).
        let names: Vec<_> = std::fs::read_dir(&shared)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [backup.file_name().unwrap()], "{names:?}");
        desk.close().await;

        // It is a whole copy: a desk opened on it has the same persons.
        let overrides = Overrides {
            database_url: Some(format!("sqlite://{}", backup.display())),
            operator: None,
        };
        let config = load_config(&tmp.path().join("desk"), &|_| None, &overrides).unwrap();
        let copy = Desk::open(config, clock()).await.unwrap();
        assert_eq!(copy.status().await.unwrap().persons, 9);
        copy.close().await;
        assert_eq!(mode(&backup), 0o600, "and stays so once opened");
    });
}

#[tokio::test]
async fn a_backup_never_overwrites_and_a_failed_one_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let desk = loaded_desk(&tmp.path().join("desk")).await;
    let existing = tmp.path().join("existing.db");
    std::fs::write(&existing, b"someone else's file").unwrap();
    let refused = desk.backup(&existing).await;
    assert!(
        matches!(refused, Err(DeskError::Exists { .. })),
        "{refused:?}"
    );
    assert_eq!(std::fs::read(&existing).unwrap(), b"someone else's file");

    // An empty file is someone's too: VACUUM INTO would fill it, the desk
    // does not.
    let empty = tmp.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let refused = desk.backup(&empty).await;
    assert!(
        matches!(refused, Err(DeskError::Exists { .. })),
        "{refused:?}"
    );
    assert_eq!(std::fs::read(&empty).unwrap(), b"");

    let nowhere = tmp.path().join("missing-folder").join("backup.db");
    assert!(desk.backup(&nowhere).await.is_err());
    assert!(!nowhere.exists());

    // A name SQLite cannot be given as it is (not UTF-8): refused, with no
    // copy under a look-alike name and the file made for it removed.
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let folder = tmp.path().join("odd");
        std::fs::create_dir(&folder).unwrap();
        let odd = folder.join(std::ffi::OsStr::from_bytes(b"backup-\xff.db"));
        assert!(desk.backup(&odd).await.is_err());
        let left: Vec<_> = std::fs::read_dir(&folder).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
    }
    desk.close().await;
}
