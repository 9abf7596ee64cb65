//! Email normalization: the one rule that decides whether two records are the
//! same person, so it lives here and nowhere else.

use unicode_normalization::UnicodeNormalization;

/// Unicode NFKC, surrounding white space trimmed, lower-cased.
///
/// Returns `None` for an address that is empty after trimming. Plain ASCII
/// (nearly every address) takes a fast path: NFKC leaves ASCII unchanged.
pub fn normalize_email(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    let normalized = if trimmed.is_ascii() {
        trimmed.to_ascii_lowercase()
    } else {
        // NFKC can produce white space of its own (an ideographic space
        // becomes U+0020), so trim again after it.
        let nfkc: String = trimmed.nfkc().collect();
        nfkc.trim().to_lowercase()
    };
    (!normalized.is_empty()).then_some(normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_case_fold_to_the_same_address() {
        assert_eq!(
            normalize_email("ＴＡＲＯ＠ＥＸＡＭＰＬＥ．ＪＰ").as_deref(),
            Some("taro@example.jp")
        );
        assert_eq!(
            normalize_email("  Taro@Example.JP \t").as_deref(),
            Some("taro@example.jp")
        );
        assert_eq!(
            normalize_email("\u{3000}hanako@example.jp\u{3000}").as_deref(),
            Some("hanako@example.jp")
        );
    }

    #[test]
    fn empty_is_none() {
        assert_eq!(normalize_email(""), None);
        assert_eq!(normalize_email("   "), None);
        assert_eq!(normalize_email("\u{3000}"), None);
    }
}
