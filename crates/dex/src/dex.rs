//! The DEX header, id tables and map list, and the lazy accessors over them.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;
use sha1::{Digest, Sha1};

use crate::class::{ClassDef, CLASS_DEF_SIZE};
use crate::leb::read_uleb128;
use crate::{adler32, mutf8, push_anomaly, Anomaly, DexError};

const MAGIC_PREFIX: &[u8; 4] = b"dex\n";
/// Size of the fixed header of versions 035..040.
const HEADER_SIZE: u32 = 0x70;
/// Size of the version-041 header (adds `container_size` and `header_offset`).
const HEADER_SIZE_V41: u32 = 0x78;
const ENDIAN_CONSTANT: u32 = 0x1234_5678;
/// Bytes excluded from the checksum (magic + checksum field).
const CHECKSUM_START: usize = 12;
/// Bytes excluded from the signature (magic + checksum + signature).
const SIGNATURE_START: usize = 32;
/// Oldest and newest versions read. ART reads 035 and 037..041.
const MIN_VERSION: u32 = 35;
const MAX_VERSION: u32 = 41;
/// First version with the container header.
const CONTAINER_VERSION: u32 = 41;
/// Map lists of real files hold about 20 items (one per item type); anything far beyond that is
/// hostile and only costs time.
const MAX_MAP_ITEMS: u32 = 64;
/// Longest string data scanned for its terminating NUL (4 MiB). Java source constants are at
/// most 65535 bytes; this bound only keeps a string id aimed at NUL-free bytes from costing a
/// scan of the whole file on every lookup.
pub const MAX_STRING_BYTES: usize = 4 << 20;
/// Most parameters a prototype may have: arguments occupy at most 255 registers.
pub const MAX_PROTO_PARAMS: usize = 255;
/// Most dex sections read out of one 041 container.
pub const MAX_CONTAINER_SECTIONS: usize = 1024;

const STRING_ID_SIZE: u32 = 4;
const TYPE_ID_SIZE: u32 = 4;
const PROTO_ID_SIZE: u32 = 12;
const FIELD_ID_SIZE: u32 = 8;
const METHOD_ID_SIZE: u32 = 8;
const CALL_SITE_ID_SIZE: u32 = 4;
const METHOD_HANDLE_SIZE: u32 = 8;
/// ART limits type and proto ids to what a 16-bit index reaches.
const MAX_16BIT_IDS: u32 = 1 << 16;

/// Map item type codes.
mod map_type {
    pub const HEADER: u16 = 0x0000;
    pub const STRING_ID: u16 = 0x0001;
    pub const TYPE_ID: u16 = 0x0002;
    pub const PROTO_ID: u16 = 0x0003;
    pub const FIELD_ID: u16 = 0x0004;
    pub const METHOD_ID: u16 = 0x0005;
    pub const CLASS_DEF: u16 = 0x0006;
    pub const CALL_SITE_ID: u16 = 0x0007;
    pub const METHOD_HANDLE: u16 = 0x0008;
    pub const MAP_LIST: u16 = 0x1000;
    pub const KNOWN_DATA: [u16; 12] = [
        0x1000, 0x1001, 0x1002, 0x1003, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
        0xf000,
    ];
}

#[inline]
pub(crate) fn read_u16(data: &[u8], off: usize) -> Option<u16> {
    let b = data.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

#[inline]
pub(crate) fn read_u32(data: &[u8], off: usize) -> Option<u32> {
    let b = data.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The raw header fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub struct Header {
    /// The version as a number (35..=41).
    pub version: u32,
    pub checksum: u32,
    #[serde(serialize_with = "hex20")]
    pub signature: [u8; 20],
    pub file_size: u32,
    pub header_size: u32,
    pub endian_tag: u32,
    pub link_size: u32,
    pub link_off: u32,
    pub map_off: u32,
    pub string_ids_size: u32,
    pub string_ids_off: u32,
    pub type_ids_size: u32,
    pub type_ids_off: u32,
    pub proto_ids_size: u32,
    pub proto_ids_off: u32,
    pub field_ids_size: u32,
    pub field_ids_off: u32,
    pub method_ids_size: u32,
    pub method_ids_off: u32,
    pub class_defs_size: u32,
    pub class_defs_off: u32,
    pub data_size: u32,
    pub data_off: u32,
    /// Version 041 container header: size of the whole container.
    pub container_size: Option<u32>,
    /// Version 041 container header: offset of this header in the container.
    pub header_offset: Option<u32>,
}

fn hex20<S: serde::Serializer>(v: &[u8; 20], s: S) -> Result<S::Ok, S::Error> {
    let mut out = String::with_capacity(40);
    for b in v {
        out.push_str(&format!("{b:02x}"));
    }
    s.serialize_str(&out)
}

/// Raw `method_id_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MethodId {
    /// Defining class (type index).
    pub class_idx: u32,
    /// Prototype (proto index).
    pub proto_idx: u32,
    /// Name (string index).
    pub name_idx: u32,
}

/// Raw `field_id_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldId {
    /// Defining class (type index).
    pub class_idx: u32,
    /// Field type (type index).
    pub type_idx: u32,
    /// Name (string index).
    pub name_idx: u32,
}

