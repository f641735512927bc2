//! Behaviours in Quark-Engine's five stages: two catalog APIs whose combined use means something a
//! user should know (device ID sent by SMS, code downloaded and loaded…), with the evidence
//! stage reached:
//! 1 the permissions are requested · 2 either API is called · 3 both are called ·
//! 4 both are called in one method, first before second · 5 a value flows from the first call's
//! result into the second call's arguments (register data flow within the method).
//! Stages are consecutive: a stage counts only when every earlier one holds. Confidence is
//! stage × 20 %.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::{ApiCatalog, CallFacts, CatalogError};

const BUILTIN_BEHAVIOURS: &str = include_str!("../data/behaviours.toml");

/// One behaviour of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Behaviour {
    pub id: String,
    pub zh: String,
    pub en: String,
    /// Permissions the behaviour needs (stage 1).
    #[serde(default)]
    pub permissions: Vec<String>,
    /// API ids from the call catalogue.
    pub first: String,
    pub second: String,
}

#[derive(Deserialize)]
struct BehaviourFile {
    behaviour: Vec<Behaviour>,
}

/// The behaviour catalogue, checked against the API catalogue it refers to.
#[derive(Debug, Clone)]
pub struct Behaviours {
    list: Vec<Behaviour>,
}

/// How far one behaviour's evidence goes in one app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BehaviourMatch {
    pub id: String,
    pub zh: String,
    pub en: String,
    /// 0–5.
    pub stage: u8,
    /// stage × 20.
    pub confidence: u8,
    /// The method where stage 4 or 5 was seen.
    pub caller: Option<String>,
}

impl Behaviours {
    /// The built-in catalogue, validated against `apis`.
    pub fn builtin(apis: &ApiCatalog) -> Result<Self, CatalogError> {
        Self::from_toml(BUILTIN_BEHAVIOURS, apis)
    }

    pub fn from_toml(text: &str, apis: &ApiCatalog) -> Result<Self, CatalogError> {
        let file: BehaviourFile = toml::from_str(text)?;
        let mut seen = std::collections::HashSet::new();
        for b in &file.behaviour {
            if !seen.insert(b.id.clone()) {
                return Err(CatalogError::DuplicateId(b.id.clone()));
            }
            for api in [&b.first, &b.second] {
                if !apis.apis().iter().any(|a| &a.id == api) {
                    return Err(CatalogError::Invalid {
                        id: b.id.clone(),
                        problem: "names an API that is not in the call catalogue",
                    });
                }
            }
            if b.first == b.second {
                return Err(CatalogError::Invalid {
                    id: b.id.clone(),
                    problem: "first and second API are the same",
                });
            }
        }
        Ok(Behaviours {
            list: file.behaviour,
        })
    }

    pub fn list(&self) -> &[Behaviour] {
        &self.list
    }

    /// Every behaviour with the stage its evidence reaches (stage 0 ones left out).
    pub fn evaluate(&self, facts: &CallFacts, permissions: &[String]) -> Vec<BehaviourMatch> {
        let called = |id: &str| facts.calls.get(id).is_some_and(|c| c.count > 0);
        let pair = |list: &[crate::ApiPair], b: &Behaviour| {
            list.iter()
                .find(|p| p.first == b.first && p.second == b.second)
                .map(|p| p.caller.clone())
        };
        let mut out = Vec::new();
        for b in &self.list {
            let mut stage = 0u8;
            let mut caller = None;
            if b.permissions.iter().all(|p| permissions.contains(p)) {
                stage = 1;
                if called(&b.first) || called(&b.second) {
                    stage = 2;
                    if called(&b.first) && called(&b.second) {
                        stage = 3;
                        if let Some(c) = pair(&facts.ordered, b) {
                            stage = 4;
                            caller = Some(c);
                            if let Some(c) = pair(&facts.flows, b) {
                                stage = 5;
                                caller = Some(c);
                            }
                        }
                    }
                }
            }
            if stage >= 2 {
                out.push(BehaviourMatch {
                    id: b.id.clone(),
                    zh: b.zh.clone(),
                    en: b.en.clone(),
                    stage,
                    confidence: stage * 20,
                    caller,
                });
            }
        }
        out.sort_by(|a, b| b.stage.cmp(&a.stage).then_with(|| a.id.cmp(&b.id)));
        out
    }
}

/// `behaviours.*` indicators: every behaviour at stage ≥ 2, and the ids at stage 4 and 5.
pub fn behaviour_indicators(matches: &[BehaviourMatch]) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("behaviours.detected".into(), json!(matches));
    let at = |min: u8| -> Value {
        json!(matches
            .iter()
            .filter(|b| b.stage >= min)
            .map(|b| b.id.clone())
            .collect::<Vec<_>>())
    };
    m.insert("behaviours.same_method".into(), at(4));
    m.insert("behaviours.data_flow".into(), at(5));
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ApiCalls, ApiPair};

    #[test]
    fn builtin_catalogue_is_valid_and_large_enough() {
        let apis = ApiCatalog::builtin().unwrap();
        let b = Behaviours::builtin(&apis).unwrap();
        assert!(b.list().len() >= 40, "{} behaviours", b.list().len());
    }

    #[test]
    fn stages_are_consecutive() {
        let apis = ApiCatalog::builtin().unwrap();
        let b = Behaviours::from_toml(
            "[[behaviour]]\nid='x'\nzh='x'\nen='x'\npermissions=['P']\nfirst='privacy.device_id'\nsecond='privacy.sms_send_text'\n",
            &apis,
        )
        .unwrap();
        let mut facts = CallFacts::default();
        let perms = vec!["P".to_owned()];
        assert!(
            b.evaluate(&facts, &perms).is_empty(),
            "nothing called: stage 1 only, not reported"
        );
        facts.calls.insert(
            "privacy.device_id".into(),
            ApiCalls {
                count: 1,
                ..ApiCalls::default()
            },
        );
        assert_eq!(b.evaluate(&facts, &perms)[0].stage, 2);
        facts.calls.insert(
            "privacy.sms_send_text".into(),
            ApiCalls {
                count: 1,
                ..ApiCalls::default()
            },
        );
        assert_eq!(b.evaluate(&facts, &perms)[0].stage, 3);
        let pair = ApiPair {
            first: "privacy.device_id".into(),
            second: "privacy.sms_send_text".into(),
            caller: "La;->m".into(),
        };
        facts.flows.push(pair.clone());
        assert_eq!(
            b.evaluate(&facts, &perms)[0].stage,
            3,
            "a flow without the ordered call pair does not skip stage 4"
        );
        facts.ordered.push(pair);
        let m = &b.evaluate(&facts, &perms)[0];
        assert_eq!(
            (m.stage, m.confidence, m.caller.as_deref()),
            (5, 100, Some("La;->m"))
        );
        assert!(
            b.evaluate(&facts, &[]).is_empty(),
            "without the permissions the chain stops at stage 0"
        );
    }

    #[test]
    fn unknown_api_is_an_error() {
        let apis = ApiCatalog::builtin().unwrap();
        let bad = "[[behaviour]]\nid='x'\nzh='x'\nen='x'\nfirst='nope.nothing'\nsecond='privacy.sms_send_text'\n";
        assert!(Behaviours::from_toml(bad, &apis).is_err());
    }
}
