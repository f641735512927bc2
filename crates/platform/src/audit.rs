//! The tamper-evident audit trail.
//!
//! Every record carries the SM3 hash of its own fields and of its predecessor's hash, so editing,
//! deleting or reordering any record breaks every later link. Someone with write access to the
//! database could recompute the whole chain; SM2-signed *checkpoints* (the platform's key signs a
//! record's sequence number and hash) pin the chain's head periodically, so a rewrite is caught up
//! to the last checkpoint, and a truncation below a checkpoint is caught too.

use medshield_gm::{Sm3Hasher, VerifyingKey};
use medshield_store::{AuditCheckpoint, AuditRecord, Db, GENESIS_HASH};
use serde::Serialize;

use crate::PlatformError;

/// The distinguishing ID checkpoint signatures are made with.
pub const CHECKPOINT_DISTID: &str = "MedShield-Audit";
/// A checkpoint is written after this many records (and by the periodic task).
pub const CHECKPOINT_EVERY: i64 = 50;

/// The record hash: SM3 over a domain tag and every field, each length-prefixed so that no
/// two different records serialise to the same bytes.
pub fn record_hash(r: &AuditRecord) -> String {
    let mut h = Sm3Hasher::new();
    h.update(b"MSAUDIT1");
    h.update(&r.seq.to_be_bytes());
    h.update(&r.ts.to_be_bytes());
    for field in [
        &r.actor_id,
        &r.actor_name,
        &r.role,
        &r.ip,
        &r.action,
        &r.target_type,
        &r.target_id,
        &r.before_json,
        &r.after_json,
        &r.prev_hash,
    ] {
        h.update(&(field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    medshield_gm::to_hex(&h.finalize())
}

pub fn checkpoint_message(seq: i64, hash: &str, ts: i64) -> String {
    format!("MSAUDIT1|{seq}|{hash}|{ts}")
}

/// What `audit verify` found.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ChainReport {
    pub records: i64,
    pub checkpoints: usize,
    pub last_checkpoint_seq: Option<i64>,
    /// Every problem found, first first. Empty: the chain is intact.
    pub problems: Vec<String>,
}

impl ChainReport {
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Walks the whole chain and every checkpoint.
pub async fn verify_chain(
    db: &Db,
    keyring: &medshield_authcode::Keyring,
) -> Result<ChainReport, PlatformError> {
    let mut report = ChainReport::default();
    let checkpoints = db.checkpoints().await?;
    let mut cp_iter = checkpoints.iter().peekable();
    let mut expected_seq = 1i64;
    let mut prev_hash = GENESIS_HASH.to_string();
    let mut after = 0i64;
    const MAX_PROBLEMS: usize = 100;
    loop {
        let batch = db.audit_records(after, 2000).await?;
        if batch.is_empty() {
            break;
        }
        for r in &batch {
            report.records += 1;
            if r.seq != expected_seq && report.problems.len() < MAX_PROBLEMS {
                report.problems.push(format!(
                    "record {}: expected sequence {expected_seq} (a record was deleted or reordered)",
                    r.seq
                ));
            }
            if r.prev_hash != prev_hash && report.problems.len() < MAX_PROBLEMS {
                report.problems.push(format!(
                    "record {}: does not link to its predecessor",
                    r.seq
                ));
            }
            let computed = record_hash(r);
            if computed != r.hash && report.problems.len() < MAX_PROBLEMS {
                report.problems.push(format!(
                    "record {}: contents do not match its hash (edited)",
                    r.seq
                ));
            }
            while let Some(cp) = cp_iter.peek() {
                if cp.seq > r.seq {
                    break;
                }
                if cp.seq == r.seq && cp.hash != r.hash && report.problems.len() < MAX_PROBLEMS {
                    report.problems.push(format!(
                        "record {}: differs from the signed checkpoint (the chain was rewritten)",
                        r.seq
                    ));
                }
                cp_iter.next();
            }
            expected_seq = r.seq + 1;
            prev_hash = r.hash.clone();
            after = r.seq;
        }
    }
    for cp in &checkpoints {
        report.checkpoints += 1;
        report.last_checkpoint_seq = Some(cp.seq);
        if let Err(why) = verify_checkpoint(cp, keyring) {
            report
                .problems
                .push(format!("checkpoint {}: {why}", cp.seq));
        }
        if cp.seq > after {
            report.problems.push(format!(
                "checkpoint {} covers records that are missing (the log was truncated after record {after})",
                cp.seq
            ));
        }
    }
    Ok(report)
}

fn verify_checkpoint(
    cp: &AuditCheckpoint,
    keyring: &medshield_authcode::Keyring,
) -> Result<(), String> {
    use base64::Engine;
    let key: &VerifyingKey = keyring
        .get(&cp.kid)
        .ok_or_else(|| format!("signed with unknown key {}", cp.kid))?;
    let sig = base64::engine::general_purpose::STANDARD
        .decode(&cp.signature)
        .map_err(|_| "signature is not base64".to_string())?;
    key.verify(
        checkpoint_message(cp.seq, &cp.hash, cp.ts).as_bytes(),
        CHECKPOINT_DISTID,
        &sig,
    )
    .map_err(|_| "signature does not verify".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_covers_every_field() {
        let r = AuditRecord {
            seq: 1,
            ts: 2,
            actor_id: "a".into(),
            actor_name: "b".into(),
            role: "c".into(),
            ip: "d".into(),
            action: "e".into(),
            target_type: "f".into(),
            target_id: "g".into(),
            before_json: "h".into(),
            after_json: "i".into(),
            prev_hash: "j".into(),
            hash: String::new(),
        };
        let base = record_hash(&r);
        let mut variants = vec![];
        let mut m = r.clone();
        m.seq = 2;
        variants.push(m);
        let mut m = r.clone();
        m.ts = 3;
        variants.push(m);
        let mut m = r.clone();
        m.actor_name = "bb".into();
        variants.push(m);
        // Moving a character between adjacent fields must change the hash (length prefixes).
        let mut m = r.clone();
        m.actor_id = "ab".into();
        m.actor_name = String::new();
        variants.push(m);
        let mut m = r.clone();
        m.after_json = "I".into();
        variants.push(m);
        let mut m = r;
        m.prev_hash = "k".into();
        variants.push(m);
        for v in variants {
            assert_ne!(record_hash(&v), base, "{v:?}");
        }
    }
}