/// Raw `proto_id_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProtoId {
    /// Shorty descriptor (string index).
    pub shorty_idx: u32,
    /// Return type (type index).
    pub return_type_idx: u32,
    /// Offset of the parameter `type_list`, 0 for none.
    pub parameters_off: u32,
}

/// A `type_list` (parameters, interfaces), borrowed.
#[derive(Debug, Clone, Copy)]
pub struct TypeList<'a> {
    entries: &'a [u8],
}

impl<'a> TypeList<'a> {
    /// An empty list.
    pub const EMPTY: TypeList<'static> = TypeList { entries: &[] };

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len() / 2
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Type indices, in order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + 'a {
        self.entries
            .chunks_exact(2)
            .map(|c| u32::from(u16::from_le_bytes([c[0], c[1]])))
    }
}

/// A decoded string with how faithful the decoding is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringData<'a> {
    /// The text (borrowed when the bytes are also valid UTF-8).
    pub text: Cow<'a, str>,
    /// Bytes were well-formed MUTF-8 and matched the declared UTF-16 length.
    pub well_formed: bool,
    /// No lone surrogate had to be replaced.
    pub lossless: bool,
}

/// A prototype in readable form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtoRef<'a> {
    /// Return type descriptor.
    pub return_type: Cow<'a, str>,
    /// Parameter type descriptors.
    pub params: Vec<Cow<'a, str>>,
}

impl fmt::Display for ProtoRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for p in &self.params {
            f.write_str(p)?;
        }
        write!(f, "){}", self.return_type)
    }
}

/// A method reference in readable form; displays as
/// `Landroid/webkit/WebView;->addJavascriptInterface(Ljava/lang/Object;Ljava/lang/String;)V`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodRef<'a> {
    /// Defining class descriptor.
    pub class: Cow<'a, str>,
    /// Method name.
    pub name: Cow<'a, str>,
    /// Prototype.
    pub proto: ProtoRef<'a>,
}

impl fmt::Display for MethodRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}->{}{}", self.class, self.name, self.proto)
    }
}

/// A field reference in readable form; displays as `Lcom/a/B;->name:Ljava/lang/String;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRef<'a> {
    /// Defining class descriptor.
    pub class: Cow<'a, str>,
    /// Field name.
    pub name: Cow<'a, str>,
    /// Field type descriptor.
    pub type_: Cow<'a, str>,
}

impl fmt::Display for FieldRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}->{}:{}", self.class, self.name, self.type_)
    }
}

/// A parsed dex file (or one section of a 041 container), borrowing its bytes.
#[derive(Debug, Clone)]
pub struct Dex<'a> {
    /// All bytes; every offset in the file indexes this (for 041, the whole container).
    data: &'a [u8],
    /// Offset of this section's header in `data` (0 except in 041 containers).
    base: usize,
    /// End of this section's bytes in `data`.
    end: usize,
    header: Header,
    checksum_computed: u32,
    signature_ok: bool,
    call_site_ids: (u32, u32),
    method_handles: (u32, u32),
    anomalies: Vec<Anomaly>,
}

