//! Android binary XML (AXML, `ResXMLTree`) decoding, a typed `AndroidManifest.xml` model and a typed
//! Network Security Config.
//!
//! The decoder follows AOSP libandroidfw (`ResourceTypes.cpp`): chunks are validated like
//! `validate_chunk`, strings are read like `ResStringPool::stringAt` (unreadable strings are null
//! as on a device), string pools and resource maps are taken from before the first XML node (the
//! last one wins), unknown chunks are skipped. Where Android would refuse the file but the bytes
//! still carry meaning (wrong total size, bad style block), we keep going and record an
//! [`Anomaly`] so a scanner sees what hostile packages try.
//!
//! Manifest attributes are looked up by resource id (as `TypedArray` does), never trusting names,
//! because obfuscators blank or fake attribute names.
//!
//! Not here: reading files or ZIPs, resolving resource references (see `medshield-arsc`).

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod manifest;
pub mod nsc;
pub mod pool;
pub mod value;

use serde::Serialize;

use pool::{u16_at, u32_at, ChunkHeader, StringPool, RES_STRING_POOL_TYPE};
pub use value::ResValue;

/// `RES_XML_RESOURCE_MAP_TYPE`.
const RES_XML_RESOURCE_MAP_TYPE: u16 = 0x0180;
const RES_XML_START_NAMESPACE_TYPE: u16 = 0x0100;
const RES_XML_END_NAMESPACE_TYPE: u16 = 0x0101;
const RES_XML_START_ELEMENT_TYPE: u16 = 0x0102;
const RES_XML_END_ELEMENT_TYPE: u16 = 0x0103;
const RES_XML_CDATA_TYPE: u16 = 0x0104;
const RES_XML_FIRST_CHUNK_TYPE: u16 = 0x0100;
const RES_XML_LAST_CHUNK_TYPE: u16 = 0x017f;
/// `RES_XML_TYPE`.
const RES_XML_TYPE: u16 = 0x0003;
/// `sizeof(ResXMLTree_node)`.
const NODE_HEADER_SIZE: usize = 16;
/// `sizeof(ResXMLTree_attribute)`.
const ATTRIBUTE_SIZE: usize = 20;
/// `sizeof(ResXMLTree_attrExt)`.
const ATTR_EXT_SIZE: usize = 20;

/// Deepest element nesting we build; real manifests nest < 10 levels.
pub const MAX_DEPTH: usize = 64;
/// Most elements in one document.
pub const MAX_ELEMENTS: usize = 200_000;
/// Most attributes on one element.
pub const MAX_ATTRIBUTES: usize = 4_096;
/// Most anomalies recorded per document (further ones are counted, not stored).
pub const MAX_ANOMALIES: usize = 256;
/// Most bytes of CDATA text kept per element.
pub const MAX_TEXT: usize = 64 * 1024;

/// Most bytes of strings decoded for one document, whatever the input size (further strings read
/// as empty). Real manifests decode well under 1 MB.
pub const MAX_DECODED_BYTES: usize = 256 << 20;
/// Decoding budget per input byte: each string reference costs 4 input bytes, so honest documents
/// stay far below this while repeated references to one huge string cannot multiply memory.
const DECODE_BUDGET_PER_INPUT_BYTE: usize = 16;

/// String access charged against the document's decoding budget.
struct Strings<'p> {
    pool: &'p StringPool,
    budget: std::cell::Cell<usize>,
    exhausted: std::cell::Cell<bool>,
}

impl Strings<'_> {
    fn get_owned(&self, idx: u32) -> Option<String> {
        let len = self.pool.raw_len(idx)?;
        let left = self.budget.get();
        if len > left {
            self.exhausted.set(true);
            return Some(String::new());
        }
        self.budget.set(left - len);
        self.pool.get_owned(idx)
    }
}

/// The Android namespace URI.
pub const ANDROID_NS: &str = "http://schemas.android.com/apk/res/android";

/// Fatal decoding errors.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AxmlError {
    /// Input too short to hold the document header.
    #[error("binary XML truncated: {len} bytes, need at least 8 for the document header")]
    Truncated {
        /// input length
        len: usize,
    },
    /// The document header itself is unusable.
    #[error("bad binary XML header at offset 0: {reason}")]
    BadHeader {
        /// what was wrong
        reason: &'static str,
    },
    /// A string pool Android would refuse and we cannot read.
    #[error("bad string pool at offset {offset}: {reason}")]
    BadStringPool {
        /// chunk offset
        offset: usize,
        /// what was wrong
        reason: &'static str,
    },
    /// No start-element node found (Android: "no root element node found").
    #[error("binary XML has no root element")]
    NoRootElement,
}

