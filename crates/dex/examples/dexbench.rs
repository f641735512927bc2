//! Throughput check: `cargo run --release -p medshield-dex --example dexbench -- FILE.dex...`
//! parses and summarizes every file given (repeating the set until ~20 MB have been processed)
//! and prints MB/s for parse (checksum + SHA-1 included) and for summarize.

use std::time::Instant;

fn main() {
    let files: Vec<Vec<u8>> = std::env::args()
        .skip(1)
        .filter_map(|p| std::fs::read(p).ok())
        .collect();
    let total: usize = files.iter().map(Vec::len).sum();
    if total == 0 {
        eprintln!("usage: dexbench FILE.dex...");
        std::process::exit(2);
    }
    let rounds = (20_000_000 / total).max(1);
    let mut parse_time = 0.0;
    let mut walk_time = 0.0;
    let mut insns = 0u64;
    for _ in 0..rounds {
        for f in &files {
            let t = Instant::now();
            let Ok(dex) = medshield_dex::Dex::parse(f) else {
                continue;
            };
            parse_time += t.elapsed().as_secs_f64();
            let t = Instant::now();
            let s = medshield_dex::summarize(&dex);
            walk_time += t.elapsed().as_secs_f64();
            insns += s.instructions;
        }
    }
    let mb = (total * rounds) as f64 / 1e6;
    println!(
        "{mb:.1} MB of dex, {insns} instructions: parse {:.1} ms ({:.0} MB/s), summarize {:.1} ms ({:.0} MB/s)",
        parse_time * 1e3,
        mb / parse_time,
        walk_time * 1e3,
        mb / walk_time
    );
}
