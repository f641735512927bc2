//! Writes the demo catalogue's packages into a directory: `cargo run -p medshield-apkgen
//! --example demo_apks -- OUT_DIR`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "demo-apks".into());
    std::fs::create_dir_all(&out)?;
    for spec in medshield_apkgen::demo_catalog() {
        let signer = medshield_apkgen::demo_signer(&spec)?;
        let bytes = medshield_apkgen::build_apk(&spec, &signer)?;
        let path = std::path::Path::new(&out).join(format!("{}.apk", spec.package));
        std::fs::write(&path, bytes)?;
        println!("{}", path.display());
    }
    Ok(())
}
