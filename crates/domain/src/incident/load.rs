//! Loading and validating an incident file. Every mistake is reported with
//! the file and the line, because the file is written by hand under pressure.

use super::raw::{RawConditions, RawExposure, RawFile};
use super::{Condition, Exclusion, Expected, Exposure, Incident, column_type, item_source};
use crate::column::{ColumnType, RecordKind};
use crate::item::{Item, ItemSet};
use crate::regulator::RegulatorFacts;
use crate::time::{Instant, Zone, timestamp_to_instant};
use std::collections::HashSet;
use std::fmt;
use toml::Spanned;
use toml::value::{Datetime, Offset};

/// Exposures are kept as bits of a `u64` per person.
pub const MAX_EXPOSURES: usize = 64;

/// An incident file that cannot be used, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for IncidentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for IncidentError {}

struct Ctx<'a> {
    file: &'a str,
    source: &'a str,
}

impl Ctx<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.source.len());
        self.source.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn err(&self, offset: Option<usize>, message: impl Into<String>) -> IncidentError {
        IncidentError {
            file: self.file.to_owned(),
            line: offset.map(|o| self.line_of(o)),
            message: message.into(),
        }
    }

    fn at<T>(&self, spanned: &Spanned<T>, message: impl Into<String>) -> IncidentError {
        self.err(Some(spanned.span().start), message)
    }
}

