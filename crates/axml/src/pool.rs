//! Chunk headers and the `ResStringPool` shared by binary XML and `resources.arsc`.

use std::borrow::Cow;

use crate::{Anomaly, AnomalyKind};

/// `RES_STRING_POOL_TYPE`.
pub const RES_STRING_POOL_TYPE: u16 = 0x0001;
/// `ResStringPool_header::UTF8_FLAG`.
const UTF8_FLAG: u32 = 1 << 8;
/// Size of `ResStringPool_header` (chunk header + 5 u32).
const POOL_HEADER_SIZE: usize = 28;
/// Hard cap on strings in one pool; each needs a 4-byte index anyway, this only bounds pathological
/// headers claiming more than a few million.
pub const MAX_POOL_STRINGS: usize = 4 << 20;

/// Little-endian `u16` at `off`, if in bounds.
pub fn u16_at(d: &[u8], off: usize) -> Option<u16> {
    let b = d.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

/// Little-endian `u32` at `off`, if in bounds.
pub fn u32_at(d: &[u8], off: usize) -> Option<u32> {
    let b = d.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// A `ResChunk_header`: type, header size, total size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkHeader {
    /// Chunk type (`RES_*_TYPE`).
    pub kind: u16,
    /// Size of the chunk's header in bytes.
    pub header_size: u16,
    /// Total size of the chunk, header included.
    pub size: u32,
}

impl ChunkHeader {
    /// Reads the 8-byte header at `off`.
    pub fn read(d: &[u8], off: usize) -> Option<ChunkHeader> {
        Some(ChunkHeader {
            kind: u16_at(d, off)?,
            header_size: u16_at(d, off.checked_add(2)?)?,
            size: u32_at(d, off.checked_add(4)?)?,
        })
    }

    /// libandroidfw `validate_chunk`: header at least `min_header`, header <= size, both 4-aligned,
    /// chunk inside `avail` bytes. Returns a description of the failure.
    pub fn validate(&self, min_header: usize, avail: usize) -> Result<(), &'static str> {
        let hs = usize::from(self.header_size);
        let size = self.size as usize;
        if hs < min_header {
            return Err("header size too small");
        }
        if hs > size {
            return Err("chunk size smaller than its header");
        }
        if (hs | size) & 3 != 0 {
            return Err("header size or chunk size not 4-byte aligned");
        }
        if size > avail {
            return Err("chunk extends beyond its parent");
        }
        Ok(())
    }
}

/// A string pool. Strings are located and decoded on demand (UTF-8 strings are borrowed without
/// allocation); strings Android could not read (out of bounds, unterminated) are `None` exactly
/// where `ResStringPool::stringAt` returns NULL.
#[derive(Debug, Clone, Default)]
pub struct StringPool {
    /// the string data region
    data: Vec<u8>,
    /// byte offset of each string inside `data`
    offsets: Vec<u32>,
    utf8: bool,
    /// Android refuses the pool anyway: read unterminated strings by their declared length.
    lenient: bool,
}

impl StringPool {
    /// Number of string slots (including unreadable ones).
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    /// Whether the pool holds no strings.
    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// Whether the pool is UTF-8 encoded (else UTF-16).
    pub fn is_utf8(&self) -> bool {
        self.utf8
    }

    /// Byte range of string `idx` in `data`, and whether its length needed Android's recovery.
    fn locate(&self, idx: u32) -> Option<(usize, usize, bool)> {
        let off = *self.offsets.get(idx as usize)? as usize;
        if self.utf8 {
            locate_utf8(&self.data, off, self.lenient)
        } else {
            locate_utf16(&self.data, off, self.lenient).map(|(a, b)| (a, b, false))
        }
    }

