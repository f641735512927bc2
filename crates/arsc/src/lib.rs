//! `resources.arsc` (`ResTable`) decoding and resource resolution.
//!
//! Follows AOSP libandroidfw (`LoadedArsc`/`ResourceTypes.cpp`): table header, global string pool,
//! packages with their type/key string pools, `typeSpec` and `type` chunks with any size of
//! `ResTable_config`, dense / sparse / 16-bit-offset entry indices, compact entries, map (bag)
//! entries; library, overlayable and unknown chunks are skipped safely. Values are decoded on
//! demand from the borrowed bytes.
//!
//! Resolution mimics what `aapt dump badging` shows: [`ResourceTable::default_string`] is the
//! `application-label:` value and [`ResourceTable::string_for_locale`] the
//! `application-label-<locale>:` values.
//!
//! Not here: file or ZIP access, the framework's own resources (`@android:`).

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod locale;

use std::collections::HashMap;

use medshield_axml::pool::{u16_at, u32_at, ChunkHeader, StringPool, RES_STRING_POOL_TYPE};
pub use medshield_axml::ResValue;
use medshield_axml::{Anomaly, AnomalyKind};
use serde::Serialize;

const RES_TABLE_TYPE: u16 = 0x0002;
const RES_TABLE_PACKAGE_TYPE: u16 = 0x0200;
const RES_TABLE_TYPE_TYPE: u16 = 0x0201;
const RES_TABLE_TYPE_SPEC_TYPE: u16 = 0x0202;
const RES_TABLE_LIBRARY_TYPE: u16 = 0x0203;
const RES_TABLE_OVERLAYABLE_TYPE: u16 = 0x0204;
const RES_TABLE_OVERLAYABLE_POLICY_TYPE: u16 = 0x0205;
const RES_TABLE_STAGED_ALIAS_TYPE: u16 = 0x0206;

const FLAG_SPARSE: u8 = 0x01;
const FLAG_OFFSET16: u8 = 0x02;
const ENTRY_FLAG_COMPLEX: u16 = 0x0001;
const ENTRY_FLAG_COMPACT: u16 = 0x0008;
const NO_ENTRY32: u32 = 0xffff_ffff;
const NO_ENTRY16: u16 = 0xffff;

/// Most packages in one table.
pub const MAX_PACKAGES: usize = 256;
/// Most `type` chunks kept in one table.
pub const MAX_TYPE_CHUNKS: usize = 1 << 20;
/// Most reference hops followed when resolving.
pub const MAX_REFERENCE_DEPTH: usize = 16;
/// Most anomalies stored.
pub const MAX_ANOMALIES: usize = 256;
/// Most map entries decoded from one bag.
pub const MAX_MAP_ENTRIES: usize = 65_536;

/// Fatal table errors.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArscError {
    /// Too short for the table header.
    #[error("resources.arsc truncated: {len} bytes, need at least 12 for the table header")]
    Truncated {
        /// input length
        len: usize,
    },
    /// Not a `RES_TABLE_TYPE` chunk.
    #[error("not a resource table: chunk type 0x{kind:04x} at offset 0, expected 0x0002")]
    NotATable {
        /// type found
        kind: u16,
    },
    /// Table header unusable.
    #[error("bad resource table header: {reason}")]
    BadHeader {
        /// what was wrong
        reason: &'static str,
    },
}

