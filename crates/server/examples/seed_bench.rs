//! Fills a platform database with the scale the acceptance criteria name: 20,000 registered apps
//! of a few hundred owner units spread over the provinces and cities, each with one finished scan
//! and 10 findings (200,000 findings), for `bench/platform.py`.
//!
//! ```text
//! cargo run --release -p medshield-server --example seed_bench -- --data-dir DIR [--database-url postgres://…]
//!     [--apps 20000] [--findings-per-app 10] [--batch 1000]
//! ```
//!
//! Rows go in through `Db::bulk_insert_apps`, one transaction per batch. Distributions are fixed
//! by a seeded generator so that every run builds the same shape of data (identifiers are random,
//! as the platform makes them): statuses 70 % approved / 15 % pending / 10 % rejected /
//! 5 % revoked, grades 50 % A / 35 % B / 15 % C, rule ids drawn from the real rule pack with a
//! skew (a few rules fire on most apps, as in real scans). Guangdong carries about a sixth of
//! the apps, so a provincial regulator there sees a realistic share. Scan reports are not stored
//! (the list and dashboard never read them).

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use medshield_platform::{new_id, now_ms, Config, Platform};
use medshield_store::{App, AppFilter, Finding, Scan, Unit};

type AnyResult<T> = Result<T, Box<dyn Error>>;

struct Args {
    data_dir: PathBuf,
    database_url: String,
    apps: usize,
    findings_per_app: usize,
    batch: usize,
    units: usize,
}

fn parse_args() -> AnyResult<Args> {
    let mut args = Args {
        data_dir: PathBuf::new(),
        database_url: String::new(),
        apps: 20_000,
        findings_per_app: 10,
        batch: 1_000,
        units: 300,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--data-dir" => args.data_dir = PathBuf::from(value()?),
            "--database-url" => args.database_url = value()?,
            "--apps" => args.apps = value()?.parse()?,
            "--findings-per-app" => args.findings_per_app = value()?.parse()?,
            "--batch" => args.batch = value()?.parse::<usize>()?.max(1),
            "--units" => args.units = value()?.parse::<usize>()?.max(1),
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    if args.data_dir.as_os_str().is_empty() {
        return Err(
            "usage: seed_bench --data-dir DIR [--database-url URL] [--apps N] \
                    [--findings-per-app N] [--batch N] [--units N]"
                .into(),
        );
    }
    Ok(args)
}

/// SplitMix64: a fixed, dependency-free generator, so that the data's shape is the same each run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn hex(&mut self, chars: usize) -> String {
        let mut s = String::with_capacity(chars + 16);
        while s.len() < chars {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(chars);
        s
    }
}

const SERVICES: &[(&str, &str)] = &[
    ("预约挂号", "Appointments"),
    ("互联网医院", "Internet Hospital"),
    ("健康档案", "Health Records"),
    ("在线问诊", "Online Consultation"),
    ("体检报告", "Checkup Reports"),
    ("慢病管理", "Chronic Care"),
    ("母婴健康", "Maternal Health"),
    ("中医调理", "TCM Wellness"),
    ("药品配送", "Pharmacy Delivery"),
    ("检验查询", "Lab Results"),
    ("家庭医生", "Family Doctor"),
    ("心理咨询", "Mental Health"),
];

const OWNER_KINDS: &[(&str, &str)] = &[
    ("人民医院", "People's Hospital"),
    ("中医院", "TCM Hospital"),
    ("妇幼保健院", "Maternal and Child Hospital"),
    ("健康科技有限公司", "Health Technology Co."),
    ("互联网医院", "Internet Hospital"),
    ("社区卫生服务中心", "Community Health Center"),
];