/// Category of an [`Anomaly`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// Document header type is not `RES_XML_TYPE`.
    WrongDocumentType,
    /// Header's total size disagrees with the data.
    WrongDocumentSize,
    /// A chunk failed `validate_chunk`.
    BadChunk,
    /// More than one string pool / resource map before the root.
    DuplicateChunk,
    /// Inconsistent style block in a string pool.
    StringPoolStyles,
    /// Pool's last string not NUL-terminated.
    StringPoolUnterminated,
    /// A string Android reads as null.
    StringUnreadable,
    /// UTF-8 string with a truncated length (Android recovers).
    StringLengthWrong,
    /// Unknown chunk or node type skipped.
    UnknownChunk,
    /// A node Android's parser stops at.
    BadNode,
    /// End tag that does not match the open element, or stray end tag.
    MismatchedEnd,
    /// More than one top-level element.
    ExtraRoot,
    /// Nesting/element/attribute caps reached.
    LimitReached,
    /// Attribute resource ids not sorted: Android's attribute lookup can miss attributes.
    UnsortedAttributes,
    /// Attribute raw string and typed string value differ.
    RawTypedMismatch,
    /// Attribute name string index outside the pool / name blank.
    SuspiciousAttributeName,
    /// Data after the last chunk or inside chunk headers.
    TrailingData,
    /// Something in the manifest's meaning (see message).
    Manifest,
    /// Something in a network security config.
    NetworkSecurityConfig,
}

/// An odd-but-survivable property of the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anomaly {
    /// category
    pub kind: AnomalyKind,
    /// byte offset in the input, when meaningful
    pub offset: Option<u64>,
    /// human-readable description
    pub message: String,
}

impl Anomaly {
    /// New anomaly at `offset`.
    pub fn new(kind: AnomalyKind, offset: usize, message: String) -> Anomaly {
        Anomaly {
            kind,
            offset: Some(offset as u64),
            message,
        }
    }
}

pub(crate) fn push_anomaly(list: &mut Vec<Anomaly>, a: Anomaly) {
    if list.len() < MAX_ANOMALIES {
        list.push(a);
    }
}

/// One attribute of an element.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribute {
    /// attribute name as stored (may be blank or fake in obfuscated files)
    pub name: String,
    /// namespace URI string, if any
    pub namespace: Option<String>,
    /// resource id from the resource map (`0x0101xxxx` for framework attributes)
    pub resource_id: Option<u32>,
    /// typed value
    pub value: ResValue,
    /// raw string value (`rawValue`), if any
    pub raw: Option<String>,
    /// `Res_value::dataType` as stored
    pub data_type: u8,
    /// `Res_value::data` as stored
    pub data: u32,
}

impl Attribute {
    /// The value as a string: the typed string, else the raw string.
    pub fn string(&self) -> Option<&str> {
        self.value.as_str().or(self.raw.as_deref())
    }
}

/// One element with its attributes and children.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Element {
    /// element name
    pub name: String,
    /// namespace URI, if any
    pub namespace: Option<String>,
    /// attributes in file order
    pub attributes: Vec<Attribute>,
    /// child elements in order
    pub children: Vec<Element>,
    /// concatenated CDATA text directly inside this element
    pub text: String,
    /// source line number recorded by the compiler
    pub line: u32,
}

impl Element {
    /// First attribute carrying resource id `id`.
    pub fn attr_by_id(&self, id: u32) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.resource_id == Some(id))
    }

    /// First attribute named `name` (any namespace) that has no resource id.
    pub fn attr_by_name_without_id(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.resource_id.is_none() && a.name == name)
    }

    /// Android-style lookup: by resource id; by name only when no attribute has the id and the
    /// named attribute carries no id either.
    pub fn attr(&self, id: u32, name: &str) -> Option<&Attribute> {
        self.attr_by_id(id)
            .or_else(|| self.attr_by_name_without_id(name))
    }

    /// Attribute without namespace named `name` (`parser.getAttributeValue(null, name)`).
    pub fn plain_attr(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.namespace.is_none() && a.name == name)
            .or_else(|| self.attributes.iter().find(|a| a.name == name))
    }

    /// Children named `name`.
    pub fn children_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Element> + 's {
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// A namespace declaration (`xmlns:prefix="uri"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Namespace {
    /// prefix
    pub prefix: Option<String>,
    /// URI
    pub uri: Option<String>,
}