/// Known fields of a `ResTable_config` (absent fields of short configs are zero).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct ConfigDescriptor {
    /// mobile country code
    pub mcc: u16,
    /// mobile network code
    pub mnc: u16,
    /// language ("en", "fil"), empty for any
    pub language: String,
    /// region ("US", "419"), empty for any
    pub region: String,
    /// orientation (1 port, 2 land, 3 square)
    pub orientation: u8,
    /// touchscreen
    pub touchscreen: u8,
    /// density (dpi; 0 default, 0xfffe any, 0xffff none)
    pub density: u16,
    /// keyboard
    pub keyboard: u8,
    /// navigation
    pub navigation: u8,
    /// inputFlags
    pub input_flags: u8,
    /// screenWidth (px)
    pub screen_width: u16,
    /// screenHeight (px)
    pub screen_height: u16,
    /// sdkVersion (`-vNN`)
    pub sdk_version: u16,
    /// screenLayout
    pub screen_layout: u8,
    /// uiMode
    pub ui_mode: u8,
    /// smallestScreenWidthDp
    pub smallest_screen_width_dp: u16,
    /// screenWidthDp
    pub screen_width_dp: u16,
    /// screenHeightDp
    pub screen_height_dp: u16,
    /// localeScript ("Latn")
    pub script: String,
    /// localeVariant
    pub variant: String,
    /// screenLayout2
    pub screen_layout2: u8,
    /// colorMode
    pub color_mode: u8,
    /// size the file declared for this config
    pub declared_size: u32,
}

impl ConfigDescriptor {
    fn parse(d: &[u8]) -> ConfigDescriptor {
        let size = u32_at(d, 0).unwrap_or(0);
        let lim = (size as usize).min(d.len());
        let d = &d[..lim];
        let b = |o: usize| d.get(o).copied().unwrap_or(0);
        let h = |o: usize| u16_at(d, o).unwrap_or(0);
        let text = |o: usize, n: usize| -> String {
            d.get(o..o + n)
                .map(|s| {
                    s.iter()
                        .take_while(|&&c| c != 0)
                        .map(|&c| c as char)
                        .collect()
                })
                .unwrap_or_default()
        };
        ConfigDescriptor {
            mcc: h(4),
            mnc: h(6),
            language: locale::unpack([b(8), b(9)], b'a'),
            region: locale::unpack([b(10), b(11)], b'0'),
            orientation: b(12),
            touchscreen: b(13),
            density: h(14),
            keyboard: b(16),
            navigation: b(17),
            input_flags: b(18),
            screen_width: h(20),
            screen_height: h(22),
            sdk_version: h(24),
            screen_layout: b(28),
            ui_mode: b(29),
            smallest_screen_width_dp: h(30),
            screen_width_dp: h(32),
            screen_height_dp: h(34),
            script: text(36, 4),
            variant: text(40, 8),
            screen_layout2: b(48),
            color_mode: b(49),
            declared_size: size,
        }
    }

    /// Locale as `aapt dump badging` names it: "" for none, else `lang[-Script][-REGION][-variant]`
    /// ("zh-CN", "sr-Latn", "fr-CA").
    pub fn locale(&self) -> String {
        if self.language.is_empty() {
            return String::new();
        }
        let mut s = self.language.clone();
        for part in [&self.script, &self.region, &self.variant] {
            if !part.is_empty() {
                s.push('-');
                s.push_str(part);
            }
        }
        s
    }

    /// Whether every non-locale qualifier would match the device configuration `aapt dump
    /// badging` uses (en-US, port, mdpi, normal screen, 320x480dp, sdk 10000).
    fn matches_aapt_device(&self) -> bool {
        self.mcc == 0
            && self.mnc == 0
            && (self.orientation == 0 || self.orientation == 1)
            && self.touchscreen == 0
            && self.keyboard == 0
            && self.navigation == 0
            && self.input_flags == 0
            && self.screen_width == 0
            && self.screen_height == 0
            && self.sdk_version <= 10_000
            && (self.screen_layout & 0x0f) <= 2
            && (self.screen_layout & 0xf0) == 0
            && self.ui_mode == 0
            && self.smallest_screen_width_dp <= 320
            && self.screen_width_dp <= 320
            && self.screen_height_dp <= 480
            && self.screen_layout2 == 0
            && self.color_mode == 0
    }
}

/// One resource type chunk's index.
#[derive(Debug, Clone)]
struct TypeChunk {
    /// resource id prefix: package id << 24 | type id << 16
    id_prefix: u32,
    config: ConfigDescriptor,
    /// absolute offset of the entry index
    index_off: usize,
    /// absolute offset where entry data starts
    entries_off: usize,
    /// absolute end of the chunk
    end: usize,
    entry_count: u32,
    flags: u8,
}

