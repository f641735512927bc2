//! Scans in the platform: uploads are stored content-addressed and queued; background workers
//! run the scanner off the request path and record findings, score and grade.

use std::path::PathBuf;
use std::sync::Arc;

use medshield_store::{CompletedScan, Finding, Scan};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::registry::major_minor;
use crate::{new_id, now_ms, Actor, Metrics, Permission, Platform, PlatformError, Result};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScanView {
    pub id: String,
    pub app_id: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub status: String,
    pub error: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    pub package: Option<String>,
    pub version_name: Option<String>,
    pub cert_sha256: Option<String>,
    pub score: Option<f64>,
    pub grade: Option<String>,
    pub rule_pack: Option<String>,
}

impl ScanView {
    pub fn from_row(s: &Scan) -> ScanView {
        ScanView {
            id: s.id.clone(),
            app_id: s.app_id.clone(),
            file_name: s.file_name.clone(),
            size_bytes: s.size_bytes,
            sha256: s.blob_sha256.clone(),
            status: s.status.clone(),
            error: s.error.clone(),
            created_at: s.created_at,
            finished_at: s.finished_at,
            package: s.package.clone(),
            version_name: s.version_name.clone(),
            cert_sha256: s.cert_sha256.clone(),
            score: s.score,
            grade: s.grade.clone(),
            rule_pack: s.rule_pack.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScanDetail {
    pub scan: ScanView,
    /// Whether the package scanned is the one registered (package name and signing certificate).
    pub matches_registration: Option<bool>,
    /// The full `medshield scan` JSON report (docs/inspect-json.md and the scan contract).
    #[schema(value_type = Option<Object>)]
    pub report: Option<serde_json::Value>,
}

/// What the platform reads from a package to prefill a registration.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackageFacts {
    pub package: String,
    pub version_name: Option<String>,
    pub version: Option<String>,
    pub version_code: Option<u64>,
    pub label: Option<String>,
    pub label_zh: Option<String>,
    pub cert_sha256: Option<String>,
    pub signature_verified: bool,
}

/// Reads registration facts from a package (`inspect` only: fast, no rules).
pub fn package_facts(bytes: &[u8]) -> Result<PackageFacts> {
    let report = medshield_apk::inspect(bytes, &medshield_apk::InspectOptions::default())
        .map_err(|e| PlatformError::Invalid(format!("无法解析安装包 / not a readable APK: {e}")))?;
    let label_zh = report
        .labels
        .iter()
        .find(|(locale, _)| {
            locale.starts_with("zh-CN") || locale.starts_with("zh_CN") || locale.as_str() == "zh"
        })
        .map(|(_, l)| l.clone());
    Ok(PackageFacts {
        version: report.version_name.as_deref().and_then(major_minor),
        package: report.package,
        version_name: report.version_name,
        version_code: report.version_code,
        label: report.label,
        label_zh,
        cert_sha256: report
            .signing
            .certificates
            .first()
            .map(|c| c.sha256.to_ascii_lowercase()),
        signature_verified: report.signing.verified,
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Platform {
    fn blob_path(&self, sha256: &str) -> PathBuf {
        self.blobs_dir().join(&sha256[..2]).join(sha256)
    }

    /// Stores `bytes` under their SHA-256 (once; identical uploads share a file).
    async fn store_blob(&self, bytes: &[u8]) -> Result<String> {
        let sha = sha256_hex(bytes);
        let path = self.blob_path(&sha);
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(sha);
        }
        let dir = path
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| self.blobs_dir());
        let io = |e: std::io::Error| PlatformError::Internal(format!("{}: {e}", dir.display()));
        tokio::fs::create_dir_all(&dir).await.map_err(io)?;
        // Write then rename: a crash never leaves a truncated blob under the final name.
        let tmp = dir.join(format!("{sha}.{}.tmp", std::process::id()));
        tokio::fs::write(&tmp, bytes).await.map_err(io)?;
        tokio::fs::rename(&tmp, &path).await.map_err(io)?;
        Ok(sha)
    }

    /// Queues a scan of an uploaded package for an app the actor can see.
    pub async fn upload_scan(
        &self,
        actor: &Actor,
        app_id: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<ScanView> {
        actor.require(Permission::ScansUpload)?;
        let app = self.visible_app(actor, app_id).await?;
        self.queue_scan(actor, &app.id, file_name, bytes).await
    }

    async fn queue_scan(
        &self,
        actor: &Actor,
        app_id: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<ScanView> {
        if bytes.len() as u64 > self.config.max_upload_bytes {
            return Err(PlatformError::TooLarge {
                limit: self.config.max_upload_bytes,
            });
        }
        if bytes.len() < 22 || &bytes[..2] != b"PK" {
            return Err(PlatformError::Invalid(
                "上传的文件不是 APK（ZIP）/ the upload is not an APK (ZIP)".into(),
            ));
        }
        let sha = self.store_blob(bytes).await?;
        let name: String = std::path::Path::new(file_name)
            .file_name()
            .map(|n| {
                n.to_string_lossy()
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect()
            })
            .filter(|n: &String| !n.is_empty())
            .unwrap_or_else(|| "upload.apk".into());
        let scan = Scan {
            id: new_id("scan")?,
            app_id: app_id.into(),
            blob_sha256: sha.clone(),
            file_name: name,
            size_bytes: bytes.len() as i64,
            status: "queued".into(),
            error: None,
            submitted_by: actor.user_id.clone(),
            created_at: now_ms(),
            started_at: None,
            finished_at: None,
            package: None,
            version_name: None,
            cert_sha256: None,
            score: None,
            grade: None,
            rule_pack: None,
            report_json: None,
        };
        self.db.insert_scan(&scan).await?;
        self.audit(
            actor,
            "scan.submit",
            "scan",
            &scan.id,
            json!(null),
            json!({"app_id": app_id, "sha256": sha, "size": bytes.len()}),
        )
        .await?;
        self.scan_queued.notify_waiters();
        Ok(ScanView::from_row(&scan))
    }

    /// A monitoring node submits a package it fetched from a distribution channel; the platform
    /// files it under the registered app with that package in the node's region.
    pub async fn submit_monitoring(
        &self,
        actor: &Actor,
        channel: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<ScanView> {
        actor.require(Permission::MonitoringSubmit)?;
        if bytes.len() as u64 > self.config.max_upload_bytes {
            return Err(PlatformError::TooLarge {
                limit: self.config.max_upload_bytes,
            });
        }
        let owned = bytes.to_vec();
        let facts = tokio::task::spawn_blocking(move || package_facts(&owned))
            .await
            .map_err(|e| PlatformError::Internal(format!("inspect task: {e}")))??;
        let (apps, _) = self
            .db
            .apps(&medshield_store::AppFilter {
                region_path: Some(actor.region_path.clone()),
                search: Some(facts.package.to_lowercase()),
                limit: 50,
                ..Default::default()
            })
            .await?;
        let app = apps
            .into_iter()
            .find(|a| a.package == facts.package)
            .ok_or_else(|| {
                PlatformError::Invalid(format!(
                    "本地区没有已备案的应用 {} / no registered app {} in this region",
                    facts.package, facts.package
                ))
            })?;
        let channel: String = channel.chars().take(200).collect();
        let view = self.queue_scan(actor, &app.id, file_name, bytes).await?;
        self.audit(
            actor,
            "monitoring.submit",
            "app",
            &app.id,
            json!(null),
            json!({"channel": channel, "scan_id": view.id}),
        )
        .await?;
        Ok(view)
    }

    pub async fn scan_detail(&self, actor: &Actor, scan_id: &str) -> Result<ScanDetail> {
        actor.require(Permission::ScansRead)?;
        let scan = self
            .db
            .scan(scan_id)
            .await?
            .ok_or(PlatformError::NotFound("scan"))?;
        let app = self
            .visible_app(actor, &scan.app_id)
            .await
            .map_err(|_| PlatformError::NotFound("scan"))?;
        let report = scan
            .report_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok());
        let matches_registration = match (&scan.package, &scan.cert_sha256) {
            (Some(p), Some(c)) => {
                Some(*p == app.package && c.eq_ignore_ascii_case(&app.cert_sha256))
            }
            _ => None,
        };
        Ok(ScanDetail {
            scan: ScanView::from_row(&scan),
            matches_registration,
            report,
        })
    }

    pub async fn scans_of_app(&self, actor: &Actor, app_id: &str) -> Result<Vec<ScanView>> {
        actor.require(Permission::ScansRead)?;
        let app = self.visible_app(actor, app_id).await?;
        Ok(self
            .db
            .scans_of_app(&app.id)
            .await?
            .iter()
            .map(ScanView::from_row)
            .collect())
    }

    /// Runs queued scans until `shutdown` fires. Several workers may run (here and on other
    /// nodes): claiming is atomic in the store.
    pub async fn scan_worker(self: Arc<Self>, shutdown: tokio::sync::watch::Receiver<bool>) {
        let mut shutdown = shutdown;
        loop {
            if *shutdown.borrow() {
                return;
            }
            match self.db.claim_next_scan(now_ms()).await {
                Ok(Some(scan)) => {
                    if let Err(e) = self.run_scan(&scan).await {
                        tracing::warn!(scan = %scan.id, error = %e, "scan failed");
                        Metrics::inc(&self.metrics.scans_failed);
                        let _ = self.db.fail_scan(&scan.id, &e.to_string(), now_ms()).await;
                        let _ = self
                            .audit(
                                &Actor::system(),
                                "scan.fail",
                                "scan",
                                &scan.id,
                                json!(null),
                                json!({"error": e.to_string()}),
                            )
                            .await;
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "claiming a scan"),
            }
            // Sleep until a scan is queued here, or poll (another node may have queued one).
            tokio::select! {
                _ = self.scan_queued.notified() => {}
                _ = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    async fn run_scan(&self, scan: &Scan) -> Result<()> {
        let path = self.blob_path(&scan.blob_sha256);
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|e| PlatformError::Internal(format!("package {}: {e}", scan.blob_sha256)))?;
        let scanner = Arc::clone(self.scanner());
        let today = medshield_analyzer::Date::from_unix_days(now_ms() / 86_400_000)
            .ok_or_else(|| PlatformError::Internal("clock out of range".into()))?;
        let report = tokio::task::spawn_blocking(move || scanner.scan(&bytes, today))
            .await
            .map_err(|e| PlatformError::Internal(format!("scanner task: {e}")))?
            .map_err(|e| {
                PlatformError::Invalid(format!("无法解析安装包 / not a readable APK: {e}"))
            })?;
        let report_json =
            serde_json::to_value(&report).map_err(|e| PlatformError::Internal(e.to_string()))?;
        let deductions = deductions(&report_json);
        let mut findings = Vec::new();
        for f in &report.findings {
            findings.push(Finding {
                id: new_id("fnd")?,
                scan_id: scan.id.clone(),
                app_id: scan.app_id.clone(),
                rule_id: f.rule_id.clone(),
                severity: serde_json::to_value(f.severity)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
                title_zh: f.title.zh.clone(),
                title_en: f.title.en.clone(),
                cwe: f.cwe.join(","),
                deduction: deductions.get(&f.rule_id).copied().unwrap_or(0.0),
            });
        }
        let grade = serde_json::to_value(report.score.grade)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let done = CompletedScan {
            scan_id: scan.id.clone(),
            app_id: scan.app_id.clone(),
            finished_at: now_ms(),
            package: report.package.clone(),
            version_name: report.version_name.clone().unwrap_or_default(),
            cert_sha256: report
                .inspect
                .signing
                .certificates
                .first()
                .map(|c| c.sha256.to_ascii_lowercase())
                .unwrap_or_default(),
            score: report.score.score,
            grade: grade.clone(),
            rule_pack: format!("{}@{}", report.rule_pack.id, report.rule_pack.version),
            report_json: report_json.to_string(),
        };
        self.db.complete_scan(&done, &findings).await?;
        Metrics::inc(&self.metrics.scans_done);
        self.audit(&Actor::system(), "scan.complete", "scan", &scan.id, json!(null),
            json!({"app_id": scan.app_id, "score": done.score, "grade": grade, "findings": findings.len(), "rule_pack": done.rule_pack})).await?;
        Ok(())
    }
}

/// Each rule's impact on the score, read from the breakdown tree (`impact` of every finding
/// under every node), so the finding rows carry what they cost.
fn deductions(report: &serde_json::Value) -> std::collections::HashMap<String, f64> {
    let mut out = std::collections::HashMap::new();
    let mut stack = vec![&report["score"]["breakdown"]];
    while let Some(node) = stack.pop() {
        match node {
            serde_json::Value::Object(map) => {
                if let (Some(id), Some(impact)) = (
                    map.get("rule_id").and_then(|v| v.as_str()),
                    map.get("impact").and_then(|v| v.as_f64()),
                ) {
                    *out.entry(id.to_string()).or_insert(0.0) += impact;
                }
                stack.extend(map.values());
            }
            serde_json::Value::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    out
}