/// A decoded binary XML document.
#[derive(Debug, Clone, Serialize)]
pub struct XmlDocument {
    root: Element,
    namespaces: Vec<Namespace>,
    anomalies: Vec<Anomaly>,
    #[serde(skip)]
    strings: StringPool,
    #[serde(skip)]
    resource_map: Vec<u32>,
}

struct Builder {
    stack: Vec<Element>,
    /// string index of each open element's name (end tags are matched by index: no decoding)
    names: Vec<u32>,
    root: Option<Element>,
    elements: usize,
    skipped_depth: usize,
}

impl XmlDocument {
    /// Decodes a binary XML document.
    pub fn parse(data: &[u8]) -> Result<XmlDocument, AxmlError> {
        let mut anomalies = Vec::new();
        let hdr = ChunkHeader::read(data, 0).ok_or(AxmlError::Truncated { len: data.len() })?;
        if hdr.kind != RES_XML_TYPE {
            push_anomaly(
                &mut anomalies,
                Anomaly::new(
                    AnomalyKind::WrongDocumentType,
                    0,
                    format!(
                        "document chunk type 0x{:04x}, expected 0x0003 (Android does not check)",
                        hdr.kind
                    ),
                ),
            );
        }
        let hs = usize::from(hdr.header_size);
        if hs < 8 {
            return Err(AxmlError::BadHeader {
                reason: "header size smaller than a chunk header",
            });
        }
        let mut end = hdr.size as usize;
        if end > data.len() || hs > end {
            push_anomaly(
                &mut anomalies,
                Anomaly::new(
                    AnomalyKind::WrongDocumentSize,
                    4,
                    format!(
                        "header says {} bytes, data has {} (Android rejects this document)",
                        hdr.size,
                        data.len()
                    ),
                ),
            );
            end = data.len();
        } else if end < data.len() {
            push_anomaly(
                &mut anomalies,
                Anomaly::new(
                    AnomalyKind::TrailingData,
                    end,
                    format!("{} bytes after the document", data.len() - end),
                ),
            );
        }
        if hs > end {
            return Err(AxmlError::BadHeader {
                reason: "header size larger than the data",
            });
        }
        let data = &data[..end];

        let mut strings: Option<StringPool> = None;
        let mut resource_map: Vec<u32> = Vec::new();
        let mut pos = hs;
        let mut first_node = None;
        // Phase 1, as ResXMLTree::setTo: pools and the resource map until the first XML node.
        while pos.saturating_add(8) <= end {
            let Some(ch) = ChunkHeader::read(data, pos) else {
                break;
            };
            if let Err(reason) = ch.validate(8, end - pos) {
                push_anomaly(
                    &mut anomalies,
                    Anomaly::new(
                        AnomalyKind::BadChunk,
                        pos,
                        format!("chunk 0x{:04x}: {reason}", ch.kind),
                    ),
                );
                // Android stops here with an error; a chunk of bogus size cannot be stepped over.
                break;
            }
            let size = ch.size as usize;
            match ch.kind {
                RES_STRING_POOL_TYPE => {
                    if strings.is_some() {
                        push_anomaly(
                            &mut anomalies,
                            Anomaly::new(
                                AnomalyKind::DuplicateChunk,
                                pos,
                                "second string pool (the last one wins)".into(),
                            ),
                        );
                    }
                    match StringPool::parse(&data[pos..pos + size], pos, &mut anomalies) {
                        Ok(p) => strings = Some(p),
                        Err(reason) => {
                            return Err(AxmlError::BadStringPool {
                                offset: pos,
                                reason,
                            })
                        }
                    }
                }
                RES_XML_RESOURCE_MAP_TYPE => {
                    if !resource_map.is_empty() {
                        push_anomaly(
                            &mut anomalies,
                            Anomaly::new(
                                AnomalyKind::DuplicateChunk,
                                pos,
                                "second resource map (the last one wins)".into(),
                            ),
                        );
                    }
                    let body = &data[pos + usize::from(ch.header_size)..pos + size];
                    resource_map = body
                        .chunks_exact(4)
                        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect();
                }
                RES_XML_FIRST_CHUNK_TYPE..=RES_XML_LAST_CHUNK_TYPE => {
                    first_node = Some(pos);
                    break;
                }
                other => push_anomaly(
                    &mut anomalies,
                    Anomaly::new(
                        AnomalyKind::UnknownChunk,
                        pos,
                        format!("unknown chunk 0x{other:04x} skipped"),
                    ),
                ),
            }
            pos += size;
        }
        let first_node = first_node.ok_or(AxmlError::NoRootElement)?;
        let pool = strings.unwrap_or_default();
        let strings = Strings {
            pool: &pool,
            budget: std::cell::Cell::new(
                data.len()
                    .saturating_mul(DECODE_BUDGET_PER_INPUT_BYTE)
                    .clamp(1 << 20, MAX_DECODED_BYTES),
            ),
            exhausted: std::cell::Cell::new(false),
        };

        let mut b = Builder {
            stack: Vec::new(),
            names: Vec::new(),
            root: None,
            elements: 0,
            skipped_depth: 0,
        };
        let mut namespaces = Vec::new();
        let mut pos = first_node;
        let mut saw_start = false;
        while pos.saturating_add(8) <= end {
            let Some(ch) = ChunkHeader::read(data, pos) else {
                break;
            };
            if let Err(reason) = ch.validate(NODE_HEADER_SIZE, end - pos) {
                push_anomaly(
                    &mut anomalies,
                    Anomaly::new(
                        AnomalyKind::BadNode,
                        pos,
                        format!(
                            "node 0x{:04x}: {reason}; parsing stops (as on Android)",
                            ch.kind
                        ),
                    ),
                );
                break;
            }
            let size = ch.size as usize;
            let node = &data[pos..pos + size];
            let ext = usize::from(ch.header_size);
            let line = u32_at(node, 8).unwrap_or(0);
            let min_ext = match ch.kind {
                RES_XML_START_NAMESPACE_TYPE | RES_XML_END_NAMESPACE_TYPE => 8,
                RES_XML_START_ELEMENT_TYPE => ATTR_EXT_SIZE,
                RES_XML_END_ELEMENT_TYPE => 8,
                RES_XML_CDATA_TYPE => 12,
                other => {
                    push_anomaly(
                        &mut anomalies,
                        Anomaly::new(
                            AnomalyKind::UnknownChunk,
                            pos,
                            format!("unknown node 0x{other:04x} skipped"),
                        ),
                    );
                    pos += size;
                    continue;
                }
            };
            if size - ext < min_ext {
                push_anomaly(
                    &mut anomalies,
                    Anomaly::new(
                        AnomalyKind::BadNode,
                        pos,
                        format!(
                            "node 0x{:04x} too small; parsing stops (as on Android)",
                            ch.kind
                        ),
                    ),
                );
                break;
            }
            let s = |off: usize| -> Option<String> {
                let idx = u32_at(node, ext + off)?;
                strings.get_owned(idx)
            };
            match ch.kind {
                RES_XML_START_NAMESPACE_TYPE => {
                    if namespaces.len() < MAX_ATTRIBUTES {
                        namespaces.push(Namespace {
                            prefix: s(0),
                            uri: s(4),
                        });
                    }
                }
                RES_XML_END_NAMESPACE_TYPE => {}
                RES_XML_START_ELEMENT_TYPE => {
                    match parse_start(
                        node,
                        ext,
                        &strings,
                        &resource_map,
                        line,
                        pos,
                        &mut anomalies,
                    ) {
                        Ok(el) => {
                            saw_start = true;
                            let name_idx = u32_at(node, ext + 4).unwrap_or(u32::MAX);
                            b.open(el, name_idx, pos, &mut anomalies);
                        }
                        Err(msg) => {
                            push_anomaly(
                                &mut anomalies,
                                Anomaly::new(AnomalyKind::BadNode, pos, msg),
                            );
                            break;
                        }
                    }
                }
                RES_XML_END_ELEMENT_TYPE => {
                    let name = u32_at(node, ext + 4).unwrap_or(u32::MAX);
                    b.close(name, &pool, pos, &mut anomalies);
                }
                _ => {
                    let text = s(0).unwrap_or_default();
                    if let Some(top) = b.stack.last_mut() {
                        if top.text.len() + text.len() <= MAX_TEXT {
                            top.text.push_str(&text);
                        }
                    }
                }
            }
            pos += size;
        }
        if pos < end && pos.saturating_add(8) > end {
            push_anomaly(
                &mut anomalies,
                Anomaly::new(
                    AnomalyKind::TrailingData,
                    pos,
                    format!("{} stray bytes after the last node", end - pos),
                ),
            );
        }
        if strings.exhausted.get() {
            // Always recorded (even past the anomaly cap): it explains the empty strings.
            anomalies.insert(
                0,
                Anomaly::new(
                    AnomalyKind::LimitReached,
                    0,
                    "string decoding budget exhausted; later strings read as empty".into(),
                ),
            );
        }
        // Close whatever is still open (truncated documents).
        while !b.stack.is_empty() {
            b.close_top();
        }
        if !saw_start {
            return Err(AxmlError::NoRootElement);
        }
        let root = b.root.ok_or(AxmlError::NoRootElement)?;
        Ok(XmlDocument {
            root,
            namespaces,
            anomalies,
            strings: pool,
            resource_map,
        })
    }

