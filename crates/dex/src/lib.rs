//! A fast, zero-copy, lazily decoding reader for Android DEX files.
//!
//! [`Dex::parse`] checks the header, the id tables' bounds and the map list (the checks ART's
//! verifier makes that decide whether the rest can be read safely), computes the Adler-32
//! checksum and SHA-1 signature, and stops there. Everything else — strings (MUTF-8), types,
//! protos, fields, methods, class data, code items and instructions — is decoded only when asked,
//! straight from the borrowed bytes. [`summarize`] walks every method of every class and counts
//! what the code references (invokes, field accesses, const-string/const-class) without
//! allocating per instruction.
//!
//! Versions 035 to 041 are read; a 041 file may be a *container* of several dex sections, see
//! [`Dex::parse_container`]. Oddities that a scanner should report but that do not stop reading
//! (checksum or signature mismatch, inconsistent map list, invalid MUTF-8, an undecodable method)
//! are [`Anomaly`] values; problems that make the file unreadable are [`DexError`]s.
//!
//! What this crate is not: it does no I/O (it reads a byte slice), it does not verify bytecode
//! the way ART's verifier does (types, register widths, control flow), and it does not decode
//! annotations, debug info or encoded static values.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod adler;
mod class;
mod dex;
pub mod insn;
mod leb;
mod mutf8;
mod walk;

pub use adler::adler32;
pub use class::{ClassDef, CodeItem, EncodedField, EncodedMethod, Fields, Methods, TryItem};
pub use dex::{
    Dex, FieldId, FieldRef, Header, MethodId, MethodRef, ProtoId, ProtoRef, StringData, TypeList,
    MAX_CONTAINER_SECTIONS, MAX_PROTO_PARAMS, MAX_STRING_BYTES,
};
pub use insn::{Format, Index, IndexKind, Insn, InsnError, Instructions, PayloadKind, RegRange};
pub use walk::{
    fast_references, summarize, summarize_fully_decoded, DexSummary, FieldOp, InvokeKind,
    MethodAnomaly, Reference, References,
};

use serde::Serialize;

/// A fatal problem: the file (or the item asked for) cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DexError {
    /// Fewer bytes than a header needs.
    #[error("dex too short: {len} bytes at offset {offset}, a header needs {needed}")]
    TooShort {
        /// Bytes available.
        len: usize,
        /// Where the header was expected.
        offset: usize,
        /// Bytes needed.
        needed: usize,
    },
    /// The first bytes are not `dex\n` + three digits + NUL.
    #[error("not a dex file: magic {found:02x?}")]
    BadMagic {
        /// The 8 bytes found.
        found: [u8; 8],
    },
    /// A well-formed magic with a version this reader (and ART) does not know.
    #[error("unsupported dex version {version:?}")]
    UnsupportedVersion {
        /// The three version characters.
        version: String,
    },
    /// The endian tag is not the little-endian constant (ART loads no other).
    #[error("unsupported endian tag 0x{tag:08x} (expected 0x12345678)")]
    BadEndianTag {
        /// Tag found.
        tag: u32,
    },
    /// `header_size` smaller than the fixed header.
    #[error("header_size {found} smaller than {minimum}")]
    HeaderTooSmall {
        /// Declared size.
        found: u32,
        /// Minimum for the version.
        minimum: u32,
    },
    /// A table named by the header lies (partly) outside the file.
    #[error("{section} (offset {offset}, {count} items of {item_size} bytes) lies outside the {len}-byte file")]
    SectionOutOfBounds {
        /// Table name.
        section: &'static str,
        /// Declared offset.
        offset: u32,
        /// Declared count.
        count: u32,
        /// Size of one item.
        item_size: u32,
        /// Bytes available.
        len: usize,
    },
    /// An index beyond its table.
    #[error("{kind} index {index} out of range (table has {len})")]
    IndexOutOfRange {
        /// Table name.
        kind: &'static str,
        /// Index asked for.
        index: u32,
        /// Table length.
        len: u32,
    },
    /// An item (string data, type list, class data, code item) runs past the end of the file.
    #[error("{what} at offset {offset} runs past the end of the file")]
    Truncated {
        /// Item kind.
        what: &'static str,
        /// Its offset.
        offset: usize,
    },
    /// A count beyond what the format allows.
    #[error("{what} at offset {offset} has {count} entries, at most {max} allowed")]
    TooLarge {
        /// Item kind.
        what: &'static str,
        /// Its offset.
        offset: usize,
        /// Declared count.
        count: u64,
        /// Limit.
        max: u64,
    },
    /// A bulk walk stopped because the file made it redo work out of proportion to its size.
    #[error("{what}: work budget exhausted")]
    BudgetExhausted {
        /// What was being walked.
        what: &'static str,
    },
    /// A malformed LEB128 value.
    #[error("malformed LEB128 in {what} at offset {offset}")]
    BadLeb128 {
        /// Item kind.
        what: &'static str,
        /// Offset of the value.
        offset: usize,
    },
}

