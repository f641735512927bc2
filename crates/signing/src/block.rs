//! The APK Signing Block: the ID-value store between the last ZIP entry and the central
//! directory that holds the v2/v3/v3.1 signatures, source stamps and padding. Parsing follows
//! apksig's `ApkSigningBlockUtils.findApkSigningBlock`/`findApkSignatureSchemeBlock`: a malformed
//! block or pair means "no signature found", not a hard failure.

use serde::Serialize;

/// "APK Sig Block 42".
pub const MAGIC: &[u8; 16] = b"APK Sig Block 42";
/// Footer: u64 size + 16-byte magic.
const FOOTER_SIZE: u64 = 24;
/// Smallest possible block: header size + footer.
const MIN_BLOCK_SIZE: u64 = 32;
/// apksig rejects blocks whose size does not fit a Java int.
const MAX_BLOCK_SIZE: u64 = i32::MAX as u64 - 8;
/// More pairs than this is hostile; real blocks hold a handful.
const MAX_PAIRS: usize = 4096;

pub const ID_V2: u32 = 0x7109_871a;
pub const ID_V3: u32 = 0xf053_68c0;
pub const ID_V31: u32 = 0x1b93_ad61;
pub const ID_SOURCE_STAMP_V2: u32 = 0x6dff_800d;
pub const ID_SOURCE_STAMP_V1: u32 = 0x2b09_189e;
pub const ID_VERITY_PADDING: u32 = 0x4272_6577;
pub const ID_DEPENDENCY_INFO: u32 = 0x504b_4453;
pub const ID_FROSTING: u32 = 0x2146_444e;

/// Why there is no usable APK Signing Block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BlockError {
    #[error("APK too small for APK Signing Block (central directory at {cd_offset})")]
    TooSmall { cd_offset: u64 },
    #[error("no APK Signing Block before ZIP Central Directory")]
    NoMagic,
    #[error("APK Signing Block size out of range: {size}")]
    SizeOutOfRange { size: u64 },
    #[error(
        "APK Signing Block offset out of range: size {size}, central directory at {cd_offset}"
    )]
    OffsetOutOfRange { size: u64, cd_offset: u64 },
    #[error("APK Signing Block sizes in header and footer do not match: {header} vs {footer}")]
    SizeMismatch { header: u64, footer: u64 },
}

/// Why the pair list stopped early (later pairs are invisible to Android too).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PairError {
    #[error("insufficient data to read size of APK Signing Block entry #{index}")]
    Truncated { index: usize },
    #[error("APK Signing Block entry #{index} size out of range: {size}")]
    SizeOutOfRange { index: usize, size: u64 },
    #[error("more than {MAX_PAIRS} entries in the APK Signing Block")]
    TooMany,
}

/// One ID-value pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BlockPair<'a> {
    pub id: u32,
    /// Offset of the value in the APK.
    pub offset: u64,
    #[serde(skip)]
    pub value: &'a [u8],
    pub len: u64,
}

/// A located APK Signing Block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SigningBlock<'a> {
    /// Offset of the block's first byte (its leading size field).
    pub offset: u64,
    /// Total size including both size fields and the magic.
    pub size: u64,
    /// Pairs in file order, up to the first malformed one.
    pub pairs: Vec<BlockPair<'a>>,
    /// Why the pair list ended early, if it did.
    pub malformed: Option<PairError>,
}

impl<'a> SigningBlock<'a> {
    /// The value Android would use for `id`: the first matching pair.
    pub fn find(&self, id: u32) -> Option<&'a [u8]> {
        self.pairs.iter().find(|p| p.id == id).map(|p| p.value)
    }
}

