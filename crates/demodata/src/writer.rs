//! Output files that appear whole or not at all: each table is written to a
//! temporary file beside its destination and renamed into place only after
//! both tables are complete.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::DemoError;
use crate::pipeline::{self, Job};

/// A finished table still under its temporary name; removed if dropped
/// without [`Pending::commit`].
pub(crate) struct Pending {
    tmp: PathBuf,
    dest: PathBuf,
    committed: bool,
}

impl Pending {
    pub(crate) fn commit(mut self) -> Result<PathBuf, DemoError> {
        fs::rename(&self.tmp, &self.dest)
            .map_err(|e| DemoError::io("rename into", &self.dest, e))?;
        self.committed = true;
        Ok(self.dest.clone())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: the run already failed with a better error.
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Distinguishes temporary files of concurrent runs in one process.
static RUN: AtomicU64 = AtomicU64::new(0);

/// Writes `header` and the rows of `job` to a temporary file next to
/// `dir/name`.
pub(crate) fn write_table<J: Job>(
    dir: &Path,
    name: &str,
    header: &str,
    job: &J,
    threads: usize,
    sequence: impl FnMut(&mut J::Plan),
) -> Result<Pending, DemoError> {
    let dest = dir.join(name);
    let run = RUN.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}-{run}.tmp", std::process::id()));
    let file = File::create(&tmp).map_err(|e| DemoError::io("create", &tmp, e))?;
    let pending = Pending {
        tmp,
        dest,
        committed: false,
    };
    let tmp = &pending.tmp;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut write = |bytes: &[u8]| {
        out.write_all(bytes)
            .map_err(|e| DemoError::io("write", tmp, e))
    };
    write(header.as_bytes())?;
    write(b"\n")?;
    pipeline::run(job, threads, sequence, write)?;
    out.into_inner()
        .map_err(|e| DemoError::io("write", tmp, e.into_error()))?;
    Ok(pending)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    struct Lines(u64);

    impl Job for Lines {
        type Plan = ();
        fn blocks(&self) -> u64 {
            self.0
        }
        fn plan(&self, _: u64) {}
        fn render(&self, block: u64, _: &(), out: &mut Vec<u8>) {
            out.extend_from_slice(format!("{block}\n").as_bytes());
        }
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn file_appears_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let pending = write_table(dir.path(), "t.csv", "h", &Lines(3), 2, |_| {}).unwrap();
        assert!(!dir.path().join("t.csv").exists());
        let path = pending.commit().unwrap();
        assert_eq!(fs::read_to_string(path).unwrap(), "h\n0\n1\n2\n");
        assert_eq!(entries(dir.path()), ["t.csv"]);
    }

    #[test]
    fn dropped_table_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        drop(write_table(dir.path(), "t.csv", "h", &Lines(3), 2, |_| {}).unwrap());
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn io_errors_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-dir");
        let err = write_table(&missing, "t.csv", "h", &Lines(1), 1, |_| {})
            .err()
            .unwrap();
        let text = err.to_string();
        assert!(text.contains("no-such-dir"), "{text}");
    }
}
