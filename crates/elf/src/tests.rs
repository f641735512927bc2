//! Unit tests over hand-built ELF images.

use super::*;

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const EM_ARM: u16 = 40;
const EM_AARCH64: u16 = 183;
const EM_X86_64: u16 = 62;
const EM_386: u16 = 3;
const EM_RISCV: u16 = 243;

#[derive(Clone, Copy, PartialEq)]
enum Hash {
    Sysv,
    Gnu,
    None,
}

#[derive(Clone, Copy, PartialEq)]
enum Sections {
    /// null, .dynsym, .dynstr, .dynamic (and .symtab when asked).
    Normal,
    /// No section header table at all (`e_shoff` = 0).
    Stripped,
    /// A `.dynsym` section that points somewhere else than `DT_SYMTAB` (packer decoy).
    Decoy,
}

/// A tiny ELF shared-object builder: one `PT_LOAD` covering the whole file at `BASE`, a
/// `PT_DYNAMIC`, optional `PT_GNU_STACK`/`PT_GNU_RELRO`, `.dynsym`/`.dynstr`/hash/`.dynamic`.
#[derive(Clone)]
struct Lib {
    wide: bool,
    big: bool,
    machine: u16,
    e_type: u16,
    gnu_stack: Option<u32>,
    relro: bool,
    needed: Vec<&'static str>,
    soname: Option<&'static str>,
    rpath: Option<&'static str>,
    runpath: Option<&'static str>,
    /// (name, defined, binding, visibility)
    symbols: Vec<(&'static str, bool, u8, u8)>,
    extra_dyn: Vec<(u64, u64)>,
    hash: Hash,
    sections: Sections,
    symtab: bool,
}

const BASE: u64 = 0x10000;

impl Lib {
    fn new(wide: bool, big: bool, machine: u16) -> Self {
        Lib {
            wide,
            big,
            machine,
            e_type: 3,
            gnu_stack: Some(6),
            relro: true,
            needed: vec!["libc.so", "liblog.so"],
            soname: Some("libtest.so"),
            rpath: None,
            runpath: None,
            symbols: vec![
                ("__stack_chk_fail", false, 1, 0),
                ("__memcpy_chk", false, 1, 0),
                ("__strlen_chk", false, 1, 0),
                ("__memcpy_chk", false, 1, 0),
                ("JNI_OnLoad", true, 1, 0),
                ("Java_com_example_Main_foo", true, 1, 0),
                ("Java_com_example_Main_bar", true, 1, 0),
                ("Java_com_example_Main_hidden", true, 1, 2),
                ("local_helper", true, 0, 0),
            ],
            extra_dyn: vec![(30, 0x8)],
            hash: Hash::Sysv,
            sections: Sections::Normal,
            symtab: false,
        }
    }