/// Something odd that did not stop reading. Scanners report these: packers and tampering tools
/// leave exactly such traces.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Anomaly {
    /// The stored Adler-32 does not match the file (ART refuses such a file unless told not to
    /// verify; a modified or repackaged dex).
    #[error("checksum mismatch: header 0x{stored:08x}, computed 0x{computed:08x}")]
    ChecksumMismatch {
        /// Header value.
        stored: u32,
        /// Computed value.
        computed: u32,
    },
    /// The stored SHA-1 signature does not match the file.
    #[error("SHA-1 signature mismatch")]
    SignatureMismatch,
    /// Version 036, which ART has never accepted (a Dalvik-era bug burned the number).
    #[error("dex version {version:03} is not accepted by ART")]
    VersionNotAcceptedByArt {
        /// Version number.
        version: u32,
    },
    /// `file_size` disagrees with the bytes present.
    #[error("header file_size {declared} but {actual} bytes are present")]
    FileSizeMismatch {
        /// Declared.
        declared: u32,
        /// Present.
        actual: u64,
    },
    /// `header_size` other than the version's standard value.
    #[error("header_size {found}, expected {expected}")]
    UnusualHeaderSize {
        /// Declared.
        found: u32,
        /// Standard.
        expected: u32,
    },
    /// A non-empty link section (never produced by d8/dx; statically linked dex is unsupported).
    #[error("link section present ({size} bytes at {offset})")]
    LinkSection {
        /// Declared size.
        size: u32,
        /// Declared offset.
        offset: u32,
    },
    /// The data section lies outside the file or is not aligned.
    #[error("data section (offset {offset}, size {size}) is malformed")]
    BadDataSection {
        /// Declared offset.
        offset: u32,
        /// Declared size.
        size: u32,
    },
    /// A table offset that is not 4-byte aligned.
    #[error("{section} offset {offset} is not 4-byte aligned")]
    Misaligned {
        /// Table or item name.
        section: &'static str,
        /// Offset.
        offset: u32,
    },
    /// More ids than a 16-bit index can reach (ART caps type and proto ids at 65536).
    #[error("{section} has {count} entries, more than 16-bit indices can reach")]
    TooManyIds {
        /// Table.
        section: &'static str,
        /// Count.
        count: u32,
    },
    /// No usable map list.
    #[error("map list missing or outside the file (offset {offset})")]
    MapListMissing {
        /// `map_off`.
        offset: u32,
    },
    /// A map item whose range lies outside the file.
    #[error(
        "map item type 0x{type_code:04x} (offset {offset}, {count} items) lies outside the file"
    )]
    MapItemOutOfRange {
        /// Item type.
        type_code: u16,
        /// Offset.
        offset: u32,
        /// Count.
        count: u32,
    },
    /// Map items out of ascending offset order or overlapping.
    #[error("map item type 0x{type_code:04x} at {offset} overlaps or precedes the previous item")]
    MapItemOverlap {
        /// Item type.
        type_code: u16,
        /// Offset.
        offset: u32,
    },
    /// The same map item type twice.
    #[error("map item type 0x{type_code:04x} appears more than once")]
    MapDuplicateType {
        /// Item type.
        type_code: u16,
    },
    /// A map item type the format does not define.
    #[error("unknown map item type 0x{type_code:04x}")]
    MapUnknownType {
        /// Item type.
        type_code: u16,
    },
    /// The map list and the header disagree about a table.
    #[error("map list says {section} has {map_count} items at {map_offset}, header says {header_count} at {header_offset}")]
    MapHeaderMismatch {
        /// Table.
        section: &'static str,
        /// Map count.
        map_count: u32,
        /// Map offset.
        map_offset: u32,
        /// Header count.
        header_count: u32,
        /// Header offset.
        header_offset: u32,
    },
    /// The map list holds more items than this reader examines.
    #[error("map list declares {count} items; only the first {examined} were examined")]
    MapTooLong {
        /// Declared count.
        count: u32,
        /// Examined.
        examined: u32,
    },
    /// A 041 container header whose container fields disagree with the file.
    #[error("dex container: {detail}")]
    Container {
        /// What is wrong.
        detail: String,
    },
    /// A string that is not well-formed MUTF-8 or whose length disagrees with its declared
    /// UTF-16 size (decoded with U+FFFD replacements).
    #[error("string {index} is not well-formed MUTF-8 or has a wrong length")]
    InvalidString {
        /// String index.
        index: u32,
    },
    /// A class whose data or a method whose code could not be fully read or decoded.
    #[error("{0}")]
    Method(MethodAnomaly),
    /// The walk over all methods stopped early: the file makes it revisit the same bytes more
    /// than its size justifies (shared class data or code items — a decompression-bomb pattern).
    #[error("walk budget exhausted after {units} units of work")]
    WalkBudgetExhausted {
        /// Work done.
        units: u64,
    },
    /// Further anomalies were dropped.
    #[error("{dropped} further anomalies dropped")]
    TooManyAnomalies {
        /// Number dropped.
        dropped: u64,
    },
}