/// A package inside the table.
#[derive(Debug, Clone)]
pub struct Package {
    /// package id (0x7f for apps)
    pub id: u32,
    /// package name
    pub name: String,
    type_strings: StringPool,
    key_strings: StringPool,
    /// (type id) -> indices into `types`
    types: HashMap<u8, Vec<usize>>,
}

impl Package {
    /// Name of type `type_id` (1-based, "string", "xml", ...).
    pub fn type_name(&self, type_id: u8) -> Option<std::borrow::Cow<'_, str>> {
        self.type_strings.get(u32::from(type_id).checked_sub(1)?)
    }
}

/// A parsed `resources.arsc`.
#[derive(Debug, Clone)]
pub struct ResourceTable<'a> {
    data: &'a [u8],
    strings: StringPool,
    packages: Vec<Package>,
    types: Vec<TypeChunk>,
    anomalies: Vec<Anomaly>,
}

fn push(list: &mut Vec<Anomaly>, kind: AnomalyKind, off: usize, msg: String) {
    if list.len() < MAX_ANOMALIES {
        list.push(Anomaly::new(kind, off, msg));
    }
}

/// A decoded entry: a single value or a bag.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Entry {
    /// simple entry
    Value {
        /// the value
        value: ResValue,
    },
    /// complex entry (style, array, plurals...)
    Map {
        /// parent reference
        parent: u32,
        /// (attribute/name id, value)
        items: Vec<(u32, ResValue)>,
    },
}

