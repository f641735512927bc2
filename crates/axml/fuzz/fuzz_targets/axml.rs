#![no_main]
use libfuzzer_sys::fuzz_target;
use medshield_axml::manifest::Manifest;
use medshield_axml::nsc::NetworkSecurityConfig;
use medshield_axml::XmlDocument;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = XmlDocument::parse(data) {
        let _ = Manifest::from_document(&doc);
        let _ = NetworkSecurityConfig::from_document(&doc);
    }
});
