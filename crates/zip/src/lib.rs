//! The ZIP container of an Android package, read the way Android's installer reads it.
//!
//! Android (`libziparchive`, and `apksig` for signatures) trusts the **central directory**, not the
//! local file headers: it finds the end-of-central-directory record (EOCD) at the end of the file,
//! walks the central directory, and only consults a local header to learn where an entry's data
//! starts. Malware and packers exploit every place where other tools disagree — misleading local
//! headers, duplicate names, fake encryption flags, bogus sizes — so this crate reads as Android does
//! and records each such oddity as an [`Anomaly`] instead of failing.
//!
//! Hostile archives are bounded by named [`Limits`]: entry count, declared and actual inflated size
//! per entry and in total, and the compression ratio. Exceeding one is a clear [`ZipError`], never an
//! out-of-memory.
//!
//! What this crate is not: it does no I/O (it reads a byte slice), it does not write archives, and
//! it does not interpret the contents (manifest, dex, signatures live in their own crates).

#![cfg_attr(test, allow(clippy::unwrap_used))]

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

const EOCD_SIGNATURE: u32 = 0x0605_4b50;
const EOCD_LEN: usize = 22;
const ZIP64_EOCD_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const ZIP64_EOCD_LOCATOR_LEN: usize = 20;
const ZIP64_EOCD_SIGNATURE: u32 = 0x0606_4b50;
const ZIP64_EOCD_MIN_LEN: usize = 56;
const CENTRAL_HEADER_SIGNATURE: u32 = 0x0201_4b50;
const CENTRAL_HEADER_LEN: usize = 46;
const LOCAL_HEADER_SIGNATURE: u32 = 0x0403_4b50;
const LOCAL_HEADER_LEN: usize = 30;
/// The EOCD comment is at most 65535 bytes, so the EOCD starts within this distance of the end.
const MAX_EOCD_SEARCH: usize = EOCD_LEN + u16::MAX as usize;
const ZIP64_EXTRA_ID: u16 = 0x0001;

/// General-purpose flag bits.
const FLAG_ENCRYPTED: u16 = 0x0001;
const FLAG_DATA_DESCRIPTOR: u16 = 0x0008;

/// Compression method: stored (no compression).
pub const METHOD_STORED: u16 = 0;
/// Compression method: deflate.
pub const METHOD_DEFLATED: u16 = 8;

/// Caps that stop zip bombs and absurd archives before they cost memory or time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most central-directory entries accepted. Real APKs have at most tens of thousands.
    pub max_entries: usize,
    /// Largest inflated size of one entry, declared or actual.
    pub max_entry_size: u64,
    /// Largest total of inflated bytes read from one archive (all `read` calls together).
    pub max_total_inflated: u64,
    /// Largest inflated/compressed ratio, checked only for entries above [`Limits::ratio_floor`].
    pub max_ratio: u64,
    /// Entries whose inflated size is at most this many bytes are exempt from the ratio check:
    /// small runs of zeros compress extremely well and are harmless.
    pub ratio_floor: u64,
}

/// Default most entries: an order of magnitude above the largest real APKs seen.
pub const DEFAULT_MAX_ENTRIES: usize = 200_000;
/// Default largest single entry: 512 MiB inflated.
pub const DEFAULT_MAX_ENTRY_SIZE: u64 = 512 << 20;
/// Default total inflated budget per archive: 4 GiB.
pub const DEFAULT_MAX_TOTAL_INFLATED: u64 = 4 << 30;
/// Default largest ratio. Deflate cannot exceed ~1032:1, so anything above that is a lie about sizes
/// or a crafted stream; 1000 leaves room for real, very repetitive data.
pub const DEFAULT_MAX_RATIO: u64 = 1000;
/// Default size under which the ratio is not checked: 1 MiB.
pub const DEFAULT_RATIO_FLOOR: u64 = 1 << 20;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: DEFAULT_MAX_ENTRIES,
            max_entry_size: DEFAULT_MAX_ENTRY_SIZE,
            max_total_inflated: DEFAULT_MAX_TOTAL_INFLATED,
            max_ratio: DEFAULT_MAX_RATIO,
            ratio_floor: DEFAULT_RATIO_FLOOR,
        }
    }
}

