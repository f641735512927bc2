//! Typed Network Security Config (`res/xml/network_security_config.xml`), as
//! `android.security.net.config.XmlConfigSource` reads it.

use serde::Serialize;

use crate::{push_anomaly, Anomaly, AnomalyKind, Element, ResValue, XmlDocument};

/// Deepest `<domain-config>` nesting followed (the document itself is already depth-bounded).
pub const MAX_DOMAIN_CONFIG_DEPTH: usize = 16;

/// Source of trusted certificates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum CertificatesSource {
    /// pre-installed system CAs
    System,
    /// user-added CAs (trusting them enables interception)
    User,
    /// an app resource (`@raw/...`)
    Resource(u32),
    /// anything else written in `src`
    Other(String),
}

/// `<certificates>` inside `<trust-anchors>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Certificates {
    /// src
    pub src: CertificatesSource,
    /// overridePins (default false)
    pub override_pins: bool,
}

/// `<pin>` of a pin set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pin {
    /// digest algorithm (Android accepts only SHA-256)
    pub digest: String,
    /// base64 value
    pub value: String,
}

/// `<pin-set>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinSet {
    /// expiration date (yyyy-MM-dd)
    pub expiration: Option<String>,
    /// pins
    pub pins: Vec<Pin>,
}

/// `<domain>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Domain {
    /// host name
    pub name: String,
    /// includeSubdomains (default false)
    pub include_subdomains: bool,
}

/// `<base-config>`, `<domain-config>` or `<debug-overrides>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConfigBlock {
    /// cleartextTrafficPermitted, if written
    pub cleartext_traffic_permitted: Option<bool>,
    /// trust anchors, if a `<trust-anchors>` element is present
    pub trust_anchors: Option<Vec<Certificates>>,
    /// domains (domain-config only)
    pub domains: Vec<Domain>,
    /// pin set (domain-config only)
    pub pin_set: Option<PinSet>,
    /// nested domain-configs
    pub domain_configs: Vec<ConfigBlock>,
}

/// A whole Network Security Config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NetworkSecurityConfig {
    /// base-config
    pub base_config: Option<ConfigBlock>,
    /// top-level domain-configs
    pub domain_configs: Vec<ConfigBlock>,
    /// debug-overrides (only effective in debuggable builds)
    pub debug_overrides: Option<ConfigBlock>,
    /// oddities
    pub anomalies: Vec<Anomaly>,
}

/// Fatal NSC problems.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NscError {
    /// Root element is not `<network-security-config>`.
    #[error("root element is <{0}>, expected <network-security-config>")]
    WrongRoot(String),
}

fn nsc_anomaly(message: String) -> Anomaly {
    Anomaly {
        kind: AnomalyKind::NetworkSecurityConfig,
        offset: None,
        message,
    }
}

fn bool_attr(el: &Element, name: &str) -> Option<bool> {
    el.plain_attr(name).and_then(|a| {
        a.value
            .as_bool()
            .or_else(|| a.raw.as_deref().map(|r| r.trim() == "true"))
    })
}

fn string_attr(el: &Element, name: &str) -> Option<String> {
    el.plain_attr(name)
        .and_then(|a| a.string().map(str::to_owned))
}

fn trust_anchors(el: &Element) -> Vec<Certificates> {
    el.children_named("certificates")
        .map(|c| {
            let src = match c.plain_attr("src") {
                Some(a) => match &a.value {
                    ResValue::Reference(r) => CertificatesSource::Resource(*r),
                    _ => match a.string().map(str::trim) {
                        Some("system") => CertificatesSource::System,
                        Some("user") => CertificatesSource::User,
                        Some(o) => CertificatesSource::Other(o.to_owned()),
                        None => CertificatesSource::Other(String::new()),
                    },
                },
                None => CertificatesSource::Other(String::new()),
            };
            Certificates {
                src,
                override_pins: bool_attr(c, "overridePins").unwrap_or(false),
            }
        })
        .collect()
}

