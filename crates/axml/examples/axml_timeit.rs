//! Times decoding a binary XML plus the typed manifest (dev aid):
//! `cargo run --release -p medshield-axml --example axml_timeit FILE`.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        return;
    };
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let t0 = std::time::Instant::now();
    let n = 50;
    for _ in 0..n {
        if let Ok(doc) = medshield_axml::XmlDocument::parse(&bytes) {
            std::hint::black_box(medshield_axml::manifest::Manifest::from_document(&doc).ok());
        }
    }
    println!("{:?} per document, {} bytes", t0.elapsed() / n, bytes.len());
}
