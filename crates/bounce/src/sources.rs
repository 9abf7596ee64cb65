//! Where bounces are read from: an `.eml` file, a folder of them, a
//! maildir (`cur/`, `new/`), or an mbox file (messages named `NAME#N`).

use mail_parser::mailbox::mbox::MessageIterator;
use std::path::Path;

/// One message's bytes with the name it is reported under.
pub struct Source {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Reads every message under `path`, in name order.
pub fn read_sources(path: &Path) -> std::io::Result<Vec<Source>> {
    if path.is_dir() {
        let maildir = path.join("cur").is_dir() || path.join("new").is_dir();
        let folders = if maildir {
            vec![path.join("new"), path.join("cur")]
        } else {
            vec![path.to_path_buf()]
        };
        let mut out = Vec::new();
        for folder in folders.into_iter().filter(|f| f.is_dir()) {
            let mut files: Vec<_> = std::fs::read_dir(&folder)?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file()
                        && !p
                            .file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect();
            files.sort();
            for file in files {
                out.extend(read_file(&file)?);
            }
        }
        return Ok(out);
    }
    read_file(path)
}

fn read_file(path: &Path) -> std::io::Result<Vec<Source>> {
    let bytes = std::fs::read(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let is_eml = name.to_ascii_lowercase().ends_with(".eml");
    if is_eml || !bytes.starts_with(b"From ") {
        // A saved message may still carry the mbox separator line.
        let bytes = match bytes.strip_prefix(b"From ") {
            Some(_) => bytes
                .iter()
                .position(|&b| b == b'\n')
                .map(|n| bytes[n + 1..].to_vec())
                .unwrap_or_default(),
            None => bytes,
        };
        return Ok(vec![Source { name, bytes }]);
    }
    Ok(MessageIterator::new(std::io::Cursor::new(bytes))
        .filter_map(Result::ok)
        .enumerate()
        .map(|(i, m)| Source {
            name: format!("{name}#{}", i + 1),
            bytes: m.contents().to_vec(),
        })
        .collect())
}