/// Why an archive, or one entry of it, cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipError {
    #[error("not a ZIP archive: no end-of-central-directory record in the last {searched} bytes")]
    NoEndOfCentralDirectory { searched: usize },
    #[error("ZIP archive spans several disks (disk {disk}, central directory on disk {cd_disk}); Android rejects these")]
    MultiDisk { disk: u32, cd_disk: u32 },
    #[error(
        "central directory out of bounds: offset {offset} + size {size} exceeds its end at {limit}"
    )]
    CentralDirectoryOutOfBounds { offset: u64, size: u64, limit: u64 },
    #[error("ZIP64 end-of-central-directory record is missing or damaged: {0}")]
    Zip64(&'static str),
    #[error("too many entries: {count} declared, limit is {limit}")]
    TooManyEntries { count: u64, limit: usize },
    #[error("central directory entry #{index} at offset {offset} is damaged: {reason}")]
    CentralDirectoryEntry {
        index: usize,
        offset: u64,
        reason: &'static str,
    },
    #[error("entry `{name}`: local file header at {offset} is damaged: {reason}")]
    LocalHeader {
        name: String,
        offset: u64,
        reason: &'static str,
    },
    #[error(
        "entry `{name}`: data at {offset}+{len} lies outside the entries area (ends at {limit})"
    )]
    DataOutOfBounds {
        name: String,
        offset: u64,
        len: u64,
        limit: u64,
    },
    #[error("entry `{name}`: compression method {method} is not supported (Android reads stored and deflated only)")]
    UnsupportedMethod { name: String, method: u16 },
    #[error("entry `{name}`: inflated size {size} exceeds the limit of {limit} bytes")]
    EntryTooLarge { name: String, size: u64, limit: u64 },
    #[error(
        "entry `{name}`: compression ratio {ratio}:1 exceeds the limit of {limit}:1 (zip bomb?)"
    )]
    RatioExceeded {
        name: String,
        ratio: u64,
        limit: u64,
    },
    #[error("archive inflates to more than the total limit of {limit} bytes (zip bomb?)")]
    TotalInflatedExceeded { limit: u64 },
    #[error("entry `{name}`: inflates to {actual}{more} bytes but the central directory declares {declared}")]
    SizeMismatch {
        name: String,
        declared: u64,
        actual: u64,
        more: &'static str,
    },
    #[error("entry `{name}`: deflate stream is corrupt: {reason}")]
    Inflate { name: String, reason: String },
    #[error("entry `{name}`: CRC-32 {actual:08x} does not match the declared {declared:08x}")]
    CrcMismatch {
        name: String,
        declared: u32,
        actual: u32,
    },
}

/// Something odd about the archive that Android tolerates, or that other tools read differently.
/// Recorded, never fatal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Anomaly {
    /// Bytes between the EOCD and the end of file beyond the declared comment.
    TrailingData { bytes: u64 },
    /// The EOCD's comment length runs past the end of the file.
    CommentLengthMismatch { declared: u16, available: u64 },
    /// The EOCD's entry counts disagree with each other or with the entries found.
    EntryCountMismatch { declared: u64, found: u64 },
    /// The archive uses ZIP64 structures.
    Zip64,
    /// Bytes before the first local header (a prepended stub, or data hidden there).
    PrependedData { bytes: u64 },
    /// Two entries with the same name: Android's installer rejects such a package, while tools that
    /// take the first or the last name see different content.
    DuplicateEntry { name: String },
    /// A name that Android's installer refuses or that escapes the extraction folder.
    SuspiciousEntryName { name: String, reason: &'static str },
    /// The local header disagrees with the central directory about a field.
    LocalHeaderMismatch { name: String, field: &'static str },
    /// The "encrypted" flag is set; Android ignores it, many tools then refuse the entry.
    EncryptedFlag { name: String },
    /// A compression method other than stored/deflated.
    UnsupportedMethod { name: String, method: u16 },
    /// A stored entry whose compressed and uncompressed sizes differ.
    StoredSizeMismatch { name: String },
    /// Two entries' data ranges overlap (the trick behind non-recursive zip bombs).
    OverlappingEntries { first: String, second: String },
    /// A malformed extra field (lengths run past the field area).
    MalformedExtraField { name: String },
    /// Bytes left over inside the declared central directory after the last entry.
    CentralDirectoryTrailingBytes { bytes: u64 },
    /// A gap between the last entry's data and the central directory that is not an APK Signing
    /// Block (which also lives there and is expected).
    GapBeforeCentralDirectory { bytes: u64 },
}

impl std::fmt::Display for Anomaly {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Anomaly::TrailingData { bytes } => write!(
                f,
                "{bytes} bytes after the end-of-central-directory comment"
            ),
            Anomaly::CommentLengthMismatch {
                declared,
                available,
            } => write!(
                f,
                "EOCD comment length {declared} but only {available} bytes follow"
            ),
            Anomaly::EntryCountMismatch { declared, found } => write!(
                f,
                "EOCD declares {declared} entries, central directory holds {found}"
            ),
            Anomaly::Zip64 => write!(f, "archive uses ZIP64 records"),
            Anomaly::PrependedData { bytes } => write!(f, "{bytes} bytes precede the first entry"),
            Anomaly::DuplicateEntry { name } => {
                write!(f, "duplicate entry `{name}` (Android rejects the package)")
            }
            Anomaly::SuspiciousEntryName { name, reason } => {
                write!(f, "entry name `{name}`: {reason}")
            }
            Anomaly::LocalHeaderMismatch { name, field } => write!(
                f,
                "entry `{name}`: local header {field} differs from the central directory"
            ),
            Anomaly::EncryptedFlag { name } => write!(
                f,
                "entry `{name}` has the encryption flag set (ignored by Android)"
            ),
            Anomaly::UnsupportedMethod { name, method } => {
                write!(f, "entry `{name}` uses compression method {method}")
            }
            Anomaly::StoredSizeMismatch { name } => write!(
                f,
                "stored entry `{name}` declares different compressed and uncompressed sizes"
            ),
            Anomaly::OverlappingEntries { first, second } => {
                write!(f, "entries `{first}` and `{second}` share data bytes")
            }
            Anomaly::MalformedExtraField { name } => {
                write!(f, "entry `{name}` has a malformed extra field")
            }
            Anomaly::CentralDirectoryTrailingBytes { bytes } => write!(
                f,
                "{bytes} unused bytes at the end of the central directory"
            ),
            Anomaly::GapBeforeCentralDirectory { bytes } => write!(
                f,
                "{bytes} bytes between the last entry and the central directory"
            ),
        }
    }
}

