//! The bounded ELF reader: header, program headers, section headers, dynamic table and the
//! dynamic symbol table, each located the way Android's loader would locate it.

use crate::anomaly::{Anomalies, Anomaly, Table};
use crate::ElfError;

/// Most program headers read. Bionic's loader refuses a table over 64 KiB
/// (`linker_phdr.cpp: phdr_num > 65536 / sizeof(ElfW(Phdr))`), i.e. 2048 32-bit entries.
pub const MAX_PROGRAM_HEADERS: usize = 2048;
/// Most section headers read. Real libraries have a few dozen; big C++ ones a few thousand
/// (one per function with `-ffunction-sections` and no `--gc-sections`).
pub const MAX_SECTIONS: usize = 65_536;
/// Most dynamic symbols visited. Chromium-sized libraries export ~100k; beyond this it is noise.
pub const MAX_SYMBOLS: usize = 1_000_000;
/// Most dynamic table entries read (real ones have ~30–60).
pub const MAX_DYNAMIC_ENTRIES: usize = 4096;
/// Longest string (library name, path, symbol name) read, in bytes; longer ones are cut.
/// Mangled C++ names can be long, but never this long in a sane file.
pub const MAX_STRING_LEN: usize = 4096;
/// Most `DT_NEEDED` entries kept.
pub const MAX_NEEDED: usize = 512;

pub(crate) const ELFCLASS32: u8 = 1;
pub(crate) const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const ELFDATA2MSB: u8 = 2;

pub(crate) const PT_LOAD: u32 = 1;
pub(crate) const PT_DYNAMIC: u32 = 2;
pub(crate) const PT_GNU_STACK: u32 = 0x6474_e551;
pub(crate) const PT_GNU_RELRO: u32 = 0x6474_e552;
pub(crate) const PF_X: u32 = 1;

const SHT_SYMTAB: u32 = 2;
const SHT_STRTAB: u32 = 3;
const SHT_DYNAMIC: u32 = 6;
const SHT_NOBITS: u32 = 8;
const SHT_DYNSYM: u32 = 11;

pub(crate) const DT_NULL: u64 = 0;
pub(crate) const DT_NEEDED: u64 = 1;
const DT_HASH: u64 = 4;
const DT_STRTAB: u64 = 5;
const DT_SYMTAB: u64 = 6;
const DT_STRSZ: u64 = 10;
const DT_SYMENT: u64 = 11;
pub(crate) const DT_SONAME: u64 = 14;
pub(crate) const DT_RPATH: u64 = 15;
const DT_TEXTREL: u64 = 22;
const DT_BIND_NOW: u64 = 24;
pub(crate) const DT_RUNPATH: u64 = 29;
const DT_FLAGS: u64 = 30;
const DT_GNU_HASH: u64 = 0x6fff_fef5;
const DT_FLAGS_1: u64 = 0x6fff_fffb;
const DT_MIPS_SYMTABNO: u64 = 0x7000_0011;

const DF_TEXTREL: u64 = 0x4;
const DF_BIND_NOW: u64 = 0x8;
const DF_1_NOW: u64 = 0x1;
const DF_1_PIE: u64 = 0x0800_0000;

pub(crate) const EM_MIPS: u16 = 8;

const SHN_UNDEF: u16 = 0;
const PN_XNUM: u16 = 0xffff;

/// ELF class (word size).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ElfClass {
    /// `ELFCLASS32`.
    Elf32,
    /// `ELFCLASS64`.
    Elf64,
}

/// Byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Endianness {
    /// `ELFDATA2LSB`.
    Little,
    /// `ELFDATA2MSB`.
    Big,
}

/// Bounds-checked, endian-aware reads from the file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    big: bool,
    wide: bool,
}

