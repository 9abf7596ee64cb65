//! Inquiries from the public form: stored sealed, answered with one page
//! and a random reference, whatever was typed. Staff read them with
//! `breachdesk inquiries list` (and, later, the staff desk).

use crate::SiteError;
use crate::error::random;
use breachdesk_desk::{Desk, SiteRow};
use serde::{Deserialize, Serialize};

/// What the person asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Topic {
    Affected,
    Card,
    Other,
}

impl Topic {
    /// Anything but the form's own values is "other".
    pub fn from_form(value: &str) -> Topic {
        match value {
            "affected" => Topic::Affected,
            "card" => Topic::Card,
            _ => Topic::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Affected => "affected",
            Topic::Card => "card",
            Topic::Other => "other",
        }
    }
}

/// The form as posted. Personal data: `Debug` shows none of it.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct InquiryForm {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub topic: String,
    pub message: String,
}

impl std::fmt::Debug for InquiryForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InquiryForm")
            .field("topic", &self.topic)
            .finish_non_exhaustive()
    }
}

/// Field lengths kept (in characters): what the form allows.
const LIMITS: [usize; 4] = [200, 320, 40, 5000];

fn cut(text: &str, max: usize) -> String {
    text.trim().chars().take(max).collect()
}

/// A reference the person can quote: ten characters from an alphabet
/// without look-alikes, 50 random bits.
fn reference() -> Result<String, SiteError> {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes = random::<10>()?;
    let chars: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect();
    Ok(format!("Q-{}-{}", &chars[..5], &chars[5..]))
}

/// Stores the inquiry and returns its reference.
pub async fn accept_inquiry(desk: &Desk, form: &InquiryForm) -> Result<String, SiteError> {
    let topic = Topic::from_form(form.topic.trim());
    let kept = InquiryForm {
        name: cut(&form.name, LIMITS[0]),
        email: cut(&form.email, LIMITS[1]),
        phone: cut(&form.phone, LIMITS[2]),
        topic: topic.as_str().to_owned(),
        message: cut(&form.message, LIMITS[3]),
    };
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec(&kept).map_err(|e| SiteError::Content(e.to_string()))?,
    );
    let reference = reference()?;
    let seal = |id: i64| {
        desk.seal_site(&json, SiteRow::Inquiry(id))
            .map_err(|e| breachdesk_store::StoreError::Invalid(e.to_string()))
    };
    desk.store()
        .add_inquiry(&reference, topic.as_str(), &desk.now_text(), &seal)
        .await?;
    Ok(reference)
}

/// An inquiry as staff read it.
#[derive(Clone, Serialize)]
pub struct InquiryView {
    pub id: i64,
    pub reference: String,
    pub topic: String,
    pub received_at: String,
    pub state: String,
    pub form: InquiryForm,
}

impl std::fmt::Debug for InquiryView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InquiryView")
            .field("id", &self.id)
            .field("topic", &self.topic)
            .finish_non_exhaustive()
    }
}

/// Every inquiry, opened; the read is audited.
pub async fn inquiries(desk: &Desk) -> Result<Vec<InquiryView>, SiteError> {
    let rows = desk.store().inquiries().await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let json = desk.open_site(&row.sealed, SiteRow::Inquiry(row.inquiry_id))?;
        let form: InquiryForm =
            serde_json::from_slice(&json).map_err(|e| SiteError::Content(e.to_string()))?;
        out.push(InquiryView {
            id: row.inquiry_id,
            reference: row.reference,
            topic: row.topic,
            received_at: row.received_at,
            state: row.state,
            form,
        });
    }
    desk.audit(
        "inquiries-list",
        None,
        serde_json::json!({ "inquiries": out.len() }),
    )
    .await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_random_and_readable() {
        let a = reference().unwrap_or_default();
        let b = reference().unwrap_or_default();
        assert_eq!(a.len(), 13);
        assert_ne!(a, b);
        assert!(a.starts_with("Q-"));
        assert!(
            a[2..]
                .chars()
                .all(|c| c == '-' || c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert!(!a.contains('0') && !a.contains('O') && !a.contains('1') && !a.contains('I'));
    }

    #[test]
    fn unknown_topics_are_other() {
        assert_eq!(Topic::from_form("card"), Topic::Card);
        assert_eq!(Topic::from_form("<script>"), Topic::Other);
    }
}
