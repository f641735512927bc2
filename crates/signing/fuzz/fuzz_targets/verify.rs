#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(a) = medshield_zip::Archive::parse(data) {
        for min_sdk in [1, 24, 28] {
            let opts = medshield_signing::VerifyOptions { min_sdk, ..Default::default() };
            let _ = medshield_signing::verify(&a, &opts);
        }
    }
});
