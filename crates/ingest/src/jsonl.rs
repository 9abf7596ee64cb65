//! JSON Lines rows: one object per line, the same field names as the CSV.

use crate::error::RowError;
use crate::schema::Schema;
use breachdesk_domain::Record;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Parses one line into owned cell texts by record column (`None` = absent).
pub(crate) fn cells(
    schema: &Schema,
    line: &str,
    line_offset: u64,
) -> Result<Vec<Option<Cow<'static, str>>>, RowError> {
    let object: Map<String, Value> = serde_json::from_str(line)
        .map_err(|e| RowError::new(line_offset, format!("not a JSON object: {e}")))?;
    let mut out = vec![None; schema.kind.columns().len()];
    for (column, def) in schema.kind.columns().iter().enumerate() {
        let text = match object.get(def.name) {
            None => {
                if def.required {
                    return Err(
                        RowError::new(line_offset, "missing required field").in_column(def.name)
                    );
                }
                continue;
            }
            Some(Value::Null) => Cow::Borrowed(""),
            Some(Value::String(s)) => Cow::Owned(s.clone()),
            Some(Value::Bool(b)) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Some(Value::Number(n)) => Cow::Owned(n.to_string()),
            Some(_) => {
                return Err(RowError::new(
                    line_offset,
                    "must be a string, number, boolean or null",
                )
                .in_column(def.name));
            }
        };
        out[column] = Some(text);
    }
    Ok(out)
}

/// Fills a record from parsed cells.
pub(crate) fn fill<'a>(record: &mut Record<'a>, cells: &'a [Option<Cow<'static, str>>]) {
    for (slot, cell) in record.text.iter_mut().zip(cells) {
        *slot = cell.as_deref().unwrap_or("");
    }
}
