//! Hardening facts of Android native libraries (`lib/<abi>/*.so`), read from ELF bytes.
//!
//! [`analyze`] answers what a security review asks about a `.so`: which ABI it was built for,
//! whether its stack is non-executable (NX), whether it is position independent, RELRO and
//! BIND_NOW, stack-protector and `_FORTIFY_SOURCE` imports, text relocations, RPATH/RUNPATH,
//! `DT_NEEDED`, and its JNI entry points. [`Elf`] is the lower-level reader behind it, for callers
//! that want the symbols themselves.
//!
//! The reader follows what Android's loader (bionic `linker`) trusts: the program headers and the
//! dynamic segment, with addresses mapped through `PT_LOAD`. Section headers are optional (packers
//! strip or forge them); when they disagree with the dynamic segment, the dynamic segment wins and
//! the disagreement is reported as an [`Anomaly`]. Every count and offset from the file is checked
//! and capped by named constants ([`MAX_PROGRAM_HEADERS`], [`MAX_SECTIONS`], [`MAX_SYMBOLS`],
//! [`MAX_DYNAMIC_ENTRIES`], [`MAX_STRING_LEN`]...), so hostile input costs time and memory in
//! proportion to its size at most.
//!
//! What it is not: a disassembler, a relocation processor, a DWARF or note reader, or a loader.
//! It does no I/O; the caller hands it the bytes (already inflated from the APK) and compares the
//! reported ABI with the `lib/<abi>/` directory itself ([`NativeLibFacts::abi_matches_dir`]).
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod anomaly;
mod parse;

use std::collections::BTreeSet;

pub use anomaly::{Anomaly, Table, MAX_ANOMALIES};
pub use parse::{
    DynamicSymbols, Elf, ElfClass, Endianness, ProgramHeader, SectionHeader, Symbol, SymbolSource,
    MAX_DYNAMIC_ENTRIES, MAX_NEEDED, MAX_PROGRAM_HEADERS, MAX_SECTIONS, MAX_STRING_LEN,
    MAX_SYMBOLS,
};
use parse::{EM_MIPS, PF_X, PT_GNU_RELRO, PT_GNU_STACK};
use serde::Serialize;

/// Most distinct fortified (`__*_chk`) function names listed.
pub const MAX_FORTIFIED: usize = 256;

/// Why a byte string is not an ELF file at all. Everything survivable is an [`Anomaly`] instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    /// Shorter than the identification bytes or the ELF header for its class.
    #[error("file is {len} bytes; an ELF header needs {needed}")]
    TooShort {
        /// File length.
        len: usize,
        /// Bytes the header needs.
        needed: usize,
    },
    /// The first four bytes are not `\x7fELF`.
    #[error("not an ELF file: magic is {magic:02x?}, expected 7f 45 4c 46")]
    NotElf {
        /// The first four bytes.
        magic: [u8; 4],
    },
    /// `e_ident[EI_CLASS]` is neither 1 (32-bit) nor 2 (64-bit).
    #[error("e_ident[EI_CLASS] is {0}, expected 1 (ELFCLASS32) or 2 (ELFCLASS64)")]
    BadClass(u8),
    /// `e_ident[EI_DATA]` is neither 1 (little endian) nor 2 (big endian).
    #[error("e_ident[EI_DATA] is {0}, expected 1 (ELFDATA2LSB) or 2 (ELFDATA2MSB)")]
    BadDataEncoding(u8),
}

/// `e_type`, serialized the way `readelf` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElfType {
    /// `ET_NONE`.
    None,
    /// `ET_REL` (an object file, not loadable).
    Rel,
    /// `ET_EXEC` (fixed-address executable: no ASLR).
    Exec,
    /// `ET_DYN` (shared object or PIE).
    Dyn,
    /// `ET_CORE`.
    Core,
    /// Anything else (OS/processor specific).
    Other(u16),
}

impl ElfType {
    fn from_raw(v: u16) -> Self {
        match v {
            0 => ElfType::None,
            1 => ElfType::Rel,
            2 => ElfType::Exec,
            3 => ElfType::Dyn,
            4 => ElfType::Core,
            other => ElfType::Other(other),
        }
    }
    /// `readelf`'s short name: `NONE`, `REL`, `EXEC`, `DYN`, `CORE` or `OTHER`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ElfType::None => "NONE",
            ElfType::Rel => "REL",
            ElfType::Exec => "EXEC",
            ElfType::Dyn => "DYN",
            ElfType::Core => "CORE",
            ElfType::Other(_) => "OTHER",
        }
    }
}

impl Serialize for ElfType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// RELRO level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relro {
    /// No `PT_GNU_RELRO`: the GOT and friends stay writable.
    None,
    /// `PT_GNU_RELRO` but lazy binding allowed (the PLT GOT stays writable).
    Partial,
    /// `PT_GNU_RELRO` and BIND_NOW: everything relocated is read-only after loading.
    Full,
}

