//! The life of one notice in the ledger: which states there are and which
//! may follow which. The store guards every change with these rules
//! (`UPDATE … WHERE state IN (…)`), and a CHECK constraint keeps any other
//! word out of the column, so a notice can never, say, go from `sent` back
//! to `pending` and be sent twice.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// Queued, never tried.
    Pending,
    /// Claimed by a send run: its message may be on the wire.
    Sending,
    /// The server accepted it.
    Sent,
    /// A temporary failure: the next run tries again.
    Deferred,
    /// Email failed for good (a hard bounce, or retries ran out): due a letter.
    Bounced,
    /// No email address: due a letter.
    Letter,
    /// The letter was handed to the printer or mail vendor.
    LetterPrinted,
    /// The message could not be built (a malformed address): never sent.
    Failed,
    /// A run stopped while it was `sending`: it may or may not have left,
    /// so it is never re-sent blindly.
    InDoubt,
    /// A later generation left the person out before anything reached them.
    Withdrawn,
}

impl NoticeState {
    pub const ALL: [NoticeState; 10] = [
        NoticeState::Pending,
        NoticeState::Sending,
        NoticeState::Sent,
        NoticeState::Deferred,
        NoticeState::Bounced,
        NoticeState::Letter,
        NoticeState::LetterPrinted,
        NoticeState::Failed,
        NoticeState::InDoubt,
        NoticeState::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeState::Pending => "pending",
            NoticeState::Sending => "sending",
            NoticeState::Sent => "sent",
            NoticeState::Deferred => "deferred",
            NoticeState::Bounced => "bounced",
            NoticeState::Letter => "letter",
            NoticeState::LetterPrinted => "letter_printed",
            NoticeState::Failed => "failed",
            NoticeState::InDoubt => "in_doubt",
            NoticeState::Withdrawn => "withdrawn",
        }
    }

    /// The states a notice may be in just before it becomes `self`.
    pub fn predecessors(self) -> &'static [NoticeState] {
        use NoticeState::*;
        match self {
            // Queued again: a withdrawn person is back in a later generation.
            Pending => &[Withdrawn],
            Sending => &[Pending, Deferred],
            Sent => &[Sending],
            // A temporary failure while sending, or a soft bounce of a sent
            // (or in-doubt: the bounce proves it left) message.
            Deferred => &[Sending, Sent, InDoubt],
            Bounced => &[Sending, Sent, InDoubt, Deferred],
            // Found to have no address when its turn came.
            Letter => &[Pending, Deferred],
            LetterPrinted => &[Letter, Bounced],
            Failed => &[Pending, Deferred, Sending],
            InDoubt => &[Sending],
            // Never reached: nothing was sent, nothing printed.
            Withdrawn => &[Pending, Deferred, Letter, Bounced, Failed],
        }
    }

    pub fn may_become(self, next: NoticeState) -> bool {
        next.predecessors().contains(&self)
    }

    /// Whether the person was told (by email) or is being told (a letter
    /// printed): what a revision of the scope must correct.
    pub fn reached(self) -> bool {
        matches!(
            self,
            NoticeState::Sent | NoticeState::InDoubt | NoticeState::LetterPrinted
        )
    }

    /// Due a letter and not printed yet.
    pub fn letter_due(self) -> bool {
        matches!(self, NoticeState::Letter | NoticeState::Bounced)
    }

    /// The states a send run may claim.
    pub fn sendable(self) -> bool {
        matches!(self, NoticeState::Pending | NoticeState::Deferred)
    }

    /// `state IN (…)` for SQL: the quoted names of `states`.
    pub fn sql_list(states: &[NoticeState]) -> String {
        states
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for NoticeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a ledger row tells its person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The notice of the incident, from the row's generation.
    Notice,
    /// A correction of what an earlier notice said, after the scope was
    /// revised: the person is no longer affected, or other items are.
    Correction,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Notice => "notice",
            NoticeKind::Correction => "correction",
        }
    }
}

impl FromStr for NoticeKind {
    type Err = UnknownState;

    fn from_str(s: &str) -> Result<NoticeKind, UnknownState> {
        match s {
            "notice" => Ok(NoticeKind::Notice),
            "correction" => Ok(NoticeKind::Correction),
            other => Err(UnknownState(other.to_owned())),
        }
    }
}

/// A state (or kind) name the ledger does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown notice state {0:?}")]
pub struct UnknownState(pub String);

impl FromStr for NoticeState {
    type Err = UnknownState;

    fn from_str(s: &str) -> Result<NoticeState, UnknownState> {
        NoticeState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| UnknownState(s.to_owned()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use NoticeState::*;

    #[test]
    fn names_round_trip() {
        for state in NoticeState::ALL {
            assert_eq!(state.as_str().parse::<NoticeState>().unwrap(), state);
        }
        assert!("letter_sent".parse::<NoticeState>().is_err());
    }

    #[test]
    fn nothing_sent_goes_back_to_the_queue() {
        for reached in [Sent, InDoubt, LetterPrinted] {
            assert!(!reached.may_become(Pending), "{reached}");
            assert!(!reached.may_become(Sending), "{reached}");
            assert!(!reached.may_become(Withdrawn), "{reached}");
        }
        // Only a claim puts a message on the wire, and only from the queue.
        assert_eq!(Sending.predecessors(), [Pending, Deferred]);
        assert!(!Sent.may_become(Sent));
        // A printed letter is final.
        assert!(
            NoticeState::ALL
                .iter()
                .all(|s| !LetterPrinted.may_become(*s))
        );
    }

    #[test]
    fn every_state_but_pending_is_reachable_from_pending() {
        let mut seen = vec![Pending];
        let mut grew = true;
        while grew {
            grew = false;
            for next in NoticeState::ALL {
                if !seen.contains(&next) && seen.iter().any(|s| s.may_become(next)) {
                    seen.push(next);
                    grew = true;
                }
            }
        }
        assert_eq!(seen.len(), NoticeState::ALL.len(), "{seen:?}");
    }
}
