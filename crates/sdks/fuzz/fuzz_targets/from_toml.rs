#![no_main]
//! User signature files: any text either loads or is rejected with an error, never a panic.
use libfuzzer_sys::fuzz_target;
use medshield_sdks::{Evidence, SignatureDb};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(db) = SignatureDb::from_toml(text) {
        let _ = db.undeclared_nesting();
        let _ = db.detect(&Evidence {
            class_descriptors: &["Lcom/a/b/C;", "Lcom/umeng/analytics/X;"],
            native_libs: &["lib/arm64-v8a/libjiagu.so"],
            files: &["assets/ijiami.dat"],
            app_classes: &["com.stub.StubApp"],
        });
    }
    let _ = SignatureDb::builtin_with(text);
});