impl<'a> Reader<'a> {
    fn array<const N: usize>(&self, off: u64) -> Option<[u8; N]> {
        let start = usize::try_from(off).ok()?;
        let end = start.checked_add(N)?;
        self.data.get(start..end)?.try_into().ok()
    }
    fn u8(&self, off: u64) -> Option<u8> {
        self.array::<1>(off).map(|b| b[0])
    }
    fn u16(&self, off: u64) -> Option<u16> {
        let b = self.array(off)?;
        Some(if self.big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }
    fn u32(&self, off: u64) -> Option<u32> {
        let b = self.array(off)?;
        Some(if self.big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }
    fn u64(&self, off: u64) -> Option<u64> {
        let b = self.array(off)?;
        Some(if self.big {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }
    /// A class-sized word (`Elf32_Addr`/`Elf64_Addr`, `Off`, `Xword`...).
    fn word(&self, off: u64) -> Option<u64> {
        if self.wide {
            self.u64(off)
        } else {
            self.u32(off).map(u64::from)
        }
    }
    fn len(&self) -> u64 {
        self.data.len() as u64
    }
    /// `data[off..off+len]`, clamped to the file.
    fn slice_clamped(&self, off: u64, len: u64) -> &'a [u8] {
        let Ok(start) = usize::try_from(off) else {
            return &[];
        };
        let Some(rest) = self.data.get(start..) else {
            return &[];
        };
        let len = usize::try_from(len).unwrap_or(usize::MAX).min(rest.len());
        &rest[..len]
    }
}

/// How many `entsize`-byte entries of a table declared at `offset` with `count` entries fit in a
/// file of `file_len` bytes.
fn entries_that_fit(file_len: u64, offset: u64, entsize: u64, count: u64) -> u64 {
    if entsize == 0 || offset > file_len {
        return 0;
    }
    ((file_len - offset) / entsize).min(count)
}

/// One program header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramHeader {
    /// `p_type`.
    pub p_type: u32,
    /// `p_flags` (`PF_X` = 1, `PF_W` = 2, `PF_R` = 4).
    pub flags: u32,
    /// `p_offset`.
    pub offset: u64,
    /// `p_vaddr`.
    pub vaddr: u64,
    /// `p_filesz`.
    pub filesz: u64,
    /// `p_memsz`.
    pub memsz: u64,
}

/// The section header fields this reader needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionHeader {
    /// `sh_type`.
    pub sh_type: u32,
    /// `sh_offset`.
    pub offset: u64,
    /// `sh_size`.
    pub size: u64,
    /// `sh_link`.
    pub link: u32,
    /// `sh_entsize`.
    pub entsize: u64,
}

/// Where the dynamic symbol table was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SymbolSource {
    /// The `SHT_DYNSYM` section and its linked string table.
    SectionHeaders,
    /// `DT_SYMTAB`/`DT_STRTAB` mapped through `PT_LOAD`, counted from `DT_HASH`/`DT_GNU_HASH`.
    DynamicSegment,
    /// No usable dynamic symbol table.
    None,
}

/// One dynamic symbol, borrowing its name from the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Symbol<'a> {
    /// The name bytes (without NUL; cut at [`MAX_STRING_LEN`]); empty when `st_name` is out of range.
    pub name: &'a [u8],
    /// `st_value`.
    pub value: u64,
    /// `st_size`.
    pub size: u64,
    /// `st_info` (binding in the high nibble, type in the low one).
    pub info: u8,
    /// `st_other` (visibility in the low two bits).
    pub other: u8,
    /// `st_shndx`.
    pub shndx: u16,
    /// `false` when `st_name` pointed outside the string table or the name had no terminator.
    pub name_ok: bool,
}

const STB_LOCAL: u8 = 0;
const STB_GLOBAL: u8 = 1;
const STB_WEAK: u8 = 2;
const STB_GNU_UNIQUE: u8 = 10;
const STV_DEFAULT: u8 = 0;
const STV_PROTECTED: u8 = 3;

impl Symbol<'_> {
    /// `STB_*` binding.
    pub fn binding(&self) -> u8 {
        self.info >> 4
    }
    /// `STT_*` type.
    pub fn kind(&self) -> u8 {
        self.info & 0xf
    }
    /// `STV_*` visibility.
    pub fn visibility(&self) -> u8 {
        self.other & 0x3
    }
    /// Undefined here (`SHN_UNDEF`).
    pub fn is_undefined(&self) -> bool {
        self.shndx == SHN_UNDEF
    }
    /// A named, non-local reference to a symbol another library must provide.
    pub fn is_import(&self) -> bool {
        self.is_undefined() && !self.name.is_empty() && self.binding() != STB_LOCAL
    }
    /// A defined symbol that other modules (and `dlsym`, and ART's JNI lookup) can see.
    pub fn is_export(&self) -> bool {
        !self.is_undefined()
            && !self.name.is_empty()
            && matches!(self.binding(), STB_GLOBAL | STB_WEAK | STB_GNU_UNIQUE)
            && matches!(self.visibility(), STV_DEFAULT | STV_PROTECTED)
    }
}

/// Location of the dynamic symbol table chosen by [`Elf::parse`].
#[derive(Debug, Clone, Copy)]
struct SymTable<'a> {
    offset: u64,
    count: u64,
    strtab: &'a [u8],
}

/// The dynamic table's facts, decoded once.
#[derive(Debug, Clone, Default)]
pub(crate) struct DynamicInfo {
    pub(crate) present: bool,
    pub(crate) needed: Vec<u64>,
    pub(crate) soname: Option<u64>,
    pub(crate) rpath: Option<u64>,
    pub(crate) runpath: Option<u64>,
    pub(crate) textrel: bool,
    pub(crate) bind_now_tag: bool,
    pub(crate) flags: u64,
    pub(crate) flags_1: u64,
    strtab: Option<u64>,
    strsz: Option<u64>,
    symtab: Option<u64>,
    syment: Option<u64>,
    hash: Option<u64>,
    gnu_hash: Option<u64>,
    mips_symtabno: Option<u64>,
}

impl DynamicInfo {
    /// Lazy binding disabled: every form the loaders honour.
    pub(crate) fn bind_now(&self) -> bool {
        self.bind_now_tag || self.flags & DF_BIND_NOW != 0 || self.flags_1 & DF_1_NOW != 0
    }
    pub(crate) fn text_relocations(&self) -> bool {
        self.textrel || self.flags & DF_TEXTREL != 0
    }
    pub(crate) fn df_1_pie(&self) -> bool {
        self.flags_1 & DF_1_PIE != 0
    }
}

