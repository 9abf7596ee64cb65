#![forbid(unsafe_code)]
//! Telling the affected, on top of the desk: the notice ledger, sending
//! each person their notice once, reading the bounces, and the letters for
//! those email could not reach. The CLI and the web desk both call this.

mod bounces;
mod correction;
mod deliver;
mod error;
mod ledger;
mod letters;
mod letters_out;
mod notice;
mod request;
mod send;
mod site_mail;

pub use bounces::IngestReport;
pub use breachdesk_letter::LetterFont;
pub use error::OutreachError;
pub use letters::LetterRow;
pub use letters_out::{LETTERS_CSV, LETTERS_PDF, LettersReport, PERSONS_DIR};
pub use request::{FontChoice, Preview, SendRequest};
pub use send::{SendOptions, SendReport};
pub use site_mail::{SiteMailReport, SiteMailSealed, site_mail_message_id};

use breachdesk_desk::Desk;
use std::sync::Arc;

/// The outreach services of one open desk. Cheap to clone: every notice in
/// flight holds one.
#[derive(Clone)]
pub struct Outreach {
    desk: Arc<Desk>,
}

impl std::fmt::Debug for Outreach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outreach")
            .field("desk", &self.desk)
            .finish()
    }
}

impl Outreach {
    pub fn new(desk: Arc<Desk>) -> Outreach {
        Outreach { desk }
    }

    pub fn desk(&self) -> &Desk {
        &self.desk
    }
}
