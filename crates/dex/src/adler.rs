//! Adler-32, written for throughput: the DEX checksum covers the whole file (tens of MB in big
//! apps), so a byte-at-a-time loop would dominate parsing time.
//!
//! The inner loop keeps 32 independent lane sums so the compiler can vectorise it; the lanes are
//! folded back into the two Adler sums once per block.

const MOD_ADLER: u64 = 65_521;
const LANES: usize = 32;
/// Chunks per block: the per-lane weighted sum grows as 255·k(k+1)/2 and must stay below 2^32.
const CHUNKS_PER_BLOCK: usize = 4096;

/// Adler-32 of `data` (initial value 1, as zlib and DEX use).
pub fn adler32(data: &[u8]) -> u32 {
    let mut a: u64 = 1;
    let mut b: u64 = 0;
    let block_bytes = LANES * CHUNKS_PER_BLOCK;
    let mut blocks = data.chunks_exact(block_bytes);
    for block in &mut blocks {
        fold_block(block, &mut a, &mut b);
    }
    let rest = blocks.remainder();
    let whole = rest.len() - rest.len() % LANES;
    let (vec_part, tail) = rest.split_at(whole);
    if !vec_part.is_empty() {
        fold_block(vec_part, &mut a, &mut b);
    }
    for &x in tail {
        a = (a + u64::from(x)) % MOD_ADLER;
        b = (b + a) % MOD_ADLER;
    }
    ((b as u32) << 16) | a as u32
}

/// Folds a block whose length is a multiple of [`LANES`] and at most one full block.
fn fold_block(block: &[u8], a: &mut u64, b: &mut u64) {
    let mut la = [0u32; LANES];
    let mut lb = [0u32; LANES];
    let mut chunks = 0u64;
    for chunk in block.chunks_exact(LANES) {
        for j in 0..LANES {
            la[j] += u32::from(chunk[j]);
            lb[j] += la[j];
        }
        chunks += 1;
    }
    // For n bytes x_p: b' = b + n·a + Σ (n - p)·x_p, and with p = 32c + j over k chunks,
    // Σ (n - p)·x_p = 32·Σ lb[j] - Σ j·la[j].
    let n = chunks * LANES as u64;
    let mut sum_a = 0u64;
    let mut sum_lb = 0u64;
    let mut sum_jla = 0u64;
    for j in 0..LANES {
        sum_a += u64::from(la[j]);
        sum_lb += u64::from(lb[j]);
        sum_jla += j as u64 * u64::from(la[j]);
    }
    let new_b = *b + (n % MOD_ADLER) * *a + (LANES as u64) * sum_lb - sum_jla;
    *a = (*a + sum_a) % MOD_ADLER;
    *b = new_b % MOD_ADLER;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &x in data {
            a = (a + u32::from(x)) % 65_521;
            b = (b + a) % 65_521;
        }
        (b << 16) | a
    }

    #[test]
    fn matches_reference() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        let mut seed = 12345u32;
        for len in [1usize, 31, 32, 33, 1000, 131_072, 131_073, 300_001] {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (seed >> 16) as u8
                })
                .collect();
            assert_eq!(adler32(&data), naive(&data), "len {len}");
            let ff = vec![0xffu8; len];
            assert_eq!(adler32(&ff), naive(&ff), "0xff len {len}");
        }
    }
}