    fn w16(&self, out: &mut Vec<u8>, v: u16) {
        out.extend_from_slice(&if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        });
    }
    fn w32(&self, out: &mut Vec<u8>, v: u32) {
        out.extend_from_slice(&if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        });
    }
    fn w64(&self, out: &mut Vec<u8>, v: u64) {
        out.extend_from_slice(&if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        });
    }
    fn word(&self, out: &mut Vec<u8>, v: u64) {
        if self.wide {
            self.w64(out, v)
        } else {
            self.w32(out, v as u32)
        }
    }
    fn pad(out: &mut Vec<u8>, align: usize) {
        while out.len() % align != 0 {
            out.push(0);
        }
    }

    fn build(&self) -> Vec<u8> {
        let (ehsize, phentsize, shentsize, symentsize, dynentsize) = if self.wide {
            (64usize, 56usize, 64usize, 24usize, 16usize)
        } else {
            (52, 32, 40, 16, 8)
        };

        // String table.
        let mut strtab = vec![0u8];
        let mut add = |s: &str| {
            let off = strtab.len() as u64;
            strtab.extend_from_slice(s.as_bytes());
            strtab.push(0);
            off
        };
        let needed: Vec<u64> = self.needed.iter().map(|n| add(n)).collect();
        let soname = self.soname.map(&mut add);
        let rpath = self.rpath.map(&mut add);
        let runpath = self.runpath.map(&mut add);
        let sym_names: Vec<u64> = self.symbols.iter().map(|s| add(s.0)).collect();

        // Symbol table (entry 0 is the null symbol).
        let mut symtab = vec![0u8; symentsize];
        for (i, &(_, defined, bind, vis)) in self.symbols.iter().enumerate() {
            let info = (bind << 4) | 2; // STT_FUNC
            let shndx: u16 = if defined { 1 } else { 0 };
            let value = if defined { BASE + 0x100 } else { 0 };
            if self.wide {
                self.w32(&mut symtab, sym_names[i] as u32);
                symtab.push(info);
                symtab.push(vis);
                self.w16(&mut symtab, shndx);
                self.w64(&mut symtab, value);
                self.w64(&mut symtab, 4);
            } else {
                self.w32(&mut symtab, sym_names[i] as u32);
                self.w32(&mut symtab, value as u32);
                self.w32(&mut symtab, 4);
                symtab.push(info);
                symtab.push(vis);
                self.w16(&mut symtab, shndx);
            }
        }
        let nsyms = self.symbols.len() as u32 + 1;

        // Hash table.
        let mut hash = Vec::new();
        match self.hash {
            Hash::Sysv => {
                self.w32(&mut hash, 1);
                self.w32(&mut hash, nsyms);
                self.w32(&mut hash, 0);
                for _ in 0..nsyms {
                    self.w32(&mut hash, 0);
                }
            }
            Hash::Gnu => {
                // One bucket holding every hashed symbol (1..nsyms) in one chain.
                self.w32(&mut hash, 1);
                self.w32(&mut hash, 1);
                self.w32(&mut hash, 1);
                self.w32(&mut hash, 6);
                self.word(&mut hash, u64::MAX);
                self.w32(&mut hash, if nsyms > 1 { 1 } else { 0 });
                for i in 1..nsyms {
                    self.w32(&mut hash, if i == nsyms - 1 { 1 } else { 0 });
                }
            }
            Hash::None => {}
        }

        // Layout: header, program headers, then tables.
        let mut phdrs = vec![PT_LOAD, PT_DYNAMIC];
        if self.gnu_stack.is_some() {
            phdrs.push(parse::PT_GNU_STACK);
        }
        if self.relro {
            phdrs.push(parse::PT_GNU_RELRO);
        }
        let mut body = vec![0u8; ehsize + phentsize * phdrs.len()];
        Self::pad(&mut body, 8);
        let dynsym_off = body.len();
        body.extend_from_slice(&symtab);
        let dynstr_off = body.len();
        body.extend_from_slice(&strtab);
        Self::pad(&mut body, 8);
        let hash_off = body.len();
        body.extend_from_slice(&hash);
        Self::pad(&mut body, 8);
        let dynamic_off = body.len();
        let mut dynamic = Vec::new();
        let tag = |d: &mut Vec<u8>, t: u64, v: u64| {
            self.word(d, t);
            self.word(d, v);
        };
        for n in &needed {
            tag(&mut dynamic, 1, *n);
        }
        if let Some(s) = soname {
            tag(&mut dynamic, 14, s);
        }
        if let Some(s) = rpath {
            tag(&mut dynamic, 15, s);
        }
        if let Some(s) = runpath {
            tag(&mut dynamic, 29, s);
        }
        tag(&mut dynamic, 5, BASE + dynstr_off as u64);
        tag(&mut dynamic, 10, strtab.len() as u64);
        tag(&mut dynamic, 6, BASE + dynsym_off as u64);
        tag(&mut dynamic, 11, symentsize as u64);
        match self.hash {
            Hash::Sysv => tag(&mut dynamic, 4, BASE + hash_off as u64),
            Hash::Gnu => tag(&mut dynamic, 0x6fff_fef5, BASE + hash_off as u64),
            Hash::None => {}
        }
        for &(t, v) in &self.extra_dyn {
            tag(&mut dynamic, t, v);
        }
        tag(&mut dynamic, 0, 0);
        body.extend_from_slice(&dynamic);
        Self::pad(&mut body, 8);

        // Section headers.
        let mut shdrs: Vec<(u32, u64, u64, u32, u64)> = Vec::new(); // type, offset, size, link, entsize
        if self.sections != Sections::Stripped {
            let sym_off = if self.sections == Sections::Decoy {
                hash_off
            } else {
                dynsym_off
            };
            shdrs.push((0, 0, 0, 0, 0));
            shdrs.push((
                11,
                sym_off as u64,
                symtab.len() as u64,
                2,
                symentsize as u64,
            ));
            shdrs.push((3, dynstr_off as u64, strtab.len() as u64, 0, 0));
            shdrs.push((
                6,
                dynamic_off as u64,
                dynamic.len() as u64,
                2,
                dynentsize as u64,
            ));
            if self.symtab {
                shdrs.push((
                    2,
                    dynsym_off as u64,
                    symtab.len() as u64,
                    2,
                    symentsize as u64,
                ));
            }
        }
        let shoff = if shdrs.is_empty() { 0 } else { body.len() };
        let mut sh = Vec::new();
        for &(t, off, size, link, entsize) in &shdrs {
            self.w32(&mut sh, 0);
            self.w32(&mut sh, t);
            self.word(&mut sh, 0); // flags
            self.word(&mut sh, if t == 0 { 0 } else { BASE + off }); // addr
            self.word(&mut sh, off);
            self.word(&mut sh, size);
            self.w32(&mut sh, link);
            self.w32(&mut sh, 0);
            self.word(&mut sh, 8);
            self.word(&mut sh, entsize);
        }
        body.extend_from_slice(&sh);
        let total = body.len() as u64;

        // ELF header.
        let mut h = Vec::new();
        h.extend_from_slice(b"\x7fELF");
        h.push(if self.wide { 2 } else { 1 });
        h.push(if self.big { 2 } else { 1 });
        h.push(1);
        h.resize(16, 0);
        self.w16(&mut h, self.e_type);
        self.w16(&mut h, self.machine);
        self.w32(&mut h, 1);
        self.word(&mut h, BASE + 0x100); // entry
        self.word(&mut h, ehsize as u64); // phoff
        self.word(&mut h, shoff as u64);
        self.w32(&mut h, 0); // flags
        self.w16(&mut h, ehsize as u16);
        self.w16(&mut h, phentsize as u16);
        self.w16(&mut h, phdrs.len() as u16);
        self.w16(&mut h, shentsize as u16);
        self.w16(&mut h, shdrs.len() as u16);
        self.w16(&mut h, 0);
        assert_eq!(h.len(), ehsize);

        // Program headers.
        for &t in &phdrs {
            let (flags, off, size) = match t {
                PT_LOAD => (5u32, 0u64, total),
                PT_DYNAMIC => (6, dynamic_off as u64, dynamic.len() as u64),
                parse::PT_GNU_STACK => (self.gnu_stack.unwrap_or(6), 0, 0),
                _ => (4, dynamic_off as u64, dynamic.len() as u64),
            };
            let vaddr = if off == 0 && t != PT_LOAD {
                0
            } else {
                BASE + off
            };
            self.w32(&mut h, t);
            if self.wide {
                self.w32(&mut h, flags);
                self.w64(&mut h, off);
                self.w64(&mut h, vaddr);
                self.w64(&mut h, vaddr);
                self.w64(&mut h, size);
                self.w64(&mut h, size);
                self.w64(&mut h, 0x1000);
            } else {
                self.w32(&mut h, off as u32);
                self.w32(&mut h, vaddr as u32);
                self.w32(&mut h, vaddr as u32);
                self.w32(&mut h, size as u32);
                self.w32(&mut h, size as u32);
                self.w32(&mut h, flags);
                self.w32(&mut h, 0x1000);
            }
        }
        body[..h.len()].copy_from_slice(&h);
        body
    }
}