/// A parsed ELF file. Headers and the dynamic table are decoded eagerly (they are small and
/// bounded); symbols are decoded lazily by [`Elf::dynamic_symbols`].
#[derive(Debug, Clone)]
pub struct Elf<'a> {
    r: Reader<'a>,
    class: ElfClass,
    endianness: Endianness,
    e_type: u16,
    machine: u16,
    phdrs: Vec<ProgramHeader>,
    sections: Vec<SectionHeader>,
    pub(crate) dynamic: DynamicInfo,
    dynstr: &'a [u8],
    symbols: Option<SymTable<'a>>,
    symbol_source: SymbolSource,
    anomalies: Anomalies,
    unterminated_strings: u64,
}

impl<'a> Elf<'a> {
    /// Parses `data` as an ELF file. Fails only when it is not ELF at all (or its header is cut);
    /// everything odd after that is an [`Anomaly`].
    pub fn parse(data: &'a [u8]) -> Result<Self, ElfError> {
        if data.len() < 16 {
            return Err(ElfError::TooShort {
                len: data.len(),
                needed: 16,
            });
        }
        if data[..4] != *b"\x7fELF" {
            return Err(ElfError::NotElf {
                magic: [data[0], data[1], data[2], data[3]],
            });
        }
        let (class, wide, header_size) = match data[4] {
            ELFCLASS32 => (ElfClass::Elf32, false, 52u16),
            ELFCLASS64 => (ElfClass::Elf64, true, 64u16),
            other => return Err(ElfError::BadClass(other)),
        };
        let (endianness, big) = match data[5] {
            ELFDATA2LSB => (Endianness::Little, false),
            ELFDATA2MSB => (Endianness::Big, true),
            other => return Err(ElfError::BadDataEncoding(other)),
        };
        if data.len() < usize::from(header_size) {
            return Err(ElfError::TooShort {
                len: data.len(),
                needed: header_size.into(),
            });
        }
        let r = Reader { data, big, wide };
        let mut anomalies = Anomalies::default();
        if data[6] != 1 {
            anomalies.push(Anomaly::BadVersion {
                version: data[6].into(),
            });
        }
        // Field offsets after e_ident/e_type/e_machine/e_version differ by class.
        let (o_phoff, o_shoff, o_ehsize) = if wide { (32, 40, 52) } else { (28, 32, 40) };
        let hdr = |o: u64| r.u16(o).unwrap_or(0);
        let e_type = hdr(16);
        let machine = hdr(18);
        let e_version = r.u32(20).unwrap_or(0);
        if e_version != 1 && data[6] == 1 {
            anomalies.push(Anomaly::BadVersion { version: e_version });
        }
        let phoff = r.word(o_phoff).unwrap_or(0);
        let shoff = r.word(o_shoff).unwrap_or(0);
        let ehsize = hdr(o_ehsize);
        let phentsize = hdr(o_ehsize + 2);
        let phnum = hdr(o_ehsize + 4);
        let shentsize = hdr(o_ehsize + 6);
        let shnum = hdr(o_ehsize + 8);
        if ehsize != header_size {
            anomalies.push(Anomaly::BadHeaderSize {
                found: ehsize,
                expected: header_size,
            });
        }

        let mut elf = Elf {
            r,
            class,
            endianness,
            e_type,
            machine,
            phdrs: Vec::new(),
            sections: Vec::new(),
            dynamic: DynamicInfo::default(),
            dynstr: &[],
            symbols: None,
            symbol_source: SymbolSource::None,
            anomalies,
            unterminated_strings: 0,
        };
        let ext = elf.read_section_headers(shoff, shentsize, shnum);
        let phnum = if phnum == PN_XNUM {
            ext.unwrap_or(u64::from(phnum))
        } else {
            u64::from(phnum)
        };
        elf.read_program_headers(phoff, phentsize, phnum);
        elf.check_overlaps(header_size, phoff, phentsize, phnum, shoff, shentsize);
        elf.read_dynamic();
        elf.locate_symbols();
        Ok(elf)
    }

