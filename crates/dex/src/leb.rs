//! LEB128 readers. DEX only encodes 32-bit quantities this way, so a value is at most 5 bytes.

/// Longest legal LEB128 encoding of a 32-bit value.
const MAX_LEB128_BYTES: usize = 5;

/// Reads an unsigned LEB128 at `*pos` and advances `*pos` past it.
///
/// Returns `None` when the bytes run out or the fifth byte still has its continuation bit (ART
/// rejects such an encoding too). Bits beyond 32 in the fifth byte are dropped, as ART does.
#[inline]
pub(crate) fn read_uleb128(data: &[u8], pos: &mut usize) -> Option<u32> {
    let mut result: u32 = 0;
    let mut p = *pos;
    for i in 0..MAX_LEB128_BYTES {
        let b = *data.get(p)?;
        p += 1;
        result |= u32::from(b & 0x7f).wrapping_shl(7 * i as u32);
        if b & 0x80 == 0 {
            *pos = p;
            return Some(result);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_known_values() {
        let cases: &[(&[u8], Option<u32>, usize)] = &[
            (&[0x00], Some(0), 1),
            (&[0x01], Some(1), 1),
            (&[0x7f], Some(127), 1),
            (&[0x80, 0x7f], Some(16256), 2),
            (&[0xff, 0xff, 0xff, 0xff, 0x0f], Some(u32::MAX), 5),
            (&[0x80], None, 0),
            (&[0x80, 0x80, 0x80, 0x80, 0x80, 0x00], None, 0),
            (&[], None, 0),
        ];
        for (bytes, want, len) in cases {
            let mut pos = 0;
            assert_eq!(read_uleb128(bytes, &mut pos), *want, "{bytes:x?}");
            assert_eq!(pos, *len);
        }
    }
}