impl<'a> ResourceTable<'a> {
    /// Parses a resource table.
    pub fn parse(data: &'a [u8]) -> Result<ResourceTable<'a>, ArscError> {
        let hdr = ChunkHeader::read(data, 0).ok_or(ArscError::Truncated { len: data.len() })?;
        if hdr.kind != RES_TABLE_TYPE {
            return Err(ArscError::NotATable { kind: hdr.kind });
        }
        let mut anomalies = Vec::new();
        let hs = usize::from(hdr.header_size);
        if hs < 12 || hs > data.len() {
            return Err(ArscError::BadHeader {
                reason: "header size outside 12..=data length",
            });
        }
        let mut end = hdr.size as usize;
        if end > data.len() || end < hs {
            push(
                &mut anomalies,
                AnomalyKind::WrongDocumentSize,
                4,
                format!(
                    "table header says {} bytes, data has {}",
                    hdr.size,
                    data.len()
                ),
            );
            end = data.len();
        }
        let declared_packages = u32_at(data, 8).unwrap_or(0);
        let mut t = ResourceTable {
            data,
            strings: StringPool::default(),
            packages: Vec::new(),
            types: Vec::new(),
            anomalies,
        };
        let mut have_pool = false;
        let mut pos = hs;
        while pos.saturating_add(8) <= end {
            let Some(ch) = ChunkHeader::read(data, pos) else {
                break;
            };
            if let Err(reason) = ch.validate(8, end - pos) {
                push(
                    &mut t.anomalies,
                    AnomalyKind::BadChunk,
                    pos,
                    format!("table chunk 0x{:04x}: {reason}", ch.kind),
                );
                break;
            }
            let size = ch.size as usize;
            match ch.kind {
                RES_STRING_POOL_TYPE => {
                    if have_pool {
                        push(
                            &mut t.anomalies,
                            AnomalyKind::DuplicateChunk,
                            pos,
                            "second global string pool ignored".into(),
                        );
                    } else {
                        match StringPool::parse(&data[pos..pos + size], pos, &mut t.anomalies) {
                            Ok(p) => t.strings = p,
                            Err(reason) => push(
                                &mut t.anomalies,
                                AnomalyKind::BadChunk,
                                pos,
                                format!("global string pool: {reason}"),
                            ),
                        }
                        have_pool = true;
                    }
                }
                RES_TABLE_PACKAGE_TYPE => {
                    if t.packages.len() >= MAX_PACKAGES {
                        push(
                            &mut t.anomalies,
                            AnomalyKind::LimitReached,
                            pos,
                            "too many packages".into(),
                        );
                    } else {
                        t.parse_package(pos, ch);
                    }
                }
                other => push(
                    &mut t.anomalies,
                    AnomalyKind::UnknownChunk,
                    pos,
                    format!("unknown table chunk 0x{other:04x} skipped"),
                ),
            }
            pos += size;
        }
        if declared_packages as usize != t.packages.len() {
            push(
                &mut t.anomalies,
                AnomalyKind::BadChunk,
                8,
                format!(
                    "header declares {declared_packages} package(s), found {}",
                    t.packages.len()
                ),
            );
        }
        Ok(t)
    }

    fn parse_package(&mut self, pos: usize, ch: ChunkHeader) {
        let d = self.data;
        let end = pos + ch.size as usize;
        let hs = usize::from(ch.header_size);
        // id(4) + name(256) + typeStrings(4) + lastPublicType(4) + keyStrings(4) + lastPublicKey(4)
        if hs < 8 + 4 + 256 + 16 || pos + hs > end {
            push(
                &mut self.anomalies,
                AnomalyKind::BadChunk,
                pos,
                "package header too small".into(),
            );
            return;
        }
        let id = u32_at(d, pos + 8).unwrap_or(0);
        let name: String = char::decode_utf16(
            d[pos + 12..pos + 12 + 256]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .take_while(|&c| c != 0),
        )
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
        let type_strings_off = u32_at(d, pos + 268).unwrap_or(0) as usize;
        let key_strings_off = u32_at(d, pos + 276).unwrap_or(0) as usize;
        let type_id_offset = if hs >= 288 {
            u32_at(d, pos + 284).unwrap_or(0)
        } else {
            0
        };
        let mut pkg = Package {
            id,
            name,
            type_strings: StringPool::default(),
            key_strings: StringPool::default(),
            types: HashMap::new(),
        };
        let mut p = pos + hs;
        while p.saturating_add(8) <= end {
            let Some(c) = ChunkHeader::read(d, p) else {
                break;
            };
            if let Err(reason) = c.validate(8, end - p) {
                push(
                    &mut self.anomalies,
                    AnomalyKind::BadChunk,
                    p,
                    format!("package chunk 0x{:04x}: {reason}", c.kind),
                );
                break;
            }
            let size = c.size as usize;
            let rel = p - pos;
            match c.kind {
                RES_STRING_POOL_TYPE => {
                    match StringPool::parse(&d[p..p + size], p, &mut self.anomalies) {
                        Ok(sp) => {
                            if rel == type_strings_off {
                                pkg.type_strings = sp;
                            } else if rel == key_strings_off {
                                pkg.key_strings = sp;
                            } else if pkg.type_strings.is_empty() {
                                pkg.type_strings = sp;
                            } else if pkg.key_strings.is_empty() {
                                pkg.key_strings = sp;
                            }
                        }
                        Err(reason) => push(
                            &mut self.anomalies,
                            AnomalyKind::BadChunk,
                            p,
                            format!("package string pool: {reason}"),
                        ),
                    }
                }
                RES_TABLE_TYPE_TYPE => self.parse_type(p, c, type_id_offset, &mut pkg),
                RES_TABLE_TYPE_SPEC_TYPE
                | RES_TABLE_LIBRARY_TYPE
                | RES_TABLE_OVERLAYABLE_TYPE
                | RES_TABLE_OVERLAYABLE_POLICY_TYPE
                | RES_TABLE_STAGED_ALIAS_TYPE => {}
                other => push(
                    &mut self.anomalies,
                    AnomalyKind::UnknownChunk,
                    p,
                    format!("unknown package chunk 0x{other:04x} skipped"),
                ),
            }
            p += size;
        }
        self.packages.push(pkg);
    }

    fn parse_type(&mut self, p: usize, c: ChunkHeader, type_id_offset: u32, pkg: &mut Package) {
        let d = self.data;
        let hs = usize::from(c.header_size);
        let end = p + c.size as usize;
        // header(8) id flags reserved(4) entryCount(4) entriesStart(4) config(>= 4)
        if hs < 24 || self.types.len() >= MAX_TYPE_CHUNKS {
            push(
                &mut self.anomalies,
                AnomalyKind::BadChunk,
                p,
                "type chunk header too small or too many types".into(),
            );
            return;
        }
        let raw_id = d[p + 8];
        let flags = d[p + 9];
        let entry_count = u32_at(d, p + 12).unwrap_or(0);
        let entries_start = u32_at(d, p + 16).unwrap_or(0) as usize;
        let cfg_bytes = &d[p + 20..p + hs];
        let config = ConfigDescriptor::parse(cfg_bytes);
        // typeIdOffset (shared libraries) shifts ids; a result outside 1..=255 is unusable.
        let Some(type_id) = u32::from(raw_id)
            .checked_add(type_id_offset)
            .and_then(|v| u8::try_from(v).ok())
        else {
            push(
                &mut self.anomalies,
                AnomalyKind::BadChunk,
                p,
                format!("type id {raw_id} + typeIdOffset {type_id_offset} out of range"),
            );
            return;
        };
        if raw_id == 0 {
            push(
                &mut self.anomalies,
                AnomalyKind::BadChunk,
                p,
                "type chunk with id 0".into(),
            );
            return;
        }
        let idx_unit: usize = if flags & (FLAG_SPARSE | FLAG_OFFSET16) != 0 {
            if flags & FLAG_SPARSE != 0 {
                4
            } else {
                2
            }
        } else {
            4
        };
        let idx_len = (entry_count as usize).saturating_mul(idx_unit);
        if p + hs + idx_len > end || p + entries_start > end {
            push(
                &mut self.anomalies,
                AnomalyKind::BadChunk,
                p,
                format!("type chunk {type_id}: entry index or data outside the chunk"),
            );
            return;
        }
        self.types.push(TypeChunk {
            id_prefix: (pkg.id << 24) | (u32::from(type_id) << 16),
            config,
            index_off: p + hs,
            entries_off: p + entries_start,
            end,
            entry_count,
            flags,
        });
        pkg.types
            .entry(type_id)
            .or_default()
            .push(self.types.len() - 1);
    }

    /// Everything odd found while decoding.
    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }

