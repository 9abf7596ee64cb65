//! Deterministic randomness.
//!
//! Every random decision comes from a stream keyed by `(seed, domain, index)`,
//! so any customer, guest, card or block can be regenerated on its own, on any
//! thread, and always comes out the same.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a random stream is for. The discriminants are part of the output
/// format: changing one changes every file generated with a given seed.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Domain {
    Customer = 1,
    CustomerCore = 2,
    FamilyFlag = 4,
    Family = 5,
    Guest = 6,
    GuestFlag = 7,
    Card = 8,
    CheckoutPlan = 9,
    CheckoutRow = 10,
    EmailNumber = 11,
    WideGuest = 12,
    WideCustomer = 13,
    WideRow = 14,
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64 finalizer: a bijection on u64 with good avalanche, so distinct
/// keys stay distinct.
pub(crate) const fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(GOLDEN);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The 64-bit key of one stream.
pub(crate) fn key(seed: u64, domain: Domain, index: u64) -> u64 {
    let base = splitmix(seed ^ (domain as u64).wrapping_mul(0xA24B_AED4_963E_E407));
    splitmix(base ^ index)
}

/// A ChaCha8 stream for one entity or block. The 32-byte seed is expanded
/// here rather than by `seed_from_u64` so the expansion is ours and fixed.
pub(crate) fn chacha(seed: u64, domain: Domain, index: u64) -> ChaCha8Rng {
    let mut k = key(seed, domain, index);
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_exact_mut(8) {
        k = splitmix(k);
        chunk.copy_from_slice(&k.to_le_bytes());
    }
    ChaCha8Rng::from_seed(bytes)
}

/// A very cheap counter-based stream, for the few facts that the sequential
/// part of checkout generation needs about millions of customers (card count,
/// withdrawal): starting a ChaCha stream per lookup would dominate there.
pub(crate) struct Mix(u64);

impl Mix {
    pub(crate) fn new(seed: u64, domain: Domain, index: u64) -> Mix {
        Mix(key(seed, domain, index))
    }
}

impl RngCore for Mix {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        splitmix(self.0)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// True with probability `basis_points / 10_000`.
#[inline]
pub(crate) fn chance<R: Rng + ?Sized>(rng: &mut R, basis_points: u32) -> bool {
    rng.random_range(0..10_000u32) < basis_points
}

/// Running totals of a weight list, computed at compile time.
pub(crate) const fn cumulative<const N: usize>(weights: [u32; N]) -> [u32; N] {
    let mut out = [0u32; N];
    let mut total = 0u32;
    let mut i = 0;
    while i < N {
        total += weights[i];
        out[i] = total;
        i += 1;
    }
    out
}

/// Index drawn with the weights whose running totals are `cum`.
#[inline]
pub(crate) fn pick<R: Rng + ?Sized>(rng: &mut R, cum: &[u32]) -> usize {
    let total = cum.last().copied().unwrap_or(0);
    if total == 0 {
        return 0;
    }
    let r = rng.random_range(0..total);
    cum.partition_point(|&c| c <= r)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn pick_follows_weights() {
        const CUM: [u32; 3] = cumulative([1, 0, 3]);
        assert_eq!(CUM, [1, 1, 4]);
        let mut rng = chacha(7, Domain::CheckoutRow, 0);
        let mut counts = [0u32; 3];
        for _ in 0..40_000 {
            counts[pick(&mut rng, &CUM)] += 1;
        }
        assert_eq!(counts[1], 0, "a zero weight is never drawn");
        assert!((9_000..11_000).contains(&counts[0]), "{counts:?}");
        assert!((29_000..31_000).contains(&counts[2]), "{counts:?}");
    }

    #[test]
    fn streams_differ_by_key_and_repeat_by_key() {
        let a: u64 = chacha(1, Domain::Customer, 5).random();
        let b: u64 = chacha(1, Domain::Customer, 5).random();
        let c: u64 = chacha(1, Domain::Customer, 6).random();
        let d: u64 = chacha(2, Domain::Customer, 5).random();
        let e: u64 = chacha(1, Domain::Guest, 5).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_ne!(a, e);
        let mut m1 = Mix::new(1, Domain::Card, 9);
        let mut m2 = Mix::new(1, Domain::Card, 9);
        assert_eq!(m1.next_u64(), m2.next_u64());
    }
}