    /// The root element.
    pub fn root(&self) -> &Element {
        &self.root
    }

    /// Namespace declarations in document order.
    pub fn namespaces(&self) -> &[Namespace] {
        &self.namespaces
    }

    /// Everything odd found while decoding.
    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }

    /// The document's string pool.
    pub fn strings(&self) -> &StringPool {
        &self.strings
    }

    /// The resource map (attribute resource ids by name string index).
    pub fn resource_map(&self) -> &[u32] {
        &self.resource_map
    }
}

impl Builder {
    fn open(&mut self, el: Element, name_idx: u32, pos: usize, anomalies: &mut Vec<Anomaly>) {
        if self.skipped_depth > 0 || self.stack.len() >= MAX_DEPTH || self.elements >= MAX_ELEMENTS
        {
            if self.skipped_depth == 0 {
                push_anomaly(
                    anomalies,
                    Anomaly::new(
                        AnomalyKind::LimitReached,
                        pos,
                        "element depth/count limit reached; subtree dropped".into(),
                    ),
                );
            }
            self.skipped_depth += 1;
            return;
        }
        self.elements += 1;
        self.stack.push(el);
        self.names.push(name_idx);
    }

    fn close(
        &mut self,
        name_idx: u32,
        pool: &StringPool,
        pos: usize,
        anomalies: &mut Vec<Anomaly>,
    ) {
        if self.skipped_depth > 0 {
            self.skipped_depth -= 1;
            return;
        }
        // Names are decoded only to describe an anomaly, and only while anomalies are still kept.
        let describe = anomalies.len() < MAX_ANOMALIES;
        match self.names.last() {
            None => {
                if describe {
                    let name = pool.get(name_idx).unwrap_or_default();
                    push_anomaly(
                        anomalies,
                        Anomaly::new(
                            AnomalyKind::MismatchedEnd,
                            pos,
                            format!("end tag </{name}> with no open element"),
                        ),
                    );
                }
            }
            Some(&open_idx) => {
                if open_idx != name_idx && describe {
                    let name = pool.get(name_idx).unwrap_or_default();
                    if let Some(top) = self.stack.last() {
                        if top.name != name {
                            push_anomaly(
                                anomalies,
                                Anomaly::new(
                                    AnomalyKind::MismatchedEnd,
                                    pos,
                                    format!("end tag </{name}> closes <{}>", top.name),
                                ),
                            );
                        }
                    }
                }
                self.close_top();
            }
        }
    }