/// One entry as the central directory describes it, with its data located through the local header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Position in the central directory (0-based).
    pub index: usize,
    /// The raw name bytes from the central directory.
    pub raw_name: &'a [u8],
    /// General-purpose flags from the central directory.
    pub flags: u16,
    /// Compression method from the central directory (what Android uses).
    pub method: u16,
    /// CRC-32 of the inflated data, from the central directory.
    pub crc32: u32,
    /// Compressed size, from the central directory (ZIP64 extra applied).
    pub compressed_size: u64,
    /// Inflated size, from the central directory (ZIP64 extra applied).
    pub uncompressed_size: u64,
    /// Offset of the local file header.
    pub local_header_offset: u64,
    /// Offset of the entry's data (after the local header's name and extra field).
    pub data_offset: u64,
    /// DOS modification time and date as stored.
    pub dos_time: u16,
    pub dos_date: u16,
    /// Offset of this entry's central-directory record.
    pub central_header_offset: u64,
}

impl Entry<'_> {
    /// The name as text (Android treats names as UTF-8; invalid bytes become U+FFFD).
    pub fn name(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.raw_name)
    }

    /// Whether the name ends with `/` (a directory entry).
    pub fn is_dir(&self) -> bool {
        self.raw_name.last() == Some(&b'/')
    }

    /// The byte range of the compressed data.
    pub fn data_range(&self) -> std::ops::Range<u64> {
        self.data_offset..self.data_offset.saturating_add(self.compressed_size)
    }
}

/// A parsed archive: the central directory, its entries, and what was odd about it.
#[derive(Debug)]
pub struct Archive<'a> {
    data: &'a [u8],
    entries: Vec<Entry<'a>>,
    by_name: HashMap<&'a [u8], usize>,
    eocd_offset: u64,
    cd_offset: u64,
    cd_size: u64,
    /// Where the ZIP64 EOCD record starts when present: the signed "central directory" section of
    /// the v2+ schemes ends at the EOCD, but the entries area ends at the CD start either way.
    comment: &'a [u8],
    anomalies: Vec<Anomaly>,
    limits: Limits,
    inflated_total: AtomicU64,
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    let b = data.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Some(u64::from_le_bytes(a))
}

fn to_usize(v: u64) -> Option<usize> {
    usize::try_from(v).ok()
}

/// The EOCD fields we use, with ZIP64 values substituted.
struct EndOfCentralDirectory<'a> {
    offset: u64,
    entries: u64,
    cd_size: u64,
    cd_offset: u64,
    comment: &'a [u8],
    /// Where the central directory must end: the ZIP64 EOCD record if present, else the EOCD.
    cd_limit: u64,
}

