//! Times parsing a resources.arsc (dev aid): `cargo run --release -p medshield-arsc --example arsc_timeit FILE`.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        return;
    };
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let t0 = std::time::Instant::now();
    let n = 20;
    for _ in 0..n {
        if let Ok(t) = medshield_arsc::ResourceTable::parse(&bytes) {
            std::hint::black_box(t.default_string(0x7f01_0000));
        }
    }
    println!("{:?} per parse, {} bytes", t0.elapsed() / n, bytes.len());
}
