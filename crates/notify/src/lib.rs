#![forbid(unsafe_code)]
//! Notices to affected people: what each one is told, in their language,
//! from templates the shop can edit.

mod context;
mod dkim;
mod limits;
mod smtp_pool;
mod template;
mod transport;

pub use context::{
    CardText, CorrectionText, ItemText, Language, NoticeContext, OrderText, PersonInfo, ShopInfo,
    WindowText, date_text, item_label,
};
pub use dkim::{DkimError, Signer, generate_key, record_of};
pub use limits::{CARRIER_DEFAULTS, DomainLimits};
pub use smtp_pool::{PoolError, SmtpPool, UrlError};
pub use template::{RenderedNotice, TemplateError, Templates};
pub use transport::{Delivery, Outgoing, Prepared, Transport, TransportError};
