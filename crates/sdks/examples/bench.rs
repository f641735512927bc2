//! Measures detection over N synthetic descriptors: `cargo run --release --example bench`.
use std::time::Instant;

use medshield_sdks::{Evidence, SignatureDb};

fn main() {
    let roots = [
        "androidx/appcompat/widget",
        "com/example/app/ui",
        "com/umeng/analytics/pro",
        "com/tencent/bugly/crashreport",
        "okhttp3/internal/http2",
        "com/google/android/gms/ads/internal",
        "io/reactivex/internal/operators",
        "com/alibaba/fastjson/serializer",
    ];
    let mut descs: Vec<String> = (0..50_000usize)
        .map(|i| format!("L{}/p{}/C{};", roots[i % roots.len()], (i / 20) % 320, i))
        .collect();
    descs.sort();
    let refs: Vec<&str> = descs.iter().map(String::as_str).collect();
    calibrate(&refs);
    let db = SignatureDb::builtin();
    let t = Instant::now();
    let db2 = SignatureDb::try_builtin();
    eprintln!("parse+compile builtin: {:?} ({})", t.elapsed(), db2.is_ok());
    let ev = Evidence {
        class_descriptors: &refs,
        ..Evidence::default()
    };
    let mut best = std::time::Duration::MAX;
    let mut total = std::time::Duration::ZERO;
    let runs = 200;
    let cpu0 = thread_cpu_ticks();
    for _ in 0..runs {
        let t = Instant::now();
        let d = db.detect(&ev);
        let e = t.elapsed();
        std::hint::black_box(d);
        best = best.min(e);
        total += e;
    }
    let cpu = thread_cpu_ticks().saturating_sub(cpu0);
    eprintln!(
        "detect 50k: best {best:?}, mean {:?} over {runs} runs",
        total / runs
    );
    // utime+stime in clock ticks (100 Hz): CPU time actually spent, unaffected by other load.
    eprintln!(
        "detect 50k: CPU time per run {:.3} ms",
        cpu as f64 * 10.0 / f64::from(runs)
    );
    let t = Instant::now();
    let mut det = db.detector();
    for r in &refs {
        det.class_descriptor(r);
    }
    eprintln!("stream 50k: {:?}", t.elapsed());
    let t = Instant::now();
    let d = db.detector();
    eprintln!("new detector: {:?}", t.elapsed());
    let t = Instant::now();
    let _ = d.finish();
    eprintln!("finish: {:?}", t.elapsed());
}

#[allow(dead_code)]
fn calibrate(refs: &[&str]) {
    let t = Instant::now();
    let mut n = 0usize;
    for r in refs {
        n += r.rfind('/').unwrap_or(0);
    }
    eprintln!("calibrate rfind over 50k: {:?} ({n})", t.elapsed());
}

/// utime + stime of this thread, in clock ticks, from /proc (Linux only; 0 elsewhere).
fn thread_cpu_ticks() -> u64 {
    let Ok(s) = std::fs::read_to_string("/proc/thread-self/stat") else {
        return 0;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = s.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let p = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    p(11) + p(12)
}
