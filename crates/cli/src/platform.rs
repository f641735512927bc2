//! The platform's commands: `serve`, `authcode verify`, `audit verify`, `keys rotate`.
//!
//! Configuration is layered: built-in defaults, then a TOML file (`--config FILE` or
//! `MEDSHIELD_CONFIG`), then `MEDSHIELD_*` environment variables, then flags.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use medshield_platform::{Config, KeyStore, Platform};

const USAGE: &str = "\
    medshield serve [--config FILE] [--data-dir DIR] [--listen ADDR] [--database-url URL] [--demo]
    medshield authcode verify <TOKEN> [--keys DATA_DIR|PEM_DIR|PEM_FILE]
    medshield audit verify [--config FILE] [--data-dir DIR] [--database-url URL]
    medshield keys rotate [--config FILE] [--data-dir DIR]";

pub fn is_platform_command(first: &str) -> bool {
    matches!(first, "serve" | "authcode" | "audit" | "keys")
}

struct Flags {
    config: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    listen: Option<String>,
    database_url: Option<String>,
    keys: Option<PathBuf>,
    demo: bool,
    positional: Vec<String>,
}

fn parse(args: Vec<OsString>) -> Result<Flags, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut f = Flags {
        config: None,
        data_dir: None,
        listen: None,
        database_url: None,
        keys: None,
        demo: false,
        positional: Vec::new(),
    };
    while let Some(arg) = parser.next()? {
        match arg {
            Long("config") => f.config = Some(parser.value()?.into()),
            Long("data-dir") => f.data_dir = Some(parser.value()?.into()),
            Long("listen") => f.listen = Some(parser.value()?.string()?),
            Long("database-url") => f.database_url = Some(parser.value()?.string()?),
            Long("keys") => f.keys = Some(parser.value()?.into()),
            Long("demo") => f.demo = true,
            Value(v) => f.positional.push(v.string()?),
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(f)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn load_config(flags: &Flags) -> anyhow::Result<Config> {
    let file = flags
        .config
        .clone()
        .or_else(|| env("MEDSHIELD_CONFIG").map(PathBuf::from));
    let mut config = match file {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            toml::from_str::<Config>(&text)
                .with_context(|| format!("{}: not a valid configuration", path.display()))?
        }
        None => Config::default(),
    };
    if let Some(v) = env("MEDSHIELD_DATA_DIR") {
        config.data_dir = v.into();
    }
    if let Some(v) = env("MEDSHIELD_DATABASE_URL") {
        config.database_url = v;
    }
    if let Some(v) = env("MEDSHIELD_LISTEN") {
        config.listen = v;
    }
    if let Some(v) = env("MEDSHIELD_COOKIE_SECURE") {
        config.cookie_secure = !matches!(v.as_str(), "false" | "0" | "no");
    }
    if let Some(v) = env("MEDSHIELD_SCAN_WORKERS") {
        config.scan_workers = v
            .parse()
            .context("MEDSHIELD_SCAN_WORKERS must be a number")?;
    }
    if let Some(v) = env("MEDSHIELD_MAX_UPLOAD_BYTES") {
        config.max_upload_bytes = v
            .parse()
            .context("MEDSHIELD_MAX_UPLOAD_BYTES must be a number")?;
    }
    if let Some(v) = env("MEDSHIELD_PII_KEY_FILE") {
        config.pii_key_file = Some(v.into());
    }
    if let Some(v) = &flags.data_dir {
        config.data_dir = v.clone();
    }
    if let Some(v) = &flags.database_url {
        config.database_url = v.clone();
    }
    if let Some(v) = &flags.listen {
        config.listen = v.clone();
    }
    Ok(config)
}

pub fn run(args: Vec<OsString>) -> ExitCode {
    let outcome = parse(args)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .and_then(|flags| dispatch(&flags));
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("medshield: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::from(2)
        }
    }
}