impl<'a> Dex<'a> {
    /// Parses the dex file at the start of `data` (for a 041 container, its first section).
    pub fn parse(data: &'a [u8]) -> Result<Dex<'a>, DexError> {
        Self::parse_at(data, 0)
    }

    /// Parses every dex section of a 041 container (a single-element list for older versions).
    ///
    /// Sections follow each other, each header's `file_size` giving the distance to the next. A
    /// section after the first that cannot be parsed ends the list and becomes an anomaly of the
    /// first section, so the readable ones are not lost.
    pub fn parse_container(data: &'a [u8]) -> Result<Vec<Dex<'a>>, DexError> {
        let mut first = Self::parse(data)?;
        if first.header.container_size.is_none() {
            return Ok(vec![first]);
        }
        let limit = data.len();
        let mut next = first.base + first.header.file_size as usize;
        let mut rest = Vec::new();
        while next < limit {
            if rest.len() + 1 >= MAX_CONTAINER_SECTIONS {
                push_anomaly(
                    &mut first.anomalies,
                    Anomaly::Container {
                        detail: format!("more than {MAX_CONTAINER_SECTIONS} sections"),
                    },
                );
                break;
            }
            match Self::parse_at(data, next) {
                Ok(d) => {
                    let size = d.header.file_size as usize;
                    rest.push(d);
                    if size == 0 {
                        break;
                    }
                    next = next.saturating_add(size);
                }
                Err(e) => {
                    push_anomaly(
                        &mut first.anomalies,
                        Anomaly::Container {
                            detail: format!("section at offset {next} unreadable: {e}"),
                        },
                    );
                    break;
                }
            }
        }
        let mut all = Vec::with_capacity(rest.len() + 1);
        all.push(first);
        all.extend(rest);
        Ok(all)
    }

    /// Parses a dex header found at `offset` of `data`.
    ///
    /// For version 041 the offsets inside the section stay relative to the container (`data`),
    /// as ART reads them; older versions are read as a standalone file starting at `offset`.
    pub fn parse_at(data: &'a [u8], offset: usize) -> Result<Dex<'a>, DexError> {
        let hdr = data
            .get(offset..)
            .filter(|h| h.len() >= HEADER_SIZE as usize)
            .ok_or(DexError::TooShort {
                len: data.len(),
                offset,
                needed: HEADER_SIZE as usize,
            })?;
        let mut magic = [0u8; 8];
        magic.copy_from_slice(&hdr[..8]);
        if &magic[..4] != MAGIC_PREFIX
            || magic[7] != 0
            || !magic[4..7].iter().all(u8::is_ascii_digit)
        {
            return Err(DexError::BadMagic { found: magic });
        }
        let version = magic[4..7]
            .iter()
            .fold(0u32, |v, d| v * 10 + u32::from(d - b'0'));
        if !(MIN_VERSION..=MAX_VERSION).contains(&version) {
            return Err(DexError::UnsupportedVersion {
                version: String::from_utf8_lossy(&magic[4..7]).into_owned(),
            });
        }
        let u = |o: usize| read_u32(hdr, o).unwrap_or(0);
        let endian_tag = u(40);
        if endian_tag != ENDIAN_CONSTANT {
            return Err(DexError::BadEndianTag { tag: endian_tag });
        }
        let header_size = u(36);
        if header_size < HEADER_SIZE {
            return Err(DexError::HeaderTooSmall {
                found: header_size,
                minimum: HEADER_SIZE,
            });
        }
        let is_container = version >= CONTAINER_VERSION && header_size >= HEADER_SIZE_V41;
        if is_container && hdr.len() < HEADER_SIZE_V41 as usize {
            return Err(DexError::TooShort {
                len: data.len(),
                offset,
                needed: HEADER_SIZE_V41 as usize,
            });
        }
        let mut signature = [0u8; 20];
        signature.copy_from_slice(&hdr[12..32]);
        let header = Header {
            version,
            checksum: u(8),
            signature,
            file_size: u(32),
            header_size,
            endian_tag,
            link_size: u(44),
            link_off: u(48),
            map_off: u(52),
            string_ids_size: u(56),
            string_ids_off: u(60),
            type_ids_size: u(64),
            type_ids_off: u(68),
            proto_ids_size: u(72),
            proto_ids_off: u(76),
            field_ids_size: u(80),
            field_ids_off: u(84),
            method_ids_size: u(88),
            method_ids_off: u(92),
            class_defs_size: u(96),
            class_defs_off: u(100),
            data_size: u(104),
            data_off: u(108),
            container_size: is_container.then(|| u(112)),
            header_offset: is_container.then(|| u(116)),
        };
        // Before 041 the file stands alone at `offset`; from 041 offsets index the container.
        let (data, base) = if is_container {
            (data, offset)
        } else {
            (hdr, 0)
        };
        let mut anomalies = Vec::new();
        if version == 36 {
            anomalies.push(Anomaly::VersionNotAcceptedByArt { version });
        }
        let expected_header = if version >= CONTAINER_VERSION {
            HEADER_SIZE_V41
        } else {
            HEADER_SIZE
        };
        if header_size != expected_header {
            anomalies.push(Anomaly::UnusualHeaderSize {
                found: header_size,
                expected: expected_header,
            });
        }
        let available = (data.len() - base) as u64;
        if u64::from(header.file_size) != available && !is_container {
            anomalies.push(Anomaly::FileSizeMismatch {
                declared: header.file_size,
                actual: available,
            });
        }
        if u64::from(header.file_size) > available && is_container {
            anomalies.push(Anomaly::FileSizeMismatch {
                declared: header.file_size,
                actual: available,
            });
        }
        if let (Some(cs), Some(ho)) = (header.container_size, header.header_offset) {
            if cs as usize != data.len() {
                anomalies.push(Anomaly::Container {
                    detail: format!("container_size {cs} but {} bytes present", data.len()),
                });
            }
            if ho as usize != offset {
                anomalies.push(Anomaly::Container {
                    detail: format!("header_offset {ho} but the header is at {offset}"),
                });
            }
        }
        let end = base + (header.file_size as usize).clamp(SIGNATURE_START, available as usize);

        // Checksum and signature: mismatches are anomalies, as a scanner must still read a file
        // that was modified after it was built.
        let checksum_computed = adler32(data.get(base + CHECKSUM_START..end).unwrap_or(&[]));
        if checksum_computed != header.checksum {
            anomalies.push(Anomaly::ChecksumMismatch {
                stored: header.checksum,
                computed: checksum_computed,
            });
        }
        let digest = Sha1::digest(data.get(base + SIGNATURE_START..end).unwrap_or(&[]));
        let signature_ok = digest.as_slice() == header.signature;
        if !signature_ok {
            anomalies.push(Anomaly::SignatureMismatch);
        }

        if header.link_size != 0 || header.link_off != 0 {
            anomalies.push(Anomaly::LinkSection {
                size: header.link_size,
                offset: header.link_off,
            });
        }
        if !is_container {
            let data_end = u64::from(header.data_off) + u64::from(header.data_size);
            if data_end > available || header.data_size % 4 != 0 {
                anomalies.push(Anomaly::BadDataSection {
                    offset: header.data_off,
                    size: header.data_size,
                });
            }
        }

        let tables: [(&'static str, u32, u32, u32); 6] = [
            (
                "string_ids",
                header.string_ids_off,
                header.string_ids_size,
                STRING_ID_SIZE,
            ),
            (
                "type_ids",
                header.type_ids_off,
                header.type_ids_size,
                TYPE_ID_SIZE,
            ),
            (
                "proto_ids",
                header.proto_ids_off,
                header.proto_ids_size,
                PROTO_ID_SIZE,
            ),
            (
                "field_ids",
                header.field_ids_off,
                header.field_ids_size,
                FIELD_ID_SIZE,
            ),
            (
                "method_ids",
                header.method_ids_off,
                header.method_ids_size,
                METHOD_ID_SIZE,
            ),
            (
                "class_defs",
                header.class_defs_off,
                header.class_defs_size,
                CLASS_DEF_SIZE,
            ),
        ];
        for (section, off, count, item_size) in tables {
            check_table(data, section, off, count, item_size)?;
            if count != 0 && off % 4 != 0 {
                anomalies.push(Anomaly::Misaligned {
                    section,
                    offset: off,
                });
            }
        }
        for (section, count) in [
            ("type_ids", header.type_ids_size),
            ("proto_ids", header.proto_ids_size),
        ] {
            if count > MAX_16BIT_IDS {
                anomalies.push(Anomaly::TooManyIds { section, count });
            }
        }

        let mut dex = Dex {
            data,
            base,
            end,
            header,
            checksum_computed,
            signature_ok,
            call_site_ids: (0, 0),
            method_handles: (0, 0),
            anomalies,
        };
        dex.check_map(&tables);
        Ok(dex)
    }

    /// Walks the map list: records its inconsistencies and picks up the tables only it locates
    /// (call sites, method handles).
    fn check_map(&mut self, tables: &[(&'static str, u32, u32, u32); 6]) {
        let map_off = self.header.map_off;
        let data = self.data;
        let Some(count) = read_u32(data, map_off as usize).filter(|_| map_off != 0) else {
            push_anomaly(
                &mut self.anomalies,
                Anomaly::MapListMissing { offset: map_off },
            );
            return;
        };
        if map_off % 4 != 0 {
            push_anomaly(
                &mut self.anomalies,
                Anomaly::Misaligned {
                    section: "map_list",
                    offset: map_off,
                },
            );
        }
        let examined = count.min(MAX_MAP_ITEMS);
        if count > MAX_MAP_ITEMS {
            push_anomaly(&mut self.anomalies, Anomaly::MapTooLong { count, examined });
        }
        let mut seen: Vec<u16> = Vec::with_capacity(examined as usize);
        let mut last_end: u64 = 0;
        for i in 0..examined as usize {
            let item = map_off as usize + 4 + i * 12;
            let (Some(type_code), Some(size), Some(offset)) = (
                read_u16(data, item),
                read_u32(data, item + 4),
                read_u32(data, item + 8),
            ) else {
                push_anomaly(
                    &mut self.anomalies,
                    Anomaly::MapListMissing { offset: map_off },
                );
                return;
            };
            if seen.contains(&type_code) {
                push_anomaly(&mut self.anomalies, Anomaly::MapDuplicateType { type_code });
            }
            seen.push(type_code);
            let item_size: Option<u32> = match type_code {
                map_type::HEADER => Some(self.header.header_size),
                map_type::STRING_ID => Some(STRING_ID_SIZE),
                map_type::TYPE_ID => Some(TYPE_ID_SIZE),
                map_type::PROTO_ID => Some(PROTO_ID_SIZE),
                map_type::FIELD_ID => Some(FIELD_ID_SIZE),
                map_type::METHOD_ID => Some(METHOD_ID_SIZE),
                map_type::CLASS_DEF => Some(CLASS_DEF_SIZE),
                map_type::CALL_SITE_ID => Some(CALL_SITE_ID_SIZE),
                map_type::METHOD_HANDLE => Some(METHOD_HANDLE_SIZE),
                // A map list is a u32 count plus 12-byte items.
                map_type::MAP_LIST => None,
                t if map_type::KNOWN_DATA.contains(&t) => None,
                _ => {
                    push_anomaly(&mut self.anomalies, Anomaly::MapUnknownType { type_code });
                    None
                }
            };
            // Fixed-size tables must fit; for data items at least the start must be in the file.
            let span = u64::from(item_size.unwrap_or(0)) * u64::from(size);
            let start = u64::from(offset);
            if start + span > data.len() as u64 || (size != 0 && start >= data.len() as u64) {
                push_anomaly(
                    &mut self.anomalies,
                    Anomaly::MapItemOutOfRange {
                        type_code,
                        offset,
                        count: size,
                    },
                );
                continue;
            }
            if i > 0 && start < last_end {
                push_anomaly(
                    &mut self.anomalies,
                    Anomaly::MapItemOverlap { type_code, offset },
                );
            }
            last_end = last_end.max(start + span.max(u64::from(size != 0)));
            match type_code {
                map_type::CALL_SITE_ID => self.call_site_ids = (offset, size),
                map_type::METHOD_HANDLE => self.method_handles = (offset, size),
                _ => {}
            }
            let table_index = match type_code {
                map_type::STRING_ID => Some(0),
                map_type::TYPE_ID => Some(1),
                map_type::PROTO_ID => Some(2),
                map_type::FIELD_ID => Some(3),
                map_type::METHOD_ID => Some(4),
                map_type::CLASS_DEF => Some(5),
                _ => None,
            };
            if let Some(t) = table_index {
                let (section, header_offset, header_count, _) = tables[t];
                if header_count != size || (size != 0 && header_offset != offset) {
                    push_anomaly(
                        &mut self.anomalies,
                        Anomaly::MapHeaderMismatch {
                            section,
                            map_count: size,
                            map_offset: offset,
                            header_count,
                            header_offset,
                        },
                    );
                }
            }
        }
        for (t, (section, header_offset, header_count, _)) in tables.iter().enumerate() {
            let code = [
                map_type::STRING_ID,
                map_type::TYPE_ID,
                map_type::PROTO_ID,
                map_type::FIELD_ID,
                map_type::METHOD_ID,
                map_type::CLASS_DEF,
            ][t];
            if *header_count != 0 && !seen.contains(&code) {
                push_anomaly(
                    &mut self.anomalies,
                    Anomaly::MapHeaderMismatch {
                        section,
                        map_count: 0,
                        map_offset: 0,
                        header_count: *header_count,
                        header_offset: *header_offset,
                    },
                );
            }
        }
    }

    /// The version number, e.g. 35 for `dex\n035\0`.
    pub fn version(&self) -> u32 {
        self.header.version
    }

    /// The raw header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Offset of this section's header in the container (0 for a plain dex file).
    pub fn header_offset(&self) -> usize {
        self.base
    }

    /// This section's bytes (header to `file_size`, clamped to what is present).
    pub fn section_bytes(&self) -> &'a [u8] {
        self.data.get(self.base..self.end).unwrap_or(&[])
    }

    /// All bytes offsets index (the container for 041).
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Whether the stored Adler-32 checksum matches.
    pub fn checksum_ok(&self) -> bool {
        self.checksum_computed == self.header.checksum
    }

    /// The Adler-32 computed over the file.
    pub fn computed_checksum(&self) -> u32 {
        self.checksum_computed
    }

    /// Whether the stored SHA-1 signature matches.
    pub fn signature_ok(&self) -> bool {
        self.signature_ok
    }

    /// Anomalies found while parsing the header and map list.
    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }

    /// Number of `string_ids`.
    pub fn string_ids_len(&self) -> u32 {
        self.header.string_ids_size
    }
    /// Number of `type_ids`.
    pub fn type_ids_len(&self) -> u32 {
        self.header.type_ids_size
    }
    /// Number of `proto_ids`.
    pub fn proto_ids_len(&self) -> u32 {
        self.header.proto_ids_size
    }
    /// Number of `field_ids`.
    pub fn field_ids_len(&self) -> u32 {
        self.header.field_ids_size
    }
    /// Number of `method_ids`.
    pub fn method_ids_len(&self) -> u32 {
        self.header.method_ids_size
    }
    /// Number of `class_defs`.
    pub fn class_defs_len(&self) -> u32 {
        self.header.class_defs_size
    }
    /// Number of `call_site_ids` (from the map list).
    pub fn call_site_ids_len(&self) -> u32 {
        self.call_site_ids.1
    }
    /// Number of `method_handles` (from the map list).
    pub fn method_handles_len(&self) -> u32 {
        self.method_handles.1
    }

    /// Offset of entry `idx` of a table whose bounds `parse` checked.
    #[inline]
    fn entry(
        &self,
        kind: &'static str,
        off: u32,
        len: u32,
        size: u32,
        idx: u32,
    ) -> Result<usize, DexError> {
        if idx >= len {
            return Err(DexError::IndexOutOfRange {
                kind,
                index: idx,
                len,
            });
        }
        Ok(off as usize + idx as usize * size as usize)
    }

    /// Raw MUTF-8 bytes of string `idx` (without the terminating NUL) and its declared UTF-16
    /// length.
    pub fn string_bytes(&self, idx: u32) -> Result<(&'a [u8], u32), DexError> {
        let h = &self.header;
        let at = self.entry(
            "string",
            h.string_ids_off,
            h.string_ids_size,
            STRING_ID_SIZE,
            idx,
        )?;
        let off = read_u32(self.data, at).ok_or(DexError::Truncated {
            what: "string_id",
            offset: at,
        })? as usize;
        let mut pos = off;
        let utf16_len = read_uleb128(self.data, &mut pos).ok_or(DexError::BadLeb128 {
            what: "string_data",
            offset: off,
        })?;
        let rest = self.data.get(pos..).ok_or(DexError::Truncated {
            what: "string_data",
            offset: off,
        })?;
        let nul = memchr::memchr(0, rest).ok_or(DexError::Truncated {
            what: "string_data",
            offset: off,
        })?;
        Ok((&rest[..nul], utf16_len))
    }

    /// String `idx`, decoded from MUTF-8 (borrowed when possible). Malformed bytes become
    /// U+FFFD; use [`Dex::string_checked`] to learn whether that happened.
    pub fn string(&self, idx: u32) -> Result<Cow<'a, str>, DexError> {
        let (bytes, _) = self.string_bytes(idx)?;
        Ok(mutf8::decode(bytes).0)
    }

    /// String `idx` with its decoding quality.
    pub fn string_checked(&self, idx: u32) -> Result<StringData<'a>, DexError> {
        let (bytes, utf16_len) = self.string_bytes(idx)?;
        let (text, q) = mutf8::decode(bytes);
        Ok(StringData {
            text,
            well_formed: q.well_formed && q.utf16_len == u64::from(utf16_len),
            lossless: q.lossless,
        })
    }

    /// String index of type `idx`'s descriptor.
    pub fn type_descriptor_idx(&self, idx: u32) -> Result<u32, DexError> {
        let h = &self.header;
        let at = self.entry("type", h.type_ids_off, h.type_ids_size, TYPE_ID_SIZE, idx)?;
        read_u32(self.data, at).ok_or(DexError::Truncated {
            what: "type_id",
            offset: at,
        })
    }

    /// Descriptor of type `idx`, e.g. `Ljava/lang/String;`.
    pub fn type_descriptor(&self, idx: u32) -> Result<Cow<'a, str>, DexError> {
        self.string(self.type_descriptor_idx(idx)?)
    }

    /// Raw `proto_id_item` `idx`.
    pub fn proto_id(&self, idx: u32) -> Result<ProtoId, DexError> {
        let h = &self.header;
        let at = self.entry(
            "proto",
            h.proto_ids_off,
            h.proto_ids_size,
            PROTO_ID_SIZE,
            idx,
        )?;
        let t = DexError::Truncated {
            what: "proto_id",
            offset: at,
        };
        Ok(ProtoId {
            shorty_idx: read_u32(self.data, at).ok_or(t.clone())?,
            return_type_idx: read_u32(self.data, at + 4).ok_or(t.clone())?,
            parameters_off: read_u32(self.data, at + 8).ok_or(t)?,
        })
    }

    /// The `type_list` at `off` (0 means empty).
    pub fn type_list(&self, off: u32) -> Result<TypeList<'a>, DexError> {
        if off == 0 {
            return Ok(TypeList { entries: &[] });
        }
        let at = off as usize;
        let t = DexError::Truncated {
            what: "type_list",
            offset: at,
        };
        let n = read_u32(self.data, at).ok_or(t.clone())? as usize;
        let bytes = n.checked_mul(2).ok_or(t.clone())?;
        let entries = self
            .data
            .get(at + 4..)
            .and_then(|r| r.get(..bytes))
            .ok_or(t)?;
        Ok(TypeList { entries })
    }

