//! A tiny, tolerant, zero-copy DER/BER reader: just what X.509 certificates and PKCS#7
//! SignedData need. Hand-written rather than a schema crate because apksig itself is lenient
//! (it accepts BER indefinite lengths in PKCS#7 and certificates that are not strict DER), and we
//! must accept exactly what it accepts.

/// Deepest nesting we follow: certificates and PKCS#7 nest well under this.
const MAX_DEPTH: u32 = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tlv<'a> {
    /// Full identifier octet (class | constructed | number); high-tag-number forms are rejected.
    pub tag: u8,
    /// Contents octets (for indefinite lengths: the contents without the end-of-contents marker).
    pub value: &'a [u8],
    /// The whole encoding: identifier, length and contents.
    pub raw: &'a [u8],
}

pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const SET: u8 = 0x31;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;

/// Reads one TLV from the front of `input`, returning it and the rest.
pub(crate) fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    read_depth(input, 0)
}

fn read_depth(input: &[u8], depth: u32) -> Option<(Tlv<'_>, &[u8])> {
    if depth > MAX_DEPTH {
        return None;
    }
    let tag = *input.first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let first = *input.get(1)?;
    let (len, hdr) = if first < 0x80 {
        (first as usize, 2usize)
    } else if first == 0x80 {
        // BER indefinite length: only for constructed encodings; contents end at 00 00.
        if tag & 0x20 == 0 {
            return None;
        }
        let mut rest = input.get(2..)?;
        let start = 2usize;
        let mut consumed = 0usize;
        loop {
            if rest.len() >= 2 && rest[0] == 0 && rest[1] == 0 {
                let value = input.get(start..start + consumed)?;
                let end = start + consumed + 2;
                return Some((
                    Tlv {
                        tag,
                        value,
                        raw: input.get(..end)?,
                    },
                    input.get(end..)?,
                ));
            }
            let (child, after) = read_depth(rest, depth + 1)?;
            consumed += child.raw.len();
            rest = after;
        }
    } else {
        let n = (first & 0x7f) as usize;
        if n > 4 {
            return None;
        }
        let bytes = input.get(2..2 + n)?;
        let mut len = 0usize;
        for b in bytes {
            len = (len << 8) | *b as usize;
        }
        (len, 2 + n)
    };
    let end = hdr.checked_add(len)?;
    let value = input.get(hdr..end)?;
    Some((
        Tlv {
            tag,
            value,
            raw: input.get(..end)?,
        },
        input.get(end..)?,
    ))
}

/// A cursor over the children of a constructed value.
#[derive(Clone, Copy)]
pub(crate) struct Reader<'a> {
    pub rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { rest: data }
    }
    pub fn next(&mut self) -> Option<Tlv<'a>> {
        let (t, rest) = read(self.rest)?;
        self.rest = rest;
        Some(t)
    }
    pub fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }
    /// Next element, which must have `tag`.
    pub fn expect(&mut self, tag: u8) -> Option<Tlv<'a>> {
        let t = self.next()?;
        (t.tag == tag).then_some(t)
    }
    /// Next element if it has `tag`; otherwise nothing is consumed.
    pub fn optional(&mut self, tag: u8) -> Option<Tlv<'a>> {
        if self.peek_tag() == Some(tag) {
            self.next()
        } else {
            None
        }
    }
}

/// Unsigned big-endian magnitude of an INTEGER's contents (leading zero octets stripped).
pub(crate) fn unsigned(int: &[u8]) -> &[u8] {
    let mut s = int;
    while s.len() > 1 && s[0] == 0 {
        s = &s[1..];
    }
    s
}

/// Dotted-decimal text of an OBJECT IDENTIFIER's contents.
pub(crate) fn oid_string(v: &[u8]) -> String {
    let mut out = String::new();
    let mut acc: u64 = 0;
    let mut first = true;
    for &b in v {
        if acc > (u64::MAX >> 8) {
            return String::from("?");
        }
        acc = (acc << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if first {
                let (a, b2) = if acc < 40 {
                    (0, acc)
                } else if acc < 80 {
                    (1, acc - 40)
                } else {
                    (2, acc - 80)
                };
                out.push_str(&format!("{a}.{b2}"));
                first = false;
            } else {
                out.push_str(&format!(".{acc}"));
            }
            acc = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_definite_and_indefinite() {
        let d = [0x30, 0x03, 0x02, 0x01, 0x05, 0xff];
        let (t, rest) = read(&d).unwrap();
        assert_eq!(t.tag, SEQUENCE);
        assert_eq!(t.value, &[0x02, 0x01, 0x05]);
        assert_eq!(rest, &[0xff]);
        let i = [0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0x01];
        let (t, rest) = read(&i).unwrap();
        assert_eq!(t.value, &[0x02, 0x01, 0x05]);
        assert_eq!(rest, &[0x01]);
        assert!(read(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_none());
        assert!(read(&[0x30, 0x05, 1]).is_none());
    }

    #[test]
    fn oid_text() {
        assert_eq!(
            oid_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]),
            "1.2.840.113549.1.1.11"
        );
    }
}
