//! The readable form of an explanation, as staff read it out: the verdict
//! first, the records that matched next, and records that fell outside
//! every window folded to one line each, so the reason is never buried.

use crate::explain::{Explanation, RecordExplanation, Verdict};
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
    let _ = writeln!(
        out,
        "Incident {} (times in {})",
        explanation.incident, explanation.timezone
    );
    for w in &explanation.windows {
        let _ = writeln!(
            out,
            "  {} ({}): {} .. {}",
            w.exposure,
            w.records,
            w.from.as_deref().unwrap_or("the beginning"),
            w.to.as_deref().unwrap_or("the end")
        );
    }
    for person in &explanation.persons {
        let _ = writeln!(out, "\nPerson {}", person.person);
        if person.affected {
            let _ = writeln!(out, "  AFFECTED by {}", person.exposures.join(", "));
            let _ = writeln!(out, "  items: {}", person.items.join(", "));
        } else {
            let _ = writeln!(
                out,
                "  NOT affected: no record of this person matched an exposure"
            );
        }
        let matched = |r: &&RecordExplanation| {
            r.verdicts
                .iter()
                .any(|v| matches!(v.verdict, Verdict::Matched { .. }))
        };
        let all_outside = |r: &&RecordExplanation| {
            !r.verdicts.is_empty()
                && r.verdicts
                    .iter()
                    .all(|v| matches!(v.verdict, Verdict::OutsideWindow { .. }))
        };
        let records: Vec<&RecordExplanation> = person.records.iter().collect();
        for record in records.iter().filter(|r| matched(r)) {
            render_record(&mut out, record);
        }
        for record in records.iter().filter(|r| !matched(r) && !all_outside(r)) {
            render_record(&mut out, record);
        }
        let outside: Vec<_> = records.iter().filter(|r| all_outside(r)).collect();
        if !outside.is_empty() {
            let _ = writeln!(out, "\n  outside every window ({}):", outside.len());
            for record in outside {
                let _ = writeln!(out, "    {} {} ({})", noun(record), record.id, record.at);
            }
        }
    }
    out
}

fn noun(record: &RecordExplanation) -> &'static str {
    if record.kind == "customers" {
        "customer record"
    } else {
        "checkout"
    }
}

fn render_record(out: &mut String, record: &RecordExplanation) {
    let when = if record.kind == "customers" {
        "registered"
    } else {
        "submitted"
    };
    let _ = write!(
        out,
        "\n  {} {} ({} line {}), {when} {}",
        noun(record),
        record.id,
        record.file,
        record.line,
        record.at
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
            Verdict::Matched { items } => writeln!(out, "MATCHED, exposing {}", items.join(", ")),
            Verdict::OutsideWindow { time, .. } => writeln!(out, "outside the window ({time})"),
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
