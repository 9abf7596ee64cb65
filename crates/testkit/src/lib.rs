#![forbid(unsafe_code)]
//! Tests that need something outside the repository (a font, poppler,
//! PostgreSQL, an SMTP server, the shared fixtures) run when it is there.
//! A fresh checkout must pass with nothing but a Rust toolchain, so without
//! it such a test prints one line saying what it skipped and why; in CI
//! (`CI=true`, which installs everything) a skip would hide a regression,
//! so it fails instead.

/// Whether `test` may run: `missing` is why it cannot (`None`: it can).
/// Prints the skip line, or panics under `CI=true`.
#[allow(clippy::panic)]
pub fn needs(test: &str, missing: Option<String>) -> bool {
    let Some(why) = missing else { return true };
    if in_ci() {
        panic!("{test}: CI must run this test, but {why}");
    }
    println!("{test}: skipped ({why})");
    false
}

/// Whether this is a CI run, where nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// The PostgreSQL server named by `BREACHDESK_TEST_DATABASE_URL` (an admin
/// URL the test may create databases with), or the skip.
pub fn postgres_admin_url(story: &str) -> Option<String> {
    let url = std::env::var("BREACHDESK_TEST_DATABASE_URL").ok();
    let missing = url.is_none().then(|| {
        "BREACHDESK_TEST_DATABASE_URL is not set; scripts/test-postgres.sh starts a server"
            .to_owned()
    });
    if needs(story, missing) { url } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_missing_runs() {
        assert!(needs("a test", None));
    }

    #[test]
    fn something_missing_skips_outside_ci_and_fails_in_it() {
        let outcome = std::panic::catch_unwind(|| {
            needs("testkit self-test", Some("a skip on purpose".into()))
        });
        match outcome {
            Ok(ran) => {
                assert!(!in_ci());
                assert!(!ran);
            }
            Err(_) => assert!(in_ci()),
        }
    }
}
