//! `AndroidManifest.xml` as Android binary XML (ResXMLTree), laid out as aapt writes it: a UTF-16
//! string pool whose first entries are the framework attribute names listed, in the same order, in
//! the resource map; one `android` namespace; typed attribute values sorted by resource id.

use std::collections::HashMap;

use crate::names::qualify;
use crate::{AppSpec, ComponentSpec, GenError};

pub const ANDROID_NS: &str = "http://schemas.android.com/apk/res/android";

const RES_STRING_POOL_TYPE: u16 = 0x0001;
const RES_XML_TYPE: u16 = 0x0003;
const RES_XML_START_NAMESPACE_TYPE: u16 = 0x0100;
const RES_XML_END_NAMESPACE_TYPE: u16 = 0x0101;
const RES_XML_START_ELEMENT_TYPE: u16 = 0x0102;
const RES_XML_END_ELEMENT_TYPE: u16 = 0x0103;
const RES_XML_RESOURCE_MAP_TYPE: u16 = 0x0180;

const TYPE_REFERENCE: u8 = 0x01;
const TYPE_STRING: u8 = 0x03;
const TYPE_INT_DEC: u8 = 0x10;
const TYPE_INT_BOOLEAN: u8 = 0x12;

const NO_INDEX: u32 = u32::MAX;

/// Framework attribute ids (`android.R.attr`, frameworks/base/core/res/res/values/public.xml).
mod attr {
    pub const LABEL: u32 = 0x0101_0001;
    pub const NAME: u32 = 0x0101_0003;
    pub const PERMISSION: u32 = 0x0101_0006;
    pub const DEBUGGABLE: u32 = 0x0101_000f;
    pub const EXPORTED: u32 = 0x0101_0010;
    pub const AUTHORITIES: u32 = 0x0101_0018;
    pub const GRANT_URI_PERMISSIONS: u32 = 0x0101_001b;
    pub const SCHEME: u32 = 0x0101_0027;
    pub const HOST: u32 = 0x0101_0028;
    pub const MIN_SDK_VERSION: u32 = 0x0101_020c;
    pub const VERSION_CODE: u32 = 0x0101_021b;
    pub const VERSION_NAME: u32 = 0x0101_021c;
    pub const TARGET_SDK_VERSION: u32 = 0x0101_0270;
    pub const ALLOW_BACKUP: u32 = 0x0101_0280;
    pub const USES_CLEARTEXT_TRAFFIC: u32 = 0x0101_04ec;
}

#[derive(Clone)]
enum Value {
    Str(String),
    Int(u32),
    Bool(bool),
    Ref(u32),
}

struct Attr {
    /// `None`: no namespace and no resource id (`package` on `<manifest>`).
    id: Option<u32>,
    name: &'static str,
    value: Value,
}

struct Element {
    name: &'static str,
    attrs: Vec<Attr>,
    children: Vec<Element>,
}

