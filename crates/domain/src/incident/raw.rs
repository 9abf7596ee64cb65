//! The incident file as TOML gives it, with spans kept for error lines.

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use toml::Spanned;
use toml::value::Datetime;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    pub incident: RawIncident,
    #[serde(default)]
    pub exposure: Vec<RawExposure>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIncident {
    pub id: Spanned<String>,
    #[serde(default)]
    pub title: String,
    pub timezone: Spanned<String>,
    /// When the shop became aware: a local date or a date-time.
    pub discovered: Option<Spanned<Datetime>>,
    #[serde(default)]
    pub unauthorized_access: bool,
    #[serde(default)]
    pub eu_residents: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExposure {
    pub id: Spanned<String>,
    #[serde(default)]
    pub title: String,
    pub records: Spanned<String>,
    pub from: Option<Spanned<Datetime>>,
    pub to: Option<Spanned<Datetime>>,
    pub when: Option<RawConditions>,
    #[serde(default)]
    pub unless: Vec<Spanned<RawConditions>>,
    pub exposes: Spanned<Vec<Spanned<String>>>,
}

/// A table of `column = value` pairs in the order written, so that `explain`
/// can name the first condition that failed as the author listed them.
pub(crate) struct RawConditions(pub Vec<(Spanned<String>, Spanned<toml::Value>)>);

impl<'de> Deserialize<'de> for RawConditions {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedPairs;
        impl<'de> Visitor<'de> for OrderedPairs {
            type Value = RawConditions;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a table of column = value conditions")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry::<Spanned<String>, Spanned<toml::Value>>()? {
                    pairs.push(pair);
                }
                Ok(RawConditions(pairs))
            }
        }
        deserializer.deserialize_map(OrderedPairs)
    }
}
