//! Inflates every entry of the given archives and prints the time and throughput: the floor that
//! a full `inspect` cannot beat. `cargo run --release -p medshield-zip --example inflate_all -- APK...`
#![allow(clippy::unwrap_used)]

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).unwrap();
        let start = std::time::Instant::now();
        let zip = medshield_zip::Archive::parse(&bytes).unwrap();
        let mut buf = Vec::new();
        let mut total = 0u64;
        for e in zip.entries() {
            if zip.read_into(e, &mut buf).is_ok() {
                total += buf.len() as u64;
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{path}: {total} bytes inflated in {:.1} ms ({:.0} MB/s)",
            secs * 1e3,
            total as f64 / secs / 1e6
        );
    }
}