fn arm64() -> Lib {
    Lib::new(true, false, EM_AARCH64)
}

fn has(f: &NativeLibFacts, pred: impl Fn(&Anomaly) -> bool) -> bool {
    f.anomalies.iter().any(pred)
}

#[test]
fn fully_hardened_arm64() {
    let f = analyze(&arm64().build()).unwrap();
    assert_eq!(f.abi, Some("arm64-v8a"));
    assert_eq!(f.class, ElfClass::Elf64);
    assert_eq!(f.endianness, Endianness::Little);
    assert_eq!(f.elf_type, ElfType::Dyn);
    assert!(f.nx && f.gnu_stack && f.pie && !f.df_1_pie);
    assert_eq!(f.relro, Relro::Full);
    assert!(f.bind_now && f.gnu_relro);
    assert!(f.stack_canary);
    assert!(f.fortify);
    assert_eq!(f.fortified_functions, vec!["__memcpy_chk", "__strlen_chk"]);
    assert!(f.stripped);
    assert_eq!(f.needed, vec!["libc.so", "liblog.so"]);
    assert_eq!(f.soname.as_deref(), Some("libtest.so"));
    assert_eq!(f.rpath, None);
    assert_eq!(f.runpath, None);
    assert!(f.jni_onload);
    // The hidden-visibility Java_ symbol is not visible to ART's lookup.
    assert_eq!(f.jni_exports, 2);
    assert!(!f.text_relocations);
    assert_eq!(f.symbol_source, SymbolSource::SectionHeaders);
    assert_eq!(f.dynamic_symbols, 10);
    assert_eq!(f.imported_symbols, 4);
    assert_eq!(f.exported_symbols, 3);
    assert!(f.anomalies.is_empty(), "{:?}", f.anomalies);
}

