//! APK content digests for the v2/v3 schemes: the "chunked" digests over the three ZIP sections
//! (entries before the signing block, central directory, EOCD with its central-directory offset
//! pointed at the signing block) and the fs-verity Merkle-tree root used by the verity variants.

use sha2::{Digest, Sha256, Sha512};

/// 1 MiB chunks, as the scheme defines.
const CHUNK: usize = 1 << 20;
/// fs-verity block size.
const VERITY_BLOCK: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContentDigestAlg {
    ChunkedSha256,
    ChunkedSha512,
    VerityChunkedSha256,
}

impl ContentDigestAlg {
    pub fn name(self) -> &'static str {
        match self {
            ContentDigestAlg::ChunkedSha256 => "CHUNKED_SHA256",
            ContentDigestAlg::ChunkedSha512 => "CHUNKED_SHA512",
            ContentDigestAlg::VerityChunkedSha256 => "VERITY_CHUNKED_SHA256",
        }
    }
}

/// The three digested sections, borrowed from the APK except the small rewritten EOCD.
pub struct Sections<'a> {
    pub before_block: &'a [u8],
    pub central_directory: &'a [u8],
    pub eocd: Vec<u8>,
}

impl<'a> Sections<'a> {
    /// `block_offset`: start of the signing block; `cd_offset..eocd_offset`: the central
    /// directory as the scheme digests it (up to the EOCD record).
    pub fn new(apk: &'a [u8], block_offset: u64, cd_offset: u64, eocd_offset: u64) -> Option<Self> {
        let b = usize::try_from(block_offset).ok()?;
        let c = usize::try_from(cd_offset).ok()?;
        let e = usize::try_from(eocd_offset).ok()?;
        let mut eocd = apk.get(e..)?.to_vec();
        // Offset 16 of the EOCD record: central directory start, rewritten to the block offset.
        eocd.get_mut(16..20)?
            .copy_from_slice(&u32::try_from(block_offset).ok()?.to_le_bytes());
        Some(Sections {
            before_block: apk.get(..b)?,
            central_directory: apk.get(c..e)?,
            eocd,
        })
    }

    fn parts(&self) -> [&[u8]; 3] {
        [self.before_block, self.central_directory, &self.eocd]
    }
}

fn chunked<D: Digest>(s: &Sections<'_>) -> Vec<u8> {
    let parts = s.parts();
    let count: usize = parts.iter().map(|p| p.len().div_ceil(CHUNK)).sum();
    let mut top = D::new();
    top.update([0x5a]);
    top.update((count as u32).to_le_bytes());
    for p in parts {
        for chunk in p.chunks(CHUNK) {
            let mut h = D::new();
            h.update([0xa5]);
            h.update((chunk.len() as u32).to_le_bytes());
            h.update(chunk);
            top.update(h.finalize());
        }
    }
    top.finalize().to_vec()
}

/// Salt apksig prepends to every verity hash: eight zero bytes.
const VERITY_SALT: [u8; 8] = [0; 8];

fn salted(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(VERITY_SALT);
    h.update(data);
    h.finalize().into()
}

/// fs-verity style SHA-256 Merkle root over the sections (4 KiB blocks, zero padded, salted),
/// followed by the 64-bit little-endian total length, as apksig's `VerityTreeBuilder` yields.
fn verity(s: &Sections<'_>) -> Option<Vec<u8>> {
    // The verity digest is only defined when the first section is block aligned.
    if s.before_block.len() % VERITY_BLOCK != 0 {
        return None;
    }
    let parts = s.parts();
    let total: usize = parts.iter().map(|p| p.len()).sum();
    // Leaf level: hash every 4 KiB block of the concatenation (blocks may straddle sections).
    let mut level: Vec<u8> = Vec::new();
    let mut buf: Vec<u8> = Vec::with_capacity(VERITY_BLOCK);
    for p in parts {
        let mut rest: &[u8] = p;
        while !rest.is_empty() {
            let take = (VERITY_BLOCK - buf.len()).min(rest.len());
            if buf.is_empty() && take == VERITY_BLOCK {
                level.extend_from_slice(&salted(&rest[..take]));
            } else {
                buf.extend_from_slice(&rest[..take]);
                if buf.len() == VERITY_BLOCK {
                    level.extend_from_slice(&salted(&buf));
                    buf.clear();
                }
            }
            rest = &rest[take..];
        }
    }
    if !buf.is_empty() {
        buf.resize(VERITY_BLOCK, 0);
        level.extend_from_slice(&salted(&buf));
    }
    // Upper levels until one block remains.
    loop {
        let padded = level.len().div_ceil(VERITY_BLOCK).max(1) * VERITY_BLOCK;
        level.resize(padded, 0);
        if level.len() == VERITY_BLOCK {
            break;
        }
        let mut next = Vec::with_capacity(level.len() / VERITY_BLOCK * 32);
        for b in level.chunks(VERITY_BLOCK) {
            next.extend_from_slice(&salted(b));
        }
        level = next;
    }
    let mut out = salted(&level).to_vec();
    out.extend_from_slice(&(total as u64).to_le_bytes());
    Some(out)
}

/// Computes one content digest. `None` when it is undefined for this layout.
pub fn compute(alg: ContentDigestAlg, s: &Sections<'_>) -> Option<Vec<u8>> {
    match alg {
        ContentDigestAlg::ChunkedSha256 => Some(chunked::<Sha256>(s)),
        ContentDigestAlg::ChunkedSha512 => Some(chunked::<Sha512>(s)),
        ContentDigestAlg::VerityChunkedSha256 => verity(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_matches_definition() {
        let apk: Vec<u8> = (0..100u8)
            .chain([0x50, 0x4b, 5, 6])
            .chain([0u8; 18])
            .collect();
        let s = Sections::new(&apk, 40, 60, 100).unwrap();
        assert_eq!(&s.eocd[16..20], &40u32.to_le_bytes());
        let got = compute(ContentDigestAlg::ChunkedSha256, &s).unwrap();
        let mut top = Sha256::new();
        top.update([0x5a]);
        top.update(3u32.to_le_bytes());
        for part in [&apk[..40], &apk[60..100], &s.eocd[..]] {
            let mut h = Sha256::new();
            h.update([0xa5]);
            h.update((part.len() as u32).to_le_bytes());
            h.update(part);
            top.update(h.finalize());
        }
        assert_eq!(got, top.finalize().to_vec());
        assert!(compute(ContentDigestAlg::VerityChunkedSha256, &s).is_none());
    }
}
