//! Modified UTF-8 (the encoding of DEX string data) to Rust strings.
//!
//! MUTF-8 differs from UTF-8 in three ways: NUL is written `C0 80`, characters outside the BMP are
//! written as two 3-byte surrogate halves, and 4-byte forms do not exist. Valid standard UTF-8
//! without 4-byte forms therefore reads the same in both, which is the common case and stays
//! zero-copy; anything else is decoded into an owned `String`.

use std::borrow::Cow;

/// How faithfully a decoded string represents the DEX bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quality {
    /// The bytes were well-formed MUTF-8.
    pub well_formed: bool,
    /// Every UTF-16 unit made it into the `String` (false for lone surrogates, which Java allows
    /// but Rust strings cannot hold; they become U+FFFD).
    pub lossless: bool,
    /// Number of UTF-16 code units, to compare with the declared `utf16_size`.
    pub utf16_len: u64,
}

/// Decodes MUTF-8 `bytes` (without the terminating NUL).
pub(crate) fn decode(bytes: &[u8]) -> (Cow<'_, str>, Quality) {
    if bytes.is_ascii() {
        if let Ok(s) = std::str::from_utf8(bytes) {
            let q = Quality {
                well_formed: true,
                lossless: true,
                utf16_len: bytes.len() as u64,
            };
            return (Cow::Borrowed(s), q);
        }
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        // from_utf8 already rejects C0 80 (overlong) and encoded surrogates; 4-byte forms are the
        // only UTF-8 that is not also MUTF-8.
        if !bytes.iter().any(|&b| b >= 0xf0) {
            let q = Quality {
                well_formed: true,
                lossless: true,
                utf16_len: s.chars().map(|c| c.len_utf16() as u64).sum(),
            };
            return (Cow::Borrowed(s), q);
        }
    }
    decode_slow(bytes)
}

fn decode_slow(bytes: &[u8]) -> (Cow<'_, str>, Quality) {
    let mut out = String::with_capacity(bytes.len());
    let mut q = Quality {
        well_formed: true,
        lossless: true,
        utf16_len: 0,
    };
    let mut pending_high: Option<u16> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b0 = bytes[i];
        let unit = if b0 < 0x80 {
            i += 1;
            Some(u16::from(b0))
        } else if b0 & 0xe0 == 0xc0 {
            match bytes.get(i + 1) {
                Some(&b1) if b1 & 0xc0 == 0x80 => {
                    i += 2;
                    Some((u16::from(b0 & 0x1f) << 6) | u16::from(b1 & 0x3f))
                }
                _ => {
                    i += 1;
                    None
                }
            }
        } else if b0 & 0xf0 == 0xe0 {
            match (bytes.get(i + 1), bytes.get(i + 2)) {
                (Some(&b1), Some(&b2)) if b1 & 0xc0 == 0x80 && b2 & 0xc0 == 0x80 => {
                    i += 3;
                    Some(
                        (u16::from(b0 & 0x0f) << 12)
                            | (u16::from(b1 & 0x3f) << 6)
                            | u16::from(b2 & 0x3f),
                    )
                }
                _ => {
                    i += 1;
                    None
                }
            }
        } else {
            i += 1;
            None
        };
        let Some(unit) = unit else {
            q.well_formed = false;
            q.lossless = false;
            flush_high(&mut out, &mut pending_high, &mut q);
            out.push(char::REPLACEMENT_CHARACTER);
            continue;
        };
        q.utf16_len += 1;
        match unit {
            0xd800..=0xdbff => {
                flush_high(&mut out, &mut pending_high, &mut q);
                pending_high = Some(unit);
            }
            0xdc00..=0xdfff => match pending_high.take() {
                Some(high) => {
                    let c =
                        0x10000 + ((u32::from(high) - 0xd800) << 10) + (u32::from(unit) - 0xdc00);
                    out.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                None => {
                    q.lossless = false;
                    out.push(char::REPLACEMENT_CHARACTER);
                }
            },
            _ => {
                flush_high(&mut out, &mut pending_high, &mut q);
                out.push(char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
        }
    }
    flush_high(&mut out, &mut pending_high, &mut q);
    (Cow::Owned(out), q)
}

/// A high surrogate not followed by a low one cannot live in a Rust string.
fn flush_high(out: &mut String, pending: &mut Option<u16>, q: &mut Quality) {
    if pending.take().is_some() {
        q.lossless = false;
        out.push(char::REPLACEMENT_CHARACTER);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_and_utf8_are_borrowed() {
        let (s, q) = decode(b"Ljava/lang/Object;");
        assert!(matches!(s, Cow::Borrowed(_)));
        assert_eq!(q.utf16_len, 18);
        let (s, q) = decode("健康".as_bytes());
        assert!(matches!(s, Cow::Borrowed("健康")));
        assert!(q.well_formed && q.lossless);
        assert_eq!(q.utf16_len, 2);
    }

    #[test]
    fn embedded_nul_and_surrogate_pair() {
        let (s, q) = decode(&[b'a', 0xc0, 0x80, b'b']);
        assert_eq!(s, "a\0b");
        assert!(q.well_formed && q.lossless);
        assert_eq!(q.utf16_len, 3);
        // U+1F600 as MUTF-8 surrogate halves D83D DE00.
        let (s, q) = decode(&[0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]);
        assert_eq!(s, "\u{1F600}");
        assert!(q.well_formed && q.lossless);
        assert_eq!(q.utf16_len, 2);
    }

    #[test]
    fn invalid_and_lone_surrogates_are_replaced() {
        let (s, q) = decode(&[b'x', 0xff, b'y']);
        assert_eq!(s, "x\u{FFFD}y");
        assert!(!q.well_formed);
        let (s, q) = decode(&[0xed, 0xa0, 0xbd, b'z']);
        assert_eq!(s, "\u{FFFD}z");
        assert!(q.well_formed && !q.lossless);
        let (s, q) = decode(&[0xf0, 0x9f, 0x98, 0x80]);
        assert!(!q.well_formed);
        assert!(s.contains('\u{FFFD}'));
        let (s, _) = decode(&[0xe4, 0xbd]);
        assert_eq!(s, "\u{FFFD}\u{FFFD}");
    }
}