    /// The string at `idx`, `None` when out of range or unreadable (as Android would see it).
    pub fn get(&self, idx: u32) -> Option<Cow<'_, str>> {
        let (a, b, _) = self.locate(idx)?;
        let raw = self.data.get(a..b)?;
        if self.utf8 {
            Some(String::from_utf8_lossy(raw))
        } else {
            Some(Cow::Owned(
                char::decode_utf16(
                    raw.chunks_exact(2)
                        .map(|c| u16::from_le_bytes([c[0], c[1]])),
                )
                .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect(),
            ))
        }
    }

    /// Encoded byte length of string `idx` (cheap: no decoding).
    pub fn raw_len(&self, idx: u32) -> Option<usize> {
        self.locate(idx).map(|(a, b, _)| b - a)
    }

    /// The string at `idx` as an owned `String`.
    pub fn get_owned(&self, idx: u32) -> Option<String> {
        self.get(idx).map(Cow::into_owned)
    }

    /// Parses the `ResStringPool` chunk that starts at `chunk` (the whole chunk, header included).
    ///
    /// Returns `Err` with a reason when Android's `ResStringPool::setTo` would refuse the pool at
    /// the header level; problems with individual strings or the style block become anomalies.
    pub fn parse(
        chunk: &[u8],
        base_offset: usize,
        anomalies: &mut Vec<Anomaly>,
    ) -> Result<StringPool, &'static str> {
        let hdr = ChunkHeader::read(chunk, 0).ok_or("string pool header truncated")?;
        hdr.validate(POOL_HEADER_SIZE, chunk.len())?;
        let size = hdr.size as usize;
        let d = chunk.get(..size).ok_or("string pool truncated")?;
        let hs = usize::from(hdr.header_size);
        let string_count = u32_at(d, 8).ok_or("string pool header truncated")? as usize;
        let style_count = u32_at(d, 12).ok_or("string pool header truncated")? as usize;
        let flags = u32_at(d, 16).ok_or("string pool header truncated")?;
        let strings_start = u32_at(d, 20).ok_or("string pool header truncated")? as usize;
        let styles_start = u32_at(d, 24).ok_or("string pool header truncated")? as usize;
        let utf8 = flags & UTF8_FLAG != 0;
        if string_count > MAX_POOL_STRINGS {
            return Err("string count exceeds the supported maximum");
        }
        let idx_end = string_count
            .checked_mul(4)
            .and_then(|n| n.checked_add(hs))
            .ok_or("string index overflows")?;
        if idx_end > size {
            return Err("string index extends past the pool");
        }
        if string_count == 0 {
            return Ok(StringPool {
                utf8,
                ..StringPool::default()
            });
        }
        let char_size = if utf8 { 1 } else { 2 };
        if strings_start >= size.saturating_sub(2) {
            return Err("string data starts past the end of the pool");
        }
        let pool_end = if style_count == 0 {
            size
        } else if styles_start >= size.saturating_sub(2) || styles_start <= strings_start {
            // Android rejects the whole pool here; we keep reading the strings (up to the end of
            // the chunk) so the scanner still sees what the file says.
            anomalies.push(Anomaly::new(
                AnomalyKind::StringPoolStyles,
                base_offset,
                "style block offset is inconsistent (Android rejects this pool)".into(),
            ));
            size
        } else {
            styles_start
        };
        let strings = d
            .get(strings_start..pool_end)
            .ok_or("string data out of range")?;
        let units = strings.len() / char_size;
        if units == 0 {
            return Err("string data is empty");
        }
        let last_nul = if utf8 {
            strings.get(units - 1) == Some(&0)
        } else {
            u16_at(strings, (units - 1) * 2) == Some(0)
        };
        if !last_nul {
            anomalies.push(Anomaly::new(
                AnomalyKind::StringPoolUnterminated,
                base_offset,
                "last string of the pool is not NUL-terminated (Android rejects this pool)".into(),
            ));
        }
        let pool = StringPool {
            data: strings[..units * char_size].to_vec(),
            offsets: d[hs..idx_end]
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            utf8,
            lenient: !last_nul,
        };
        let (mut bad, mut truncated) = (0usize, 0usize);
        for i in 0..string_count as u32 {
            match pool.locate(i) {
                None => bad += 1,
                Some((_, _, true)) => truncated += 1,
                Some(_) => {}
            }
        }
        if bad > 0 {
            anomalies.push(Anomaly::new(
                AnomalyKind::StringUnreadable,
                base_offset,
                format!("{bad} string(s) out of bounds or not NUL-terminated (Android reads them as null)"),
            ));
        }
        if truncated > 0 {
            anomalies.push(Anomaly::new(
                AnomalyKind::StringLengthWrong,
                base_offset,
                format!("{truncated} UTF-8 string(s) with a wrong encoded length"),
            ));
        }
        Ok(pool)
    }
}

/// `ResStringPool::stringAt` for UTF-16 pools: byte range of the characters.
fn locate_utf16(strings: &[u8], byte_off: usize, lenient: bool) -> Option<(usize, usize)> {
    let units = strings.len() / 2;
    let mut off = byte_off / 2;
    if off >= units.checked_sub(1)? {
        return None;
    }
    let unit = |i: usize| u16_at(strings, i * 2);
    let mut len = usize::from(unit(off)?);
    off += 1;
    if len & 0x8000 != 0 {
        len = ((len & 0x7fff) << 16) | usize::from(unit(off)?);
        off += 1;
    }
    let end = off.checked_add(len)?;
    if end > units || (!lenient && (end == units || unit(end)? != 0)) {
        return None;
    }
    Some((off * 2, end * 2))
}

/// `ResStringPool::string8At` + `stringDecodeAt` for UTF-8 pools, including the recovery Android
/// applies when aapt wrote a length truncated to 15 bits (third value `true` then).
fn locate_utf8(strings: &[u8], off: usize, lenient: bool) -> Option<(usize, usize, bool)> {
    let units = strings.len();
    if off >= units.checked_sub(1)? {
        return None;
    }
    let mut p = off;
    let len8 = |p: &mut usize| -> Option<usize> {
        let mut l = usize::from(*strings.get(*p)?);
        *p += 1;
        if l & 0x80 != 0 {
            l = ((l & 0x7f) << 8) | usize::from(*strings.get(*p)?);
            *p += 1;
        }
        Some(l)
    };
    let _utf16_len = len8(&mut p)?;
    let enc_len = len8(&mut p)?;
    let mut end = p.checked_add(enc_len)?;
    if end >= units {
        if lenient && end == units {
            return Some((p, end, false));
        }
        return None;
    }
    let mut i = 0usize;
    while end < units {
        if strings.get(end) == Some(&0) {
            return Some((p, end, i != 0));
        }
        i += 1;
        // Android retries at lengths with the lost high bits restored (i << 15 | encLen).
        end = p.checked_add((i << 15) | enc_len)?;
    }
    if lenient {
        let end = p.checked_add(enc_len)?;
        return (end <= units).then_some((p, end, false));
    }
    None
}