    fn close_top(&mut self) {
        self.names.pop();
        let Some(el) = self.stack.pop() else { return };
        if let Some(parent) = self.stack.last_mut() {
            parent.children.push(el);
        } else if self.root.is_none() {
            self.root = Some(el);
        }
        // Further top-level elements are dropped: Android's package parser reads only the first.
    }
}

fn parse_start(
    node: &[u8],
    ext: usize,
    strings: &Strings,
    resource_map: &[u32],
    line: u32,
    pos: usize,
    anomalies: &mut Vec<Anomaly>,
) -> Result<Element, String> {
    let rd = |o: usize| u32_at(node, ext + o).unwrap_or(u32::MAX);
    let rd16 = |o: usize| usize::from(u16_at(node, ext + o).unwrap_or(0));
    let ns = rd(0);
    let name = rd(4);
    let attr_start = rd16(8);
    let attr_size = rd16(10);
    let attr_count = rd16(12);
    let body = node.len() - ext;
    // validateNode: attributeStart + attributeSize * attributeCount must fit in the node.
    if attr_start + attr_size * attr_count > body {
        return Err(format!(
            "start element attributes need {} bytes, node has {body}; parsing stops (as on Android)",
            attr_start + attr_size * attr_count
        ));
    }
    let mut el = Element {
        name: strings.get_owned(name).unwrap_or_default(),
        namespace: strings.get_owned(ns),
        attributes: Vec::with_capacity(attr_count.min(MAX_ATTRIBUTES)),
        children: Vec::new(),
        text: String::new(),
        line,
    };
    let mut last_id = 0u32;
    let mut unsorted = false;
    for i in 0..attr_count.min(MAX_ATTRIBUTES) {
        let a = ext + attr_start + i * attr_size;
        let Some(ab) = node.get(a..a + ATTRIBUTE_SIZE) else {
            push_anomaly(
                anomalies,
                Anomaly::new(
                    AnomalyKind::BadNode,
                    pos,
                    format!("attribute {i} of <{}> truncated", el.name),
                ),
            );
            break;
        };
        let f = |o: usize| u32::from_le_bytes([ab[o], ab[o + 1], ab[o + 2], ab[o + 3]]);
        let a_ns = f(0);
        let a_name = f(4);
        let raw = f(8);
        let data_type = ab[15];
        let data = f(16);
        let resource_id = resource_map
            .get(a_name as usize)
            .copied()
            .filter(|&id| id != 0);
        if let Some(id) = resource_id {
            if id < last_id {
                unsorted = true;
            }
            last_id = id;
        }
        let value = if data_type == value::TYPE_STRING {
            ResValue::String(strings.get_owned(data))
        } else {
            ResValue::decode(data_type, data, strings.pool)
        };
        let raw_s = strings.get_owned(raw);
        if let (ResValue::String(Some(t)), Some(r)) = (&value, &raw_s) {
            if t != r && !strings.exhausted.get() {
                push_anomaly(
                    anomalies,
                    Anomaly::new(
                        AnomalyKind::RawTypedMismatch,
                        pos,
                        format!(
                            "attribute {i} of <{}>: raw {r:?} differs from typed {t:?}",
                            el.name
                        ),
                    ),
                );
            }
        }
        let aname = strings.get_owned(a_name).unwrap_or_default();
        if resource_id.is_none()
            && !resource_map.is_empty()
            && strings.pool.get(a_ns).as_deref() == Some(ANDROID_NS)
        {
            push_anomaly(
                anomalies,
                Anomaly::new(
                    AnomalyKind::SuspiciousAttributeName,
                    pos,
                    format!(
                        "android:{aname} on <{}> has no resource id: Android ignores it",
                        el.name
                    ),
                ),
            );
        }
        if aname.is_empty() || aname.contains(':') || aname.contains(' ') {
            push_anomaly(
                anomalies,
                Anomaly::new(
                    AnomalyKind::SuspiciousAttributeName,
                    pos,
                    format!(
                        "attribute {i} of <{}> has name {aname:?} (id {resource_id:08x?})",
                        el.name
                    ),
                ),
            );
        }
        el.attributes.push(Attribute {
            name: aname,
            namespace: strings.get_owned(a_ns),
            resource_id,
            value,
            raw: raw_s,
            data_type,
            data,
        });
    }
    if attr_count > MAX_ATTRIBUTES {
        push_anomaly(
            anomalies,
            Anomaly::new(
                AnomalyKind::LimitReached,
                pos,
                format!(
                    "<{}> has {attr_count} attributes; only {MAX_ATTRIBUTES} kept",
                    el.name
                ),
            ),
        );
    }
    if unsorted {
        push_anomaly(
            anomalies,
            Anomaly::new(
                AnomalyKind::UnsortedAttributes,
                pos,
                format!(
                    "<{}> attributes not sorted by resource id (Android may not see some)",
                    el.name
                ),
            ),
        );
    }
    Ok(el)
}

#[cfg(test)]
pub(crate) mod testutil;

#[cfg(test)]
mod tests;
