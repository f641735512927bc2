//! Throughput check: `cargo run --release -p medshield-dex --example dexbench -- FILE.dex...`
//! parses and summarizes the given files as one set, several times, and prints the best round's
//! MB/s for parse (checksum + SHA-1 included) and for summarize (every string checked, every
//! instruction of every method decoded). Best-of-rounds keeps a busy machine from skewing it.

use std::time::Instant;

const ROUNDS: usize = 10;

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
    let (mut best_parse, mut best_walk, mut insns) = (f64::MAX, f64::MAX, 0u64);
    for _ in 0..ROUNDS {
        let (mut parse, mut walk) = (0.0, 0.0);
        insns = 0;
        for f in &files {
            let t = Instant::now();
            let Ok(dex) = medshield_dex::Dex::parse(f) else {
                continue;
            };
            parse += t.elapsed().as_secs_f64();
            let t = Instant::now();
            let s = medshield_dex::summarize(&dex);
            walk += t.elapsed().as_secs_f64();
            insns += s.instructions;
        }
        best_parse = best_parse.min(parse);
        best_walk = best_walk.min(walk);
    }
    let mb = total as f64 / 1e6;
    println!(
        "{mb:.1} MB of dex, {insns} instructions: parse {:.1} ms ({:.0} MB/s), summarize {:.1} ms ({:.0} MB/s)",
        best_parse * 1e3,
        mb / best_parse,
        best_walk * 1e3,
        mb / best_walk
    );
}