    /// Reads the section header table; returns section 0's `sh_info` (the real `e_phnum` under
    /// extended numbering).
    fn read_section_headers(&mut self, shoff: u64, shentsize: u16, shnum: u16) -> Option<u64> {
        if shoff == 0 {
            self.anomalies.push(Anomaly::NoSectionHeaders);
            return None;
        }
        let (std_size, o_type, o_offset, o_size, o_link, o_info, o_entsize) = if self.r.wide {
            (64u64, 4, 24, 32, 40, 44, 56)
        } else {
            (40u64, 4, 16, 20, 24, 28, 36)
        };
        let entsize = u64::from(shentsize);
        if entsize != std_size {
            self.anomalies.push(Anomaly::BadEntrySize {
                table: Table::SectionHeaders,
                found: entsize,
                expected: std_size,
            });
            if entsize < std_size {
                return None;
            }
        }
        let r = self.r;
        let read = |base: u64| -> Option<(SectionHeader, u32)> {
            // `e_shoff` is untrusted: it may sit near u64::MAX.
            base.checked_add(std_size)?;
            Some((
                SectionHeader {
                    sh_type: r.u32(base + o_type)?,
                    offset: r.word(base + o_offset)?,
                    size: r.word(base + o_size)?,
                    link: r.u32(base + o_link)?,
                    entsize: r.word(base + o_entsize)?,
                },
                r.u32(base + o_info)?,
            ))
        };
        // Extended numbering (gABI): e_shnum == 0 puts the count in section 0's sh_size.
        let first = read(shoff);
        let mut count = u64::from(shnum);
        if shnum == 0 {
            count = first.map(|(s, _)| s.size).unwrap_or(0);
        }
        let ext_phnum = first.map(|(_, info)| u64::from(info));
        let available = entries_that_fit(r.len(), shoff, entsize, count);
        if available < count {
            self.anomalies.push(Anomaly::Truncated {
                table: Table::SectionHeaders,
                offset: shoff,
                count,
                available,
            });
        }
        let mut take = available;
        if take > MAX_SECTIONS as u64 {
            self.anomalies.push(Anomaly::TooManyEntries {
                table: Table::SectionHeaders,
                count: take,
                cap: MAX_SECTIONS as u64,
            });
            take = MAX_SECTIONS as u64;
        }
        let mut out_of_bounds = 0u64;
        let mut first_oob = 0u64;
        // `take` ≤ MAX_SECTIONS and each entry was checked to fit, so this allocation is bounded
        // by the file's own size.
        self.sections.reserve(take as usize);
        for i in 0..take {
            let Some((sh, _)) = read(shoff + i * entsize) else {
                break;
            };
            if sh.sh_type != SHT_NOBITS
                && sh.sh_type != 0
                && sh
                    .offset
                    .checked_add(sh.size)
                    .is_none_or(|end| end > r.len())
            {
                if out_of_bounds == 0 {
                    first_oob = i;
                }
                out_of_bounds += 1;
            }
            self.sections.push(sh);
        }
        if out_of_bounds > 0 {
            self.anomalies.push(Anomaly::SectionsOutOfBounds {
                count: out_of_bounds,
                first_index: first_oob,
            });
        }
        ext_phnum
    }

