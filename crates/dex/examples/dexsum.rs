//! Prints the summary of each dex file given as JSON: `cargo run -p medshield-dex --example dexsum -- FILE.dex`.

fn main() {
    for path in std::env::args().skip(1) {
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!("{path}: unreadable");
            continue;
        };
        match medshield_dex::Dex::parse_container(&bytes) {
            Ok(sections) => {
                for dex in &sections {
                    let s = medshield_dex::summarize(dex);
                    println!("{path}: {}", serde_json::to_string(&s).unwrap_or_default());
                }
            }
            Err(e) => println!("{path}: error: {e}"),
        }
    }
}