#[test]
fn all_classes_and_byte_orders() {
    for (wide, big, machine, abi) in [
        (false, false, EM_ARM, "armeabi-v7a"),
        (false, true, parse::EM_MIPS, "mips"),
        (true, true, parse::EM_MIPS, "mips64"),
        (false, false, EM_386, "x86"),
        (true, false, EM_X86_64, "x86_64"),
        (true, false, EM_RISCV, "riscv64"),
    ] {
        for hash in [Hash::Sysv, Hash::Gnu] {
            for sections in [Sections::Normal, Sections::Stripped] {
                let mut lib = Lib::new(wide, big, machine);
                lib.hash = hash;
                lib.sections = sections;
                let f = analyze(&lib.build()).unwrap();
                assert_eq!(f.abi, Some(abi));
                assert_eq!(
                    f.endianness,
                    if big {
                        Endianness::Big
                    } else {
                        Endianness::Little
                    }
                );
                assert_eq!(f.needed, vec!["libc.so", "liblog.so"]);
                assert_eq!(f.soname.as_deref(), Some("libtest.so"));
                assert_eq!(f.dynamic_symbols, 10, "{abi} {:?}", f.anomalies);
                assert_eq!(f.fortified_functions, vec!["__memcpy_chk", "__strlen_chk"]);
                assert!(f.stack_canary && f.jni_onload && f.nx);
                assert_eq!(f.jni_exports, 2);
                assert_eq!(f.relro, Relro::Full);
                let expected = if sections == Sections::Stripped {
                    SymbolSource::DynamicSegment
                } else {
                    SymbolSource::SectionHeaders
                };
                assert_eq!(f.symbol_source, expected);
            }
        }
    }
}

