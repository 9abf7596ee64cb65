//! Every customer's key, normalized email, registered email and name, held
//! compactly so that checkouts can be tied to accounts (person rule 2) and
//! output rows can show the registered address.
//!
//! Customers are numbered (a `u32` index) so that everything downstream
//! names a customer by four bytes instead of a string. The two lookup tables
//! are split into partitions by hash and built in parallel: with hundreds of
//! thousands of customers, building them on one core left the other idle.

use breachdesk_domain::column::customer as col;
use breachdesk_domain::{Instant, Record, normalize_email};
use hashbrown::{DefaultHashBuilder, HashTable};
use rayon::prelude::*;
use std::hash::BuildHasher;

/// Lookup tables per index; a power of two, chosen by the hash's top bits.
const PARTITION_BITS: u32 = 4;
const PARTITIONS: usize = 1 << PARTITION_BITS;

fn partition_of(hash: u64) -> usize {
    (hash >> (64 - PARTITION_BITS)) as usize
}

/// One worker's share of the customers file. Hashes are taken here, on the
/// worker, so the tables only have to place them.
pub(crate) struct DirectoryShard {
    hasher: DefaultHashBuilder,
    arena: String,
    entries: Vec<Entry>,
    /// Hash of the id and of the normalized email (0 when there is none).
    hashes: Vec<(u64, u64)>,
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
    pub fn new(hasher: DefaultHashBuilder) -> DirectoryShard {
        DirectoryShard {
            hasher,
            arena: String::new(),
            entries: Vec::new(),
            hashes: Vec::new(),
        }
    }

