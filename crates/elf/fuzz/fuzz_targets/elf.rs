//! Feeds arbitrary bytes to the ELF reader: it must never panic, hang or over-allocate.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = medshield_elf::analyze(data) {
        assert!(f.anomalies.len() <= medshield_elf::MAX_ANOMALIES + 1);
        assert!(f.needed.len() <= medshield_elf::MAX_NEEDED);
        assert!(f.fortified_functions.len() <= medshield_elf::MAX_FORTIFIED);
        assert!(f.dynamic_symbols <= medshield_elf::MAX_SYMBOLS as u64);
    }
    if let Ok(elf) = medshield_elf::Elf::parse(data) {
        // Symbols are decoded lazily: walk them all as a caller would.
        let mut n = 0u64;
        for s in elf.dynamic_symbols() {
            assert!(s.name.len() <= medshield_elf::MAX_STRING_LEN);
            n += 1;
        }
        assert_eq!(n, elf.dynamic_symbol_count());
    }
});