#[test]
fn symbols_match_between_sources() {
    let lib = Lib::new(false, true, parse::EM_MIPS);
    let with = lib.build();
    let without = Lib {
        sections: Sections::Stripped,
        hash: Hash::Gnu,
        ..lib
    }
    .build();
    let a = Elf::parse(&with).unwrap();
    let b = Elf::parse(&without).unwrap();
    let names = |e: &Elf<'_>| {
        e.dynamic_symbols()
            .map(|s| (s.name.to_vec(), s.shndx))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&a), names(&b));
    assert_eq!(names(&a).len(), 10);
    assert_eq!(a.symbol_source(), SymbolSource::SectionHeaders);
    assert_eq!(b.symbol_source(), SymbolSource::DynamicSegment);
    assert!(b.anomalies().contains(&Anomaly::NoSectionHeaders));
}

#[test]
fn nx_variants() {
    let mut lib = arm64();
    lib.gnu_stack = None;
    let f = analyze(&lib.build()).unwrap();
    assert!(!f.nx && !f.gnu_stack);
    lib.gnu_stack = Some(7);
    let f = analyze(&lib.build()).unwrap();
    assert!(!f.nx && f.gnu_stack);
}

#[test]
fn relro_and_bind_now_variants() {
    for (extra, relro, expected, bind_now) in [
        (vec![], true, Relro::Partial, false),
        (vec![(24u64, 0u64)], true, Relro::Full, true),
        (vec![(30, 0x8)], true, Relro::Full, true),
        (vec![(0x6fff_fffb, 0x1)], true, Relro::Full, true),
        (vec![(30, 0x2)], true, Relro::Partial, false),
        (vec![(30, 0x8)], false, Relro::None, true),
        (vec![], false, Relro::None, false),
    ] {
        let mut lib = arm64();
        lib.extra_dyn = extra.clone();
        lib.relro = relro;
        let f = analyze(&lib.build()).unwrap();
        assert_eq!(f.relro, expected, "{extra:?} relro={relro}");
        assert_eq!(f.bind_now, bind_now, "{extra:?}");
        assert_eq!(f.gnu_relro, relro);
    }
}

#[test]
fn text_relocations_pie_flag_and_paths() {
    let mut lib = Lib::new(false, false, EM_ARM);
    lib.extra_dyn = vec![(22, 0)];
    lib.rpath = Some("/data/local/tmp");
    lib.runpath = Some("$ORIGIN/lib");
    let f = analyze(&lib.build()).unwrap();
    assert!(f.text_relocations);
    assert_eq!(f.rpath.as_deref(), Some("/data/local/tmp"));
    assert_eq!(f.runpath.as_deref(), Some("$ORIGIN/lib"));

    lib.extra_dyn = vec![(30, 0x4), (0x6fff_fffb, 0x0800_0000)];
    let f = analyze(&lib.build()).unwrap();
    assert!(f.text_relocations && f.df_1_pie && f.pie);

    lib.e_type = 2;
    let f = analyze(&lib.build()).unwrap();
    assert_eq!(f.elf_type, ElfType::Exec);
    assert!(!f.pie);
    assert!(has(&f, |a| matches!(
        a,
        Anomaly::PieFlagOnNonDyn { e_type: 2 }
    )));
}

#[test]
fn symtab_section_means_not_stripped() {
    let mut lib = arm64();
    lib.symtab = true;
    assert!(!analyze(&lib.build()).unwrap().stripped);
}

#[test]
fn decoy_dynsym_section_loses_to_dynamic_segment() {
    let mut lib = arm64();
    lib.sections = Sections::Decoy;
    let f = analyze(&lib.build()).unwrap();
    assert_eq!(f.symbol_source, SymbolSource::DynamicSegment);
    assert!(f.jni_onload && f.stack_canary);
    assert!(has(&f, |a| matches!(a, Anomaly::DynsymMismatch { .. })));
}

#[test]
fn no_hash_and_no_sections_guesses_count_up_to_strtab() {
    let mut lib = arm64();
    lib.hash = Hash::None;
    lib.sections = Sections::Stripped;
    let f = analyze(&lib.build()).unwrap();
    assert_eq!(f.symbol_source, SymbolSource::DynamicSegment);
    assert_eq!(f.dynamic_symbols, 10);
    assert!(f.jni_onload);
    assert!(has(&f, |a| matches!(
        a,
        Anomaly::SymbolCountUnknown { guessed: 10 }
    )));
}