    /// Packages in file order.
    pub fn packages(&self) -> &[Package] {
        &self.packages
    }

    /// The global value string pool.
    pub fn strings(&self) -> &StringPool {
        &self.strings
    }

    fn package(&self, id: u32) -> Option<&Package> {
        let pid = id >> 24;
        self.packages
            .iter()
            .find(|p| p.id == pid)
            // Shared libraries are compiled with package id 0 and assigned at runtime.
            .or_else(|| {
                if pid == 0x7f {
                    self.packages.iter().find(|p| p.id == 0)
                } else {
                    None
                }
            })
    }

    /// Absolute offset of entry `e` in type chunk `t`.
    fn entry_offset(&self, t: &TypeChunk, e: u16) -> Option<usize> {
        let d = self.data;
        let rel = if t.flags & FLAG_SPARSE != 0 {
            // Sorted (idx, offset/4) pairs: binary search.
            let (mut lo, mut hi) = (0usize, t.entry_count as usize);
            let mut found = None;
            while lo < hi {
                let mid = (lo + hi) / 2;
                let idx = u16_at(d, t.index_off + mid * 4)?;
                match idx.cmp(&e) {
                    std::cmp::Ordering::Equal => {
                        found = Some(usize::from(u16_at(d, t.index_off + mid * 4 + 2)?) * 4);
                        break;
                    }
                    std::cmp::Ordering::Less => lo = mid + 1,
                    std::cmp::Ordering::Greater => hi = mid,
                }
            }
            found?
        } else {
            if u32::from(e) >= t.entry_count {
                return None;
            }
            if t.flags & FLAG_OFFSET16 != 0 {
                let v = u16_at(d, t.index_off + usize::from(e) * 2)?;
                if v == NO_ENTRY16 {
                    return None;
                }
                usize::from(v) * 4
            } else {
                let v = u32_at(d, t.index_off + usize::from(e) * 4)?;
                if v == NO_ENTRY32 {
                    return None;
                }
                v as usize
            }
        };
        let off = t.entries_off.checked_add(rel)?;
        (off.checked_add(8)? <= t.end).then_some(off)
    }

