//! Prints the signing report of one APK: `cargo run --example sigdump -- APK [MIN_SDK]`.
#![allow(clippy::unwrap_used)]
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = std::fs::read(&args[1]).unwrap();
    let archive = medshield_zip::Archive::parse(&data).unwrap();
    let opts = medshield_signing::VerifyOptions {
        min_sdk: args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1),
        ..Default::default()
    };
    let t = std::time::Instant::now();
    let r = medshield_signing::verify(&archive, &opts);
    let el = t.elapsed();
    println!(
        "verified={} v1={:?}\nv2={:?}\nv3={:?}\nerrors={:?}",
        r.verified, r.schemes.v1, r.schemes.v2, r.schemes.v3, r.errors
    );
    for s in &r.signers {
        println!(
            "signer {} {} {} {}",
            s.sha256, s.subject, s.key_algorithm, s.key_size
        );
    }
    println!("elapsed {el:?}");
}