#[test]
fn no_symbols_and_no_dynamic_strings_is_fine() {
    let mut lib = Lib::new(true, true, EM_AARCH64);
    lib.symbols.clear();
    lib.needed.clear();
    lib.soname = None;
    let f = analyze(&lib.build()).unwrap();
    assert_eq!(f.dynamic_symbols, 1);
    assert!(!f.stack_canary && !f.fortify && !f.jni_onload);
    assert!(f.needed.is_empty());
    assert!(f.anomalies.is_empty(), "{:?}", f.anomalies);
    lib.hash = Hash::Gnu;
    let f = analyze(&lib.build()).unwrap();
    assert_eq!(f.dynamic_symbols, 1);
    assert!(f.anomalies.is_empty(), "{:?}", f.anomalies);
}

#[test]
fn unknown_machine_and_class_mismatch() {
    let f = analyze(&Lib::new(false, false, EM_AARCH64).build()).unwrap();
    assert_eq!(f.abi, None);
    assert!(has(&f, |a| matches!(
        a,
        Anomaly::UnknownMachine {
            machine: 183,
            bits: 32
        }
    )));
    assert!(!f.abi_matches_dir("arm64-v8a"));
}

#[test]
fn abi_dir_matching() {
    let f = analyze(&Lib::new(false, false, EM_ARM).build()).unwrap();
    assert!(f.abi_matches_dir("armeabi-v7a") && f.abi_matches_dir("armeabi"));
    assert!(!f.abi_matches_dir("arm64-v8a"));
    let f = analyze(&arm64().build()).unwrap();
    assert!(f.abi_matches_dir("arm64-v8a") && !f.abi_matches_dir("x86_64"));
}

#[test]
fn fatal_errors() {
    assert_eq!(
        analyze(b"").unwrap_err(),
        ElfError::TooShort { len: 0, needed: 16 }
    );
    assert!(matches!(
        analyze(b"PK\x03\x04aaaaaaaaaaaaaaaa"),
        Err(ElfError::NotElf { .. })
    ));
    let mut b = arm64().build();
    b[4] = 3;
    assert_eq!(analyze(&b).unwrap_err(), ElfError::BadClass(3));
    b[4] = 2;
    b[5] = 0;
    assert_eq!(analyze(&b).unwrap_err(), ElfError::BadDataEncoding(0));
    let b = arm64().build();
    assert_eq!(
        analyze(&b[..40]).unwrap_err(),
        ElfError::TooShort {
            len: 40,
            needed: 64
        }
    );
    // The message says what was expected.
    assert!(ElfError::BadClass(3).to_string().contains("expected 1"));
}

#[test]
fn bogus_counts_are_capped_and_reported() {
    let mut b = arm64().build();
    // e_phnum = 0xfffe, e_shnum = 0xfffe.
    b[56..58].copy_from_slice(&0xfffeu16.to_le_bytes());
    b[60..62].copy_from_slice(&0xfffeu16.to_le_bytes());
    let f = analyze(&b).unwrap();
    assert!(has(&f, |a| matches!(
        a,
        Anomaly::Truncated {
            table: Table::ProgramHeaders,
            count: 0xfffe,
            ..
        }
    )));
    assert!(has(&f, |a| matches!(
        a,
        Anomaly::Truncated {
            table: Table::SectionHeaders,
            count: 0xfffe,
            ..
        }
    )));
}

#[test]
fn overlapping_headers_are_reported() {
    let mut b = arm64().build();
    // Point the section header table at the program headers.
    b[40..48].copy_from_slice(&64u64.to_le_bytes());
    let f = analyze(&b).unwrap();
    assert!(has(&f, |a| matches!(a, Anomaly::OverlappingHeaders { .. })));
}