/// The hardening facts of one native library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NativeLibFacts {
    /// Android ABI implied by `e_machine` and the class (`arm64-v8a`, `armeabi-v7a`, `x86`,
    /// `x86_64`, `mips`, `mips64`, `riscv64`); `None` for anything Android does not run.
    pub abi: Option<&'static str>,
    /// Raw `e_machine`.
    pub machine: u16,
    /// ELF class.
    pub class: ElfClass,
    /// Byte order.
    pub endianness: Endianness,
    /// `e_type`.
    pub elf_type: ElfType,
    /// Non-executable stack: `PT_GNU_STACK` present without `PF_X`. Without `PT_GNU_STACK` the
    /// kernel gives most ABIs an executable stack, so absence counts as `false`.
    pub nx: bool,
    /// Whether `PT_GNU_STACK` is present at all.
    pub gnu_stack: bool,
    /// Position independent (`ET_DYN`).
    pub pie: bool,
    /// `DF_1_PIE` in `DT_FLAGS_1` (marks a PIE executable as opposed to a shared library).
    pub df_1_pie: bool,
    /// RELRO level.
    pub relro: Relro,
    /// Whether `PT_GNU_RELRO` is present.
    pub gnu_relro: bool,
    /// Lazy binding disabled (`DT_BIND_NOW`, `DF_BIND_NOW` or `DF_1_NOW`).
    pub bind_now: bool,
    /// References `__stack_chk_fail` or `__stack_chk_guard` (built with a stack protector).
    pub stack_canary: bool,
    /// Imports any `_FORTIFY_SOURCE` checked function.
    pub fortify: bool,
    /// The fortified functions imported, sorted, at most [`MAX_FORTIFIED`].
    pub fortified_functions: Vec<String>,
    /// No `SHT_SYMTAB` section (no local symbol table to help a reverse engineer).
    pub stripped: bool,
    /// `DT_RPATH`.
    pub rpath: Option<String>,
    /// `DT_RUNPATH`.
    pub runpath: Option<String>,
    /// `DT_NEEDED` libraries in order (at most [`MAX_NEEDED`]).
    pub needed: Vec<String>,
    /// `DT_SONAME`.
    pub soname: Option<String>,
    /// Exports `JNI_OnLoad`.
    pub jni_onload: bool,
    /// Number of exported `Java_*` symbols (statically registered JNI methods).
    pub jni_exports: u64,
    /// Text relocations (`DT_TEXTREL` or `DF_TEXTREL`): code pages made writable while loading;
    /// refused by Android for targetSdk ≥ 23.
    pub text_relocations: bool,
    /// Where the dynamic symbols were read from.
    pub symbol_source: SymbolSource,
    /// Number of dynamic symbol table entries (including the null entry).
    pub dynamic_symbols: u64,
    /// Named undefined non-local dynamic symbols.
    pub imported_symbols: u64,
    /// Defined global/weak symbols with default or protected visibility.
    pub exported_symbols: u64,
    /// Odd things found along the way.
    pub anomalies: Vec<Anomaly>,
}

impl NativeLibFacts {
    /// Whether the library fits the APK directory it was found in (`lib/<dir>/x.so`).
    ///
    /// `EM_ARM` serves both `armeabi` and `armeabi-v7a` (telling them apart needs the
    /// `.ARM.attributes` CPU arch, which does not change what the loader accepts).
    pub fn abi_matches_dir(&self, dir: &str) -> bool {
        match self.abi {
            Some("armeabi-v7a") => dir == "armeabi-v7a" || dir == "armeabi",
            Some(abi) => abi == dir,
            None => false,
        }
    }
}

/// The Android ABI for an `e_machine` and class, if Android has one.
pub fn android_abi(machine: u16, class: ElfClass) -> Option<&'static str> {
    const EM_386: u16 = 3;
    const EM_ARM: u16 = 40;
    const EM_X86_64: u16 = 62;
    const EM_AARCH64: u16 = 183;
    const EM_RISCV: u16 = 243;
    match (machine, class) {
        (EM_ARM, ElfClass::Elf32) => Some("armeabi-v7a"),
        (EM_AARCH64, ElfClass::Elf64) => Some("arm64-v8a"),
        (EM_386, ElfClass::Elf32) => Some("x86"),
        (EM_X86_64, ElfClass::Elf64) => Some("x86_64"),
        (EM_MIPS, ElfClass::Elf32) => Some("mips"),
        (EM_MIPS, ElfClass::Elf64) => Some("mips64"),
        (EM_RISCV, ElfClass::Elf64) => Some("riscv64"),
        _ => None,
    }
}

/// Bionic's fortified functions whose names do not follow the `__*_chk` pattern.
const FORTIFY_EXTRA: &[&[u8]] = &[b"__open_2", b"__open64_2", b"__openat_2", b"__openat64_2"];