impl Element {
    fn new(name: &'static str) -> Element {
        Element {
            name,
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }
    fn a(mut self, id: u32, name: &'static str, value: Value) -> Element {
        self.attrs.push(Attr {
            id: Some(id),
            name,
            value,
        });
        self
    }
    fn s(self, id: u32, name: &'static str, value: &str) -> Element {
        self.a(id, name, Value::Str(value.to_owned()))
    }
    fn child(mut self, e: Element) -> Element {
        self.children.push(e);
        self
    }
}

fn component(package: &str, tag: &'static str, c: &ComponentSpec) -> Element {
    let mut e = Element::new(tag).s(attr::NAME, "name", &qualify(package, &c.name));
    if let Some(x) = c.exported {
        e = e.a(attr::EXPORTED, "exported", Value::Bool(x));
    }
    if let Some(p) = &c.permission {
        e = e.s(attr::PERMISSION, "permission", p);
    }
    if let Some(a) = &c.authorities {
        e = e.s(attr::AUTHORITIES, "authorities", a);
    }
    if c.grant_uri_permissions {
        e = e.a(
            attr::GRANT_URI_PERMISSIONS,
            "grantUriPermissions",
            Value::Bool(true),
        );
    }
    for f in &c.intent_filters {
        let mut fe = Element::new("intent-filter");
        for a in &f.actions {
            fe = fe.child(Element::new("action").s(attr::NAME, "name", a));
        }
        for a in &f.categories {
            fe = fe.child(Element::new("category").s(attr::NAME, "name", a));
        }
        for s in &f.schemes {
            fe = fe.child(Element::new("data").s(attr::SCHEME, "scheme", s));
        }
        for h in &f.hosts {
            fe = fe.child(Element::new("data").s(attr::HOST, "host", h));
        }
        e = e.child(fe);
    }
    e
}

fn tree(spec: &AppSpec, label_ref: Option<u32>) -> Element {
    let mut manifest = Element::new("manifest");
    manifest.attrs.push(Attr {
        id: None,
        name: "package",
        value: Value::Str(spec.package.clone()),
    });
    manifest = manifest
        .a(
            attr::VERSION_CODE,
            "versionCode",
            Value::Int(spec.version_code),
        )
        .s(attr::VERSION_NAME, "versionName", &spec.version_name)
        .child(
            Element::new("uses-sdk")
                .a(
                    attr::MIN_SDK_VERSION,
                    "minSdkVersion",
                    Value::Int(spec.min_sdk),
                )
                .a(
                    attr::TARGET_SDK_VERSION,
                    "targetSdkVersion",
                    Value::Int(spec.target_sdk),
                ),
        );
    for p in &spec.permissions {
        manifest = manifest.child(Element::new("uses-permission").s(attr::NAME, "name", p));
    }
    let label = match label_ref {
        Some(id) => Value::Ref(id),
        None => Value::Str(spec.label.clone()),
    };
    let mut app = Element::new("application")
        .a(attr::LABEL, "label", label)
        .a(
            attr::ALLOW_BACKUP,
            "allowBackup",
            Value::Bool(spec.allow_backup),
        )
        .a(
            attr::USES_CLEARTEXT_TRAFFIC,
            "usesCleartextTraffic",
            Value::Bool(spec.uses_cleartext_traffic),
        );
    if spec.debuggable {
        app = app.a(attr::DEBUGGABLE, "debuggable", Value::Bool(true));
    }
    for (tag, list) in [
        ("activity", &spec.activities),
        ("service", &spec.services),
        ("receiver", &spec.receivers),
        ("provider", &spec.providers),
    ] {
        for c in list {
            app = app.child(component(&spec.package, tag, c));
        }
    }
    manifest.child(app)
}

/// The string pool under construction: resource-mapped attribute names first.
struct Pool {
    strings: Vec<String>,
    index: HashMap<String, u32>,
}

impl Pool {
    fn intern(&mut self, s: &str) -> Result<u32, GenError> {
        if let Some(&i) = self.index.get(s) {
            return Ok(i);
        }
        let i = u32::try_from(self.strings.len())
            .map_err(|_| GenError::TooLarge("manifest string pool".into()))?;
        self.strings.push(s.to_owned());
        self.index.insert(s.to_owned(), i);
        Ok(i)
    }
}

fn collect_ids(e: &Element, out: &mut Vec<(u32, &'static str)>) {
    for a in &e.attrs {
        if let Some(id) = a.id {
            if !out.iter().any(|(x, _)| *x == id) {
                out.push((id, a.name));
            }
        }
    }
    for c in &e.children {
        collect_ids(c, out);
    }
}

fn chunk_header(
    out: &mut Vec<u8>,
    kind: u16,
    header_size: u16,
    size: usize,
) -> Result<(), GenError> {
    let size = u32::try_from(size).map_err(|_| GenError::TooLarge("binary XML chunk".into()))?;
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&header_size.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    Ok(())
}

/// A UTF-16 `ResStringPool` chunk.
pub fn string_pool(strings: &[String]) -> Result<Vec<u8>, GenError> {
    let too_large = || GenError::TooLarge("string pool".into());
    let mut data = Vec::new();
    let mut offsets = Vec::with_capacity(strings.len());
    for s in strings {
        offsets.push(u32::try_from(data.len()).map_err(|_| too_large())?);
        let units: Vec<u16> = s.encode_utf16().collect();
        let n = units.len();
        if n > 0x7fff_ffff {
            return Err(too_large());
        }
        if n > 0x7fff {
            // Long form: high bit set on the first unit, which carries the upper 15 bits.
            data.extend_from_slice(&(0x8000u16 | (n >> 16) as u16).to_le_bytes());
            data.extend_from_slice(&((n & 0xffff) as u16).to_le_bytes());
        } else {
            data.extend_from_slice(&(n as u16).to_le_bytes());
        }
        for u in units {
            data.extend_from_slice(&u.to_le_bytes());
        }
        data.extend_from_slice(&[0, 0]);
    }
    while data.len() % 4 != 0 {
        data.push(0);
    }
    let header = 28usize;
    let strings_start = header + 4 * strings.len();
    let mut out = Vec::with_capacity(strings_start + data.len());
    chunk_header(
        &mut out,
        RES_STRING_POOL_TYPE,
        28,
        strings_start + data.len(),
    )?;
    let count = u32::try_from(strings.len()).map_err(|_| too_large())?;
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // styles
    out.extend_from_slice(&0u32.to_le_bytes()); // flags: UTF-16, unsorted
    out.extend_from_slice(
        &u32::try_from(strings_start)
            .map_err(|_| too_large())?
            .to_le_bytes(),
    );
    out.extend_from_slice(&0u32.to_le_bytes()); // styles start
    for o in offsets {
        out.extend_from_slice(&o.to_le_bytes());
    }
    out.extend_from_slice(&data);
    Ok(out)
}

struct Writer {
    pool: Pool,
    ns_prefix: u32,
    ns_uri: u32,
    body: Vec<u8>,
    line: u32,
}

impl Writer {
    fn node_header(&mut self, kind: u16, body_len: usize) -> Result<(), GenError> {
        chunk_header(&mut self.body, kind, 16, 16 + body_len)?;
        self.line += 1;
        self.body.extend_from_slice(&self.line.to_le_bytes());
        self.body.extend_from_slice(&NO_INDEX.to_le_bytes()); // comment
        Ok(())
    }

    fn element(&mut self, e: &Element) -> Result<(), GenError> {
        let name = self.pool.intern(e.name)?;
        // aapt's order: attributes without namespace first, then by resource id.
        let mut attrs: Vec<&Attr> = e.attrs.iter().collect();
        attrs.sort_by_key(|a| a.id.map_or((0, 0), |id| (1, id)));
        let mut encoded = Vec::with_capacity(attrs.len() * 20);
        for a in &attrs {
            let (ns, aname) = match a.id {
                Some(_) => (self.ns_uri, self.pool.intern(a.name)?),
                None => (NO_INDEX, self.pool.intern(a.name)?),
            };
            let (raw, ty, data) = match &a.value {
                Value::Str(s) => {
                    let i = self.pool.intern(s)?;
                    (i, TYPE_STRING, i)
                }
                Value::Int(i) => (NO_INDEX, TYPE_INT_DEC, *i),
                Value::Bool(b) => (NO_INDEX, TYPE_INT_BOOLEAN, if *b { u32::MAX } else { 0 }),
                Value::Ref(r) => (NO_INDEX, TYPE_REFERENCE, *r),
            };
            encoded.extend_from_slice(&ns.to_le_bytes());
            encoded.extend_from_slice(&aname.to_le_bytes());
            encoded.extend_from_slice(&raw.to_le_bytes());
            encoded.extend_from_slice(&8u16.to_le_bytes());
            encoded.push(0);
            encoded.push(ty);
            encoded.extend_from_slice(&data.to_le_bytes());
        }
        let count = u16::try_from(attrs.len())
            .map_err(|_| GenError::TooLarge("attributes on one element".into()))?;
        self.node_header(RES_XML_START_ELEMENT_TYPE, 20 + encoded.len())?;
        self.body.extend_from_slice(&NO_INDEX.to_le_bytes());
        self.body.extend_from_slice(&name.to_le_bytes());
        self.body.extend_from_slice(&20u16.to_le_bytes()); // attributeStart
        self.body.extend_from_slice(&20u16.to_le_bytes()); // attributeSize
        self.body.extend_from_slice(&count.to_le_bytes());
        self.body.extend_from_slice(&[0u8; 6]); // id, class, style indices: none
        self.body.extend_from_slice(&encoded);
        for c in &e.children {
            self.element(c)?;
        }
        self.node_header(RES_XML_END_ELEMENT_TYPE, 8)?;
        self.body.extend_from_slice(&NO_INDEX.to_le_bytes());
        self.body.extend_from_slice(&name.to_le_bytes());
        Ok(())
    }

    fn namespace(&mut self, kind: u16) -> Result<(), GenError> {
        self.node_header(kind, 8)?;
        self.body.extend_from_slice(&self.ns_prefix.to_le_bytes());
        self.body.extend_from_slice(&self.ns_uri.to_le_bytes());
        Ok(())
    }
}

/// The binary manifest; `label_ref` makes the label a resource reference.
pub fn manifest(spec: &AppSpec, label_ref: Option<u32>) -> Result<Vec<u8>, GenError> {
    let root = tree(spec, label_ref);
    let mut ids = Vec::new();
    collect_ids(&root, &mut ids);
    ids.sort_by_key(|(id, _)| *id);
    let mut pool = Pool {
        strings: Vec::new(),
        index: HashMap::new(),
    };
    for (_, name) in &ids {
        pool.intern(name)?;
    }
    let ns_prefix = pool.intern("android")?;
    let ns_uri = pool.intern(ANDROID_NS)?;
    let mut w = Writer {
        pool,
        ns_prefix,
        ns_uri,
        body: Vec::new(),
        line: 0,
    };
    w.namespace(RES_XML_START_NAMESPACE_TYPE)?;
    w.element(&root)?;
    w.namespace(RES_XML_END_NAMESPACE_TYPE)?;

    let pool = string_pool(&w.pool.strings)?;
    let mut map = Vec::with_capacity(8 + 4 * ids.len());
    chunk_header(&mut map, RES_XML_RESOURCE_MAP_TYPE, 8, 8 + 4 * ids.len())?;
    for (id, _) in &ids {
        map.extend_from_slice(&id.to_le_bytes());
    }
    let total = 8 + pool.len() + map.len() + w.body.len();
    let mut out = Vec::with_capacity(total);
    chunk_header(&mut out, RES_XML_TYPE, 8, total)?;
    out.extend_from_slice(&pool);
    out.extend_from_slice(&map);
    out.extend_from_slice(&w.body);
    Ok(out)
}
