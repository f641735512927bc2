//! Rule packs: loading (built-in and user directories), CEL compilation and evaluation.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cel::common::ast::{EntryExpr, Expr};
use cel::{Context, Env, ExecutionError, IdedExpr, Program, Value as CelValue};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{LoadError, Problem};
use crate::risk::{RiskModel, RiskScore};
use crate::rule::{
    parse_rule, Confidence, Expect, NationalRef, RuleCase, RuleSpec, Severity, Text,
};
use crate::scope::NecessaryScope;
use crate::value::{cel_to_json, flatten_toml, json_to_cel, nest, toml_to_json};

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// File names with a special meaning at the root of a pack (built-in or user directory).
pub const PACK_FILE: &str = "pack.toml";
pub const RISK_MODEL_FILE: &str = "risk-model.toml";
pub const SCOPE_FILE: &str = "necessary-scope.toml";

/// Caps for user directories, which are read from disk at run time.
pub const MAX_USER_FILES: usize = 10_000;
pub const MAX_USER_FILE_BYTES: u64 = 1024 * 1024;
pub const MAX_USER_DIR_DEPTH: usize = 8;
/// Longest CEL expression accepted; rules are short, and cel's parser work grows with input.
pub const MAX_EXPRESSION_BYTES: usize = 16 * 1024;
/// Evidence items kept per finding; the rest are counted in `evidence_total`.
pub const MAX_EVIDENCE_ITEMS: usize = 200;

/// `pack.toml`: the identity of a pack; a scan records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackManifest {
    pub id: String,
    pub version: String,
    #[serde(default)]
    pub description: Option<Text>,
}

/// What a scan records about the rules it used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackInfo {
    pub id: String,
    pub version: String,
    /// The risk model's `id@version`.
    pub risk_model: String,
    pub rules: usize,
    /// User directories layered on top, in order.
    pub overlays: Vec<OverlayInfo>,
}

/// One user directory layered on the built-in pack.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverlayInfo {
    pub source: String,
    /// From the directory's own `pack.toml`, when it has one.
    pub id: Option<String>,
    pub version: Option<String>,
    pub added: Vec<String>,
    pub overridden: Vec<String>,
    pub replaced_risk_model: bool,
    pub replaced_scope: bool,
}

/// Where a rule came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleOrigin {
    Builtin,
    User,
}

/// A validated rule with its compiled expressions.
pub struct Rule {
    pub spec: RuleSpec,
    /// File the rule came from (relative to the pack root, or the user file path).
    pub file: String,
    pub origin: RuleOrigin,
    condition: Program,
    evidence: Option<Program>,
    /// Dotted names read by the expressions (`app.debuggable`), comprehension variables excluded.
    paths: Vec<String>,
    /// Root variables read (`app`), bound to an empty map when no indicator has that root.
    roots: Vec<String>,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("id", &self.spec.id)
            .field("file", &self.file)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// The indicator names this rule's expressions read.
    pub fn indicators(&self) -> &[String] {
        &self.paths
    }
}

/// A finding: a rule whose condition held, with everything an output format needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub cwe: Vec<String>,
    pub masvs: Vec<String>,
    pub national: Vec<NationalRef>,
    pub risk_node: String,
    pub title: Text,
    pub description: Text,
    pub remediation: Text,
    /// The offending items, as the rule's `evidence` expression lists them (at most
    /// [`MAX_EVIDENCE_ITEMS`]).
    pub evidence: Vec<Value>,
    /// How many items the evidence expression returned before the cap.
    pub evidence_total: usize,
}

/// Why a rule gave no answer, or gave a partial one.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Diagnostic {
    /// An indicator the rule reads is absent: the rule was not evaluated (never counted as fired).
    MissingIndicator {
        rule_id: String,
        indicators: Vec<String>,
    },
    /// The expression failed on the values given (wrong type, no such overload...).
    ExpressionError {
        rule_id: String,
        field: String,
        message: String,
    },
    /// The condition gave something other than a bool.
    NotBool { rule_id: String, got: String },
    /// Two indicator names collide (`a.b` is both a value and a prefix of `a.b.c`).
    IndicatorConflict { indicator: String },
}

/// The result of evaluating a pack against one app's indicators.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub pack: PackInfo,
    /// Most severe first, then by rule id.
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
    pub rules_total: usize,
    pub rules_evaluated: usize,
}