fn block(el: &Element, depth: usize, anomalies: &mut Vec<Anomaly>) -> ConfigBlock {
    let mut b = ConfigBlock {
        cleartext_traffic_permitted: bool_attr(el, "cleartextTrafficPermitted"),
        ..ConfigBlock::default()
    };
    for c in &el.children {
        match c.name.as_str() {
            "trust-anchors" => {
                if b.trust_anchors.is_some() {
                    push_anomaly(
                        anomalies,
                        nsc_anomaly(
                            "more than one <trust-anchors> (Android rejects the config)".into(),
                        ),
                    );
                }
                b.trust_anchors
                    .get_or_insert_with(Vec::new)
                    .extend(trust_anchors(c));
            }
            "domain" => b.domains.push(Domain {
                name: c.text.trim().to_owned(),
                include_subdomains: bool_attr(c, "includeSubdomains").unwrap_or(false),
            }),
            "pin-set" => {
                let pins = c
                    .children_named("pin")
                    .map(|p| Pin {
                        digest: string_attr(p, "digest").unwrap_or_default(),
                        value: p.text.trim().to_owned(),
                    })
                    .collect::<Vec<_>>();
                if pins.iter().any(|p| p.digest != "SHA-256") {
                    push_anomaly(
                        anomalies,
                        nsc_anomaly(
                            "pin with a digest other than SHA-256 (Android rejects the config)"
                                .into(),
                        ),
                    );
                }
                b.pin_set = Some(PinSet {
                    expiration: string_attr(c, "expiration"),
                    pins,
                });
            }
            "domain-config" => {
                if depth >= MAX_DOMAIN_CONFIG_DEPTH {
                    push_anomaly(
                        anomalies,
                        nsc_anomaly("domain-config nesting too deep; rest ignored".into()),
                    );
                } else {
                    b.domain_configs.push(block(c, depth + 1, anomalies));
                }
            }
            _ => {}
        }
    }
    b
}

impl NetworkSecurityConfig {
    /// Builds the typed config from a decoded document.
    pub fn from_document(doc: &XmlDocument) -> Result<NetworkSecurityConfig, NscError> {
        let root = doc.root();
        if root.name != "network-security-config" {
            return Err(NscError::WrongRoot(root.name.clone()));
        }
        let mut cfg = NetworkSecurityConfig::default();
        let mut anomalies = Vec::new();
        for c in &root.children {
            match c.name.as_str() {
                "base-config" => {
                    if cfg.base_config.is_some() {
                        push_anomaly(
                            &mut anomalies,
                            nsc_anomaly(
                                "more than one <base-config> (Android rejects the config)".into(),
                            ),
                        );
                    }
                    cfg.base_config = Some(block(c, 0, &mut anomalies));
                }
                "domain-config" => {
                    let b = block(c, 0, &mut anomalies);
                    if b.domains.is_empty() {
                        push_anomaly(
                            &mut anomalies,
                            nsc_anomaly(
                                "<domain-config> without <domain> (Android rejects the config)"
                                    .into(),
                            ),
                        );
                    }
                    cfg.domain_configs.push(b);
                }
                "debug-overrides" => cfg.debug_overrides = Some(block(c, 0, &mut anomalies)),
                other => push_anomaly(
                    &mut anomalies,
                    nsc_anomaly(format!("unknown element <{other}>")),
                ),
            }
        }
        cfg.anomalies = anomalies;
        Ok(cfg)
    }

    /// Whether any block trusts user-installed CAs (outside debug-overrides).
    pub fn trusts_user_cas(&self) -> bool {
        fn any_user(b: &ConfigBlock) -> bool {
            b.trust_anchors
                .iter()
                .flatten()
                .any(|c| c.src == CertificatesSource::User)
                || b.domain_configs.iter().any(any_user)
        }
        self.base_config.iter().any(any_user) || self.domain_configs.iter().any(any_user)
    }

    /// Whether any block permits cleartext explicitly (outside debug-overrides).
    pub fn permits_cleartext(&self) -> bool {
        fn any_clear(b: &ConfigBlock) -> bool {
            b.cleartext_traffic_permitted == Some(true) || b.domain_configs.iter().any(any_clear)
        }
        self.base_config.iter().any(any_clear) || self.domain_configs.iter().any(any_clear)
    }
}
