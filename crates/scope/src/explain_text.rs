//! The readable form of an explanation, as staff read it out.

use crate::explain::{Explanation, Verdict};
use std::fmt::Write;

pub fn render_explanation(explanation: &Explanation) -> String {
    let mut out = String::new();
    if explanation.persons.is_empty() {
        let _ = writeln!(
            out,
            "No record matches {:?}: no checkout or customer record carries this person key or email.",
            explanation.query
        );
        return out;
    }
    for person in &explanation.persons {
        let _ = writeln!(out, "Person {}", person.person);
        if person.affected {
            let _ = writeln!(
                out,
                "  AFFECTED by {}: {}",
                person.exposures.join(", "),
                person.items.join(", ")
            );
        } else {
            let _ = writeln!(
                out,
                "  not affected: no record of this person matched an exposure"
            );
        }
        for record in &person.records {
            let noun = if record.kind == "customers" {
                "customer record"
            } else {
                "checkout"
            };
            let when = if record.kind == "customers" {
                "registered"
            } else {
                "submitted"
            };
            let _ = write!(
                out,
                "\n  {noun} {} ({} line {}), {when} {}",
                record.id, record.file, record.line, record.at
            );
            if let Some(w) = &record.withdrawn_at {
                let _ = write!(out, ", withdrawn {w}");
            }
            let _ = writeln!(out);
            let details: Vec<String> = [
                record.order_id.as_ref().map(|o| format!("order {o}")),
                record
                    .payment_method
                    .as_ref()
                    .map(|p| format!("paid by {p}")),
                record.card.as_ref().map(|c| format!("card {c}")),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !details.is_empty() {
                let _ = writeln!(out, "    {}", details.join(", "));
            }
            if record.verdicts.is_empty() {
                let _ = writeln!(
                    out,
                    "    (no exposure of this incident reads {} records)",
                    record.kind
                );
            }
            for v in &record.verdicts {
                let _ = write!(out, "    - {}: ", v.exposure);
                let _ = match &v.verdict {
                    Verdict::Matched { items } => {
                        writeln!(out, "MATCHED, exposing {}", items.join(", "))
                    }
                    Verdict::OutsideWindow { time, from, to } => writeln!(
                        out,
                        "outside the window ({time}; window {} to {})",
                        from.as_deref().unwrap_or("the beginning"),
                        to.as_deref().unwrap_or("the end")
                    ),
                    Verdict::ConditionFailed {
                        column,
                        expected,
                        actual,
                    } => {
                        writeln!(
                            out,
                            "condition {column} = {expected} does not hold (the record has {actual:?})"
                        )
                    }
                    Verdict::Excluded { reason } => writeln!(out, "excluded: {reason}"),
                    Verdict::NothingExposed { listed } => writeln!(
                        out,
                        "all conditions hold, but the record holds none of the items this exposure reveals ({})",
                        listed.join(", ")
                    ),
                };
            }
        }
        let _ = writeln!(out);
    }
    out
}