    /// Prototype `idx` in readable form.
    pub fn proto(&self, idx: u32) -> Result<ProtoRef<'a>, DexError> {
        let p = self.proto_id(idx)?;
        let list = self.type_list(p.parameters_off)?;
        if list.len() > MAX_PROTO_PARAMS {
            return Err(DexError::TooLarge {
                what: "proto parameter list",
                offset: p.parameters_off as usize,
                count: list.len() as u64,
                max: MAX_PROTO_PARAMS as u64,
            });
        }
        let mut params = Vec::with_capacity(list.len());
        for t in list.iter() {
            params.push(self.type_descriptor(t)?);
        }
        Ok(ProtoRef {
            return_type: self.type_descriptor(p.return_type_idx)?,
            params,
        })
    }

    /// Raw `method_id_item` `idx`.
    pub fn method_id(&self, idx: u32) -> Result<MethodId, DexError> {
        let h = &self.header;
        let at = self.entry(
            "method",
            h.method_ids_off,
            h.method_ids_size,
            METHOD_ID_SIZE,
            idx,
        )?;
        let t = DexError::Truncated {
            what: "method_id",
            offset: at,
        };
        Ok(MethodId {
            class_idx: u32::from(read_u16(self.data, at).ok_or(t.clone())?),
            proto_idx: u32::from(read_u16(self.data, at + 2).ok_or(t.clone())?),
            name_idx: read_u32(self.data, at + 4).ok_or(t)?,
        })
    }

    /// Method `idx` in readable form.
    pub fn method_ref(&self, idx: u32) -> Result<MethodRef<'a>, DexError> {
        let m = self.method_id(idx)?;
        Ok(MethodRef {
            class: self.type_descriptor(m.class_idx)?,
            name: self.string(m.name_idx)?,
            proto: self.proto(m.proto_idx)?,
        })
    }

    /// Raw `field_id_item` `idx`.
    pub fn field_id(&self, idx: u32) -> Result<FieldId, DexError> {
        let h = &self.header;
        let at = self.entry(
            "field",
            h.field_ids_off,
            h.field_ids_size,
            FIELD_ID_SIZE,
            idx,
        )?;
        let t = DexError::Truncated {
            what: "field_id",
            offset: at,
        };
        Ok(FieldId {
            class_idx: u32::from(read_u16(self.data, at).ok_or(t.clone())?),
            type_idx: u32::from(read_u16(self.data, at + 2).ok_or(t.clone())?),
            name_idx: read_u32(self.data, at + 4).ok_or(t)?,
        })
    }

    /// Field `idx` in readable form.
    pub fn field_ref(&self, idx: u32) -> Result<FieldRef<'a>, DexError> {
        let f = self.field_id(idx)?;
        Ok(FieldRef {
            class: self.type_descriptor(f.class_idx)?,
            name: self.string(f.name_idx)?,
            type_: self.type_descriptor(f.type_idx)?,
        })
    }

    /// Class definition `idx`.
    pub fn class_def(&self, idx: u32) -> Result<ClassDef<'a>, DexError> {
        let h = &self.header;
        let at = self.entry(
            "class_def",
            h.class_defs_off,
            h.class_defs_size,
            CLASS_DEF_SIZE,
            idx,
        )?;
        ClassDef::read(self.data, at, idx, h.method_ids_size, h.field_ids_size).ok_or(
            DexError::Truncated {
                what: "class_def",
                offset: at,
            },
        )
    }

    /// Every string in index order, decoded, with a scan budget proportional to the file size:
    /// a hostile file whose string ids all point at the same long NUL-free bytes yields
    /// [`DexError::BudgetExhausted`] for the rest instead of costing quadratic time.
    pub fn strings(&self) -> impl Iterator<Item = Result<StringData<'a>, DexError>> + '_ {
        let mut budget = (self.data.len() as u64)
            .saturating_mul(2)
            .saturating_add(1 << 20);
        (0..self.header.string_ids_size).map(move |i| {
            if budget == 0 {
                return Err(DexError::BudgetExhausted {
                    what: "string data",
                });
            }
            let r = self.string_checked(i);
            let cost = match &r {
                Ok(s) => s.text.len() as u64 + 1,
                Err(_) => MAX_STRING_BYTES as u64,
            };
            budget = budget.saturating_sub(cost);
            r
        })
    }

    /// Every class definition, in file order.
    pub fn classes(&self) -> impl Iterator<Item = ClassDef<'a>> + '_ {
        // `parse` checked that the whole table lies in the file, so every read succeeds.
        (0..self.header.class_defs_size).filter_map(move |i| self.class_def(i).ok())
    }
}

/// Fails unless `count` items of `item_size` bytes at `off` lie within `data`.
fn check_table(
    data: &[u8],
    section: &'static str,
    off: u32,
    count: u32,
    item_size: u32,
) -> Result<(), DexError> {
    if count == 0 {
        return Ok(());
    }
    let end = u64::from(off) + u64::from(count) * u64::from(item_size);
    if off == 0 || end > data.len() as u64 {
        return Err(DexError::SectionOutOfBounds {
            section,
            offset: off,
            count,
            item_size,
            len: data.len(),
        });
    }
    Ok(())
}
