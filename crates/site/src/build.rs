//! `site build`: the Q&A pages as static files, for any static host, for
//! when the shop's own servers are off the internet. The forms need a
//! running `serve`; the copy links to `[web] public_url` for them.

use crate::SiteError;
use crate::page::{ASSETS, Lang, Links, Pages};
use breachdesk_desk::Desk;
use std::path::{Path, PathBuf};

/// Writes `index.html`, `en/index.html` and `assets/` into `out`, whole:
/// into a folder beside it first, then moved into place, so a failed build
/// leaves the previous copy as it was. Returns the files written.
pub async fn build_static(
    desk: &Desk,
    pages: &Pages,
    out: &Path,
) -> Result<Vec<PathBuf>, SiteError> {
    let io =
        |what: &Path, e: std::io::Error| SiteError::Content(format!("{}: {e}", what.display()));
    let ja = pages.qa(desk, Lang::Ja, Links::Static).await?;
    let en = pages.qa(desk, Lang::En, Links::Static).await?;
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "site".to_owned());
    let staging = parent.join(format!(".{name}.{}.partial", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| io(&staging, e))?;
    }
    let mut written = Vec::new();
    let mut write = |relative: &str, bytes: &[u8]| -> Result<(), SiteError> {
        let path = staging.join(relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| io(&path, e))?;
        written.push(out.join(relative));
        Ok(())
    };
    write("index.html", ja.html.as_bytes())?;
    write("en/index.html", en.html.as_bytes())?;
    for (file, _, body) in ASSETS {
        write(&format!("assets/{file}"), body.as_bytes())?;
    }
    if out.exists() {
        let old = parent.join(format!(".{name}.{}.old", std::process::id()));
        std::fs::rename(out, &old).map_err(|e| io(out, e))?;
        std::fs::rename(&staging, out).map_err(|e| io(out, e))?;
        std::fs::remove_dir_all(&old).map_err(|e| io(&old, e))?;
    } else {
        std::fs::rename(&staging, out).map_err(|e| io(out, e))?;
    }
    Ok(written)
}