#[tokio::main]
async fn main() -> AnyResult<()> {
    let args = parse_args()?;
    let started = Instant::now();
    let platform = Platform::open(Config {
        data_dir: args.data_dir.clone(),
        database_url: args.database_url.clone(),
        ..Config::default()
    })
    .await?;
    let db = &platform.db;
    let (_, existing) = db
        .apps(&AppFilter {
            limit: 1,
            ..AppFilter::default()
        })
        .await?;
    if existing > 0 {
        return Err(
            format!("the database already holds {existing} apps; seed an empty one").into(),
        );
    }

    // Owner units over every province and city; Guangdong's three regions are listed three times
    // more so that it holds about a sixth of the apps, as a populous province would.
    let regions: Vec<_> = db
        .regions()
        .await?
        .into_iter()
        .filter(|r| r.level >= 1)
        .collect();
    let mut weighted = Vec::new();
    for r in &regions {
        let copies = if r.code.starts_with("44") { 4 } else { 1 };
        for _ in 0..copies {
            weighted.push(r.clone());
        }
    }
    let mut rng = Rng(20_261_125);
    let now = now_ms();
    let mut units = Vec::with_capacity(args.units);
    for i in 0..args.units {
        let region = &weighted[i % weighted.len()];
        let (kind_zh, kind_en) = OWNER_KINDS[rng.below(OWNER_KINDS.len())];
        let unit = Unit {
            id: new_id("unit")?,
            name_zh: format!("{}第{}{}", region.name_zh, i + 1, kind_zh),
            name_en: format!("{} {} No. {}", region.name_en, kind_en, i + 1),
            kind: "owner".into(),
            region_code: region.code.clone(),
            created_at: now - 800 * 86_400_000,
        };
        db.insert_unit(&unit).await?;
        units.push((unit, region.path.clone()));
    }
    let units_done = started.elapsed();

    // Rule ids and titles from the real pack; a Zipf-like skew picks them.
    let pack = platform.scanner().rules();
    let pack_label = format!("{}@{}", pack.manifest().id, pack.manifest().version);
    let rules: Vec<(String, String, String, String, String)> = pack
        .rules()
        .iter()
        .map(|r| {
            let severity = serde_json::to_value(r.spec.severity)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            (
                r.spec.id.clone(),
                severity,
                r.spec.title.zh.clone(),
                r.spec.title.en.clone(),
                r.spec.cwe.join(","),
            )
        })
        .collect();
    if rules.len() < args.findings_per_app {
        return Err(format!(
            "the rule pack has {} rules, fewer than --findings-per-app",
            rules.len()
        )
        .into());
    }

    let mut inserted = 0usize;
    let mut apps = Vec::with_capacity(args.batch);
    let mut scans = Vec::with_capacity(args.batch);
    let mut findings = Vec::with_capacity(args.batch * args.findings_per_app);
    for i in 0..args.apps {
        let (unit, region_path) = &units[i % units.len()];
        let (svc_zh, svc_en) = SERVICES[rng.below(SERVICES.len())];
        let status = match rng.below(100) {
            0..=69 => "approved",
            70..=84 => "pending",
            85..=94 => "rejected",
            _ => "revoked",
        };
        let (grade, score) = match rng.below(100) {
            0..=49 => ("A", 85.0 + rng.below(150) as f64 / 10.0),
            50..=84 => ("B", 70.0 + rng.below(150) as f64 / 10.0),
            _ => ("C", 30.0 + rng.below(400) as f64 / 10.0),
        };
        // Registered over the last two years; the scan finished up to a month later.
        let created_at = now - (rng.below(730 * 24) as i64) * 3_600_000;
        let finished_at = (created_at + rng.below(30 * 24) as i64 * 3_600_000).min(now);
        let app_id = new_id("app")?;
        let scan_id = new_id("scan")?;
        let package = format!("cn.bench.u{}.app{}", i % units.len(), i);
        let cert = rng.hex(64);
        let version = format!("{}.{}", 1 + rng.below(5), rng.below(10));
        apps.push(App {
            id: app_id.clone(),
            unit_id: unit.id.clone(),
            region_code: unit.region_code.clone(),
            region_path: region_path.clone(),
            name_zh: format!("{}{}{}", unit.name_zh, svc_zh, i),
            name_en: format!("{} {} {}", unit.name_en, svc_en, i),
            platform: "android".into(),
            package: package.clone(),
            cert_sha256: cert.clone(),
            version: version.clone(),
            channels: r#"["华为应用市场","应用宝"]"#.into(),
            status: status.into(),
            created_by: "seed_bench".into(),
            created_at,
            updated_at: finished_at,
            latest_scan_id: Some(scan_id.clone()),
            latest_score: Some(score),
            latest_grade: Some(grade.into()),
        });
        scans.push(Scan {
            id: scan_id.clone(),
            app_id: app_id.clone(),
            blob_sha256: rng.hex(64),
            file_name: format!("{package}.apk"),
            size_bytes: 2_000_000 + rng.below(80_000_000) as i64,
            status: "done".into(),
            error: None,
            submitted_by: "seed_bench".into(),
            created_at: finished_at - 120_000,
            started_at: Some(finished_at - 60_000),
            finished_at: Some(finished_at),
            package: Some(package),
            version_name: Some(format!("{version}.0")),
            cert_sha256: Some(cert),
            score: Some(score),
            grade: Some(grade.into()),
            rule_pack: Some(pack_label.clone()),
            report_json: None,
        });
        // Distinct rules per scan, skewed toward the pack's first few dozen.
        let mut picked: Vec<usize> = Vec::with_capacity(args.findings_per_app);
        while picked.len() < args.findings_per_app {
            let a = rng.below(rules.len());
            let b = rng.below(rules.len());
            let idx = a.min(b).min(rng.below(rules.len()));
            if !picked.contains(&idx) {
                picked.push(idx);
            }
        }
        for idx in picked {
            let (rule_id, severity, title_zh, title_en, cwe) = &rules[idx];
            findings.push(Finding {
                id: new_id("fnd")?,
                scan_id: scan_id.clone(),
                app_id: app_id.clone(),
                rule_id: rule_id.clone(),
                severity: severity.clone(),
                title_zh: title_zh.clone(),
                title_en: title_en.clone(),
                cwe: cwe.clone(),
                deduction: 1.0 + rng.below(100) as f64 / 10.0,
            });
        }
        if apps.len() == args.batch || i + 1 == args.apps {
            db.bulk_insert_apps(&apps, &scans, &findings).await?;
            inserted += apps.len();
            apps.clear();
            scans.clear();
            findings.clear();
            if inserted % 5_000 == 0 || inserted == args.apps {
                eprintln!(
                    "seed_bench: {inserted} apps in {:.1} s",
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    // No ANALYZE: the benchmark measures the database as the server would find it after a
    // bulk load (SQLite keeps no statistics unless told to; PostgreSQL's autovacuum gathers them
    // on its own schedule).
    let total = started.elapsed();
    println!(
        "SEED-BENCH units={} apps={} scans={} findings={} units_s={:.2} insert_s={:.2} total_s={:.2}",
        units.len(),
        inserted,
        inserted,
        inserted * args.findings_per_app,
        units_done.as_secs_f64(),
        (total - units_done).as_secs_f64(),
        total.as_secs_f64()
    );
    platform.db.close().await;
    Ok(())
}