    fn decode_entry(&self, t: &TypeChunk, off: usize) -> Option<Entry> {
        let d = &self.data[..t.end];
        let size = usize::from(u16_at(d, off)?);
        let flags = u16_at(d, off + 2)?;
        if flags & ENTRY_FLAG_COMPACT != 0 {
            let data = u32_at(d, off + 4)?;
            return Some(Entry::Value {
                value: ResValue::decode((flags >> 8) as u8, data, &self.strings),
            });
        }
        if flags & ENTRY_FLAG_COMPLEX != 0 {
            let parent = u32_at(d, off + 8)?;
            let count = u32_at(d, off + 12)? as usize;
            let mut items = Vec::new();
            let mut m = off.checked_add(size)?;
            for _ in 0..count.min(MAX_MAP_ENTRIES) {
                let Some(name) = u32_at(d, m) else { break };
                let (Some(&ty), Some(data)) = (d.get(m + 7), u32_at(d, m + 8)) else {
                    break;
                };
                items.push((name, ResValue::decode(ty, data, &self.strings)));
                m += 12;
            }
            return Some(Entry::Map { parent, items });
        }
        let v = off.checked_add(size)?;
        let ty = *d.get(v + 3)?;
        let data = u32_at(d, v + 4)?;
        Some(Entry::Value {
            value: ResValue::decode(ty, data, &self.strings),
        })
    }

    /// Every configuration's entry for `id`.
    pub fn entries(&self, id: u32) -> Vec<(ConfigDescriptor, Entry)> {
        let mut out = Vec::new();
        let Some(pkg) = self.package(id) else {
            return out;
        };
        let type_id = ((id >> 16) & 0xff) as u8;
        let e = (id & 0xffff) as u16;
        for &ti in pkg.types.get(&type_id).into_iter().flatten() {
            let Some(t) = self.types.get(ti) else {
                continue;
            };
            if let Some(off) = self.entry_offset(t, e) {
                if let Some(entry) = self.decode_entry(t, off) {
                    out.push((t.config.clone(), entry));
                }
            }
        }
        out
    }

    /// Calls `f(id, config, entry)` for every entry of every type chunk, in file order.
    pub fn for_each_entry(&self, mut f: impl FnMut(u32, &ConfigDescriptor, Entry)) {
        for t in &self.types {
            let d = self.data;
            let mut visit = |e: u16| {
                if let Some(off) = self.entry_offset(t, e) {
                    if let Some(entry) = self.decode_entry(t, off) {
                        f(t.id_prefix | u32::from(e), &t.config, entry);
                    }
                }
            };
            if t.flags & FLAG_SPARSE != 0 {
                for i in 0..t.entry_count as usize {
                    if let Some(e) = u16_at(d, t.index_off + i * 4) {
                        visit(e);
                    }
                }
            } else {
                for e in 0..t.entry_count.min(0x1_0000) {
                    visit(e as u16);
                }
            }
        }
    }

    /// Every configuration's simple value for `id` (bags are left out).
    pub fn resolve(&self, id: u32) -> Vec<(ConfigDescriptor, ResValue)> {
        self.entries(id)
            .into_iter()
            .filter_map(|(c, e)| match e {
                Entry::Value { value } => Some((c, value)),
                Entry::Map { .. } => None,
            })
            .collect()
    }

    /// `type/name` of a resource id ("string/app_name").
    pub fn name_of(&self, id: u32) -> Option<String> {
        let pkg = self.package(id)?;
        let type_id = ((id >> 16) & 0xff) as u8;
        let tname = pkg.type_name(type_id)?;
        let e = (id & 0xffff) as u16;
        for &ti in pkg.types.get(&type_id)? {
            let t = self.types.get(ti)?;
            if let Some(off) = self.entry_offset(t, e) {
                let flags = u16_at(self.data, off + 2)?;
                let key = if flags & ENTRY_FLAG_COMPACT != 0 {
                    u32::from(u16_at(self.data, off)?)
                } else {
                    u32_at(self.data, off + 4)?
                };
                return Some(format!("{tname}/{}", pkg.key_strings.get(key)?));
            }
        }
        None
    }

