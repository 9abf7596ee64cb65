//! Rows as the store reads and writes them. Personal data only ever appears
//! here sealed (`sealed*`) or as keyed indexes (`*_index`).

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRow {
    pub person_id: i64,
    pub key_index: Vec<u8>,
    pub email_index: Option<Vec<u8>>,
    pub sealed_key: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonGenerationRow {
    pub generation: i64,
    pub person_id: i64,
    /// Exposure ids, `;`-joined (not personal: the incident's own names).
    pub exposures: String,
    /// Item names, `;`-joined.
    pub items: String,
    pub checkouts: i64,
    pub cards: i64,
    pub sealed: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerationRow {
    pub generation: i64,
    pub loaded_at: String,
    pub operator: String,
    pub incident_id: String,
    /// summary.json of the scope: figures only.
    pub summary: String,
    /// What changed against the previous generation (JSON of counts and internal ids).
    pub changes: String,
}

/// An audit row to append; the store numbers and chains it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAudit {
    pub at: String,
    pub operator: String,
    pub action: String,
    /// The internal id, never an email.
    pub person_id: Option<i64>,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub operator: String,
    pub action: String,
    pub person_id: Option<i64>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}
