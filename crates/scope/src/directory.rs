//! Every customer's key, normalized email, registered email and name, held
//! compactly so that checkouts can be tied to accounts (person rule 2) and
//! output rows can show the registered address.

use breachdesk_domain::column::customer as col;
use breachdesk_domain::{Instant, Record, normalize_email};
use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

/// One worker's share of the customers file.
#[derive(Default)]
pub(crate) struct DirectoryShard {
    arena: String,
    entries: Vec<Entry>,
}

/// Strings live in the shard's arena: one allocation for a million
/// customers instead of four each.
#[derive(Clone, Copy)]
struct Entry {
    shard: u32,
    start: usize,
    /// Lengths of id, normalized email, registered email, name, in arena order.
    /// The registered email is only stored when it differs from the normalized one.
    lens: [u32; 4],
    raw_email_same: bool,
    has_password: bool,
    registered_at: Instant,
    line: u64,
}

impl DirectoryShard {
    pub fn add(&mut self, record: &Record<'_>, line: u64) {
        let id = record.get(col::CUSTOMER_ID).trim();
        let raw_email = record.get(col::EMAIL);
        let normalized = normalize_email(raw_email).unwrap_or_default();
        let name = record.get(col::NAME);
        let raw_email_same = raw_email == normalized;
        let start = self.arena.len();
        self.arena.push_str(id);
        self.arena.push_str(&normalized);
        if !raw_email_same {
            self.arena.push_str(raw_email);
        }
        self.arena.push_str(name);
        let len = |s: &str| u32::try_from(s.len()).unwrap_or(u32::MAX);
        self.entries.push(Entry {
            shard: 0,
            start,
            lens: [
                len(id),
                len(&normalized),
                if raw_email_same { 0 } else { len(raw_email) },
                len(name),
            ],
            raw_email_same,
            has_password: record.has_password_hash,
            registered_at: record.at,
            line,
        });
    }
}

/// What the rest of scoping needs to know about one customer.
#[derive(Clone, Copy, Debug)]
pub struct CustomerInfo<'a> {
    pub id: &'a str,
    pub normalized_email: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub has_password: bool,
    pub line: u64,
}

/// Two customers with the same key: the export is inconsistent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateCustomer {
    pub id: String,
    pub line: u64,
    pub first_line: u64,
}

#[derive(Default)]
pub struct CustomerDirectory {
    arenas: Vec<String>,
    entries: Vec<Entry>,
    by_id: HashTable<u32>,
    by_email: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl CustomerDirectory {
    pub(crate) fn from_shards(
        shards: Vec<DirectoryShard>,
    ) -> Result<CustomerDirectory, DuplicateCustomer> {
        let mut dir = CustomerDirectory::default();
        for (shard_index, shard) in shards.into_iter().enumerate() {
            let shard_index = u32::try_from(shard_index).unwrap_or(u32::MAX);
            dir.arenas.push(shard.arena);
            dir.entries.extend(shard.entries.into_iter().map(|e| Entry {
                shard: shard_index,
                ..e
            }));
        }
        for index in 0..dir.entries.len() {
            dir.insert(index)?;
        }
        Ok(dir)
    }

    fn insert(&mut self, index: usize) -> Result<(), DuplicateCustomer> {
        // Destructured so the tables can change while the arenas are read.
        let CustomerDirectory {
            arenas,
            entries,
            by_id,
            by_email,
            hasher,
        } = self;
        let slot = u32::try_from(index).unwrap_or(u32::MAX);
        let entry = entries[index];
        let text = |i: u32, part: usize| part_of(arenas, &entries[i as usize], part);
        let id = part_of(arenas, &entry, 0);
        let id_hash = hasher.hash_one(id);
        if let Some(&other) = by_id.find(id_hash, |&i| text(i, 0) == id) {
            let other_line = entries[other as usize].line;
            return Err(DuplicateCustomer {
                id: id.to_owned(),
                line: entry.line.max(other_line),
                first_line: entry.line.min(other_line),
            });
        }
        by_id.insert_unique(id_hash, slot, |&i| hasher.hash_one(text(i, 0)));
        let email = part_of(arenas, &entry, 1);
        if email.is_empty() {
            return Ok(());
        }
        // Two accounts with one address: the person is the account opened
        // last (the later line on a tie), the one the address belongs to now.
        let email_hash = hasher.hash_one(email);
        match by_email.find_mut(email_hash, |&i| text(i, 1) == email) {
            Some(existing) => {
                let other = &entries[*existing as usize];
                if (entry.registered_at, entry.line) > (other.registered_at, other.line) {
                    *existing = slot;
                }
            }
            None => {
                by_email.insert_unique(email_hash, slot, |&i| hasher.hash_one(text(i, 1)));
            }
        }
        Ok(())
    }

    fn info_at(&self, index: usize) -> CustomerInfo<'_> {
        let e = &self.entries[index];
        let part = |p| part_of(&self.arenas, e, p);
        CustomerInfo {
            id: part(0),
            normalized_email: part(1),
            email: if e.raw_email_same { part(1) } else { part(2) },
            name: part(3),
            has_password: e.has_password,
            line: e.line,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn by_id(&self, id: &str) -> Option<CustomerInfo<'_>> {
        let hash = self.hasher.hash_one(id);
        let index = *self.by_id.find(hash, |&i| {
            part_of(&self.arenas, &self.entries[i as usize], 0) == id
        })?;
        Some(self.info_at(index as usize))
    }

    /// The customer a normalized email belongs to (person rule 2).
    pub fn by_email(&self, normalized: &str) -> Option<CustomerInfo<'_>> {
        let hash = self.hasher.hash_one(normalized);
        let index = *self.by_email.find(hash, |&i| {
            part_of(&self.arenas, &self.entries[i as usize], 1) == normalized
        })?;
        Some(self.info_at(index as usize))
    }

    /// Every customer whose normalized email is this one (there may be several accounts).
    pub fn all_with_email(&self, normalized: &str) -> Vec<CustomerInfo<'_>> {
        (0..self.entries.len())
            .map(|i| self.info_at(i))
            .filter(|c| c.normalized_email == normalized)
            .collect()
    }
}

fn part_of<'a>(arenas: &'a [String], e: &Entry, part: usize) -> &'a str {
    let arena = arenas
        .get(e.shard as usize)
        .map(String::as_str)
        .unwrap_or("");
    let start = e.start + e.lens[..part].iter().map(|&l| l as usize).sum::<usize>();
    arena
        .get(start..start + e.lens[part] as usize)
        .unwrap_or("")
}