#[test]
fn unterminated_and_out_of_range_strings() {
    let lib = arm64();
    let mut b = lib.build();
    let e = Elf::parse(&b).unwrap();
    // Find the DT_SONAME entry and point it far outside .dynstr.
    let dyn_ph = *e
        .program_headers()
        .iter()
        .find(|p| p.p_type == PT_DYNAMIC)
        .unwrap();
    let mut off = dyn_ph.offset as usize;
    while u64::from_le_bytes(b[off..off + 8].try_into().unwrap()) != 14 {
        off += 16;
    }
    b[off + 8..off + 16].copy_from_slice(&0xffff_ffffu64.to_le_bytes());
    let f = analyze(&b).unwrap();
    assert_eq!(f.soname, None);
    assert!(has(&f, |a| matches!(
        a,
        Anomaly::StringOutOfBounds {
            count: 1,
            first_offset: 0xffff_ffff,
            ..
        }
    )));
}

#[test]
fn missing_dt_null_and_bad_gnu_hash() {
    let mut lib = arm64();
    lib.hash = Hash::Gnu;
    lib.sections = Sections::Stripped;
    let mut b = lib.build();
    let e = Elf::parse(&b).unwrap();
    let dyn_ph = *e
        .program_headers()
        .iter()
        .find(|p| p.p_type == PT_DYNAMIC)
        .unwrap();
    // Replace the final DT_NULL with DT_DEBUG.
    let last = (dyn_ph.offset + dyn_ph.filesz - 16) as usize;
    b[last..last + 8].copy_from_slice(&21u64.to_le_bytes());
    // Make the GNU hash bucket point below symoffset: nbuckets=1, symoffset=5, bucket=1.
    let mut off = dyn_ph.offset as usize;
    while u64::from_le_bytes(b[off..off + 8].try_into().unwrap()) != 0x6fff_fef5 {
        off += 16;
    }
    let hash = (u64::from_le_bytes(b[off + 8..off + 16].try_into().unwrap()) - BASE) as usize;
    b[hash + 4..hash + 8].copy_from_slice(&5u32.to_le_bytes());
    let f = analyze(&b).unwrap();
    assert!(f.anomalies.contains(&Anomaly::DynamicNotTerminated));
    assert!(has(&f, |a| matches!(
        a,
        Anomaly::BadHashTable {
            table: Table::GnuHash,
            ..
        }
    )));
    assert!(has(&f, |a| matches!(a, Anomaly::SymbolCountUnknown { .. })));
}

#[test]
fn every_prefix_and_every_byte_flip_is_survived() {
    for lib in [
        arm64(),
        Lib {
            sections: Sections::Stripped,
            hash: Hash::Gnu,
            ..Lib::new(false, true, parse::EM_MIPS)
        },
    ] {
        let b = lib.build();
        for n in 0..b.len() {
            let _ = analyze(&b[..n]);
        }
        for i in 0..b.len() {
            for v in [0x00u8, 0x7f, 0x80, 0xff] {
                let mut m = b.clone();
                m[i] = v;
                if let Ok(f) = analyze(&m) {
                    assert!(f.anomalies.len() <= MAX_ANOMALIES + 1);
                    assert!(f.dynamic_symbols <= MAX_SYMBOLS as u64);
                }
            }
        }
    }
}

#[test]
fn json_shape() {
    let f = analyze(&arm64().build()).unwrap();
    let v = serde_json::to_value(&f).unwrap();
    assert_eq!(v["abi"], "arm64-v8a");
    assert_eq!(v["elf_type"], "DYN");
    assert_eq!(v["relro"], "full");
    assert_eq!(v["class"], "elf64");
    assert_eq!(v["symbol_source"], "section_headers");
    assert_eq!(v["jni_exports"], 2);
    assert_eq!(v["needed"][1], "liblog.so");
    let a = serde_json::to_value(Anomaly::DynsymMismatch {
        section_offset: 1,
        dynamic_offset: 2,
    })
    .unwrap();
    assert_eq!(a["kind"], "dynsym_mismatch");
}
