//! Text forms of desk results, for people at a terminal.

use breachdesk_desk::{PersonView, Status};
use std::fmt::Write;
use std::io::IsTerminal;

/// Colour only on a terminal, and never when NO_COLOR is set.
pub fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn figures(map: &std::collections::BTreeMap<String, u64>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn status(s: &Status, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Incident {}: {}", s.incident, s.title);
    let _ = writeln!(out, "  desk: {} database, data key {}", s.backend, s.key_id);
    match s.generation {
        Some(g) => {
            let _ = writeln!(
                out,
                "\nGeneration {g}: {} persons, {} distinct cards",
                s.persons, s.cards
            );
            let _ = writeln!(out, "  persons by exposure: {}", figures(&s.by_exposure));
            let _ = writeln!(out, "  persons by item:     {}", figures(&s.by_item));
        }
        None => {
            let _ = writeln!(
                out,
                "\nNothing loaded yet: run `breachdesk load --customers F --checkouts F`."
            );
        }
    }
    if !s.generations.is_empty() {
        let _ = writeln!(out, "\nLoads:");
        for g in &s.generations {
            let _ = writeln!(
                out,
                "  #{:<3} {}  by {:<12} {:>8} persons  (+{} -{} ~{})",
                g.generation, g.loaded_at, g.operator, g.persons, g.added, g.removed, g.changed
            );
        }
    }
    for (campaign, states) in &s.notices {
        let counts: Vec<String> = states.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let _ = writeln!(out, "\nNotices ({campaign}): {}", counts.join(", "));
        if states.get("in_doubt").is_some_and(|n| *n > 0) {
            let _ = writeln!(
                out,
                "  in doubt: sent or not when a run was cut off; check the mail server's log"
            );
        }
    }
    if s.corrections_due > 0 {
        let _ = writeln!(
            out,
            "\nCorrections due: {} persons were told something the latest load no longer says (`notify send --corrections`)",
            s.corrections_due
        );
    }
    match &s.discovered {
        None => {
            let _ = writeln!(
                out,
                "\nRegulator clock: set `discovered` in the incident file to start it."
            );
        }
        Some(discovered) => {
            let _ = writeln!(
                out,
                "\nRegulator clock (discovered {discovered}; now {}):",
                s.now
            );
            for d in &s.deadlines {
                let left = match d.days_left {
                    n if d.overdue => format!(
                        "OVERDUE by {} day{}",
                        -n.min(-1),
                        if n == -1 { "" } else { "s" }
                    ),
                    0 => "due today".to_owned(),
                    1 => "1 day left".to_owned(),
                    n => format!("{n} days left"),
                };
                let line = format!("  {:<58} {:<26} {left}", d.title, d.due);
                let _ = if d.overdue && color {
                    writeln!(out, "\x1b[31m{line}\x1b[0m")
                } else {
                    writeln!(out, "{line}")
                };
            }
        }
    }
    out
}

pub fn persons(found: &[PersonView]) -> String {
    let mut out = String::new();
    for p in found {
        let now = if p.affected_now {
            "affected in the current scope"
        } else {
            "not in the current scope"
        };
        let _ = writeln!(out, "Person #{} {} ({now})", p.person_id, p.key);
        for v in p.versions.iter().rev() {
            let _ = writeln!(
                out,
                "  generation {}: {} — {}",
                v.generation,
                v.exposures.join(", "),
                v.items.join(", ")
            );
            let _ = writeln!(out, "    {} <{}>", v.data.name, v.data.email);
            if let (Some(first), Some(last)) = (&v.data.first_exposed_at, &v.data.last_exposed_at) {
                let _ = writeln!(out, "    exposed {first} .. {last}");
            }
            for c in &v.data.checkouts {
                let order = if c.order_id.is_empty() {
                    "no order (abandoned)".to_owned()
                } else {
                    format!("order {}", c.order_id)
                };
                let card = if c.card_last4.is_empty() {
                    String::new()
                } else {
                    format!(", card {} ****{}", c.card_brand, c.card_last4)
                };
                let _ = writeln!(
                    out,
                    "    - {} {order}, {} by {}{card} [{}]",
                    c.checkout_id,
                    c.submitted_at,
                    c.payment_method,
                    c.exposures.join(", ")
                );
            }
        }
        let _ = writeln!(out);
    }
    out
}