    fn read_program_headers(&mut self, phoff: u64, phentsize: u16, phnum: u64) {
        if phnum == 0 || phoff == 0 {
            return;
        }
        let std_size = if self.r.wide { 56u64 } else { 32 };
        let entsize = u64::from(phentsize);
        if entsize != std_size {
            self.anomalies.push(Anomaly::BadEntrySize {
                table: Table::ProgramHeaders,
                found: entsize,
                expected: std_size,
            });
            if entsize < std_size {
                return;
            }
        }
        let available = entries_that_fit(self.r.len(), phoff, entsize, phnum);
        if available < phnum {
            self.anomalies.push(Anomaly::Truncated {
                table: Table::ProgramHeaders,
                offset: phoff,
                count: phnum,
                available,
            });
        }
        let mut take = available;
        if take > MAX_PROGRAM_HEADERS as u64 {
            self.anomalies.push(Anomaly::TooManyEntries {
                table: Table::ProgramHeaders,
                count: take,
                cap: MAX_PROGRAM_HEADERS as u64,
            });
            take = MAX_PROGRAM_HEADERS as u64;
        }
        let r = self.r;
        let wide = r.wide;
        self.phdrs.reserve(take as usize);
        for i in 0..take {
            let b = phoff + i * entsize;
            let ph = if wide {
                (|| {
                    Some(ProgramHeader {
                        p_type: r.u32(b)?,
                        flags: r.u32(b + 4)?,
                        offset: r.u64(b + 8)?,
                        vaddr: r.u64(b + 16)?,
                        filesz: r.u64(b + 32)?,
                        memsz: r.u64(b + 40)?,
                    })
                })()
            } else {
                (|| {
                    Some(ProgramHeader {
                        p_type: r.u32(b)?,
                        offset: r.u32(b + 4)?.into(),
                        vaddr: r.u32(b + 8)?.into(),
                        filesz: r.u32(b + 16)?.into(),
                        memsz: r.u32(b + 20)?.into(),
                        flags: r.u32(b + 24)?,
                    })
                })()
            };
            let Some(ph) = ph else { break };
            self.phdrs.push(ph);
        }
        for p_type in [PT_DYNAMIC, PT_GNU_STACK, PT_GNU_RELRO] {
            let count = self.phdrs.iter().filter(|p| p.p_type == p_type).count() as u64;
            if count > 1 {
                self.anomalies
                    .push(Anomaly::DuplicateSegment { p_type, count });
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check_overlaps(
        &mut self,
        ehsize: u16,
        phoff: u64,
        phentsize: u16,
        phnum: u64,
        shoff: u64,
        shentsize: u16,
    ) {
        let span = |off: u64, entsize: u16, n: u64| {
            let end = u64::from(entsize)
                .checked_mul(n)
                .and_then(|len| off.checked_add(len));
            (off, end.unwrap_or(u64::MAX))
        };
        let eh = (0u64, u64::from(ehsize));
        let ph = span(phoff, phentsize, phnum);
        let sh = span(shoff, shentsize, self.sections.len() as u64);
        let mut regions: Vec<(&'static str, (u64, u64))> = vec![("ELF header", eh)];
        if phnum > 0 && phoff != 0 {
            regions.push(("program header table", ph));
        }
        if !self.sections.is_empty() {
            regions.push(("section header table", sh));
        }
        for i in 0..regions.len() {
            for j in i + 1..regions.len() {
                let (a_name, (a0, a1)) = regions[i];
                let (b_name, (b0, b1)) = regions[j];
                if a0 < b1 && b0 < a1 {
                    self.anomalies.push(Anomaly::OverlappingHeaders {
                        first: a_name,
                        first_start: a0,
                        first_end: a1,
                        second: b_name,
                        second_start: b0,
                        second_end: b1,
                    });
                }
            }
        }
    }

    /// File offset of virtual address `addr` through the `PT_LOAD` segments' file images, with the
    /// number of file bytes from there to the end of that segment's file image.
    fn map_vaddr(&self, addr: u64) -> Option<(u64, u64)> {
        self.phdrs
            .iter()
            .filter(|p| p.p_type == PT_LOAD)
            .find_map(|p| {
                let delta = addr.checked_sub(p.vaddr)?;
                if delta >= p.filesz {
                    return None;
                }
                let off = p.offset.checked_add(delta)?;
                if off >= self.r.len() {
                    return None;
                }
                let seg_end = p.offset.saturating_add(p.filesz).min(self.r.len());
                Some((off, seg_end.saturating_sub(off)))
            })
    }

    /// Locates the dynamic table the way the loader does (`PT_DYNAMIC`'s address), falling back
    /// to its file offset, then to the `SHT_DYNAMIC` section.
    fn dynamic_location(&mut self) -> Option<(u64, u64)> {
        let len = self.r.len();
        if let Some(p) = self.phdrs.iter().find(|p| p.p_type == PT_DYNAMIC).copied() {
            let by_offset = (p.offset < len).then(|| (p.offset, p.filesz.min(len - p.offset)));
            let by_vaddr = self
                .map_vaddr(p.vaddr)
                .map(|(o, avail)| (o, p.filesz.min(avail)));
            return match (by_offset, by_vaddr) {
                (Some(a), Some(b)) if a.0 != b.0 => {
                    self.anomalies.push(Anomaly::DynamicOffsetMismatch {
                        offset: a.0,
                        mapped: b.0,
                    });
                    Some(b)
                }
                (_, Some(b)) => Some(b),
                (Some(a), None) => Some(a),
                (None, None) => {
                    self.anomalies.push(Anomaly::Truncated {
                        table: Table::Dynamic,
                        offset: p.offset,
                        count: p.filesz,
                        available: 0,
                    });
                    None
                }
            };
        }
        let sec = self
            .sections
            .iter()
            .find(|s| s.sh_type == SHT_DYNAMIC)
            .copied();
        if !self.phdrs.is_empty() || sec.is_some() {
            // No PT_DYNAMIC: a static executable, or a file the loader cannot link.
            self.anomalies.push(Anomaly::NoDynamicSegment);
        }
        let s = sec?;
        (s.offset < len).then(|| (s.offset, s.size.min(len - s.offset)))
    }

    fn read_dynamic(&mut self) {
        let Some((off, size)) = self.dynamic_location() else {
            self.fallback_dynstr();
            return;
        };
        let entsize = if self.r.wide { 16u64 } else { 8 };
        let mut count = size / entsize;
        if count > MAX_DYNAMIC_ENTRIES as u64 {
            self.anomalies.push(Anomaly::TooManyEntries {
                table: Table::Dynamic,
                count,
                cap: MAX_DYNAMIC_ENTRIES as u64,
            });
            count = MAX_DYNAMIC_ENTRIES as u64;
        }
        let d = &mut self.dynamic;
        d.present = true;
        let mut terminated = false;
        // Counts of tags that should be unique, to flag duplicates (a loader takes the last one,
        // readelf shows all; a mismatch between tools is exactly what packers exploit).
        let mut dups = [0u64; 5];
        let unique = [DT_STRTAB, DT_SYMTAB, DT_SONAME, DT_HASH, DT_GNU_HASH];
        for i in 0..count {
            let b = off + i * entsize;
            let (Some(tag), Some(val)) = (self.r.word(b), self.r.word(b + entsize / 2)) else {
                break;
            };
            if let Some(k) = unique.iter().position(|&t| t == tag) {
                dups[k] += 1;
            }
            match tag {
                DT_NULL => {
                    terminated = true;
                    break;
                }
                DT_NEEDED if d.needed.len() < MAX_NEEDED => d.needed.push(val),
                DT_SONAME => {
                    d.soname.get_or_insert(val);
                }
                DT_RPATH => {
                    d.rpath.get_or_insert(val);
                }
                DT_RUNPATH => {
                    d.runpath.get_or_insert(val);
                }
                DT_TEXTREL => d.textrel = true,
                DT_BIND_NOW => d.bind_now_tag = true,
                DT_FLAGS => d.flags |= val,
                DT_FLAGS_1 => d.flags_1 |= val,
                DT_STRTAB => {
                    d.strtab.get_or_insert(val);
                }
                DT_STRSZ => {
                    d.strsz.get_or_insert(val);
                }
                DT_SYMTAB => {
                    d.symtab.get_or_insert(val);
                }
                DT_SYMENT => {
                    d.syment.get_or_insert(val);
                }
                DT_HASH => {
                    d.hash.get_or_insert(val);
                }
                DT_GNU_HASH => {
                    d.gnu_hash.get_or_insert(val);
                }
                DT_MIPS_SYMTABNO if self.machine == EM_MIPS => {
                    d.mips_symtabno.get_or_insert(val);
                }
                _ => {}
            }
        }
        if !terminated {
            self.anomalies.push(Anomaly::DynamicNotTerminated);
        }
        for (k, n) in dups.iter().enumerate() {
            if *n > 1 {
                self.anomalies.push(Anomaly::DuplicateDynamicTag {
                    tag: unique[k],
                    count: *n,
                });
            }
        }
        self.locate_dynstr();
    }

    /// `DT_STRTAB`/`DT_STRSZ` through `PT_LOAD`; else the string table the sections name.
    fn locate_dynstr(&mut self) {
        let Some(addr) = self.dynamic.strtab else {
            self.fallback_dynstr();
            return;
        };
        let Some((off, avail)) = self.map_vaddr(addr) else {
            self.anomalies.push(Anomaly::UnmappedAddress {
                tag: DT_STRTAB,
                address: addr,
            });
            self.fallback_dynstr();
            return;
        };
        let size = match self.dynamic.strsz {
            Some(sz) if sz <= avail => sz,
            declared => {
                self.anomalies.push(Anomaly::BadStringTableSize {
                    declared,
                    available: avail,
                });
                avail
            }
        };
        self.dynstr = self.r.slice_clamped(off, size);
    }

    /// The string table linked from the `.dynamic` or `.dynsym` section.
    fn fallback_dynstr(&mut self) {
        let linked = self
            .sections
            .iter()
            .find(|s| s.sh_type == SHT_DYNAMIC)
            .or_else(|| self.sections.iter().find(|s| s.sh_type == SHT_DYNSYM))
            .and_then(|s| self.sections.get(s.link as usize))
            .filter(|s| s.sh_type == SHT_STRTAB);
        if let Some(s) = linked {
            self.dynstr = self.r.slice_clamped(s.offset, s.size);
        }
    }

    /// Number of symbols per the hash tables (the loader's only way to know).
    fn hash_symbol_count(&mut self) -> Option<u64> {
        if let Some(addr) = self.dynamic.hash {
            match self.map_vaddr(addr) {
                // DT_HASH: nbucket, nchain, buckets[nbucket], chains[nchain]; nchain == symbol count.
                Some((off, avail)) if avail >= 8 => {
                    let nbucket = u64::from(self.r.u32(off).unwrap_or(0));
                    let nchain = u64::from(self.r.u32(off + 4).unwrap_or(0));
                    let need = nbucket
                        .saturating_add(nchain)
                        .saturating_add(2)
                        .saturating_mul(4);
                    if need > avail {
                        self.anomalies.push(Anomaly::BadHashTable {
                            table: Table::Hash,
                            reason: "buckets and chains run past the segment",
                        });
                    }
                    return Some(nchain);
                }
                Some(_) => self.anomalies.push(Anomaly::BadHashTable {
                    table: Table::Hash,
                    reason: "truncated header",
                }),
                None => self.anomalies.push(Anomaly::UnmappedAddress {
                    tag: DT_HASH,
                    address: addr,
                }),
            }
        }
        if let Some(addr) = self.dynamic.gnu_hash {
            match self.map_vaddr(addr) {
                Some((off, avail)) => match self.gnu_hash_count(off, avail) {
                    Ok(n) => return Some(n),
                    Err(reason) => self.anomalies.push(Anomaly::BadHashTable {
                        table: Table::GnuHash,
                        reason,
                    }),
                },
                None => self.anomalies.push(Anomaly::UnmappedAddress {
                    tag: DT_GNU_HASH,
                    address: addr,
                }),
            }
        }
        self.dynamic.mips_symtabno
    }

    /// Symbol count from a GNU hash table: the highest symbol reachable from any bucket, followed
    /// along its chain to the end marker, plus one (symbols below `symoffset` are unhashed).
    fn gnu_hash_count(&self, off: u64, avail: u64) -> Result<u64, &'static str> {
        let r = self.r;
        let end = off.saturating_add(avail);
        let u32_at = |o: u64| {
            if o.saturating_add(4) <= end {
                r.u32(o)
            } else {
                None
            }
        };
        let nbuckets = u64::from(u32_at(off).ok_or("truncated header")?);
        let symoffset = u64::from(u32_at(off + 4).ok_or("truncated header")?);
        let bloom_size = u64::from(u32_at(off + 8).ok_or("truncated header")?);
        let word = if r.wide { 8 } else { 4 };
        let buckets = off
            .checked_add(16)
            .and_then(|o| o.checked_add(bloom_size.checked_mul(word)?))
            .ok_or("bloom filter size overflows")?;
        let chains = buckets
            .checked_add(nbuckets.checked_mul(4).ok_or("bucket count overflows")?)
            .ok_or("bucket count overflows")?;
        if chains > end {
            return Err("buckets run past the segment");
        }
        // Each bucket read is 4 file bytes already shown to exist, so this loop is bounded by the
        // file size.
        let mut max_bucket = 0u64;
        for i in 0..nbuckets {
            let v = u64::from(u32_at(buckets + 4 * i).ok_or("buckets run past the segment")?);
            max_bucket = max_bucket.max(v);
        }
        if max_bucket == 0 {
            return Ok(symoffset);
        }
        if max_bucket < symoffset {
            return Err("bucket points below symoffset");
        }
        let mut idx = max_bucket;
        loop {
            let chain_off = chains
                .checked_add((idx - symoffset).checked_mul(4).ok_or("chain overflows")?)
                .ok_or("chain overflows")?;
            let v = u32_at(chain_off).ok_or("chain runs past the segment")?;
            if v & 1 != 0 {
                return Ok(idx + 1);
            }
            idx += 1;
            if idx > MAX_SYMBOLS as u64 {
                return Err("chain longer than the symbol cap");
            }
        }
    }

    fn locate_symbols(&mut self) {
        let entsize = if self.r.wide { 24u64 } else { 16 };
        let len = self.r.len();

        // The SHT_DYNSYM section, if it is sane.
        let mut section: Option<SymTable<'a>> = None;
        let mut section_count = 0u64;
        if let Some((idx, s)) = self
            .sections
            .iter()
            .enumerate()
            .find(|(_, s)| s.sh_type == SHT_DYNSYM)
        {
            let s = *s;
            match self
                .sections
                .get(s.link as usize)
                .filter(|l| l.sh_type == SHT_STRTAB)
            {
                Some(strsec) if s.offset < len => {
                    if s.entsize != entsize {
                        self.anomalies.push(Anomaly::BadEntrySize {
                            table: Table::DynamicSymbols,
                            found: s.entsize,
                            expected: entsize,
                        });
                    }
                    section_count = s.size / entsize;
                    section = Some(SymTable {
                        offset: s.offset,
                        count: section_count,
                        strtab: self.r.slice_clamped(strsec.offset, strsec.size),
                    });
                }
                Some(_) => {}
                None => self.anomalies.push(Anomaly::BadSectionLink {
                    index: idx as u64,
                    link: s.link.into(),
                }),
            }
        }

        // The loader's view.
        let mut dynamic: Option<(u64, Option<u64>)> = None;
        if let Some(addr) = self.dynamic.symtab {
            if let Some(se) = self.dynamic.syment.filter(|&se| se != entsize) {
                self.anomalies.push(Anomaly::BadEntrySize {
                    table: Table::DynamicSymbols,
                    found: se,
                    expected: entsize,
                });
            }
            match self.map_vaddr(addr) {
                Some((off, _)) => {
                    let count = self.hash_symbol_count();
                    dynamic = Some((off, count));
                }
                None => self.anomalies.push(Anomaly::UnmappedAddress {
                    tag: DT_SYMTAB,
                    address: addr,
                }),
            }
        }

        let chosen = match (section, dynamic) {
            (Some(sec), Some((off, count))) if sec.offset == off => {
                if let Some(hash) = count.filter(|&h| h != section_count) {
                    self.anomalies.push(Anomaly::SymbolCountMismatch {
                        section: section_count,
                        hash,
                    });
                }
                Some((sec, SymbolSource::SectionHeaders))
            }
            (sec, Some((off, count))) => {
                if let Some(sec) = sec {
                    self.anomalies.push(Anomaly::DynsymMismatch {
                        section_offset: sec.offset,
                        dynamic_offset: off,
                    });
                }
                let count = count.or_else(|| {
                    // No hash table: the usual layout puts .dynstr right after .dynsym, so the gap
                    // is the most the table can hold (what radare2 and friends also assume).
                    let str_off = self
                        .dynamic
                        .strtab
                        .and_then(|a| self.map_vaddr(a))
                        .map(|(o, _)| o);
                    let guessed = match str_off {
                        Some(s) if s > off => (s - off) / entsize,
                        _ => 0,
                    };
                    self.anomalies.push(Anomaly::SymbolCountUnknown { guessed });
                    Some(guessed)
                });
                count.map(|count| {
                    (
                        SymTable {
                            offset: off,
                            count,
                            strtab: self.dynstr,
                        },
                        SymbolSource::DynamicSegment,
                    )
                })
            }
            (Some(sec), None) => Some((sec, SymbolSource::SectionHeaders)),
            (None, None) => None,
        };
        let Some((mut table, source)) = chosen else {
            return;
        };
        let available = entries_that_fit(len, table.offset, entsize, table.count);
        if available < table.count {
            self.anomalies.push(Anomaly::Truncated {
                table: Table::DynamicSymbols,
                offset: table.offset,
                count: table.count,
                available,
            });
            table.count = available;
        }
        if table.count > MAX_SYMBOLS as u64 {
            self.anomalies.push(Anomaly::TooManyEntries {
                table: Table::DynamicSymbols,
                count: table.count,
                cap: MAX_SYMBOLS as u64,
            });
            table.count = MAX_SYMBOLS as u64;
        }
        self.symbols = Some(table);
        self.symbol_source = source;
    }

    /// ELF class.
    pub fn class(&self) -> ElfClass {
        self.class
    }
    /// Byte order.
    pub fn endianness(&self) -> Endianness {
        self.endianness
    }
    /// `e_type`.
    pub fn e_type(&self) -> u16 {
        self.e_type
    }
    /// `e_machine`.
    pub fn machine(&self) -> u16 {
        self.machine
    }
    /// The program headers read (at most [`MAX_PROGRAM_HEADERS`]).
    pub fn program_headers(&self) -> &[ProgramHeader] {
        &self.phdrs
    }
    /// The section headers read (at most [`MAX_SECTIONS`]); empty when stripped or unreadable.
    pub fn section_headers(&self) -> &[SectionHeader] {
        &self.sections
    }
    /// Whether a non-empty `SHT_SYMTAB` (full symbol table) section exists.
    pub fn has_symtab(&self) -> bool {
        self.sections
            .iter()
            .any(|s| s.sh_type == SHT_SYMTAB && s.size > 0)
    }
    /// Where the dynamic symbols come from.
    pub fn symbol_source(&self) -> SymbolSource {
        self.symbol_source
    }
    /// Number of dynamic symbols (including the null symbol 0), after caps and truncation.
    pub fn dynamic_symbol_count(&self) -> u64 {
        self.symbols.map_or(0, |t| t.count)
    }
    /// Whether a dynamic table was found.
    pub fn has_dynamic(&self) -> bool {
        self.dynamic.present
    }
    /// Anomalies found while parsing.
    pub fn anomalies(&self) -> &[Anomaly] {
        self.anomalies.as_slice()
    }
    pub(crate) fn into_anomalies(self) -> Vec<Anomaly> {
        self.anomalies.into_vec()
    }
    pub(crate) fn push_anomaly(&mut self, a: Anomaly) {
        self.anomalies.push(a);
    }

    /// The dynamic symbols, decoded lazily (no allocation).
    pub fn dynamic_symbols(&self) -> DynamicSymbols<'a> {
        let t = self.symbols.unwrap_or(SymTable {
            offset: 0,
            count: 0,
            strtab: &[],
        });
        DynamicSymbols {
            r: self.r,
            offset: t.offset,
            index: 0,
            count: t.count,
            strtab: t.strtab,
        }
    }

    /// A string from the dynamic string table (`DT_STRTAB`), cut at [`MAX_STRING_LEN`];
    /// `None` when `offset` is outside the table. Counts unterminated strings for the anomaly list.
    pub(crate) fn dynstr(&mut self, offset: u64) -> Option<&'a [u8]> {
        let (s, terminated) = cstr(self.dynstr, offset)?;
        if !terminated {
            self.unterminated_strings += 1;
        }
        Some(s)
    }

    pub(crate) fn unterminated_dynstr(&self) -> u64 {
        self.unterminated_strings
    }
}

/// The NUL-terminated string at `offset` in `table`, cut at [`MAX_STRING_LEN`], and whether a
/// terminator was found in reach.
fn cstr(table: &[u8], offset: u64) -> Option<(&[u8], bool)> {
    let rest = table.get(usize::try_from(offset).ok()?..)?;
    let window = &rest[..rest.len().min(MAX_STRING_LEN)];
    match memchr::memchr(0, window) {
        Some(n) => Some((&window[..n], true)),
        None => Some((window, false)),
    }
}

/// Iterator over the dynamic symbol table (see [`Elf::dynamic_symbols`]).
#[derive(Debug, Clone)]
pub struct DynamicSymbols<'a> {
    r: Reader<'a>,
    offset: u64,
    index: u64,
    count: u64,
    strtab: &'a [u8],
}