/// How one rule fared on one set of indicators.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Fired(Box<Finding>),
    Passed,
    NotEvaluated(Diagnostic),
}

/// A rule test case whose outcome differed from its expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFailure {
    pub rule_id: String,
    pub case: String,
    pub message: String,
}

impl std::fmt::Display for CaseFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "rule {} case `{}`: {}",
            self.rule_id, self.case, self.message
        )
    }
}

/// A loaded, validated and compiled rule pack with its risk model and necessary-information scope.
pub struct RulePack {
    manifest: PackManifest,
    overlays: Vec<OverlayInfo>,
    rules: Vec<Rule>,
    model: RiskModel,
    scope: NecessaryScope,
    env: Arc<Env>,
}

impl std::fmt::Debug for RulePack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RulePack")
            .field("manifest", &self.manifest)
            .field("rules", &self.rules.len())
            .finish_non_exhaustive()
    }
}

/// The files of one pack root, sorted by role.
struct PackFiles {
    manifest: Option<(String, String)>,
    model: Option<(String, String)>,
    scope: Option<(String, String)>,
    rules: Vec<(String, String)>,
}

fn classify(files: Vec<(String, String)>) -> PackFiles {
    let mut out = PackFiles {
        manifest: None,
        model: None,
        scope: None,
        rules: Vec::new(),
    };
    for (path, text) in files {
        match path.as_str() {
            PACK_FILE => out.manifest = Some((path, text)),
            RISK_MODEL_FILE => out.model = Some((path, text)),
            SCOPE_FILE => out.scope = Some((path, text)),
            _ => out.rules.push((path, text)),
        }
    }
    out
}

fn parse_manifest(file: &str, text: &str) -> Result<PackManifest, Problem> {
    let m: PackManifest = toml::from_str(text).map_err(|e| Problem::toml(file, &e))?;
    if m.id.trim().is_empty() {
        return Err(Problem::field(file, "id", "must not be empty".into()));
    }
    if !is_semver(&m.version) {
        return Err(Problem::field(
            file,
            "version",
            format!(
                "`{}` is not a semantic version (MAJOR.MINOR.PATCH)",
                m.version
            ),
        ));
    }
    Ok(m)
}

/// MAJOR.MINOR.PATCH with optional `-pre` and `+build` parts (semver 2.0 shape).
pub(crate) fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let rest = &v[core.len()..];
    let nums: Vec<&str> = core.split('.').collect();
    let core_ok = nums.len() == 3
        && nums.iter().all(|n| {
            !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
                && (n.len() == 1 || !n.starts_with('0'))
        });
    let rest_ok = rest.is_empty()
        || (rest.len() > 1
            && rest[1..]
                .split(['.', '+', '-'])
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric())));
    core_ok && rest_ok
}

fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".toml").unwrap_or(name)
}

