#![forbid(unsafe_code)]
//! The pure core of breachdesk: incidents, exposures, conditions, records,
//! items, people. No I/O happens here, so every rule is testable in memory.

pub mod column;
pub mod email;
pub mod incident;
pub mod item;
pub mod notice;
pub mod person;
pub mod record;
pub mod regulator;
pub mod time;

pub use column::{ColumnDef, ColumnType, RecordKind};
pub use email::normalize_email;
pub use incident::{
    Condition, Exclusion, Expected, Exposure, Incident, IncidentError, Outcome, load_incident,
};
pub use item::{Item, ItemSet};
pub use notice::{NoticeKind, NoticeState};
pub use record::Record;
pub use time::{Instant, Zone};
