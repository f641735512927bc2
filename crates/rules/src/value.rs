//! Indicator values: JSON ⇄ CEL conversion and the binding of flat dotted indicator names.
//!
//! Indicators arrive as one flat JSON object (`"app.debuggable": true`). CEL reads `app.debuggable`
//! as field `debuggable` of variable `app`, so the flat names are re-nested into one map per root
//! segment. That keeps `has(app.debuggable)` meaningful: it tests a map key instead of failing on an
//! unknown variable.

use std::collections::HashMap;
use std::sync::Arc;

use cel::objects::{Key, Map as CelMap};
use cel::Value as CelValue;
use serde_json::{Map, Value};

/// Nesting depth beyond which JSON values are replaced by null: indicators are shallow (lists of
/// flat objects), so anything deeper is a producer bug and must not recurse without bound.
pub(crate) const MAX_VALUE_DEPTH: usize = 32;

/// Converts one JSON value to CEL: integers stay integers (int when they fit i64, uint above),
/// other numbers become doubles.
pub fn json_to_cel(v: &Value) -> CelValue {
    json_to_cel_depth(v, 0)
}

fn json_to_cel_depth(v: &Value, depth: usize) -> CelValue {
    if depth > MAX_VALUE_DEPTH {
        return CelValue::Null;
    }
    match v {
        Value::Null => CelValue::Null,
        Value::Bool(b) => CelValue::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                CelValue::Int(i)
            } else if let Some(u) = n.as_u64() {
                CelValue::UInt(u)
            } else {
                CelValue::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(s) => CelValue::String(Arc::new(s.clone())),
        Value::Array(items) => CelValue::List(Arc::new(
            items
                .iter()
                .map(|i| json_to_cel_depth(i, depth + 1))
                .collect(),
        )),
        Value::Object(map) => {
            let m: HashMap<Key, CelValue> = map
                .iter()
                .map(|(k, v)| {
                    (
                        Key::String(Arc::new(k.clone())),
                        json_to_cel_depth(v, depth + 1),
                    )
                })
                .collect();
            CelValue::Map(CelMap { map: Arc::new(m) })
        }
    }
}

/// Converts a CEL result back to JSON for evidence. Values without a JSON form (bytes, functions,
/// timestamps...) become their debug text.
pub fn cel_to_json(v: &CelValue) -> Value {
    cel_to_json_depth(v, 0)
}

fn cel_to_json_depth(v: &CelValue, depth: usize) -> Value {
    if depth > MAX_VALUE_DEPTH {
        return Value::Null;
    }
    match v {
        CelValue::Null => Value::Null,
        CelValue::Bool(b) => Value::Bool(*b),
        CelValue::Int(i) => Value::from(*i),
        CelValue::UInt(u) => Value::from(*u),
        CelValue::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        CelValue::String(s) => Value::String(s.as_str().to_owned()),
        CelValue::List(items) => Value::Array(
            items
                .iter()
                .map(|i| cel_to_json_depth(i, depth + 1))
                .collect(),
        ),
        CelValue::Map(m) => {
            let mut out: Vec<(String, Value)> = m
                .map
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        Key::String(s) => s.as_str().to_owned(),
                        Key::Int(i) => i.to_string(),
                        Key::Uint(u) => u.to_string(),
                        Key::Bool(b) => b.to_string(),
                    };
                    (key, cel_to_json_depth(v, depth + 1))
                })
                .collect();
            // HashMap order is random; evidence must be stable between runs.
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(out.into_iter().collect())
        }
        other => Value::String(format!("{other:?}")),
    }
}

/// Re-nests flat dotted indicator names into one JSON object per root segment. A name that is both
/// a value and a prefix of another name (`a.b` and `a.b.c`) keeps the first one seen and reports
/// the other in `conflicts`.
pub(crate) fn nest(indicators: &Map<String, Value>) -> (Map<String, Value>, Vec<String>) {
    let mut roots = Map::new();
    let mut conflicts = Vec::new();
    for (name, value) in indicators {
        let mut segments = name.split('.');
        let Some(first) = segments.next() else {
            continue;
        };
        let rest: Vec<&str> = segments.collect();
        if rest.is_empty() {
            if roots.contains_key(first) {
                conflicts.push(name.clone());
            } else {
                roots.insert(first.to_owned(), value.clone());
            }
            continue;
        }
        let mut node = roots
            .entry(first.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        let mut ok = true;
        for (i, seg) in rest.iter().enumerate() {
            let Value::Object(obj) = node else {
                ok = false;
                break;
            };
            if i + 1 == rest.len() {
                if obj.contains_key(*seg) {
                    ok = false;
                } else {
                    obj.insert((*seg).to_owned(), value.clone());
                }
                break;
            }
            node = obj
                .entry((*seg).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
        }
        if !ok {
            conflicts.push(name.clone());
        }
    }
    (roots, conflicts)
}

/// Flattens nested TOML tables into dotted keys (test cases may write `{ app.debuggable = true }`),
/// converting values to JSON. Arrays are kept as they are: their objects are indicator items.
pub(crate) fn flatten_toml(table: &toml::Table) -> Map<String, Value> {
    fn walk(prefix: &str, table: &toml::Table, out: &mut Map<String, Value>) {
        for (k, v) in table {
            let name = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::Table(t) => walk(&name, t, out),
                other => {
                    out.insert(name, toml_to_json(other));
                }
            }
        }
    }
    let mut out = Map::new();
    walk("", table, &mut out);
    out
}

/// TOML → JSON (datetimes become their text).
pub(crate) fn toml_to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_round_trip() {
        let v = json!({"a": [1, -2, 3.5, "x", true, null, {"k": "v"}], "big": u64::MAX});
        let back = cel_to_json(&json_to_cel(&v));
        assert_eq!(back, v);
    }

    #[test]
    fn numbers_keep_their_kind() {
        assert!(matches!(json_to_cel(&json!(5)), CelValue::Int(5)));
        assert!(matches!(
            json_to_cel(&json!(u64::MAX)),
            CelValue::UInt(u64::MAX)
        ));
        assert!(matches!(json_to_cel(&json!(0.5)), CelValue::Float(f) if f == 0.5));
    }

    #[test]
    fn deep_values_are_cut() {
        let mut v = json!(1);
        for _ in 0..(MAX_VALUE_DEPTH + 10) {
            v = json!([v]);
        }
        // Must not recurse without bound; the deepest part becomes null.
        let back = cel_to_json(&json_to_cel(&v));
        assert_ne!(back, v);
    }

    #[test]
    fn nesting_and_conflicts() {
        let m = json!({"app.debuggable": true, "app.x.y": 1, "app.x": 2, "top": 3});
        let Value::Object(m) = m else { unreachable!() };
        let (roots, conflicts) = nest(&m);
        assert_eq!(roots["app"]["debuggable"], json!(true));
        assert_eq!(roots["top"], json!(3));
        assert_eq!(conflicts.len(), 1);
    }

    #[test]
    fn toml_flattening() {
        let t: toml::Table = toml::from_str(
            r#"x = { app.debuggable = true, "nsc.present" = false, l = [{ name = "a" }] }"#,
        )
        .unwrap();
        let toml::Value::Table(inner) = &t["x"] else {
            unreachable!()
        };
        let f = flatten_toml(inner);
        assert_eq!(f["app.debuggable"], json!(true));
        assert_eq!(f["nsc.present"], json!(false));
        assert_eq!(f["l"], json!([{"name": "a"}]));
    }
}
