#![no_main]
use libfuzzer_sys::fuzz_target;

// Input: the APK bytes; the central directory offset is taken from a ZIP parse when possible,
// otherwise from the last 4 bytes (so the fuzzer can aim at any position).
fuzz_target!(|data: &[u8]| {
    let cd = match medshield_zip::Archive::parse(data) {
        Ok(a) => a.central_directory_offset(),
        Err(_) => {
            let n = data.len();
            if n < 4 {
                return;
            }
            u64::from(u32::from_le_bytes([data[n - 4], data[n - 3], data[n - 2], data[n - 1]]))
        }
    };
    if let Ok(b) = medshield_signing::parse_signing_block(data, cd) {
        for p in &b.pairs {
            assert!(p.value.len() as u64 == p.len);
        }
    }
});
