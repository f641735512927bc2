//! Arbitrary indicator JSON against the built-in pack: evaluation and scoring never panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use medshield_rules::RulePack;

static PACK: OnceLock<Option<RulePack>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Some(pack) = PACK.get_or_init(|| RulePack::builtin().ok()) else { return };
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let e = pack.evaluate(&map);
    let s = pack.score(&e.findings);
    assert!((0.0..=100.0).contains(&s.score));
});