/// Collects the dotted names an expression reads, skipping comprehension variables.
fn collect_paths(expr: &IdedExpr, bound: &mut Vec<String>, out: &mut BTreeSet<String>) {
    match &expr.expr {
        Expr::Ident(name) => {
            if !bound.iter().any(|b| b == name) {
                out.insert(name.clone());
            }
        }
        Expr::Select(sel) if sel.test => {
            // `has(a.b)` reads `a` and tolerates a missing `b`.
            collect_paths(&sel.operand, bound, out);
        }
        Expr::Select(sel) => {
            // A chain of selects over an identifier spells an indicator name.
            let mut segments = vec![sel.field.as_str()];
            let mut e = &sel.operand.expr;
            loop {
                match e {
                    Expr::Select(s) if !s.test => {
                        segments.push(s.field.as_str());
                        e = &s.operand.expr;
                    }
                    Expr::Ident(root) => {
                        if !bound.iter().any(|b| b == root) {
                            segments.push(root);
                            segments.reverse();
                            out.insert(segments.join("."));
                        }
                        return;
                    }
                    _ => {
                        collect_paths(&sel.operand, bound, out);
                        return;
                    }
                }
            }
        }
        Expr::Call(call) => {
            if let Some(t) = &call.target {
                collect_paths(t, bound, out);
            }
            for a in &call.args {
                collect_paths(a, bound, out);
            }
        }
        Expr::Comprehension(c) => {
            collect_paths(&c.iter_range, bound, out);
            collect_paths(&c.accu_init, bound, out);
            let before = bound.len();
            bound.push(c.iter_var.clone());
            if let Some(v2) = &c.iter_var2 {
                bound.push(v2.clone());
            }
            bound.push(c.accu_var.clone());
            collect_paths(&c.loop_cond, bound, out);
            collect_paths(&c.loop_step, bound, out);
            collect_paths(&c.result, bound, out);
            bound.truncate(before);
        }
        Expr::List(l) => {
            for e in &l.elements {
                collect_paths(e, bound, out);
            }
        }
        Expr::Map(m) => {
            for entry in &m.entries {
                if let EntryExpr::MapEntry(me) = &entry.expr {
                    collect_paths(&me.key, bound, out);
                    collect_paths(&me.value, bound, out);
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &s.entries {
                match &entry.expr {
                    EntryExpr::StructField(f) => collect_paths(&f.value, bound, out),
                    EntryExpr::MapEntry(me) => collect_paths(&me.value, bound, out),
                }
            }
        }
        Expr::Literal(_) | Expr::Unspecified => {}
    }
}

fn compile(env: &Env, file: &str, field: &str, src: &str) -> Result<Program, Problem> {
    if src.len() > MAX_EXPRESSION_BYTES {
        return Err(Problem::field(
            file,
            field,
            format!("expression longer than {MAX_EXPRESSION_BYTES} bytes"),
        ));
    }
    env.compile(src).map_err(|e| {
        Problem::field(
            file,
            field,
            format!(
                "CEL syntax error: {}",
                e.to_string().replace('\n', " ").trim()
            ),
        )
    })
}

fn compile_rule(
    env: &Env,
    file: &str,
    spec: RuleSpec,
    origin: RuleOrigin,
) -> Result<Rule, Vec<Problem>> {
    let mut problems = Vec::new();
    let condition = compile(env, file, "condition", &spec.condition).map_err(|p| problems.push(p));
    let evidence = match &spec.evidence {
        Some(src) => compile(env, file, "evidence", src)
            .map(Some)
            .map_err(|p| problems.push(p)),
        None => Ok(None),
    };
    let (Ok(condition), Ok(evidence)) = (condition, evidence) else {
        return Err(problems);
    };
    let mut paths = BTreeSet::new();
    collect_paths(condition.expression(), &mut Vec::new(), &mut paths);
    if let Some(e) = &evidence {
        collect_paths(e.expression(), &mut Vec::new(), &mut paths);
    }
    let roots: BTreeSet<String> = paths
        .iter()
        .map(|p| p.split('.').next().unwrap_or(p).to_owned())
        .collect();
    Ok(Rule {
        spec,
        file: file.to_owned(),
        origin,
        condition,
        evidence,
        paths: paths.into_iter().collect(),
        roots: roots.into_iter().collect(),
    })
}

/// Reads every `*.toml` file under `dir` (bounded), as (path relative to `dir`, text).
fn read_dir_files(dir: &Path) -> Result<Vec<(String, String)>, LoadError> {
    fn walk(
        root: &Path,
        dir: &Path,
        depth: usize,
        out: &mut Vec<(String, String)>,
        problems: &mut Vec<Problem>,
    ) {
        let shown = dir.display().to_string();
        if depth > MAX_USER_DIR_DEPTH {
            problems.push(Problem::file(
                &shown,
                format!("nested deeper than {MAX_USER_DIR_DEPTH} directories"),
            ));
            return;
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                problems.push(Problem::file(&shown, format!("cannot read directory: {e}")));
                return;
            }
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            if name.as_deref().is_some_and(|n| n.starts_with('.')) {
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            if path.is_dir() {
                walk(root, &path, depth + 1, out, problems);
                continue;
            }
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            if out.len() >= MAX_USER_FILES {
                problems.push(Problem::file(
                    &shown,
                    format!("more than {MAX_USER_FILES} rule files"),
                ));
                return;
            }
            match std::fs::metadata(&path) {
                Ok(m) if m.len() > MAX_USER_FILE_BYTES => {
                    problems.push(Problem::file(
                        &rel,
                        format!("larger than {MAX_USER_FILE_BYTES} bytes"),
                    ));
                    continue;
                }
                Err(e) => {
                    problems.push(Problem::file(&rel, format!("cannot read: {e}")));
                    continue;
                }
                Ok(_) => {}
            }
            match std::fs::read_to_string(&path) {
                Ok(text) => out.push((rel, text)),
                Err(e) => problems.push(Problem::file(&rel, format!("cannot read: {e}"))),
            }
        }
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    walk(dir, dir, 0, &mut out, &mut problems);
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(LoadError { problems })
    }
}

/// Parses and compiles a set of rule files; problems are collected, not stopped at.
fn load_rules(
    env: &Env,
    files: &[(String, String)],
    origin: &RuleOrigin,
    display_prefix: &str,
    problems: &mut Vec<Problem>,
) -> Vec<Rule> {
    let mut rules: Vec<Rule> = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (path, text) in files {
        let shown = format!("{display_prefix}{path}");
        let spec = match parse_rule(&shown, file_stem(path), text) {
            Ok(s) => s,
            Err(p) => {
                problems.extend(p);
                continue;
            }
        };
        if let Some(first) = seen.get(&spec.id) {
            problems.push(Problem::field(
                &shown,
                "id",
                format!("`{}` is already defined in {first}", spec.id),
            ));
            continue;
        }
        seen.insert(spec.id.clone(), shown.clone());
        match compile_rule(env, &shown, spec, origin.clone()) {
            Ok(r) => rules.push(r),
            Err(p) => problems.extend(p),
        }
    }
    rules
}

impl RulePack {
    /// The pack built into the binary (the repository's `rules/` directory at build time).
    pub fn builtin() -> Result<RulePack, LoadError> {
        let files = BUILTIN_FILES
            .iter()
            .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
            .collect();
        RulePack::from_files(files)
    }

    /// The files of the built-in pack: (path relative to `rules/`, text).
    pub fn builtin_files() -> impl Iterator<Item = (&'static str, &'static str)> {
        BUILTIN_FILES.iter().copied()
    }

    /// The built-in pack, with `user_dir` layered on top when given (`--rules DIR`).
    pub fn load(user_dir: Option<&Path>) -> Result<RulePack, LoadError> {
        let pack = RulePack::builtin()?;
        match user_dir {
            Some(dir) => pack.with_user_dir(dir),
            None => Ok(pack),
        }
    }

    /// A complete pack from its files: (path relative to the pack root, text). The root must hold
    /// `pack.toml` and `risk-model.toml`; `necessary-scope.toml` is optional; every other file is
    /// a rule.
    pub fn from_files(files: Vec<(String, String)>) -> Result<RulePack, LoadError> {
        let env = Arc::new(Env::stdlib());
        let files = classify(files);
        let mut problems = Vec::new();
        let manifest = match &files.manifest {
            Some((p, t)) => parse_manifest(p, t).map_err(|e| problems.push(e)).ok(),
            None => {
                problems.push(Problem::file(
                    PACK_FILE,
                    "missing from the pack root".into(),
                ));
                None
            }
        };
        let model = match &files.model {
            Some((p, t)) => RiskModel::parse(p, t).map_err(|e| problems.extend(e)).ok(),
            None => {
                problems.push(Problem::file(
                    RISK_MODEL_FILE,
                    "missing from the pack root".into(),
                ));
                None
            }
        };
        let scope = match &files.scope {
            Some((p, t)) => NecessaryScope::parse(p, t)
                .map_err(|e| problems.push(e))
                .ok(),
            None => Some(NecessaryScope::default()),
        };
        let rules = load_rules(&env, &files.rules, &RuleOrigin::Builtin, "", &mut problems);
        let (Some(manifest), Some(model), Some(scope)) = (manifest, model, scope) else {
            return Err(LoadError { problems });
        };
        let mut pack = RulePack {
            manifest,
            overlays: Vec::new(),
            rules,
            model,
            scope,
            env,
        };
        problems.extend(pack.check_risk_nodes());
        if !problems.is_empty() {
            return Err(LoadError { problems });
        }
        pack.rules.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
        Ok(pack)
    }

    /// Layers a user directory on this pack: its rules add to or replace (same id) the pack's,
    /// a `risk-model.toml` or `necessary-scope.toml` at its root replaces the pack's, and a
    /// `pack.toml` there names the overlay.
    pub fn with_user_dir(self, dir: &Path) -> Result<RulePack, LoadError> {
        let files = read_dir_files(dir)?;
        self.with_user_files(&dir.display().to_string(), files)
    }

    /// Layers user files on this pack, as [`RulePack::with_user_dir`] does for a directory:
    /// `files` are (path relative to the overlay root, text); `source` names the overlay in
    /// messages and in [`PackInfo::overlays`].
    pub fn with_user_files(
        mut self,
        source: &str,
        files: Vec<(String, String)>,
    ) -> Result<RulePack, LoadError> {
        let files = classify(files);
        let prefix = format!("{source}/");
        let mut problems = Vec::new();
        let mut overlay = OverlayInfo {
            source: source.to_owned(),
            id: None,
            version: None,
            added: Vec::new(),
            overridden: Vec::new(),
            replaced_risk_model: false,
            replaced_scope: false,
        };
        if let Some((p, t)) = &files.manifest {
            match parse_manifest(&format!("{prefix}{p}"), t) {
                Ok(m) => {
                    overlay.id = Some(m.id);
                    overlay.version = Some(m.version);
                }
                Err(e) => problems.push(e),
            }
        }
        if let Some((p, t)) = &files.model {
            match RiskModel::parse(&format!("{prefix}{p}"), t) {
                Ok(m) => {
                    self.model = m;
                    overlay.replaced_risk_model = true;
                }
                Err(e) => problems.extend(e),
            }
        }
        if let Some((p, t)) = &files.scope {
            match NecessaryScope::parse(&format!("{prefix}{p}"), t) {
                Ok(s) => {
                    self.scope = s;
                    overlay.replaced_scope = true;
                }
                Err(e) => problems.push(e),
            }
        }
        let user_rules = load_rules(
            &self.env,
            &files.rules,
            &RuleOrigin::User,
            &prefix,
            &mut problems,
        );
        for rule in user_rules {
            match self.rules.iter_mut().find(|r| r.spec.id == rule.spec.id) {
                Some(existing) => {
                    overlay.overridden.push(rule.spec.id.clone());
                    *existing = rule;
                }
                None => {
                    overlay.added.push(rule.spec.id.clone());
                    self.rules.push(rule);
                }
            }
        }
        problems.extend(self.check_risk_nodes());
        if !problems.is_empty() {
            return Err(LoadError { problems });
        }
        self.rules.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
        self.overlays.push(overlay);
        Ok(self)
    }

    fn check_risk_nodes(&self) -> Vec<Problem> {
        self.rules
            .iter()
            .filter(|r| !self.model.is_leaf(&r.spec.risk_node))
            .map(|r| {
                Problem::field(
                    &r.file,
                    "risk_node",
                    format!(
                        "`{}` is not a leaf of risk model {} (leaves: {})",
                        r.spec.risk_node,
                        self.model.label(),
                        self.model.leaves().collect::<Vec<_>>().join(", ")
                    ),
                )
            })
            .collect()
    }

    pub fn manifest(&self) -> &PackManifest {
        &self.manifest
    }

    /// What a scan records: pack id and version, risk model, overlays.
    pub fn info(&self) -> PackInfo {
        PackInfo {
            id: self.manifest.id.clone(),
            version: self.manifest.version.clone(),
            risk_model: self.model.label(),
            rules: self.rules.len(),
            overlays: self.overlays.clone(),
        }
    }

    /// Rules sorted by id.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.spec.id == id)
    }

    pub fn risk_model(&self) -> &RiskModel {
        &self.model
    }

    pub fn scope(&self) -> &NecessaryScope {
        &self.scope
    }

    /// Binds the indicators into a CEL context: one variable per root segment, derived privacy
    /// indicators added, and an empty map for every root a rule reads but no indicator has (so
    /// `has(x.y)` answers false instead of failing).
    fn context(
        &self,
        indicators: &Map<String, Value>,
    ) -> (Context<'static, 'static>, Vec<Diagnostic>) {
        let mut ctx = Context::with_env(Arc::clone(&self.env));
        let derived = self.scope.derive(indicators);
        let (roots, conflicts) = if derived.is_empty() {
            nest(indicators)
        } else {
            let mut all = indicators.clone();
            all.extend(derived);
            nest(&all)
        };
        let mut diagnostics: Vec<Diagnostic> = conflicts
            .into_iter()
            .map(|indicator| Diagnostic::IndicatorConflict { indicator })
            .collect();
        for (name, value) in &roots {
            bind(&mut ctx, name, json_to_cel(value), &mut diagnostics);
        }
        let wanted: BTreeSet<&str> = self
            .rules
            .iter()
            .flat_map(|r| r.roots.iter().map(String::as_str))
            .collect();
        for root in wanted {
            if !roots.contains_key(root) {
                bind(
                    &mut ctx,
                    root,
                    CelValue::Map(cel::objects::Map {
                        map: Arc::new(Default::default()),
                    }),
                    &mut diagnostics,
                );
            }
        }
        (ctx, diagnostics)
    }

    /// Evaluates every rule against one app's indicators.
    pub fn evaluate(&self, indicators: &Map<String, Value>) -> Evaluation {
        let (ctx, mut diagnostics) = self.context(indicators);
        let mut findings = Vec::new();
        let mut evaluated = 0;
        for rule in &self.rules {
            match self.run(rule, &ctx, indicators) {
                Outcome::Fired(f) => {
                    evaluated += 1;
                    findings.push(*f);
                }
                Outcome::Passed => evaluated += 1,
                Outcome::NotEvaluated(d) => diagnostics.push(d),
            }
        }
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.confidence.cmp(&a.confidence))
                .then(a.rule_id.cmp(&b.rule_id))
        });
        Evaluation {
            pack: self.info(),
            findings,
            diagnostics,
            rules_total: self.rules.len(),
            rules_evaluated: evaluated,
        }
    }

    /// Evaluates one rule against indicators.
    pub fn evaluate_rule(&self, rule: &Rule, indicators: &Map<String, Value>) -> Outcome {
        let (ctx, _) = self.context(indicators);
        self.run(rule, &ctx, indicators)
    }

    /// Scores findings with this pack's risk model.
    pub fn score(&self, findings: &[Finding]) -> RiskScore {
        self.model.score(findings)
    }

    fn missing(
        &self,
        rule: &Rule,
        indicators: &Map<String, Value>,
        err: &ExecutionError,
    ) -> Diagnostic {
        // A path is present when it is an indicator or a prefix of one; the others are missing.
        let derived = self.scope.derive(indicators);
        let present = |p: &str| {
            let prefix = format!("{p}.");
            indicators.contains_key(p)
                || derived.contains_key(p)
                || indicators.keys().any(|k| k.starts_with(&prefix))
        };
        let mut missing: Vec<String> = rule
            .paths
            .iter()
            .filter(|p| p.contains('.') && !present(p))
            .cloned()
            .collect();
        if missing.is_empty() {
            missing.push(match err {
                ExecutionError::NoSuchKey(k) => k.as_str().to_owned(),
                ExecutionError::UndeclaredReference(k) => k.as_str().to_owned(),
                other => other.to_string(),
            });
        }
        Diagnostic::MissingIndicator {
            rule_id: rule.spec.id.clone(),
            indicators: missing,
        }
    }

    fn run(&self, rule: &Rule, ctx: &Context, indicators: &Map<String, Value>) -> Outcome {
        let id = &rule.spec.id;
        match rule.condition.execute(ctx) {
            Ok(CelValue::Bool(false)) => Outcome::Passed,
            Ok(CelValue::Bool(true)) => {
                let mut evidence = Vec::new();
                let mut total = 0;
                if let Some(program) = &rule.evidence {
                    match program.execute(ctx) {
                        Ok(CelValue::List(items)) => {
                            total = items.len();
                            evidence = items
                                .iter()
                                .take(MAX_EVIDENCE_ITEMS)
                                .map(cel_to_json)
                                .collect();
                        }
                        Ok(other) => {
                            total = 1;
                            evidence.push(cel_to_json(&other));
                        }
                        // The condition held; evidence that cannot be listed does not undo it.
                        Err(e) => {
                            evidence.push(Value::String(format!("(evidence unavailable: {e})")))
                        }
                    }
                }
                let s = &rule.spec;
                Outcome::Fired(Box::new(Finding {
                    rule_id: id.clone(),
                    severity: s.severity,
                    confidence: s.confidence,
                    cwe: s.cwe.clone(),
                    masvs: s.masvs.clone(),
                    national: s.national.clone(),
                    risk_node: s.risk_node.clone(),
                    title: s.title.clone(),
                    description: s.description.clone(),
                    remediation: s.remediation.clone(),
                    evidence,
                    evidence_total: total,
                }))
            }
            Ok(other) => Outcome::NotEvaluated(Diagnostic::NotBool {
                rule_id: id.clone(),
                got: format!("{other:?}"),
            }),
            Err(e @ (ExecutionError::NoSuchKey(_) | ExecutionError::UndeclaredReference(_))) => {
                Outcome::NotEvaluated(self.missing(rule, indicators, &e))
            }
            Err(e) => Outcome::NotEvaluated(Diagnostic::ExpressionError {
                rule_id: id.clone(),
                field: "condition".into(),
                message: e.to_string(),
            }),
        }
    }

    /// Runs one test case of a rule; `Err` says how it differed from its expectation.
    pub fn check_case(
        &self,
        rule: &Rule,
        index: usize,
        case: &RuleCase,
    ) -> Result<(), CaseFailure> {
        let name = if case.name.is_empty() {
            format!("#{}", index + 1)
        } else {
            case.name.clone()
        };
        let fail = |message: String| CaseFailure {
            rule_id: rule.spec.id.clone(),
            case: name.clone(),
            message,
        };
        let indicators = flatten_toml(&case.indicators);
        let outcome = self.evaluate_rule(rule, &indicators);
        match (case.expect, &outcome) {
            (Expect::Fire, Outcome::Fired(f)) => {
                if let Some(want) = &case.evidence {
                    let want: Vec<Value> = want.iter().map(toml_to_json).collect();
                    if f.evidence != want {
                        return Err(fail(format!(
                            "evidence {} != expected {}",
                            Value::Array(f.evidence.clone()),
                            Value::Array(want)
                        )));
                    }
                }
                Ok(())
            }
            (Expect::Ok, Outcome::Passed) => Ok(()),
            (Expect::NotEvaluated, Outcome::NotEvaluated(Diagnostic::MissingIndicator { .. })) => {
                Ok(())
            }
            (want, got) => Err(fail(format!(
                "expected {want:?}, got {}",
                match got {
                    Outcome::Fired(_) => "fire".to_owned(),
                    Outcome::Passed => "ok".to_owned(),
                    Outcome::NotEvaluated(d) => format!("not evaluated ({d:?})"),
                }
            ))),
        }
    }

    /// Runs every rule's test cases; returns the failures (empty when all pass).
    pub fn check_all_cases(&self) -> Vec<CaseFailure> {
        let mut failures = Vec::new();
        for rule in &self.rules {
            for (i, case) in rule.spec.cases.iter().enumerate() {
                if let Err(f) = self.check_case(rule, i, case) {
                    failures.push(f);
                }
            }
        }
        failures
    }
}