    /// Adds the customer and returns its index within this shard.
    pub fn add(&mut self, record: &Record<'_>, line: u64) -> u32 {
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
        // A cell is at most one record, which the reader caps far below 4 GiB.
        let len = |s: &str| u32::try_from(s.len()).unwrap_or(u32::MAX);
        let email_hash = if normalized.is_empty() {
            0
        } else {
            self.hasher.hash_one(normalized.as_str())
        };
        self.hashes.push((self.hasher.hash_one(id), email_hash));
        let index = self.entries.len();
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
        u32::try_from(index).unwrap_or(u32::MAX)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DirectoryError {
    Duplicate(DuplicateCustomer),
    TooMany,
}

pub struct CustomerDirectory {
    arenas: Vec<String>,
    entries: Vec<Entry>,
    by_id: Vec<HashTable<u32>>,
    by_email: Vec<HashTable<u32>>,
    hasher: DefaultHashBuilder,
}

impl Default for CustomerDirectory {
    fn default() -> CustomerDirectory {
        CustomerDirectory::empty(DefaultHashBuilder::default())
    }
}

impl CustomerDirectory {
    pub(crate) fn empty(hasher: DefaultHashBuilder) -> CustomerDirectory {
        CustomerDirectory {
            arenas: Vec::new(),
            entries: Vec::new(),
            by_id: (0..PARTITIONS).map(|_| HashTable::new()).collect(),
            by_email: (0..PARTITIONS).map(|_| HashTable::new()).collect(),
            hasher,
        }
    }

    /// Joins the shards (customer `j` of shard `s` gets index
    /// `offsets[s] + j`) and builds both tables on the current rayon pool.
    pub(crate) fn from_shards(
        shards: Vec<DirectoryShard>,
        hasher: DefaultHashBuilder,
    ) -> Result<(CustomerDirectory, Vec<u32>), DirectoryError> {
        let total: usize = shards.iter().map(DirectoryShard::len).sum();
        if u32::try_from(total).is_err() {
            return Err(DirectoryError::TooMany);
        }
        let mut dir = CustomerDirectory::empty(hasher);
        let mut offsets = Vec::with_capacity(shards.len());
        let mut hashes = Vec::with_capacity(total);
        for (shard_index, shard) in shards.into_iter().enumerate() {
            offsets.push(dir.entries.len() as u32);
            let shard_index = shard_index as u32;
            dir.arenas.push(shard.arena);
            dir.entries.extend(shard.entries.into_iter().map(|e| Entry {
                shard: shard_index,
                ..e
            }));
            hashes.extend(shard.hashes);
        }
        // Sized up front, so no table ever grows (and rehashes) while built.
        let mut sizes = [(0usize, 0usize); PARTITIONS];
        for &(id_hash, email_hash) in &hashes {
            sizes[partition_of(id_hash)].0 += 1;
            if email_hash != 0 {
                sizes[partition_of(email_hash)].1 += 1;
            }
        }
        let tables: Vec<(HashTable<u32>, HashTable<u32>, Option<DuplicateCustomer>)> = (0
            ..PARTITIONS)
            .into_par_iter()
            .map(|p| dir.build_partition(p, sizes[p], &hashes))
            .collect();
        // The same duplicates whatever the partitioning: the earliest pair.
        let duplicate = tables
            .iter()
            .filter_map(|(_, _, d)| d.clone())
            .min_by_key(|d| (d.line, d.first_line));
        if let Some(d) = duplicate {
            return Err(DirectoryError::Duplicate(d));
        }
        (dir.by_id, dir.by_email) = tables.into_iter().map(|(i, e, _)| (i, e)).unzip();
        Ok((dir, offsets))
    }

    /// Partition `p` of both tables, and the earliest duplicate id in it.
    fn build_partition(
        &self,
        p: usize,
        (ids, emails): (usize, usize),
        hashes: &[(u64, u64)],
    ) -> (HashTable<u32>, HashTable<u32>, Option<DuplicateCustomer>) {
        let mut by_id: HashTable<u32> = HashTable::with_capacity(ids);
        let mut by_email: HashTable<u32> = HashTable::with_capacity(emails);
        let mut duplicate: Option<DuplicateCustomer> = None;
        let rehash_id = |&i: &u32| self.hasher.hash_one(self.part(i, 0));
        let rehash_email = |&i: &u32| self.hasher.hash_one(self.part(i, 1));
        for (index, &(id_hash, email_hash)) in hashes.iter().enumerate() {
            let slot = index as u32;
            let entry = &self.entries[index];
            if partition_of(id_hash) == p {
                let id = self.part(slot, 0);
                match by_id.find(id_hash, |&i| self.part(i, 0) == id) {
                    Some(&other) => {
                        let other_line = self.entries[other as usize].line;
                        let found = DuplicateCustomer {
                            id: id.to_owned(),
                            line: entry.line.max(other_line),
                            first_line: entry.line.min(other_line),
                        };
                        if duplicate
                            .as_ref()
                            .is_none_or(|d| (found.line, found.first_line) < (d.line, d.first_line))
                        {
                            duplicate = Some(found);
                        }
                    }
                    None => {
                        by_id.insert_unique(id_hash, slot, rehash_id);
                    }
                }
            }
            if email_hash == 0 || partition_of(email_hash) != p {
                continue;
            }
            let email = self.part(slot, 1);
            // Two accounts with one address: the person is the account opened
            // last (the later line on a tie), the one the address belongs to now.
            match by_email.find_mut(email_hash, |&i| self.part(i, 1) == email) {
                Some(existing) => {
                    let other = &self.entries[*existing as usize];
                    if (entry.registered_at, entry.line) > (other.registered_at, other.line) {
                        *existing = slot;
                    }
                }
                None => {
                    by_email.insert_unique(email_hash, slot, rehash_email);
                }
            }
        }
        (by_id, by_email, duplicate)
    }

    /// Part `part` (0 id, 1 normalized email, 2 registered email, 3 name) of
    /// customer `index`.
    fn part(&self, index: u32, part: usize) -> &str {
        match self.entries.get(index as usize) {
            Some(e) => part_of(&self.arenas, e, part),
            None => "",
        }
    }

    /// Customer `index`; an index the directory never handed out reads as
    /// an empty customer (indexes only come from this directory).
    pub fn info(&self, index: u32) -> CustomerInfo<'_> {
        let Some(e) = self.entries.get(index as usize) else {
            return CustomerInfo {
                id: "",
                normalized_email: "",
                email: "",
                name: "",
                has_password: false,
                line: 0,
            };
        };
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

    /// The customer's id: the person key of an account.
    pub(crate) fn id(&self, index: u32) -> &str {
        self.part(index, 0)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The index of the customer with this id.
    pub fn index_of_id(&self, id: &str) -> Option<u32> {
        if self.entries.is_empty() {
            return None;
        }
        let hash = self.hasher.hash_one(id);
        self.by_id[partition_of(hash)]
            .find(hash, |&i| self.part(i, 0) == id)
            .copied()
    }

    /// The index of the customer a normalized email belongs to (person rule 2).
    pub fn index_of_email(&self, normalized: &str) -> Option<u32> {
        if self.entries.is_empty() {
            return None;
        }
        let hash = self.hasher.hash_one(normalized);
        self.by_email[partition_of(hash)]
            .find(hash, |&i| self.part(i, 1) == normalized)
            .copied()
    }

    pub fn by_id(&self, id: &str) -> Option<CustomerInfo<'_>> {
        self.index_of_id(id).map(|i| self.info(i))
    }

    /// The customer a normalized email belongs to (person rule 2).
    pub fn by_email(&self, normalized: &str) -> Option<CustomerInfo<'_>> {
        self.index_of_email(normalized).map(|i| self.info(i))
    }

    /// Every customer whose normalized email is this one (there may be several accounts).
    pub fn all_with_email(&self, normalized: &str) -> Vec<CustomerInfo<'_>> {
        (0..self.entries.len() as u32)
            .map(|i| self.info(i))
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