/// Parses and validates incident TOML. `file` names it in errors.
pub fn load_incident(file: &str, source: &str) -> Result<Incident, IncidentError> {
    let ctx = Ctx { file, source };
    let raw: RawFile = toml::from_str(source).map_err(|e| {
        let message = e.message().trim().to_owned();
        ctx.err(e.span().map(|s| s.start), message)
    })?;
    let zone_name = raw.incident.timezone.get_ref();
    let zone = Zone::named(zone_name).ok_or_else(|| {
        ctx.at(
            &raw.incident.timezone,
            format!("unknown time zone {zone_name:?} (use an IANA name such as \"Asia/Tokyo\")"),
        )
    })?;
    if raw.incident.id.get_ref().trim().is_empty() {
        return Err(ctx.at(&raw.incident.id, "incident id is empty"));
    }
    if raw.exposure.is_empty() {
        return Err(ctx.err(None, "no [[exposure]] tables: nothing can be scoped"));
    }
    if raw.exposure.len() > MAX_EXPOSURES {
        return Err(ctx.err(
            None,
            format!(
                "{} exposures; at most {MAX_EXPOSURES} are supported",
                raw.exposure.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    let mut exposures = Vec::with_capacity(raw.exposure.len());
    for raw_exposure in &raw.exposure {
        let id = raw_exposure.id.get_ref();
        if id.trim().is_empty() || id.contains(';') {
            return Err(ctx.at(
                &raw_exposure.id,
                format!("exposure id {id:?} must be non-empty and free of ';'"),
            ));
        }
        if !seen.insert(id.clone()) {
            return Err(ctx.at(&raw_exposure.id, format!("duplicate exposure id {id:?}")));
        }
        exposures.push(compile_exposure(&ctx, &zone, raw_exposure)?);
    }
    let regulator = match &raw.incident.discovered {
        Some(d) => Some(RegulatorFacts {
            discovered: bound(&ctx, &zone, d, Bound::From)?,
            unauthorized_access: raw.incident.unauthorized_access,
            eu_residents: raw.incident.eu_residents,
        }),
        None if raw.incident.unauthorized_access || raw.incident.eu_residents => {
            return Err(ctx.err(None, "`unauthorized_access` and `eu_residents` need `discovered` (the date the shop learned of the incident)"));
        }
        None => None,
    };
    Ok(Incident {
        regulator,
        id: raw.incident.id.into_inner(),
        title: raw.incident.title,
        zone,
        exposures,
    })
}

fn compile_exposure(
    ctx: &Ctx<'_>,
    zone: &Zone,
    raw: &RawExposure,
) -> Result<Exposure, IncidentError> {
    let kind_name = raw.records.get_ref();
    let records = RecordKind::from_name(kind_name).ok_or_else(|| {
        ctx.at(
            &raw.records,
            format!("unknown records kind {kind_name:?} (expected \"checkouts\" or \"customers\")"),
        )
    })?;
    let from = raw
        .from
        .as_ref()
        .map(|d| bound(ctx, zone, d, Bound::From))
        .transpose()?;
    let to = raw
        .to
        .as_ref()
        .map(|d| bound(ctx, zone, d, Bound::To))
        .transpose()?;
    if let (Some(f), Some(t), Some(raw_from)) = (from, to, raw.from.as_ref())
        && f > t
    {
        return Err(ctx.at(
            raw_from,
            format!("exposure {:?}: `from` is after `to`", raw.id.get_ref()),
        ));
    }
    let when = match &raw.when {
        Some(table) => conditions(ctx, records, table, false)?.0,
        None => Vec::new(),
    };
    let mut unless = Vec::with_capacity(raw.unless.len());
    for entry in &raw.unless {
        let (conditions, reason) = conditions(ctx, records, entry.get_ref(), true)?;
        let reason = reason.ok_or_else(|| ctx.at(entry, "an `unless` entry needs a `reason`"))?;
        if conditions.is_empty() {
            return Err(ctx.at(entry, "an `unless` entry needs at least one condition"));
        }
        unless.push(Exclusion { conditions, reason });
    }
    let mut exposes = ItemSet::EMPTY;
    for name in raw.exposes.get_ref() {
        let item = Item::from_name(name.get_ref()).ok_or_else(|| {
            let known: Vec<_> = Item::ALL.iter().map(|i| i.name()).collect();
            ctx.at(
                name,
                format!(
                    "unknown item {:?} in `exposes` (known: {})",
                    name.get_ref(),
                    known.join(", ")
                ),
            )
        })?;
        exposes.insert(item);
    }
    if exposes.is_empty() {
        return Err(ctx.at(&raw.exposes, "`exposes` lists no item"));
    }
    Ok(Exposure {
        id: raw.id.get_ref().clone(),
        title: raw.title.clone(),
        records,
        from,
        to,
        when,
        unless,
        exposes,
        sources: exposes
            .iter()
            .map(|item| (item, item_source(records, item)))
            .collect(),
    })
}

#[derive(Clone, Copy)]
enum Bound {
    From,
    To,
}

fn bound(
    ctx: &Ctx<'_>,
    zone: &Zone,
    value: &Spanned<Datetime>,
    which: Bound,
) -> Result<Instant, IncidentError> {
    let dt = value.get_ref();
    let bad = |m: &str| ctx.at(value, m.to_owned());
    let date = dt.date.ok_or_else(|| bad("a window bound needs a date"))?;
    let civil_date = jiff::civil::Date::new(date.year as i16, date.month as i8, date.day as i8)
        .map_err(|_| bad("not a valid date"))?;
    let Some(time) = dt.time else {
        // A local date stands for the whole day in the incident's zone.
        let instant = match which {
            Bound::From => zone.start_of_day(civil_date),
            Bound::To => zone.end_of_day(civil_date),
        };
        return instant.ok_or_else(|| bad("date out of range"));
    };
    let civil_time = jiff::civil::Time::new(
        time.hour as i8,
        time.minute as i8,
        time.second.unwrap_or(0) as i8,
        time.nanosecond.unwrap_or(0) as i32,
    )
    .map_err(|_| bad("not a valid time"))?;
    let local = civil_date.to_datetime(civil_time);
    match dt.offset {
        None => zone
            .local_to_instant(local)
            .ok_or_else(|| bad("time out of range")),
        Some(offset) => {
            let minutes = match offset {
                Offset::Z => 0,
                Offset::Custom { minutes } => i32::from(minutes),
            };
            let offset = jiff::tz::Offset::from_seconds(minutes * 60)
                .map_err(|_| bad("offset out of range"))?;
            offset
                .to_timestamp(local)
                .ok()
                .and_then(timestamp_to_instant)
                .ok_or_else(|| bad("time out of range"))
        }
    }
}

/// Compiles a condition table; with `allow_reason`, a `reason` key is taken
/// out as the exclusion's reason.
fn conditions(
    ctx: &Ctx<'_>,
    kind: RecordKind,
    table: &RawConditions,
    allow_reason: bool,
) -> Result<(Vec<Condition>, Option<String>), IncidentError> {
    let mut out = Vec::with_capacity(table.0.len());
    let mut reason = None;
    for (key, value) in &table.0 {
        let name = key.get_ref().as_str();
        if allow_reason && name == "reason" {
            match value.get_ref() {
                toml::Value::String(s) if !s.trim().is_empty() => reason = Some(s.clone()),
                _ => return Err(ctx.at(value, "`reason` must be a non-empty string")),
            }
            continue;
        }
        let column = kind.column_index(name).ok_or_else(|| {
            let known: Vec<_> = kind.columns().iter().map(|c| c.name).collect();
            ctx.at(
                key,
                format!(
                    "condition on {name:?}, which {kind} records do not have (columns: {})",
                    known.join(", ")
                ),
            )
        })?;
        let column_name = kind.columns().get(column).map(|c| c.name).unwrap_or("");
        let expected = match column_type(kind, column) {
            Some(ColumnType::Text) => Expected::Text(scalars(
                ctx,
                value,
                name,
                |v| match v {
                    toml::Value::String(s) => Some(s.clone()),
                    _ => None,
                },
                "a string",
            )?),
            Some(ColumnType::Flag) => Expected::Flag(scalars(
                ctx,
                value,
                name,
                |v| match v {
                    toml::Value::Boolean(b) => Some(*b),
                    _ => None,
                },
                "true or false",
            )?),
            _ => {
                return Err(ctx.at(key, format!("{name:?} is a timestamp: use the exposure's `from` and `to` instead of a condition")));
            }
        };
        out.push(Condition {
            column,
            column_name,
            expected,
        });
    }
    Ok((out, reason))
}

fn scalars<T>(
    ctx: &Ctx<'_>,
    value: &Spanned<toml::Value>,
    name: &str,
    read: impl Fn(&toml::Value) -> Option<T>,
    wanted: &str,
) -> Result<Vec<T>, IncidentError> {
    let wrong = || {
        ctx.at(
            value,
            format!("condition {name:?} must be {wanted} or a list of them"),
        )
    };
    match value.get_ref() {
        toml::Value::Array(list) => {
            if list.is_empty() {
                return Err(ctx.at(
                    value,
                    format!("condition {name:?} has an empty list: it could never hold"),
                ));
            }
            list.iter().map(|v| read(v).ok_or_else(wrong)).collect()
        }
        other => read(other).map(|v| vec![v]).ok_or_else(wrong),
    }
}
