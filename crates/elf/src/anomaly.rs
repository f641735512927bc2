//! Odd-but-survivable things found while reading an ELF file.

use serde::Serialize;

/// Which table an anomaly is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// The program header table (`e_phoff`).
    ProgramHeaders,
    /// The section header table (`e_shoff`).
    SectionHeaders,
    /// The dynamic section / `PT_DYNAMIC` segment.
    Dynamic,
    /// The dynamic symbol table (`.dynsym` / `DT_SYMTAB`).
    DynamicSymbols,
    /// The dynamic string table (`.dynstr` / `DT_STRTAB`).
    DynamicStrings,
    /// The SysV hash table (`DT_HASH`).
    Hash,
    /// The GNU hash table (`DT_GNU_HASH`).
    GnuHash,
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Table::ProgramHeaders => "program header table",
            Table::SectionHeaders => "section header table",
            Table::Dynamic => "dynamic table",
            Table::DynamicSymbols => "dynamic symbol table",
            Table::DynamicStrings => "dynamic string table",
            Table::Hash => "DT_HASH table",
            Table::GnuHash => "DT_GNU_HASH table",
        })
    }
}

/// Something unusual about the file that did not stop the analysis.
///
/// Android's loader (bionic `linker_phdr.cpp`) rejects several of these outright, so each one is
/// worth showing to an analyst: packers and hand-edited libraries produce them, compilers do not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Anomaly {
    /// `e_ident[EI_VERSION]` or `e_version` is not `EV_CURRENT` (1).
    #[error("ELF version is {version}, expected 1")]
    BadVersion {
        /// The value found.
        version: u32,
    },
    /// `e_ehsize` does not match the class's header size.
    #[error("e_ehsize is {found}, expected {expected}")]
    BadHeaderSize {
        /// Declared size.
        found: u16,
        /// Size for this class.
        expected: u16,
    },
    /// A table's declared entry size is not the standard one for this class.
    #[error("{table} entry size is {found}, expected {expected}")]
    BadEntrySize {
        /// Which table.
        table: Table,
        /// Declared entry size.
        found: u64,
        /// Standard entry size.
        expected: u64,
    },
    /// A table starts or ends past the end of the file (or its size overflows).
    #[error("{table} at offset {offset:#x} with {count} entries runs past the end of the file ({available} fit)")]
    Truncated {
        /// Which table.
        table: Table,
        /// File offset of the table.
        offset: u64,
        /// Declared entry count.
        count: u64,
        /// Entries that actually fit in the file.
        available: u64,
    },
    /// A table declares more entries than this reader (or Android's loader) will look at.
    #[error("{table} declares {count} entries; only the first {cap} are read")]
    TooManyEntries {
        /// Which table.
        table: Table,
        /// Declared count.
        count: u64,
        /// The cap that applied.
        cap: u64,
    },
    /// Two header tables (or a table and the ELF header) share bytes.
    #[error("{first} [{first_start:#x}..{first_end:#x}) overlaps {second} [{second_start:#x}..{second_end:#x})")]
    OverlappingHeaders {
        /// The first region's name.
        first: &'static str,
        /// Start of the first region.
        first_start: u64,
        /// End of the first region.
        first_end: u64,
        /// The second region's name.
        second: &'static str,
        /// Start of the second region.
        second_start: u64,
        /// End of the second region.
        second_end: u64,
    },
    /// Section headers whose contents lie outside the file.
    #[error("{count} section(s) point outside the file (first: section {first_index})")]
    SectionsOutOfBounds {
        /// How many sections.
        count: u64,
        /// Index of the first one.
        first_index: u64,
    },
    /// A section's `sh_link` does not name a section of the expected type.
    #[error("section {index} links to section {link}, which is not a string table")]
    BadSectionLink {
        /// Index of the linking section.
        index: u64,
        /// The `sh_link` value.
        link: u64,
    },
    /// The file has no section header table (normal after `sstrip`, typical of packers).
    #[error("no section headers")]
    NoSectionHeaders,
    /// There is no `PT_DYNAMIC` segment; the dynamic section came from section headers if at all.
    #[error("no PT_DYNAMIC program header")]
    NoDynamicSegment,
    /// More than one program header of a type that must be unique.
    #[error("{count} program headers of type {p_type:#x}; the first is used")]
    DuplicateSegment {
        /// The `p_type`.
        p_type: u32,
        /// How many.
        count: u64,
    },
    /// `PT_DYNAMIC`'s file offset and its virtual address (mapped through `PT_LOAD`) disagree.
    #[error("PT_DYNAMIC offset {offset:#x} differs from its mapped address (offset {mapped:#x}); the loader's view is used")]
    DynamicOffsetMismatch {
        /// `p_offset`.
        offset: u64,
        /// File offset of `p_vaddr` through the `PT_LOAD` segments.
        mapped: u64,
    },
    /// The dynamic table has no `DT_NULL` terminator within its bounds.
    #[error("dynamic table has no DT_NULL terminator")]
    DynamicNotTerminated,
    /// A dynamic tag appears more than once where one is expected.
    #[error("dynamic tag {tag:#x} appears {count} times")]
    DuplicateDynamicTag {
        /// The tag.
        tag: u64,
        /// How many times.
        count: u64,
    },
    /// A virtual address from the dynamic table is not inside any `PT_LOAD` file image.
    #[error("dynamic tag {tag:#x} address {address:#x} is not inside any PT_LOAD segment")]
    UnmappedAddress {
        /// The tag that held the address.
        tag: u64,
        /// The address.
        address: u64,
    },
    /// A string offset lies outside its string table.
    #[error("{count} string offset(s) outside the {table} (first: {first_offset:#x})")]
    StringOutOfBounds {
        /// Which string table.
        table: Table,
        /// How many offsets.
        count: u64,
        /// The first bad offset.
        first_offset: u64,
    },
    /// A string has no NUL terminator within the table or within the length cap; it was cut.
    #[error("{count} unterminated or over-long string(s) in the {table}")]
    UnterminatedString {
        /// Which string table.
        table: Table,
        /// How many.
        count: u64,
    },
    /// `DT_STRSZ` is missing or larger than what the file holds.
    #[error("DT_STRSZ is {declared:?}; {available} bytes are available")]
    BadStringTableSize {
        /// Declared size, if any.
        declared: Option<u64>,
        /// Bytes available from `DT_STRTAB` to the end of its segment/file.
        available: u64,
    },
    /// A hash table is malformed (bucket/chain indices out of range, truncated).
    #[error("{table} is malformed: {reason}")]
    BadHashTable {
        /// Which hash table.
        table: Table,
        /// What is wrong.
        reason: &'static str,
    },
    /// `DT_SYMTAB` is present but no hash table (or section) gives the number of symbols.
    #[error("dynamic symbol count unknown; {guessed} symbols assumed (up to DT_STRTAB)")]
    SymbolCountUnknown {
        /// The count assumed.
        guessed: u64,
    },
    /// The symbol counts from the section headers and the hash table disagree.
    #[error(".dynsym section holds {section} symbols but the hash table implies {hash}")]
    SymbolCountMismatch {
        /// Count from `sh_size / sh_entsize`.
        section: u64,
        /// Count from `DT_HASH`/`DT_GNU_HASH`.
        hash: u64,
    },
    /// The `.dynsym` section does not sit where `DT_SYMTAB` points; the dynamic segment wins,
    /// since it is what the loader uses (packers plant decoy section headers).
    #[error(".dynsym section at offset {section_offset:#x} but DT_SYMTAB maps to {dynamic_offset:#x}; the dynamic segment is used")]
    DynsymMismatch {
        /// `sh_offset` of `.dynsym`.
        section_offset: u64,
        /// File offset of `DT_SYMTAB`.
        dynamic_offset: u64,
    },
    /// `e_machine` is not an Android ABI, or its class does not match the ABI.
    #[error("e_machine {machine} with ELFCLASS{bits} is not an Android ABI")]
    UnknownMachine {
        /// `e_machine`.
        machine: u16,
        /// 32 or 64.
        bits: u8,
    },
    /// `DF_1_PIE` is set on a file that is not `ET_DYN`.
    #[error("DF_1_PIE set but e_type is {e_type}")]
    PieFlagOnNonDyn {
        /// `e_type`.
        e_type: u16,
    },
    /// The anomaly list reached its cap; later anomalies were dropped.
    #[error("too many anomalies; the rest were dropped")]
    TooManyAnomalies,
}

/// Anomaly list with a size cap (a hostile file must not make the report grow without bound).
#[derive(Debug, Default, Clone)]
pub(crate) struct Anomalies {
    list: Vec<Anomaly>,
}

/// Most anomalies kept per file.
pub const MAX_ANOMALIES: usize = 64;

impl Anomalies {
    pub(crate) fn push(&mut self, a: Anomaly) {
        if self.list.len() < MAX_ANOMALIES {
            self.list.push(a);
        } else if self.list.len() == MAX_ANOMALIES {
            self.list.push(Anomaly::TooManyAnomalies);
        }
    }

    pub(crate) fn as_slice(&self) -> &[Anomaly] {
        &self.list
    }

    pub(crate) fn into_vec(self) -> Vec<Anomaly> {
        self.list
    }
}