fn dispatch(flags: &Flags) -> anyhow::Result<ExitCode> {
    let words: Vec<&str> = flags.positional.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["serve"] => serve(flags),
        ["authcode", "verify", token] => authcode_verify(flags, token),
        ["audit", "verify"] => audit_verify(flags),
        ["keys", "rotate"] => keys_rotate(flags),
        _ => bail!("usage:\n{USAGE}"),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn serve(flags: &Flags) -> anyhow::Result<ExitCode> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MEDSHIELD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
    let config = load_config(flags)?;
    runtime()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(&config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let address = listener.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| config.listen.clone());
        let platform = Platform::open(config.clone()).await.context("cannot open the platform")?;
        if let Some((username, password)) = platform.bootstrap().await? {
            println!("首次启动：已创建初始管理员账号，请用下面的一次性密码登录并立即修改，然后绑定动态口令。");
            println!("First start: the initial administrator was created. Sign in with this one-time password,");
            println!("change it at once and enrol a TOTP authenticator.");
            println!("MEDSHIELD-INITIAL-ADMIN {username} {password}");
        }
        if flags.demo {
            let accounts = platform.seed_demo().await?;
            if !accounts.is_empty() {
                println!("演示数据已创建 / demo data created. Demo accounts (one-time passwords, change at first sign-in):");
                for a in accounts {
                    println!("MEDSHIELD-DEMO-ACCOUNT {} {} {} ({})", a.username, a.one_time_password, a.role.as_str(), a.unit);
                }
            }
        }
        let db = if config.database_url.is_empty() { "SQLite" } else { "PostgreSQL" };
        println!("MedShield 平台已启动 / listening on http://{address}  (API docs: http://{address}/api/docs, database: {db}, data: {})", config.data_dir.display());
        medshield_server::serve(Arc::new(platform), listener).await.context("server")?;
        Ok(ExitCode::SUCCESS)
    })
}

fn authcode_verify(flags: &Flags, token: &str) -> anyhow::Result<ExitCode> {
    let keys = flags
        .keys
        .clone()
        .or_else(|| flags.data_dir.clone())
        .or_else(|| env("MEDSHIELD_DATA_DIR").map(PathBuf::from))
        .unwrap_or_else(|| Config::default().data_dir);
    let keyring = medshield_platform::keys::keyring_from_path(&keys)
        .with_context(|| format!("cannot load public keys from {}", keys.display()))?;
    if keyring.is_empty() {
        bail!("no public keys (*.pub.pem) under {}", keys.display());
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    match medshield_authcode::verify(token.trim(), &keyring, now) {
        Ok(claims) => {
            println!("授权码有效（签名与有效期）/ valid (signature and validity period)");
            println!("{}", serde_json::to_string_pretty(&claims)?);
            println!("注意：吊销状态需向平台查询 POST /api/v1/authcodes/verify / revocation is checked by the platform");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("授权码无效 / invalid: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

fn audit_verify(flags: &Flags) -> anyhow::Result<ExitCode> {
    let config = load_config(flags)?;
    runtime()?.block_on(async {
        let platform = Platform::open(config)
            .await
            .context("cannot open the platform")?;
        let report = platform.verify_audit().await?;
        println!(
            "审计记录 {} 条，签名检查点 {} 个 / {} records, {} signed checkpoints",
            report.records, report.checkpoints, report.records, report.checkpoints
        );
        if report.intact() {
            println!("审计链完整 / the audit chain is intact");
            Ok(ExitCode::SUCCESS)
        } else {
            println!("审计链被篡改 / the audit chain was tampered with:");
            for p in &report.problems {
                println!("  - {p}");
            }
            Ok(ExitCode::from(1))
        }
    })
}

fn keys_rotate(flags: &Flags) -> anyhow::Result<ExitCode> {
    let config = load_config(flags)?;
    // Open once so that a missing key store is created (and the data dir checked) first.
    KeyStore::open(&config.data_dir, config.pii_key_file.as_deref())?;
    let (old, new) = KeyStore::rotate(&config.data_dir)?;
    println!("签名密钥已轮换 / signing key rotated: {old} -> {new}");
    println!("旧公钥保留用于验证到期前的授权码 / the old public key stays for codes issued before the rotation");
    println!("请重启平台以使用新密钥 / restart the platform to sign with the new key");
    Ok(ExitCode::SUCCESS)
}
