#![no_main]
use libfuzzer_sys::fuzz_target;
use medshield_arsc::ResourceTable;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = ResourceTable::parse(data) {
        // Probe ids the table actually has plus a few fixed ones, in every resolution mode.
        let mut ids = vec![0x7f01_0000u32, 0x7f02_0000, 0x7f03_0001];
        for p in t.packages().iter().take(4) {
            for ty in 1..4u32 {
                for e in 0..4u32 {
                    ids.push((p.id << 24) | (ty << 16) | e);
                }
            }
        }
        for id in ids {
            let _ = t.resolve(id);
            let _ = t.resolve_string(id);
            let _ = t.default_string(id);
            let _ = t.string_for_locale(id, "zh-CN");
            let _ = t.resolve_file(id);
            let _ = t.name_of(id);
        }
        let _ = t.locales();
    }
});