fn is_fortified(name: &[u8]) -> bool {
    (name.starts_with(b"__") && name.ends_with(b"_chk") && !name.starts_with(b"__stack_chk"))
        || FORTIFY_EXTRA.contains(&name)
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Reads the hardening facts of a native library.
///
/// # Errors
/// Only when `bytes` is not ELF (wrong magic, class or byte order) or too short for its header.
pub fn analyze(bytes: &[u8]) -> Result<NativeLibFacts, ElfError> {
    let mut elf = Elf::parse(bytes)?;
    let class = elf.class();
    let abi = android_abi(elf.machine(), class);
    if abi.is_none() {
        elf.push_anomaly(Anomaly::UnknownMachine {
            machine: elf.machine(),
            bits: if class == ElfClass::Elf64 { 64 } else { 32 },
        });
    }
    let elf_type = ElfType::from_raw(elf.e_type());

    let stack = elf
        .program_headers()
        .iter()
        .find(|p| p.p_type == PT_GNU_STACK);
    let gnu_stack = stack.is_some();
    let nx = stack.is_some_and(|p| p.flags & PF_X == 0);
    let gnu_relro = elf
        .program_headers()
        .iter()
        .any(|p| p.p_type == PT_GNU_RELRO);

    let d = &elf.dynamic;
    let bind_now = d.bind_now();
    let text_relocations = d.text_relocations();
    let df_1_pie = d.df_1_pie();
    let (needed_offs, soname_off, rpath_off, runpath_off) =
        (d.needed.clone(), d.soname, d.rpath, d.runpath);
    if df_1_pie && elf_type != ElfType::Dyn {
        elf.push_anomaly(Anomaly::PieFlagOnNonDyn {
            e_type: elf.e_type(),
        });
    }

    // Strings from the dynamic string table; offsets outside it are counted, not fatal.
    let mut bad_offsets = 0u64;
    let mut first_bad = None;
    let mut string = |elf: &mut Elf<'_>, off: u64| -> Option<String> {
        match elf.dynstr(off) {
            Some(s) => Some(lossy(s)),
            None => {
                bad_offsets += 1;
                first_bad.get_or_insert(off);
                None
            }
        }
    };
    let needed: Vec<String> = needed_offs
        .iter()
        .filter_map(|&o| string(&mut elf, o))
        .collect();
    let soname = soname_off.and_then(|o| string(&mut elf, o));
    let rpath = rpath_off.and_then(|o| string(&mut elf, o));
    let runpath = runpath_off.and_then(|o| string(&mut elf, o));

    // One pass over the dynamic symbols, allocating only for distinct fortified names.
    let mut stack_canary = false;
    let mut fortified: BTreeSet<&[u8]> = BTreeSet::new();
    let mut jni_onload = false;
    let (mut jni_exports, mut imported, mut exported) = (0u64, 0u64, 0u64);
    let mut bad_sym_names = 0u64;
    for (i, sym) in elf.dynamic_symbols().enumerate() {
        // Entry 0 is the reserved null symbol.
        if i > 0 && !sym.name_ok {
            bad_sym_names += 1;
        }
        let name = sym.name;
        if name == b"__stack_chk_fail" || name == b"__stack_chk_guard" {
            stack_canary = true;
        }
        if sym.is_import() {
            imported += 1;
            if is_fortified(name) && fortified.len() < MAX_FORTIFIED {
                fortified.insert(name);
            }
        } else if sym.is_export() {
            exported += 1;
            if name == b"JNI_OnLoad" {
                jni_onload = true;
            } else if name.starts_with(b"Java_") {
                jni_exports += 1;
            }
        }
    }
    let fortified_functions: Vec<String> = fortified.iter().map(|n| lossy(n)).collect();

    if bad_offsets > 0 {
        elf.push_anomaly(Anomaly::StringOutOfBounds {
            table: Table::DynamicStrings,
            count: bad_offsets,
            first_offset: first_bad.unwrap_or(0),
        });
    }
    let unterminated = elf.unterminated_dynstr() + bad_sym_names;
    if unterminated > 0 {
        elf.push_anomaly(Anomaly::UnterminatedString {
            table: Table::DynamicStrings,
            count: unterminated,
        });
    }

    let facts = NativeLibFacts {
        abi,
        machine: elf.machine(),
        class,
        endianness: elf.endianness(),
        elf_type,
        nx,
        gnu_stack,
        pie: elf_type == ElfType::Dyn,
        df_1_pie,
        relro: match (gnu_relro, bind_now) {
            (false, _) => Relro::None,
            (true, false) => Relro::Partial,
            (true, true) => Relro::Full,
        },
        gnu_relro,
        bind_now,
        stack_canary,
        fortify: !fortified_functions.is_empty(),
        fortified_functions,
        stripped: !elf.has_symtab(),
        rpath,
        runpath,
        needed,
        soname,
        jni_onload,
        jni_exports,
        text_relocations,
        symbol_source: elf.symbol_source(),
        dynamic_symbols: elf.dynamic_symbol_count(),
        imported_symbols: imported,
        exported_symbols: exported,
        anomalies: Vec::new(),
    };
    Ok(NativeLibFacts {
        anomalies: elf.into_anomalies(),
        ..facts
    })
}

#[cfg(test)]
mod tests;