impl<'a> Iterator for DynamicSymbols<'a> {
    type Item = Symbol<'a>;

    fn next(&mut self) -> Option<Symbol<'a>> {
        if self.index >= self.count {
            return None;
        }
        let r = self.r;
        let (entsize, wide) = if r.wide {
            (24u64, true)
        } else {
            (16u64, false)
        };
        let b = self.offset.checked_add(self.index.checked_mul(entsize)?)?;
        self.index += 1;
        let (name_off, value, size, info, other, shndx) = if wide {
            (
                r.u32(b)?,
                r.u64(b + 8)?,
                r.u64(b + 16)?,
                r.u8(b + 4)?,
                r.u8(b + 5)?,
                r.u16(b + 6)?,
            )
        } else {
            (
                r.u32(b)?,
                r.u32(b + 4)?.into(),
                r.u32(b + 8)?.into(),
                r.u8(b + 12)?,
                r.u8(b + 13)?,
                r.u16(b + 14)?,
            )
        };
        let (name, name_ok) = match cstr(self.strtab, name_off.into()) {
            Some((n, terminated)) => (n, terminated),
            None => (&[][..], false),
        };
        Some(Symbol {
            name,
            value,
            size,
            info,
            other,
            shndx,
            name_ok,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::try_from(self.count.saturating_sub(self.index)).unwrap_or(usize::MAX);
        (0, Some(n))
    }
}
