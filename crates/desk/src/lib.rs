#![forbid(unsafe_code)]
//! The desk: one incident's persistent state. The scope of each load,
//! sealed under the desk's key, with an audit trail and the regulator's clock.

mod config;
mod desk;
mod error;
mod init;
mod inputs;
mod load;
mod person;
mod rotate;
mod sealed;
mod site;
mod status;
mod web_config;

pub use config::{
    CONFIG_FILE, DeskConfig, DkimConfig, LettersConfig, Overrides, Secret, ShopConfig, SmtpConfig,
    load_config,
};
pub use desk::{Desk, audit_verify};
pub use error::DeskError;
pub use init::{InitReport, init_desk};
pub use inputs::{InputChoice, RememberedInputs};
pub use load::{Changes, LoadReport};
pub use person::{PersonView, SealedPersonView, StoredVersion};
pub use rotate::{RotationReport, rotate_key};
pub use sealed::SealedPerson;
pub use site::{CheckSealed, SiteRow};
pub use status::{GenerationStatus, ScopeFigures, Status};
pub use web_config::WebConfig;

use breachdesk_domain::Instant;

/// Where "now" comes from: the system clock, or a pinned one in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        // A clock set before 1970 reads as a negative instant, not as 1970:
        // a wrong "now" must show as wrong, not as a plausible date.
        let micros = |d: std::time::Duration| i64::try_from(d.as_micros()).unwrap_or(i64::MAX);
        match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(since) => Instant(micros(since)),
            Err(before) => Instant(-micros(before.duration())),
        }
    }
}

pub struct FixedClock(pub Instant);

impl Clock for FixedClock {
    fn now(&self) -> Instant {
        self.0
    }
}