fn bind(
    ctx: &mut Context<'static, 'static>,
    name: &str,
    value: CelValue,
    diags: &mut Vec<Diagnostic>,
) {
    match Box::<dyn cel::common::value::Val>::try_from(value) {
        Ok(v) => ctx.add_variable_as_val(name, v),
        Err(_) => diags.push(Diagnostic::IndicatorConflict {
            indicator: name.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_shapes() {
        for ok in ["0.1.0", "1.2.3", "1.0.0-rc.1", "1.0.0+build.5", "10.20.30"] {
            assert!(is_semver(ok), "{ok}");
        }
        for bad in ["1.0", "1.0.0.0", "01.0.0", "1.0.x", "1.0.0-", ""] {
            assert!(!is_semver(bad), "{bad}");
        }
    }

    #[test]
    fn paths_skip_comprehension_vars() {
        let env = Env::stdlib();
        let p = env
            .compile("components.exported.exists(c, c.kind == 'provider') && has(app.debuggable) && sdk.target < 24")
            .unwrap();
        let mut out = BTreeSet::new();
        collect_paths(p.expression(), &mut Vec::new(), &mut out);
        let got: Vec<_> = out.into_iter().collect();
        assert_eq!(got, ["app", "components.exported", "sdk.target"]);
    }
}