fn u64_at(d: &[u8], off: u64) -> Option<u64> {
    let off = usize::try_from(off).ok()?;
    let b = d.get(off..off.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Some(u64::from_le_bytes(a))
}

/// Locates and parses the APK Signing Block that ends at `cd_offset` (the central directory
/// offset from the End of Central Directory record). `Ok(None)`-like absence is reported as
/// [`BlockError::NoMagic`] / [`BlockError::TooSmall`].
pub fn parse_signing_block(apk: &[u8], cd_offset: u64) -> Result<SigningBlock<'_>, BlockError> {
    if cd_offset < MIN_BLOCK_SIZE || cd_offset > apk.len() as u64 {
        return Err(BlockError::TooSmall { cd_offset });
    }
    let footer = cd_offset - FOOTER_SIZE;
    let magic = usize::try_from(footer + 8)
        .ok()
        .and_then(|m| apk.get(m..m + 16))
        .ok_or(BlockError::TooSmall { cd_offset })?;
    if magic != MAGIC {
        return Err(BlockError::NoMagic);
    }
    let size = u64_at(apk, footer).ok_or(BlockError::NoMagic)?;
    if !(FOOTER_SIZE..=MAX_BLOCK_SIZE).contains(&size) {
        return Err(BlockError::SizeOutOfRange { size });
    }
    let total = size + 8;
    let offset = cd_offset
        .checked_sub(total)
        .ok_or(BlockError::OffsetOutOfRange { size, cd_offset })?;
    let header = u64_at(apk, offset).ok_or(BlockError::OffsetOutOfRange { size, cd_offset })?;
    if header != size {
        return Err(BlockError::SizeMismatch {
            header,
            footer: size,
        });
    }
    // Pairs live between the leading size field and the footer.
    let start = offset + 8;
    let end = footer;
    let mut pairs = Vec::new();
    let mut malformed = None;
    let mut pos = start;
    let mut index = 0usize;
    while pos < end {
        index += 1;
        if pairs.len() >= MAX_PAIRS {
            malformed = Some(PairError::TooMany);
            break;
        }
        if end - pos < 8 {
            malformed = Some(PairError::Truncated { index });
            break;
        }
        let Some(len) = u64_at(apk, pos) else {
            malformed = Some(PairError::Truncated { index });
            break;
        };
        let remaining = end - pos - 8;
        if !(4..=i32::MAX as u64).contains(&len) || len > remaining {
            malformed = Some(PairError::SizeOutOfRange { index, size: len });
            break;
        }
        let id_off = (pos + 8) as usize;
        let Some(idb) = apk.get(id_off..id_off + 4) else {
            malformed = Some(PairError::Truncated { index });
            break;
        };
        let id = u32::from_le_bytes([idb[0], idb[1], idb[2], idb[3]]);
        let value = apk
            .get(id_off + 4..id_off + len as usize)
            .unwrap_or_default();
        pairs.push(BlockPair {
            id,
            offset: pos + 12,
            value,
            len: len - 4,
        });
        pos = pos + 8 + len;
    }
    Ok(SigningBlock {
        offset,
        size: total,
        pairs,
        malformed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn build(pairs: &[(u32, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (id, v) in pairs {
            body.extend_from_slice(&((v.len() + 4) as u64).to_le_bytes());
            body.extend_from_slice(&id.to_le_bytes());
            body.extend_from_slice(v);
        }
        let size = (body.len() + 24) as u64;
        let mut out = vec![0xAAu8; 10];
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&body);
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(MAGIC);
        out
    }

    #[test]
    fn parses_pairs() {
        let apk = build(&[(ID_V2, b"abc"), (0x1234, b"")]);
        let b = parse_signing_block(&apk, apk.len() as u64).unwrap();
        assert_eq!(b.offset, 10);
        assert_eq!(b.pairs.len(), 2);
        assert_eq!(b.find(ID_V2), Some(&b"abc"[..]));
        assert!(b.find(ID_V3).is_none());
        assert!(b.malformed.is_none());
    }

    #[test]
    fn rejects_bad_blocks() {
        let mut apk = build(&[(ID_V2, b"abc")]);
        let n = apk.len() as u64;
        assert_eq!(
            parse_signing_block(&apk, 5),
            Err(BlockError::TooSmall { cd_offset: 5 })
        );
        apk[10] ^= 1;
        assert!(matches!(
            parse_signing_block(&apk, n),
            Err(BlockError::SizeMismatch { .. })
        ));
        let last = apk.len() - 1;
        apk[last] = b'x';
        assert_eq!(parse_signing_block(&apk, n), Err(BlockError::NoMagic));
        assert!(parse_signing_block(&apk, u64::MAX).is_err());
    }

    #[test]
    fn malformed_pair_stops_list() {
        let mut apk = build(&[(ID_V2, b"abc"), (ID_V3, b"def")]);
        // Corrupt the second pair's length.
        let second = 10 + 8 + 8 + 4 + 3;
        apk[second..second + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        let b = parse_signing_block(&apk, apk.len() as u64).unwrap();
        assert_eq!(b.pairs.len(), 1);
        assert!(b.malformed.is_some());
    }
}
