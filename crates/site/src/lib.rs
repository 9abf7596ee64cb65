#![forbid(unsafe_code)]
//! The public site of a desk, apart from HTTP: what the Q&A page says
//! (from the desk's figures and its stored questions), the form tokens,
//! the per-client limits, the self-check (queued, then answered by mail
//! only), and inquiries. The web crate's handlers only call these.

mod build;
mod check;
mod content;
mod error;
mod figures;
mod inquiry;
mod page;
mod rate;
mod text;
mod token;

pub use build::build_static;
pub use check::{Admission, CheckIntake, CheckWorker, WorkerReport};
pub use content::{Kinds, seed_content, starting_content};
pub use error::SiteError;
pub use figures::{ExposureFigures, Figures};
pub use inquiry::{InquiryForm, InquiryView, Topic, accept_inquiry, inquiries};
pub use page::{ASSETS, Form, Lang, Links, Message, Pages, RenderedPage};
pub use rate::{Limit, RateLimiter};
pub use token::{FormTokens, Issued, TOKEN_SECONDS};
