//! Form tokens against cross-site posts: a random value in a cookie and the
//! same value, with an expiry and an HMAC under the desk's shared key, in
//! the form. Any `serve` of the desk can check a token another issued (the
//! key is in the database), and a post counts only when form and cookie
//! agree, so another site can neither forge one nor use one it fetched.

use crate::SiteError;
use crate::error::random;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use breachdesk_desk::{Desk, SiteRow};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// How long a form stays good.
pub const TOKEN_SECONDS: i64 = 2 * 3600;
const KEY_NAME: &str = "form-tokens";

pub struct FormTokens {
    key: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for FormTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormTokens(<key>)")
    }
}

/// A token issued for one form: the form's field and the cookie's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    pub field: String,
    pub cookie: String,
}

impl FormTokens {
    /// The desk's shared key, made by the first server to ask.
    pub async fn of(desk: &Desk) -> Result<FormTokens, SiteError> {
        let fresh = Zeroizing::new(random::<32>()?);
        let sealed = desk.seal_site(fresh.as_ref(), SiteRow::WebSecret(KEY_NAME))?;
        let mut stored = desk.store().web_secret(KEY_NAME, &sealed).await?;
        if desk
            .open_site(&stored, SiteRow::WebSecret(KEY_NAME))
            .is_err()
        {
            // Sealed under a key the desk no longer has (it was rotated):
            // a new key only means forms open before it must be reloaded.
            stored = desk
                .store()
                .replace_web_secret(KEY_NAME, &stored, &sealed)
                .await?;
        }
        let key = desk
            .open_site(&stored, SiteRow::WebSecret(KEY_NAME))
            .map_err(|_| SiteError::TokenKey)?;
        Ok(FormTokens {
            key: Zeroizing::new(key.to_vec()),
        })
    }

    /// A key of its own (tests).
    pub fn with_key(key: &[u8]) -> FormTokens {
        FormTokens {
            key: Zeroizing::new(key.to_vec()),
        }
    }

    fn mac(&self, form: &str, nonce: &[u8], expires: i64) -> Result<Vec<u8>, SiteError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).map_err(|_| SiteError::TokenKey)?;
        mac.update(form.as_bytes());
        mac.update(&[0]);
        mac.update(nonce);
        mac.update(&expires.to_be_bytes());
        Ok(mac.finalize().into_bytes()[..16].to_vec())
    }

    /// A token for `form`, good until `now + TOKEN_SECONDS`. `cookie` is
    /// the browser's current cookie, kept when present so that several tabs
    /// share one.
    pub fn issue(&self, form: &str, now: i64, cookie: Option<&str>) -> Result<Issued, SiteError> {
        let cookie = match cookie.filter(|c| c.len() == 22 && URL_SAFE_NO_PAD.decode(c).is_ok()) {
            Some(c) => c.to_owned(),
            None => URL_SAFE_NO_PAD.encode(random::<16>()?),
        };
        let expires = now + TOKEN_SECONDS;
        let mac = self.mac(form, cookie.as_bytes(), expires)?;
        let field = format!("{expires}.{}", URL_SAFE_NO_PAD.encode(mac));
        Ok(Issued { field, cookie })
    }

    /// Whether `field` was issued for `form` with this cookie and has not
    /// expired. Compared in constant time.
    pub fn check(&self, form: &str, field: &str, cookie: Option<&str>, now: i64) -> bool {
        let (Some(cookie), Some((expires, mac))) = (cookie, field.split_once('.')) else {
            return false;
        };
        let (Ok(expires), Ok(mac)) = (expires.parse::<i64>(), URL_SAFE_NO_PAD.decode(mac)) else {
            return false;
        };
        if now > expires || expires > now + TOKEN_SECONDS {
            return false;
        }
        let Ok(mut expected) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return false;
        };
        expected.update(form.as_bytes());
        expected.update(&[0]);
        expected.update(cookie.as_bytes());
        expected.update(&expires.to_be_bytes());
        expected.verify_truncated_left(&mac).is_ok() && mac.len() == 16
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_token_holds_only_for_its_form_its_cookie_and_its_time() {
        let tokens = FormTokens::with_key(b"k");
        let issued = tokens.issue("check", 1000, None).unwrap();
        let cookie = Some(issued.cookie.as_str());
        assert!(tokens.check("check", &issued.field, cookie, 1000));
        assert!(tokens.check("check", &issued.field, cookie, 1000 + TOKEN_SECONDS));
        assert!(!tokens.check("check", &issued.field, cookie, 1001 + TOKEN_SECONDS));
        assert!(!tokens.check("inquiry", &issued.field, cookie, 1000));
        assert!(!tokens.check("check", &issued.field, None, 1000));
        assert!(!tokens.check("check", &issued.field, Some("AAAAAAAAAAAAAAAAAAAAAA"), 1000));
        assert!(!FormTokens::with_key(b"other").check("check", &issued.field, cookie, 1000));
        // Tampering with the expiry breaks the MAC.
        let (_, mac) = issued.field.split_once('.').unwrap();
        assert!(!tokens.check(
            "check",
            &format!("{}.{mac}", 1000 + TOKEN_SECONDS - 1),
            cookie,
            1000
        ));
        assert!(!tokens.check("check", "", cookie, 1000));
        // A browser's cookie is kept for its next form.
        let again = tokens.issue("inquiry", 1100, cookie).unwrap();
        assert_eq!(again.cookie, issued.cookie);
        assert!(tokens.check("inquiry", &again.field, cookie, 1100));
    }
}