/// Most anomalies kept per dex; a hostile file could otherwise produce one per method.
pub const MAX_ANOMALIES: usize = 256;

/// Appends `a` unless the cap is reached, then keeps a single counter entry instead.
pub(crate) fn push_anomaly(list: &mut Vec<Anomaly>, a: Anomaly) {
    if list.len() < MAX_ANOMALIES {
        list.push(a);
    } else if let Some(Anomaly::TooManyAnomalies { dropped }) = list.last_mut() {
        *dropped += 1;
    } else {
        list.push(Anomaly::TooManyAnomalies { dropped: 1 });
    }
}

#[cfg(test)]
mod testdex;

#[cfg(test)]
mod tests {
    use super::testdex::{build, fix_checksums, Spec};
    use super::*;

    #[test]
    fn parses_synthetic_dex() {
        let bytes = build(&Spec::default());
        let dex = Dex::parse(&bytes).unwrap();
        assert_eq!(dex.anomalies(), &[]);
        assert_eq!(dex.version(), 35);
        assert!(dex.checksum_ok() && dex.signature_ok());
        assert_eq!(
            (
                dex.string_ids_len(),
                dex.type_ids_len(),
                dex.proto_ids_len()
            ),
            (10, 4, 2)
        );
        assert_eq!(
            (
                dex.field_ids_len(),
                dex.method_ids_len(),
                dex.class_defs_len()
            ),
            (1, 2, 1)
        );
        assert_eq!(dex.string(5).unwrap(), "hello");
        assert_eq!(dex.type_descriptor(0).unwrap(), "LFoo;");
        assert_eq!(
            dex.method_ref(0).unwrap().to_string(),
            "Ljava/lang/Object;-><init>()V"
        );
        assert_eq!(dex.method_ref(1).unwrap().to_string(), "LFoo;->foo(I)I");
        assert_eq!(dex.field_ref(0).unwrap().to_string(), "LFoo;->bar:I");
        assert!(matches!(
            dex.string(10),
            Err(DexError::IndexOutOfRange {
                index: 10,
                len: 10,
                ..
            })
        ));
        assert!(dex.method_ref(2).is_err());

        let classes: Vec<_> = dex.classes().collect();
        assert_eq!(classes.len(), 1);
        let class = classes[0];
        assert_eq!(
            (class.class_idx, class.superclass_idx, class.source_file_idx),
            (0, Some(1), None)
        );
        let fields: Vec<_> = class.fields().map(Result::unwrap).collect();
        assert_eq!(
            fields,
            [EncodedField {
                field_idx: 0,
                access_flags: 2,
                is_static: false
            }]
        );
        let methods: Vec<_> = class.methods().map(Result::unwrap).collect();
        assert_eq!(methods.len(), 1);
        assert_eq!(
            (
                methods[0].method_idx,
                methods[0].access_flags,
                methods[0].is_direct
            ),
            (1, 9, true)
        );
        let code = methods[0].code().unwrap().unwrap();
        assert_eq!(
            (
                code.registers_size,
                code.ins_size,
                code.outs_size,
                code.insns_len()
            ),
            (3, 2, 1, 10)
        );
        let refs: Vec<_> = code.references().map(Result::unwrap).collect();
        assert_eq!(
            refs,
            [
                Reference::ConstString {
                    string_idx: 5,
                    offset: 0
                },
                Reference::Invoke {
                    kind: InvokeKind::Direct,
                    range: false,
                    method_idx: 0,
                    offset: 2
                },
                Reference::FieldAccess {
                    op: FieldOp::Get,
                    is_static: false,
                    field_idx: 0,
                    offset: 5
                },
                Reference::ConstClass {
                    type_idx: 0,
                    offset: 7
                },
            ]
        );

        let s = summarize(&dex);
        assert_eq!(
            (s.encoded_methods, s.methods_with_code, s.instructions),
            (1, 1, 5)
        );
        assert_eq!(
            (
                s.invokes,
                s.invoke_direct,
                s.field_reads,
                s.const_strings,
                s.const_classes
            ),
            (1, 1, 1, 1, 1)
        );
        assert_eq!(s.dangling_references, 0);
        assert!(s.checksum_ok && s.signature_ok && s.anomalies.is_empty());
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["methods"], 2);
        assert_eq!(json["checksum_ok"], true);
    }

    #[test]
    fn all_versions_are_read() {
        for version in 35..=40 {
            let bytes = build(&Spec {
                version,
                ..Spec::default()
            });
            let dex = Dex::parse(&bytes).unwrap();
            assert_eq!(dex.version(), version);
            assert_eq!(
                dex.anomalies().is_empty(),
                version != 36,
                "version {version}: {:?}",
                dex.anomalies()
            );
        }
    }

    #[test]
    fn tampering_is_an_anomaly_not_an_error() {
        let mut bytes = build(&Spec::default());
        let last = bytes.len() - 1;
        bytes[last] ^= 0x40;
        let dex = Dex::parse(&bytes).unwrap();
        assert!(!dex.checksum_ok() && !dex.signature_ok());
        assert!(dex
            .anomalies()
            .iter()
            .any(|a| matches!(a, Anomaly::ChecksumMismatch { .. })));
        assert!(dex.anomalies().contains(&Anomaly::SignatureMismatch));
        assert_eq!(dex.string(5).unwrap(), "hello");
    }

    #[test]
    fn fatal_header_problems_are_typed_errors() {
        let good = build(&Spec::default());
        assert!(matches!(
            Dex::parse(b"PK\x03\x04"),
            Err(DexError::TooShort { .. })
        ));
        let mut zip = good.clone();
        zip[..4].copy_from_slice(b"PK\x03\x04");
        assert!(matches!(Dex::parse(&zip), Err(DexError::BadMagic { .. })));
        let mut v = good.clone();
        v[4..7].copy_from_slice(b"034");
        assert!(matches!(
            Dex::parse(&v),
            Err(DexError::UnsupportedVersion { .. })
        ));
        let mut e = good.clone();
        e[40..44].copy_from_slice(&0x7856_3412u32.to_be_bytes().map(|x| x));
        e[40..44].copy_from_slice(&[0x12, 0x34, 0x56, 0x78]);
        assert!(matches!(
            Dex::parse(&e),
            Err(DexError::BadEndianTag { tag: 0x7856_3412 })
        ));
        let mut s = good.clone();
        s[56..60].copy_from_slice(&0x00ff_ffffu32.to_le_bytes());
        assert!(matches!(
            Dex::parse(&s),
            Err(DexError::SectionOutOfBounds {
                section: "string_ids",
                ..
            })
        ));
        let mut h = good.clone();
        h[36..40].copy_from_slice(&0x20u32.to_le_bytes());
        assert!(matches!(
            Dex::parse(&h),
            Err(DexError::HeaderTooSmall { .. })
        ));
        // Truncated file: declared size larger than the bytes, tables beyond the end.
        assert!(Dex::parse(&good[..0x80]).is_err());
    }

    #[test]
    fn map_list_problems_are_anomalies() {
        let mut bytes = build(&Spec::default());
        let map_off = u32::from_le_bytes(bytes[52..56].try_into().unwrap()) as usize;
        // Point the type_ids map item (third) at the string_ids offset: overlap + mismatch.
        let item = map_off + 4 + 2 * 12;
        let string_ids = bytes[60..64].to_vec();
        bytes[item + 8..item + 12].copy_from_slice(&string_ids);
        // An unknown type code in the last item, and the code item (10th) beyond the file.
        let last = map_off + 4 + 11 * 12;
        bytes[last..last + 2].copy_from_slice(&0x7777u16.to_le_bytes());
        let code = map_off + 4 + 9 * 12;
        bytes[code + 8..code + 12].copy_from_slice(&0x0100_0000u32.to_le_bytes());
        fix_checksums(&mut bytes);
        let dex = Dex::parse(&bytes).unwrap();
        let a = dex.anomalies();
        assert!(
            a.iter()
                .any(|x| matches!(x, Anomaly::MapItemOverlap { type_code: 2, .. })),
            "{a:?}"
        );
        assert!(a.iter().any(|x| matches!(
            x,
            Anomaly::MapHeaderMismatch {
                section: "type_ids",
                ..
            }
        )));
        assert!(a
            .iter()
            .any(|x| matches!(x, Anomaly::MapUnknownType { type_code: 0x7777 })));
        assert!(a.iter().any(|x| matches!(
            x,
            Anomaly::MapItemOutOfRange {
                type_code: 0x2001,
                ..
            }
        )));
        // The tables themselves are still read from the header.
        assert_eq!(dex.type_descriptor(0).unwrap(), "LFoo;");
    }

    #[test]
    fn mutf8_strings() {
        // "a" NUL "b", then U+1F600 as a surrogate pair, then an invalid byte.
        let bytes = build(&Spec {
            extra_string: vec![b'a', 0xc0, 0x80, b'b', 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80],
            ..Spec::default()
        });
        let dex = Dex::parse(&bytes).unwrap();
        let s = dex.string_checked(9).unwrap();
        assert_eq!(s.text, "a\0b\u{1F600}");
        assert!(s.well_formed && s.lossless);
        let bytes = build(&Spec {
            extra_string: vec![b'x', 0xff],
            ..Spec::default()
        });
        let dex = Dex::parse(&bytes).unwrap();
        let s = dex.string_checked(9).unwrap();
        assert_eq!(s.text, "x\u{FFFD}");
        assert!(!s.well_formed);
        assert_eq!(dex.string(9).unwrap(), "x\u{FFFD}");
    }

    #[test]
    fn bad_code_stops_the_method_with_an_anomaly() {
        let bytes = build(&Spec {
            code: vec![0x000e, 0x0073, 0x000e],
            ..Spec::default()
        });
        let dex = Dex::parse(&bytes).unwrap();
        let s = summarize(&dex);
        assert_eq!(
            (s.methods_with_code, s.methods_with_bad_code, s.instructions),
            (1, 1, 1)
        );
        assert!(matches!(
            &s.anomalies[..],
            [Anomaly::Method(MethodAnomaly {
                method_idx: Some(1),
                ..
            })]
        ));
        // Truncated invoke at the end and a dangling method index.
        let bytes = build(&Spec {
            code: vec![0x0071, 0x0063, 0x0000, 0x106e, 0x0001],
            ..Spec::default()
        });
        let s = summarize(&Dex::parse(&bytes).unwrap());
        assert_eq!(
            (s.invokes, s.dangling_references, s.methods_with_bad_code),
            (1, 1, 1)
        );
    }

    #[test]
    fn version_41_container_sections() {
        let a_len = build(&Spec {
            version: 41,
            ..Spec::default()
        })
        .len();
        let b_len = build(&Spec {
            version: 41,
            base: a_len as u32,
            ..Spec::default()
        })
        .len();
        let total = (a_len + b_len) as u32;
        let mut bytes = build(&Spec {
            version: 41,
            container_size: total,
            ..Spec::default()
        });
        bytes.extend(build(&Spec {
            version: 41,
            base: a_len as u32,
            container_size: total,
            extra_string: b"second".to_vec(),
            ..Spec::default()
        }));
        let sections = Dex::parse_container(&bytes).unwrap();
        assert_eq!(sections.len(), 2);
        for d in &sections {
            assert!(d.anomalies().is_empty(), "{:?}", d.anomalies());
            assert!(d.checksum_ok() && d.signature_ok());
            assert_eq!(d.version(), 41);
        }
        assert_eq!(sections[1].header_offset(), a_len);
        assert_eq!(sections[0].string(9).unwrap(), "extra");
        assert_eq!(sections[1].string(9).unwrap(), "second");
        assert_eq!(summarize(&sections[1]).const_strings, 1);
        // A broken second section is an anomaly of the first, not a failure.
        let mut broken = bytes.clone();
        broken[a_len] = b'X';
        let sections = Dex::parse_container(&broken).unwrap();
        assert_eq!(sections.len(), 1);
        assert!(sections[0]
            .anomalies()
            .iter()
            .any(|a| matches!(a, Anomaly::Container { .. })));
        // Dex::parse alone reads the first section.
        assert_eq!(Dex::parse(&bytes).unwrap().string(9).unwrap(), "extra");
    }

    #[test]
    fn anomaly_list_is_capped() {
        let mut v = Vec::new();
        for _ in 0..MAX_ANOMALIES + 10 {
            push_anomaly(&mut v, Anomaly::SignatureMismatch);
        }
        assert_eq!(v.len(), MAX_ANOMALIES + 1);
        assert_eq!(v.last(), Some(&Anomaly::TooManyAnomalies { dropped: 10 }));
    }
}
