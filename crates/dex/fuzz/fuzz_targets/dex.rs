#![no_main]
//! Parse (all container sections), summarize, and decode every string, type, method and field
//! reference: nothing may panic, hang or allocate out of proportion to the input.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sections) = medshield_dex::Dex::parse_container(data) else {
        return;
    };
    for dex in &sections {
        let summary = medshield_dex::summarize(dex);
        std::hint::black_box(&summary);
        for s in dex.strings() {
            let _ = std::hint::black_box(s);
        }
        for i in 0..dex.method_ids_len().min(10_000) {
            let _ = std::hint::black_box(dex.method_ref(i).map(|m| m.to_string()));
        }
        for i in 0..dex.field_ids_len().min(10_000) {
            let _ = std::hint::black_box(dex.field_ref(i));
        }
        for class in dex.classes().take(64) {
            for f in class.fields().take(10_000) {
                let _ = std::hint::black_box(f);
            }
            for m in class.methods().take(10_000).flatten() {
                if let Ok(Some(code)) = m.code() {
                    for t in code.tries() {
                        std::hint::black_box(t);
                    }
                    for insn in code.instructions().flatten() {
                        std::hint::black_box(insn.registers().count());
                    }
                }
            }
        }
    }
});