fn find_eocd<'a>(
    data: &'a [u8],
    anomalies: &mut Vec<Anomaly>,
) -> Result<EndOfCentralDirectory<'a>, ZipError> {
    if data.len() < EOCD_LEN {
        return Err(ZipError::NoEndOfCentralDirectory {
            searched: data.len(),
        });
    }
    let search_start = data.len().saturating_sub(MAX_EOCD_SEARCH);
    let last_start = data.len() - EOCD_LEN;
    // apksig's rule: the EOCD is the record, nearest the end, whose comment ends exactly at the end
    // of the file; a signature inside a comment is thereby skipped. libziparchive takes the first
    // signature from the end and rejects the file unless its comment fits exactly; when no exact
    // record exists we fall back to that one and record the mismatch.
    let mut exact = None;
    let mut nearest = None;
    for i in (search_start..=last_start).rev() {
        if u32_at(data, i) == Some(EOCD_SIGNATURE) {
            nearest.get_or_insert(i);
            let comment_len = u16_at(data, i + 20).unwrap_or(0) as usize;
            if i + EOCD_LEN + comment_len == data.len() {
                exact = Some(i);
                break;
            }
        }
    }
    let candidate = exact.or(nearest);
    if exact.is_none() {
        if let Some(i) = nearest {
            let declared = u16_at(data, i + 20).unwrap_or(0);
            let available = (data.len() - i - EOCD_LEN) as u64;
            if u64::from(declared) > available {
                anomalies.push(Anomaly::CommentLengthMismatch {
                    declared,
                    available,
                });
            }
        }
    }
    let at = candidate.ok_or(ZipError::NoEndOfCentralDirectory {
        searched: data.len() - search_start,
    })?;
    let disk = u16_at(data, at + 4).unwrap_or(0);
    let cd_disk = u16_at(data, at + 6).unwrap_or(0);
    let entries_on_disk = u16_at(data, at + 8).unwrap_or(0);
    let entries_total = u16_at(data, at + 10).unwrap_or(0);
    let cd_size = u32_at(data, at + 12).unwrap_or(0);
    let cd_offset = u32_at(data, at + 16).unwrap_or(0);
    let comment_len = u16_at(data, at + 20).unwrap_or(0) as usize;
    let comment_end = (at + EOCD_LEN + comment_len).min(data.len());
    let comment = &data[at + EOCD_LEN..comment_end];
    if comment_end < data.len() {
        anomalies.push(Anomaly::TrailingData {
            bytes: (data.len() - comment_end) as u64,
        });
    }

    let needs_zip64 = entries_total == u16::MAX || cd_size == u32::MAX || cd_offset == u32::MAX;
    let locator_at = at.checked_sub(ZIP64_EOCD_LOCATOR_LEN);
    let has_locator =
        locator_at.and_then(|l| u32_at(data, l)) == Some(ZIP64_EOCD_LOCATOR_SIGNATURE);
    if has_locator {
        let l = locator_at.unwrap_or(0);
        let z_disk = u32_at(data, l + 4).unwrap_or(0);
        let z_offset = u64_at(data, l + 8).unwrap_or(u64::MAX);
        let z_at = to_usize(z_offset)
            .filter(|&o| o.checked_add(ZIP64_EOCD_MIN_LEN).is_some_and(|e| e <= l));
        let Some(z_at) = z_at else {
            if needs_zip64 {
                return Err(ZipError::Zip64("locator points outside the file"));
            }
            return Ok(EndOfCentralDirectory {
                offset: at as u64,
                entries: u64::from(entries_total),
                cd_size: u64::from(cd_size),
                cd_offset: u64::from(cd_offset),
                comment,
                cd_limit: at as u64,
            });
        };
        if u32_at(data, z_at) != Some(ZIP64_EOCD_SIGNATURE) {
            return Err(ZipError::Zip64(
                "record signature not found where the locator points",
            ));
        }
        anomalies.push(Anomaly::Zip64);
        let z_disk_this = u32_at(data, z_at + 16).unwrap_or(0);
        let z_cd_disk = u32_at(data, z_at + 20).unwrap_or(0);
        if z_disk != 0 || z_disk_this != 0 || z_cd_disk != 0 {
            return Err(ZipError::MultiDisk {
                disk: z_disk_this,
                cd_disk: z_cd_disk,
            });
        }
        let z_entries_disk = u64_at(data, z_at + 24).unwrap_or(0);
        let z_entries = u64_at(data, z_at + 32).unwrap_or(0);
        let z_cd_size = u64_at(data, z_at + 40).unwrap_or(0);
        let z_cd_offset = u64_at(data, z_at + 48).unwrap_or(0);
        if z_entries_disk != z_entries {
            anomalies.push(Anomaly::EntryCountMismatch {
                declared: z_entries,
                found: z_entries_disk,
            });
        }
        return Ok(EndOfCentralDirectory {
            offset: at as u64,
            entries: z_entries,
            cd_size: z_cd_size,
            cd_offset: z_cd_offset,
            comment,
            cd_limit: z_at as u64,
        });
    }
    if disk != 0 || cd_disk != 0 {
        return Err(ZipError::MultiDisk {
            disk: u32::from(disk),
            cd_disk: u32::from(cd_disk),
        });
    }
    if entries_on_disk != entries_total {
        anomalies.push(Anomaly::EntryCountMismatch {
            declared: u64::from(entries_total),
            found: u64::from(entries_on_disk),
        });
    }
    Ok(EndOfCentralDirectory {
        offset: at as u64,
        entries: u64::from(entries_total),
        cd_size: u64::from(cd_size),
        cd_offset: u64::from(cd_offset),
        comment,
        cd_limit: at as u64,
    })
}

/// Why an entry name is suspicious, if it is.
fn suspicious_name(name: &[u8]) -> Option<&'static str> {
    if name.is_empty() {
        return Some("empty name");
    }
    if name.contains(&0) {
        return Some("contains a NUL byte (Android rejects it)");
    }
    if name.first() == Some(&b'/') {
        return Some("absolute path");
    }
    if name
        .split(|&b| b == b'/' || b == b'\\')
        .any(|part| part == b"..")
    {
        return Some("contains a `..` path component");
    }
    if std::str::from_utf8(name).is_err() {
        return Some("not valid UTF-8");
    }
    None
}

/// Sizes from a ZIP64 extra field, for the fields the fixed header marks as 0xFFFFFFFF.
fn apply_zip64_extra(
    extra: &[u8],
    uncompressed: &mut u64,
    compressed: &mut u64,
    local_offset: &mut u64,
) -> Result<(), ()> {
    let mut p = 0usize;
    while p + 4 <= extra.len() {
        let id = u16_at(extra, p).ok_or(())?;
        let len = u16_at(extra, p + 2).ok_or(())? as usize;
        let body = extra.get(p + 4..p + 4 + len).ok_or(())?;
        if id == ZIP64_EXTRA_ID {
            let mut q = 0usize;
            for field in [uncompressed, compressed, local_offset] {
                if *field == u64::from(u32::MAX) {
                    *field = u64_at(body, q).ok_or(())?;
                    q += 8;
                }
            }
            return Ok(());
        }
        p += 4 + len;
    }
    if p != extra.len() {
        return Err(());
    }
    Ok(())
}