    /// The value aapt would pick for `id` on its device configuration with `locale` ("" = none).
    fn best_for_locale(&self, id: u32, locale: &locale::Locale) -> Option<ResValue> {
        let mut best: Option<(ConfigDescriptor, ResValue)> = None;
        for (cfg, v) in self.resolve(id) {
            if !cfg.matches_aapt_device() || !locale::matches(&cfg, locale) {
                continue;
            }
            let better = match &best {
                None => true,
                Some((b, _)) => locale::is_better(&cfg, b, locale),
            };
            if better {
                best = Some((cfg, v));
            }
        }
        best.map(|(_, v)| v)
    }

    /// Follows references from `v` (bounded) in the given locale.
    fn follow(&self, mut v: ResValue, locale: &locale::Locale) -> Option<ResValue> {
        for _ in 0..MAX_REFERENCE_DEPTH {
            match v {
                ResValue::Reference(r) if r != 0 => v = self.best_for_locale(r, locale)?,
                other => return Some(other),
            }
        }
        None
    }

    /// The string aapt prints for `id` as `application-label-<locale>:` (`locale` as in
    /// [`ConfigDescriptor::locale`]; "" gives [`Self::default_string`]).
    pub fn string_for_locale(&self, id: u32, locale: &str) -> Option<String> {
        let loc = locale::Locale::parse(locale);
        let v = self.follow(ResValue::Reference(id), &loc)?;
        value_text(&v)
    }

    /// The value `aapt dump badging` prints as `application-label:`: the best match for a device
    /// with no locale, i.e. a value from a configuration without language. When only localized
    /// values exist aapt prints no `application-label:` line, and so this returns `None`
    /// (aapt's `application: label=` then shows the first locale's value, see
    /// [`Self::any_string`]).
    pub fn default_string(&self, id: u32) -> Option<String> {
        self.string_for_locale(id, "")
    }

    /// A best-effort display string: the default one, else the first locale's in sorted order.
    pub fn any_string(&self, id: u32) -> Option<String> {
        self.default_string(id).or_else(|| {
            self.locales()
                .iter()
                .find_map(|l| self.string_for_locale(id, l))
        })
    }

    /// Every configuration's string for `id` as (locale, string), references followed in that
    /// locale. Locale "" is the default.
    pub fn resolve_string(&self, id: u32) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for (cfg, v) in self.resolve(id) {
            if !cfg.matches_aapt_device() {
                continue;
            }
            let loc = cfg.locale();
            let l = locale::Locale::parse(&loc);
            if let Some(s) = self.follow(v, &l).as_ref().and_then(value_text) {
                if !out.iter().any(|(o, _)| *o == loc) {
                    out.push((loc, s));
                }
            }
        }
        out
    }

    /// Path of a file resource ("res/xml/network_security_config.xml"), default configuration
    /// preferred.
    pub fn resolve_file(&self, id: u32) -> Option<String> {
        let loc = locale::Locale::parse("");
        match self.follow(ResValue::Reference(id), &loc) {
            Some(ResValue::String(Some(s))) => Some(s),
            _ => self.resolve(id).into_iter().find_map(|(_, v)| match v {
                ResValue::String(Some(s)) => Some(s),
                _ => None,
            }),
        }
    }

    /// All locales used by any configuration, sorted and unique, as aapt lists them ("" included
    /// when a locale-less configuration exists).
    pub fn locales(&self) -> Vec<String> {
        let mut v: Vec<String> = self.types.iter().map(|t| t.config.locale()).collect();
        v.sort();
        v.dedup();
        v
    }
}

/// Text of a scalar value (strings as-is; aapt prints other types' text for labels rarely).
fn value_text(v: &ResValue) -> Option<String> {
    match v {
        ResValue::String(Some(s)) => Some(s.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