impl<'a> Archive<'a> {
    /// Parses the central directory with the default [`Limits`].
    pub fn parse(data: &'a [u8]) -> Result<Self, ZipError> {
        Self::parse_with_limits(data, Limits::default())
    }

    /// Parses the central directory, locating every entry's data through its local header.
    pub fn parse_with_limits(data: &'a [u8], limits: Limits) -> Result<Self, ZipError> {
        let mut anomalies = Vec::new();
        let eocd = find_eocd(data, &mut anomalies)?;
        let cd_end = eocd.cd_offset.checked_add(eocd.cd_size);
        if cd_end.is_none_or(|e| e > eocd.cd_limit) {
            return Err(ZipError::CentralDirectoryOutOfBounds {
                offset: eocd.cd_offset,
                size: eocd.cd_size,
                limit: eocd.cd_limit,
            });
        }
        if eocd.entries > limits.max_entries as u64 {
            return Err(ZipError::TooManyEntries {
                count: eocd.entries,
                limit: limits.max_entries,
            });
        }
        // Each record takes at least 46 bytes: a count that cannot fit is a lie, and bounding by
        // the size keeps the allocation proportional to the input.
        let max_fit = eocd.cd_size / CENTRAL_HEADER_LEN as u64;
        let cd_start = to_usize(eocd.cd_offset).unwrap_or(usize::MAX);
        let cd_end = to_usize(eocd.cd_offset + eocd.cd_size).unwrap_or(usize::MAX);
        let mut entries: Vec<Entry<'a>> = Vec::with_capacity(eocd.entries.min(max_fit) as usize);
        let mut by_name: HashMap<&'a [u8], usize> = HashMap::with_capacity(entries.capacity());
        let mut p = cd_start;
        // libziparchive trusts the declared count; walking by it (and not past the CD) is what it does.
        for index in 0..eocd.entries.min(max_fit.saturating_add(1)) as usize {
            let offset = p as u64;
            let bad = |reason| ZipError::CentralDirectoryEntry {
                index,
                offset,
                reason,
            };
            if p.checked_add(CENTRAL_HEADER_LEN).is_none_or(|e| e > cd_end) {
                return Err(bad("record runs past the end of the central directory"));
            }
            if u32_at(data, p) != Some(CENTRAL_HEADER_SIGNATURE) {
                return Err(bad("bad signature"));
            }
            let flags = u16_at(data, p + 8).unwrap_or(0);
            let method = u16_at(data, p + 10).unwrap_or(0);
            let dos_time = u16_at(data, p + 12).unwrap_or(0);
            let dos_date = u16_at(data, p + 14).unwrap_or(0);
            let crc32 = u32_at(data, p + 16).unwrap_or(0);
            let mut compressed_size = u64::from(u32_at(data, p + 20).unwrap_or(0));
            let mut uncompressed_size = u64::from(u32_at(data, p + 24).unwrap_or(0));
            let name_len = u16_at(data, p + 28).unwrap_or(0) as usize;
            let extra_len = u16_at(data, p + 30).unwrap_or(0) as usize;
            let comment_len = u16_at(data, p + 32).unwrap_or(0) as usize;
            let mut local_header_offset = u64::from(u32_at(data, p + 42).unwrap_or(0));
            let name_start = p + CENTRAL_HEADER_LEN;
            let record_end = name_start + name_len + extra_len + comment_len;
            if record_end > cd_end {
                return Err(bad(
                    "name, extra field or comment runs past the end of the central directory",
                ));
            }
            let raw_name = &data[name_start..name_start + name_len];
            let name_text = || String::from_utf8_lossy(raw_name).into_owned();
            let extra = &data[name_start + name_len..name_start + name_len + extra_len];
            let uses_zip64 = compressed_size == u64::from(u32::MAX)
                || uncompressed_size == u64::from(u32::MAX)
                || local_header_offset == u64::from(u32::MAX);
            if uses_zip64
                && apply_zip64_extra(
                    extra,
                    &mut uncompressed_size,
                    &mut compressed_size,
                    &mut local_header_offset,
                )
                .is_err()
            {
                return Err(bad("ZIP64 sizes are missing from the extra field"));
            }
            p = record_end;

            if let Some(reason) = suspicious_name(raw_name) {
                anomalies.push(Anomaly::SuspiciousEntryName {
                    name: name_text(),
                    reason,
                });
            }
            if flags & FLAG_ENCRYPTED != 0 {
                anomalies.push(Anomaly::EncryptedFlag { name: name_text() });
            }
            if method != METHOD_STORED && method != METHOD_DEFLATED {
                anomalies.push(Anomaly::UnsupportedMethod {
                    name: name_text(),
                    method,
                });
            }
            if method == METHOD_STORED && compressed_size != uncompressed_size {
                anomalies.push(Anomaly::StoredSizeMismatch { name: name_text() });
            }

            // The local header: Android reads it only to find where the data starts, and checks
            // that it agrees with the central directory.
            let lh = to_usize(local_header_offset).unwrap_or(usize::MAX);
            let local_err = |reason| ZipError::LocalHeader {
                name: name_text(),
                offset: local_header_offset,
                reason,
            };
            if local_header_offset >= eocd.cd_offset {
                return Err(local_err(
                    "offset points into or past the central directory",
                ));
            }
            if lh
                .checked_add(LOCAL_HEADER_LEN)
                .is_none_or(|e| e > cd_start)
            {
                return Err(local_err("header runs into the central directory"));
            }
            if u32_at(data, lh) != Some(LOCAL_HEADER_SIGNATURE) {
                return Err(local_err("bad signature"));
            }
            let l_flags = u16_at(data, lh + 6).unwrap_or(0);
            let l_method = u16_at(data, lh + 8).unwrap_or(0);
            let l_crc = u32_at(data, lh + 14).unwrap_or(0);
            let l_compressed = u32_at(data, lh + 18).unwrap_or(0);
            let l_uncompressed = u32_at(data, lh + 22).unwrap_or(0);
            let l_name_len = u16_at(data, lh + 26).unwrap_or(0) as usize;
            let l_extra_len = u16_at(data, lh + 28).unwrap_or(0) as usize;
            let l_name = data.get(lh + LOCAL_HEADER_LEN..lh + LOCAL_HEADER_LEN + l_name_len);
            let data_offset = (lh + LOCAL_HEADER_LEN + l_name_len + l_extra_len) as u64;
            let mut mismatch = |field| {
                anomalies.push(Anomaly::LocalHeaderMismatch {
                    name: name_text(),
                    field,
                })
            };
            if l_name != Some(raw_name) {
                mismatch("name");
            }
            if l_method != method {
                mismatch("compression method");
            }
            if (l_flags & FLAG_DATA_DESCRIPTOR) != (flags & FLAG_DATA_DESCRIPTOR) {
                mismatch("data-descriptor flag");
            }
            // With a data descriptor the local sizes are legitimately zero; ZIP64 puts them in the
            // extra field. Otherwise they must agree.
            if l_flags & FLAG_DATA_DESCRIPTOR == 0 && l_compressed != u32::MAX {
                if l_crc != crc32 {
                    mismatch("CRC-32");
                }
                if u64::from(l_compressed) != compressed_size {
                    mismatch("compressed size");
                }
                if u64::from(l_uncompressed) != uncompressed_size {
                    mismatch("uncompressed size");
                }
            }
            let data_end = data_offset.checked_add(compressed_size);
            if data_end.is_none_or(|e| e > eocd.cd_offset) {
                return Err(ZipError::DataOutOfBounds {
                    name: name_text(),
                    offset: data_offset,
                    len: compressed_size,
                    limit: eocd.cd_offset,
                });
            }

            match by_name.entry(raw_name) {
                std::collections::hash_map::Entry::Occupied(_) => {
                    anomalies.push(Anomaly::DuplicateEntry { name: name_text() });
                }
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(entries.len());
                }
            }
            entries.push(Entry {
                index,
                raw_name,
                flags,
                method,
                crc32,
                compressed_size,
                uncompressed_size,
                local_header_offset,
                data_offset,
                dos_time,
                dos_date,
                central_header_offset: offset,
            });
        }
        if entries.len() as u64 != eocd.entries {
            anomalies.push(Anomaly::EntryCountMismatch {
                declared: eocd.entries,
                found: entries.len() as u64,
            });
        }
        if p < cd_end {
            anomalies.push(Anomaly::CentralDirectoryTrailingBytes {
                bytes: (cd_end - p) as u64,
            });
        }
        layout_anomalies(&entries, eocd.cd_offset, data, &mut anomalies);
        Ok(Archive {
            data,
            entries,
            by_name,
            eocd_offset: eocd.offset,
            cd_offset: eocd.cd_offset,
            cd_size: eocd.cd_size,
            comment: eocd.comment,
            anomalies,
            limits,
            inflated_total: AtomicU64::new(0),
        })
    }

    /// The whole archive's bytes.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Entries in central-directory order (duplicates included).
    pub fn entries(&self) -> &[Entry<'a>] {
        &self.entries
    }

    /// The first entry with this exact name, as Android's lookup finds it.
    pub fn entry(&self, name: &str) -> Option<&Entry<'a>> {
        self.by_name
            .get(name.as_bytes())
            .and_then(|&i| self.entries.get(i))
    }

    /// Offset of the central directory (also the end of the entries area and of any signing block).
    pub fn central_directory_offset(&self) -> u64 {
        self.cd_offset
    }

    /// Size of the central directory in bytes.
    pub fn central_directory_size(&self) -> u64 {
        self.cd_size
    }

    /// Offset of the end-of-central-directory record.
    pub fn eocd_offset(&self) -> u64 {
        self.eocd_offset
    }

    /// The archive comment.
    pub fn comment(&self) -> &'a [u8] {
        self.comment
    }

    /// What was odd about the archive.
    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The raw (possibly compressed) data of an entry, exactly as stored.
    pub fn raw_data(&self, entry: &Entry<'a>) -> Result<&'a [u8], ZipError> {
        let out_of_bounds = || ZipError::DataOutOfBounds {
            name: entry.name().into_owned(),
            offset: entry.data_offset,
            len: entry.compressed_size,
            limit: self.cd_offset,
        };
        let start = to_usize(entry.data_offset).ok_or_else(out_of_bounds)?;
        let len = to_usize(entry.compressed_size).ok_or_else(out_of_bounds)?;
        self.data
            .get(start..start.checked_add(len).ok_or_else(out_of_bounds)?)
            .ok_or_else(out_of_bounds)
    }

    /// The inflated content of an entry, checked against its declared size and CRC-32.
    /// Stored entries are borrowed, deflated ones inflated within the limits.
    pub fn read(&self, entry: &Entry<'a>) -> Result<Cow<'a, [u8]>, ZipError> {
        let content = self.read_unchecked(entry)?;
        let actual = crc32fast::hash(&content);
        if actual != entry.crc32 {
            return Err(ZipError::CrcMismatch {
                name: entry.name().into_owned(),
                declared: entry.crc32,
                actual,
            });
        }
        Ok(content)
    }

    /// Like [`Archive::read`] but without the CRC-32 check (the sizes and limits still apply).
    pub fn read_unchecked(&self, entry: &Entry<'a>) -> Result<Cow<'a, [u8]>, ZipError> {
        let raw = self.raw_data(entry)?;
        match entry.method {
            METHOD_STORED => {
                // Android copies `uncompressed_size` bytes... from a stored entry it uses the
                // compressed length; a disagreement was recorded as an anomaly at parse time.
                self.charge(entry, raw.len() as u64)?;
                Ok(Cow::Borrowed(raw))
            }
            METHOD_DEFLATED => {
                let mut out = Vec::new();
                self.inflate_into(entry, raw, &mut out)?;
                Ok(Cow::Owned(out))
            }
            method => Err(ZipError::UnsupportedMethod {
                name: entry.name().into_owned(),
                method,
            }),
        }
    }

    /// Inflates (or copies) an entry into `out`, replacing its contents; reuses `out`'s allocation.
    /// Checks sizes, limits and the CRC-32.
    pub fn read_into(&self, entry: &Entry<'a>, out: &mut Vec<u8>) -> Result<(), ZipError> {
        out.clear();
        let raw = self.raw_data(entry)?;
        match entry.method {
            METHOD_STORED => {
                self.charge(entry, raw.len() as u64)?;
                out.extend_from_slice(raw);
            }
            METHOD_DEFLATED => self.inflate_into(entry, raw, out)?,
            method => {
                return Err(ZipError::UnsupportedMethod {
                    name: entry.name().into_owned(),
                    method,
                })
            }
        }
        let actual = crc32fast::hash(out);
        if actual != entry.crc32 {
            return Err(ZipError::CrcMismatch {
                name: entry.name().into_owned(),
                declared: entry.crc32,
                actual,
            });
        }
        Ok(())
    }

    /// Reads an entry into `out` the way apksig (signature verification) does: stored entries are
    /// copied, **every other method is inflated as deflate** (apksig does not reject unknown method
    /// numbers, while the installer does), and the CRC-32 is not checked. Sizes and limits still
    /// apply. Reuses `out`'s allocation, which matters when thousands of entries are digested.
    pub fn read_into_as_apksig(
        &self,
        entry: &Entry<'a>,
        out: &mut Vec<u8>,
    ) -> Result<(), ZipError> {
        out.clear();
        let raw = self.raw_data(entry)?;
        if entry.method == METHOD_STORED {
            self.charge(entry, raw.len() as u64)?;
            out.extend_from_slice(raw);
            Ok(())
        } else {
            self.inflate_into(entry, raw, out)
        }
    }

    /// The first `n` bytes of an entry's inflated content (fewer if the entry is shorter), inflating
    /// only as much as needed: enough to sniff a file's magic without paying for the whole entry.
    pub fn read_prefix(&self, entry: &Entry<'a>, n: usize) -> Result<Vec<u8>, ZipError> {
        let raw = self.raw_data(entry)?;
        match entry.method {
            METHOD_STORED => Ok(raw.get(..n.min(raw.len())).unwrap_or_default().to_vec()),
            METHOD_DEFLATED => {
                let want = n.min(to_usize(entry.uncompressed_size).unwrap_or(usize::MAX));
                let mut out = Vec::with_capacity(want);
                let mut inflater = flate2::Decompress::new(false);
                while out.len() < want {
                    let consumed = inflater.total_in() as usize;
                    let before = out.len();
                    let status = inflater
                        .decompress_vec(
                            raw.get(consumed..).unwrap_or_default(),
                            &mut out,
                            flate2::FlushDecompress::None,
                        )
                        .map_err(|e| ZipError::Inflate {
                            name: entry.name().into_owned(),
                            reason: e.to_string(),
                        })?;
                    if status == flate2::Status::StreamEnd
                        || (out.len() == before && inflater.total_in() as usize == consumed)
                    {
                        break;
                    }
                }
                Ok(out)
            }
            method => Err(ZipError::UnsupportedMethod {
                name: entry.name().into_owned(),
                method,
            }),
        }
    }

    /// Checks the declared size against the limits before any memory is committed.
    fn check_declared(&self, entry: &Entry<'a>) -> Result<(), ZipError> {
        let name = || entry.name().into_owned();
        let size = entry.uncompressed_size;
        if size > self.limits.max_entry_size {
            return Err(ZipError::EntryTooLarge {
                name: name(),
                size,
                limit: self.limits.max_entry_size,
            });
        }
        if size > self.limits.ratio_floor {
            let ratio = size / entry.compressed_size.max(1);
            if ratio > self.limits.max_ratio {
                return Err(ZipError::RatioExceeded {
                    name: name(),
                    ratio,
                    limit: self.limits.max_ratio,
                });
            }
        }
        Ok(())
    }

    /// Adds to the archive-wide inflated total, failing once the budget is spent.
    fn charge(&self, entry: &Entry<'a>, bytes: u64) -> Result<(), ZipError> {
        self.check_declared(entry)?;
        let before = self.inflated_total.fetch_add(bytes, Ordering::Relaxed);
        if before.saturating_add(bytes) > self.limits.max_total_inflated {
            return Err(ZipError::TotalInflatedExceeded {
                limit: self.limits.max_total_inflated,
            });
        }
        Ok(())
    }

    fn inflate_into(
        &self,
        entry: &Entry<'a>,
        raw: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), ZipError> {
        let declared = entry.uncompressed_size;
        self.charge(entry, declared)?;
        let name = || entry.name().into_owned();
        // One byte beyond the declared size lets us tell "exactly as declared" from "more than
        // declared" without ever growing the buffer: a stream that lies about its size is stopped
        // at declared + 1 bytes.
        let capacity = to_usize(declared.saturating_add(1)).unwrap_or(usize::MAX);
        out.reserve_exact(capacity.saturating_sub(out.len()));
        let mut inflater = flate2::Decompress::new(false);
        loop {
            let consumed = inflater.total_in() as usize;
            let input = raw.get(consumed..).unwrap_or(&[]);
            let before_out = out.len();
            let status = inflater
                .decompress_vec(input, out, flate2::FlushDecompress::Finish)
                .map_err(|e| ZipError::Inflate {
                    name: name(),
                    reason: e.to_string(),
                })?;
            if out.len() as u64 > declared {
                return Err(ZipError::SizeMismatch {
                    name: name(),
                    declared,
                    actual: out.len() as u64,
                    more: " or more",
                });
            }
            match status {
                flate2::Status::StreamEnd => break,
                flate2::Status::Ok | flate2::Status::BufError => {
                    let progressed =
                        inflater.total_in() as usize != consumed || out.len() != before_out;
                    if !progressed {
                        // Input exhausted before the end of the deflate stream.
                        return Err(ZipError::Inflate {
                            name: name(),
                            reason: format!(
                                "stream ends early after {} of {} declared bytes",
                                out.len(),
                                declared
                            ),
                        });
                    }
                }
            }
        }
        if out.len() as u64 != declared {
            return Err(ZipError::SizeMismatch {
                name: name(),
                declared,
                actual: out.len() as u64,
                more: "",
            });
        }
        Ok(())
    }
}

/// Records prepended data, overlapping entries and unexplained gaps before the central directory.
fn layout_anomalies(
    entries: &[Entry<'_>],
    cd_offset: u64,
    data: &[u8],
    anomalies: &mut Vec<Anomaly>,
) {
    if entries.is_empty() {
        return;
    }
    let mut spans: Vec<(u64, u64, usize)> = entries
        .iter()
        .map(|e| {
            (
                e.local_header_offset,
                e.data_offset.saturating_add(e.compressed_size),
                e.index,
            )
        })
        .collect();
    spans.sort_unstable();
    if let Some(&(first, _, _)) = spans.first() {
        if first > 0 {
            anomalies.push(Anomaly::PrependedData { bytes: first });
        }
    }
    let mut reported = 0usize;
    let mut furthest_end = 0u64;
    let mut furthest_idx = 0usize;
    for &(start, end, idx) in &spans {
        // Overlaps are reported a bounded number of times: a crafted archive could have millions.
        if start < furthest_end && reported < 16 {
            let first = entries
                .get(furthest_idx)
                .map(|e| e.name().into_owned())
                .unwrap_or_default();
            let second = entries
                .get(idx)
                .map(|e| e.name().into_owned())
                .unwrap_or_default();
            anomalies.push(Anomaly::OverlappingEntries { first, second });
            reported += 1;
        }
        if end > furthest_end {
            furthest_end = end;
            furthest_idx = idx;
        }
    }
    if furthest_end < cd_offset {
        let gap = cd_offset - furthest_end;
        // A data descriptor (12–24 bytes) may follow the last entry, and an APK Signing Block ends
        // with its magic just before the central directory; neither is an anomaly.
        let magic_at = cd_offset.checked_sub(16).and_then(to_usize);
        let is_signing_block =
            magic_at.and_then(|m| data.get(m..m + 16)) == Some(b"APK Sig Block 42".as_slice());
        if gap > 24 && !is_signing_block {
            anomalies.push(Anomaly::GapBeforeCentralDirectory { bytes: gap });
        }
    }
}

#[cfg(any(test, feature = "builder"))]
pub mod builder;
#[cfg(test)]
mod tests;
