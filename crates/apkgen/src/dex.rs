//! A small, valid `classes.dex` (version 035).
//!
//! One class per component, extending the framework class Android instantiates it as
//! (`Activity`, `Service`, `BroadcastReceiver`, `ContentProvider`), with a constructor calling the
//! super constructor; activities also override `onCreate`, which calls `AppBootstrap.init()`. That
//! static method loads every planted string with `const-string` and makes every planted call with
//! `invoke-*/range`, arguments being zero/null constants (or the call's string constant). Tables
//! are sorted and deduplicated as the format requires (ART's verifier and `dexdump` check), the
//! map list is complete, and the header carries the Adler-32 checksum and SHA-1 signature.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sha1::{Digest, Sha1};

use crate::names::{descriptor_of, qualify};
use crate::{AppSpec, DexCall, GenError, InvokeKind};

const HEADER_SIZE: usize = 0x70;
const ENDIAN_CONSTANT: u32 = 0x1234_5678;
const NO_INDEX: u32 = u32::MAX;

const ACC_PUBLIC: u32 = 0x1;
const ACC_PROTECTED: u32 = 0x4;
const ACC_STATIC: u32 = 0x8;
const ACC_FINAL: u32 = 0x10;
const ACC_CONSTRUCTOR: u32 = 0x1_0000;

// Dalvik opcodes used here.
const OP_RETURN_VOID: u16 = 0x0e;
const OP_CONST_16: u16 = 0x13;
const OP_CONST_WIDE_16: u16 = 0x16;
const OP_CONST_STRING: u16 = 0x1a;
const OP_CONST_STRING_JUMBO: u16 = 0x1b;
const OP_INVOKE_SUPER: u16 = 0x6f;
const OP_INVOKE_DIRECT: u16 = 0x70;
const OP_INVOKE_STATIC: u16 = 0x71;
const OP_INVOKE_VIRTUAL_RANGE: u16 = 0x74;
const OP_INVOKE_DIRECT_RANGE: u16 = 0x76;
const OP_INVOKE_STATIC_RANGE: u16 = 0x77;
const OP_INVOKE_INTERFACE_RANGE: u16 = 0x78;

// map_list item types.
const TYPE_HEADER_ITEM: u16 = 0x0000;
const TYPE_STRING_ID_ITEM: u16 = 0x0001;
const TYPE_TYPE_ID_ITEM: u16 = 0x0002;
const TYPE_PROTO_ID_ITEM: u16 = 0x0003;
const TYPE_METHOD_ID_ITEM: u16 = 0x0005;
const TYPE_CLASS_DEF_ITEM: u16 = 0x0006;
const TYPE_MAP_LIST: u16 = 0x1000;
const TYPE_TYPE_LIST: u16 = 0x1001;
const TYPE_CLASS_DATA_ITEM: u16 = 0x2000;
const TYPE_CODE_ITEM: u16 = 0x2001;
const TYPE_STRING_DATA_ITEM: u16 = 0x2002;

const OBJECT: &str = "Ljava/lang/Object;";
const BUNDLE: &str = "Landroid/os/Bundle;";

fn too_large(what: &str) -> GenError {
    GenError::TooLarge(format!("dex {what}"))
}

fn invalid(msg: String) -> GenError {
    GenError::InvalidSpec(msg)
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Proto {
    ret: String,
    params: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct MethodRef {
    class: String,
    name: String,
    proto: Proto,
}

impl MethodRef {
    fn new(class: &str, name: &str, ret: &str, params: &[&str]) -> MethodRef {
        MethodRef {
            class: class.to_owned(),
            name: name.to_owned(),
            proto: Proto {
                ret: ret.to_owned(),
                params: params.iter().map(|p| (*p).to_owned()).collect(),
            },
        }
    }
}

/// Instructions before indices are known.
enum Insn {
    ConstString(u16, String),
    ConstZero(u16),
    ConstWideZero(u16),
    /// `invoke-*/range {first .. first+count-1}`.
    InvokeRange(u16, MethodRef, u16, u8),
    /// `invoke-super`/`invoke-direct`/`invoke-static` with up to 5 registers (format 35c).
    Invoke(u16, MethodRef, Vec<u8>),
    ReturnVoid,
}

struct Method {
    id: MethodRef,
    access: u32,
    registers: u16,
    ins: u16,
    outs: u16,
    code: Vec<Insn>,
}

struct Class {
    descriptor: String,
    superclass: String,
    interfaces: Vec<String>,
    access: u32,
    methods: Vec<Method>,
}

/// A simple name in a descriptor or method name (dex format "SimpleName").
fn simple_name_ok(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| {
            !c.is_control()
                && !c.is_whitespace()
                && !matches!(c, ';' | '[' | '(' | ')' | '<' | '>' | '.' | '/')
        })
}

/// Checks a field type descriptor (`I`, `[J`, `Ljava/lang/String;`); `void_ok` for return types.
fn type_ok(t: &str, void_ok: bool) -> bool {
    let dims = t.bytes().take_while(|&b| b == b'[').count();
    if dims > 255 {
        return false;
    }
    let base = &t[dims..];
    match base.as_bytes() {
        [b'V'] => void_ok && dims == 0,
        [b'Z' | b'B' | b'S' | b'C' | b'I' | b'J' | b'F' | b'D'] => true,
        [b'L', .., b';'] if base.len() > 2 => {
            base[1..base.len() - 1].split('/').all(simple_name_ok)
        }
        _ => false,
    }
}

/// `(ILjava/lang/String;)V` → params, return.
fn parse_descriptor(d: &str) -> Result<Proto, GenError> {
    let bad = || invalid(format!("`{d}` is not a method descriptor"));
    let rest = d.strip_prefix('(').ok_or_else(bad)?;
    let close = rest.find(')').ok_or_else(bad)?;
    let (mut params_text, ret) = (&rest[..close], &rest[close + 1..]);
    let mut params = Vec::new();
    while !params_text.is_empty() {
        let dims = params_text.bytes().take_while(|&b| b == b'[').count();
        let after = &params_text[dims..];
        let len = match after.as_bytes().first() {
            Some(b'L') => after.find(';').ok_or_else(bad)? + 1,
            Some(_) => after.chars().next().map_or(1, char::len_utf8),
            None => return Err(bad()),
        };
        let t = &params_text[..dims + len];
        if !type_ok(t, false) {
            return Err(bad());
        }
        params.push(t.to_owned());
        params_text = &params_text[dims + len..];
    }
    if !type_ok(ret, true) {
        return Err(bad());
    }
    Ok(Proto {
        ret: ret.to_owned(),
        params,
    })
}

fn class_descriptor(class: &str) -> Result<String, GenError> {
    let d = if class.starts_with('[') || (class.starts_with('L') && class.ends_with(';')) {
        class.to_owned()
    } else {
        descriptor_of(class)
    };
    if type_ok(&d, false) && (d.starts_with('L') || d.starts_with('[')) {
        Ok(d)
    } else {
        Err(invalid(format!("`{class}` is not a class name")))
    }
}

fn shorty_char(t: &str) -> char {
    match t.as_bytes().first() {
        Some(b'L' | b'[') => 'L',
        Some(&b) => char::from(b),
        None => 'V',
    }
}

fn shorty(p: &Proto) -> String {
    std::iter::once(shorty_char(&p.ret))
        .chain(p.params.iter().map(|t| shorty_char(t)))
        .collect()
}

fn is_wide(t: &str) -> bool {
    t == "J" || t == "D"
}

/// The bootstrap method's body: every string, then every call.
fn bootstrap_code(spec: &AppSpec) -> Result<(Vec<Insn>, u16), GenError> {
    let mut code = Vec::new();
    let mut max_units: u16 = 1;
    for s in &spec.dex_strings {
        code.push(Insn::ConstString(0, s.clone()));
    }
    for call in &spec.dex_calls {
        let (insns, units) = planted_call(call)?;
        code.extend(insns);
        max_units = max_units.max(units);
    }
    code.push(Insn::ReturnVoid);
    Ok((code, max_units))
}

fn planted_call(call: &DexCall) -> Result<(Vec<Insn>, u16), GenError> {
    if call.name != "<init>" && !simple_name_ok(&call.name) {
        return Err(invalid(format!("`{}` is not a method name", call.name)));
    }
    let class = class_descriptor(&call.class)?;
    let proto = parse_descriptor(&call.descriptor)?;
    let mut insns = Vec::new();
    let mut reg: u16 = 0;
    if call.kind != InvokeKind::Static {
        insns.push(Insn::ConstZero(reg));
        reg += 1;
    }
    for p in &proto.params {
        if reg > 254 {
            return Err(too_large("call arguments (more than 255 registers)"));
        }
        match (&call.string_arg, p.as_str()) {
            (Some(s), "Ljava/lang/String;") => insns.push(Insn::ConstString(reg, s.clone())),
            _ if is_wide(p) => {
                insns.push(Insn::ConstWideZero(reg));
                reg += 1;
            }
            _ => insns.push(Insn::ConstZero(reg)),
        }
        reg += 1;
    }
    if reg > 255 {
        return Err(too_large("call arguments (more than 255 registers)"));
    }
    let op = match call.kind {
        InvokeKind::Static => OP_INVOKE_STATIC_RANGE,
        InvokeKind::Virtual => OP_INVOKE_VIRTUAL_RANGE,
        InvokeKind::Interface => OP_INVOKE_INTERFACE_RANGE,
        InvokeKind::Direct => OP_INVOKE_DIRECT_RANGE,
    };
    let method = MethodRef {
        class,
        name: call.name.clone(),
        proto,
    };
    insns.push(Insn::InvokeRange(op, method, 0, reg as u8));
    Ok((insns, reg))
}

fn constructor(class: &str, superclass: &str) -> Method {
    Method {
        id: MethodRef::new(class, "<init>", "V", &[]),
        access: ACC_PUBLIC | ACC_CONSTRUCTOR,
        registers: 1,
        ins: 1,
        outs: 1,
        code: vec![
            Insn::Invoke(
                OP_INVOKE_DIRECT,
                MethodRef::new(superclass, "<init>", "V", &[]),
                vec![0],
            ),
            Insn::ReturnVoid,
        ],
    }
}

/// The classic insecure `X509TrustManager` whose checks accept everything (empty bodies).
fn trust_all_manager(package: &str, others: &[Class]) -> Result<Class, GenError> {
    let d = descriptor_of(&format!("{package}.net.TrustAllManager"));
    if others.iter().any(|c| c.descriptor == d) {
        return Err(invalid(format!(
            "a component collides with the generated class {d}"
        )));
    }
    let chain = [
        "[Ljava/security/cert/X509Certificate;",
        "Ljava/lang/String;",
    ];
    let check = |name: &str| Method {
        id: MethodRef::new(&d, name, "V", &chain),
        access: ACC_PUBLIC,
        registers: 3,
        ins: 3,
        outs: 0,
        code: vec![Insn::ReturnVoid],
    };
    Ok(Class {
        descriptor: d.clone(),
        superclass: OBJECT.to_owned(),
        interfaces: vec!["Ljavax/net/ssl/X509TrustManager;".to_owned()],
        access: ACC_PUBLIC,
        methods: vec![
            constructor(&d, OBJECT),
            check("checkClientTrusted"),
            check("checkServerTrusted"),
        ],
    })
}

fn classes(spec: &AppSpec) -> Result<Vec<Class>, GenError> {
    let boot = descriptor_of(&format!("{}.AppBootstrap", spec.package));
    let init = MethodRef::new(&boot, "init", "V", &[]);
    let mut out = Vec::new();
    for (list, superclass) in [
        (&spec.activities, "Landroid/app/Activity;"),
        (&spec.services, "Landroid/app/Service;"),
        (&spec.receivers, "Landroid/content/BroadcastReceiver;"),
        (&spec.providers, "Landroid/content/ContentProvider;"),
    ] {
        for c in list {
            let d = descriptor_of(&qualify(&spec.package, &c.name));
            if d == boot {
                return Err(invalid(format!(
                    "component `{}` collides with the generated bootstrap class",
                    c.name
                )));
            }
            let mut methods = vec![constructor(&d, superclass)];
            if superclass == "Landroid/app/Activity;" {
                methods.push(Method {
                    id: MethodRef::new(&d, "onCreate", "V", &[BUNDLE]),
                    access: ACC_PROTECTED,
                    registers: 2,
                    ins: 2,
                    outs: 2,
                    code: vec![
                        Insn::Invoke(
                            OP_INVOKE_SUPER,
                            MethodRef::new(superclass, "onCreate", "V", &[BUNDLE]),
                            vec![0, 1],
                        ),
                        Insn::Invoke(OP_INVOKE_STATIC, init.clone(), vec![]),
                        Insn::ReturnVoid,
                    ],
                });
            }
            out.push(Class {
                descriptor: d,
                superclass: superclass.to_owned(),
                interfaces: Vec::new(),
                access: ACC_PUBLIC,
                methods,
            });
        }
    }
    if spec.trust_all_certificates {
        out.push(trust_all_manager(&spec.package, &out)?);
    }
    let (code, units) = bootstrap_code(spec)?;
    out.push(Class {
        descriptor: boot.clone(),
        superclass: OBJECT.to_owned(),
        interfaces: Vec::new(),
        access: ACC_PUBLIC | ACC_FINAL,
        methods: vec![
            constructor(&boot, OBJECT),
            Method {
                id: init,
                access: ACC_PUBLIC | ACC_STATIC,
                registers: units,
                ins: 0,
                outs: units,
                code,
            },
        ],
    });
    Ok(out)
}

/// Dex string order: by UTF-16 code units.
fn utf16_key(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

/// Modified UTF-8: NUL as two bytes, supplementary characters as two 3-byte surrogates.
fn mutf8(s: &str, out: &mut Vec<u8>) {
    for unit in s.encode_utf16() {
        match unit {
            0x0001..=0x007f => out.push(unit as u8),
            0x0000 | 0x0080..=0x07ff => {
                out.push(0xc0 | (unit >> 6) as u8);
                out.push(0x80 | (unit & 0x3f) as u8);
            }
            _ => {
                out.push(0xe0 | (unit >> 12) as u8);
                out.push(0x80 | ((unit >> 6) & 0x3f) as u8);
                out.push(0x80 | (unit & 0x3f) as u8);
            }
        }
    }
}

fn uleb(mut v: u32, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn align4(out: &mut Vec<u8>) {
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

fn u32_of(n: usize, what: &str) -> Result<u32, GenError> {
    u32::try_from(n).map_err(|_| too_large(what))
}

/// Adler-32 (RFC 1950), the dex header checksum.
pub fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the longest run before the sums can overflow u32.
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// Every id table, sorted, with the index of each item.
struct Tables {
    strings: Vec<String>,
    string_idx: HashMap<String, u32>,
    types: Vec<String>,
    type_idx: HashMap<String, u32>,
    protos: Vec<Proto>,
    proto_idx: HashMap<Proto, u32>,
    methods: Vec<MethodRef>,
    method_idx: HashMap<MethodRef, u32>,
}

impl Tables {
    fn build(classes: &[Class]) -> Result<Tables, GenError> {
        let mut strings = BTreeSet::new();
        let mut types = BTreeSet::new();
        let mut protos = BTreeSet::new();
        let mut methods = BTreeSet::new();
        let mut add_method =
            |m: &MethodRef, strings: &mut BTreeSet<String>, types: &mut BTreeSet<String>| {
                types.insert(m.class.clone());
                types.insert(m.proto.ret.clone());
                types.extend(m.proto.params.iter().cloned());
                strings.insert(m.name.clone());
                strings.insert(shorty(&m.proto));
                protos.insert(m.proto.clone());
                methods.insert(m.clone());
            };
        for c in classes {
            types.insert(c.descriptor.clone());
            types.insert(c.superclass.clone());
            types.extend(c.interfaces.iter().cloned());
            for m in &c.methods {
                add_method(&m.id, &mut strings, &mut types);
                for insn in &m.code {
                    match insn {
                        Insn::ConstString(_, s) => {
                            strings.insert(s.clone());
                        }
                        Insn::InvokeRange(_, r, _, _) | Insn::Invoke(_, r, _) => {
                            add_method(r, &mut strings, &mut types);
                        }
                        _ => {}
                    }
                }
            }
        }
        strings.extend(types.iter().cloned());

        let mut strings: Vec<String> = strings.into_iter().collect();
        strings.sort_by_cached_key(|s| utf16_key(s));
        let string_idx: HashMap<String, u32> = strings
            .iter()
            .enumerate()
            .map(|(i, s)| Ok((s.clone(), u32_of(i, "strings")?)))
            .collect::<Result<_, GenError>>()?;
        let sidx = |s: &str| {
            string_idx
                .get(s)
                .copied()
                .ok_or_else(|| too_large("strings"))
        };

        // Types sort by their descriptor's string index.
        let mut types: Vec<(u32, String)> = types
            .into_iter()
            .map(|t| Ok((sidx(&t)?, t)))
            .collect::<Result<_, GenError>>()?;
        types.sort();
        if types.len() > 0xffff {
            return Err(too_large("types (more than 65535)"));
        }
        let types: Vec<String> = types.into_iter().map(|(_, t)| t).collect();
        let type_idx: HashMap<String, u32> = types
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        let tidx = |t: &str| type_idx.get(t).copied().ok_or_else(|| too_large("types"));

        // Protos sort by return type, then parameter list (type indices, lexicographic).
        let mut keyed_protos = Vec::with_capacity(protos.len());
        for p in protos {
            let params = p
                .params
                .iter()
                .map(|t| tidx(t))
                .collect::<Result<Vec<_>, _>>()?;
            keyed_protos.push(((tidx(&p.ret)?, params), p));
        }
        keyed_protos.sort();
        if keyed_protos.len() > 0xffff {
            return Err(too_large("protos (more than 65535)"));
        }
        let protos: Vec<Proto> = keyed_protos.into_iter().map(|(_, p)| p).collect();
        let proto_idx: HashMap<Proto, u32> = protos
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), i as u32))
            .collect();

        // Methods sort by class, name, proto.
        let mut keyed_methods = Vec::with_capacity(methods.len());
        for m in methods {
            let pi = proto_idx
                .get(&m.proto)
                .copied()
                .ok_or_else(|| too_large("protos"))?;
            keyed_methods.push(((tidx(&m.class)?, sidx(&m.name)?, pi), m));
        }
        keyed_methods.sort();
        if keyed_methods.len() > 0x1_0000 {
            return Err(too_large("methods (more than 65536)"));
        }
        let methods: Vec<MethodRef> = keyed_methods.into_iter().map(|(_, m)| m).collect();
        let method_idx: HashMap<MethodRef, u32> = methods
            .iter()
            .enumerate()
            .map(|(i, m)| (m.clone(), i as u32))
            .collect();
        Ok(Tables {
            strings,
            string_idx,
            types,
            type_idx,
            protos,
            proto_idx,
            methods,
            method_idx,
        })
    }

    fn string(&self, s: &str) -> Result<u32, GenError> {
        self.string_idx
            .get(s)
            .copied()
            .ok_or_else(|| too_large("strings"))
    }
    fn ty(&self, t: &str) -> Result<u32, GenError> {
        self.type_idx
            .get(t)
            .copied()
            .ok_or_else(|| too_large("types"))
    }
    fn method(&self, m: &MethodRef) -> Result<u16, GenError> {
        self.method_idx
            .get(m)
            .and_then(|&i| u16::try_from(i).ok())
            .ok_or_else(|| too_large("method index"))
    }
}

fn encode(insns: &[Insn], t: &Tables) -> Result<Vec<u16>, GenError> {
    let mut out = Vec::new();
    for insn in insns {
        match insn {
            Insn::ConstString(r, s) => {
                let i = t.string(s)?;
                match u16::try_from(i) {
                    Ok(i16) => out.extend_from_slice(&[OP_CONST_STRING | (r << 8), i16]),
                    Err(_) => out.extend_from_slice(&[
                        OP_CONST_STRING_JUMBO | (r << 8),
                        (i & 0xffff) as u16,
                        (i >> 16) as u16,
                    ]),
                }
            }
            Insn::ConstZero(r) => out.extend_from_slice(&[OP_CONST_16 | (r << 8), 0]),
            Insn::ConstWideZero(r) => out.extend_from_slice(&[OP_CONST_WIDE_16 | (r << 8), 0]),
            Insn::InvokeRange(op, m, first, count) => {
                out.extend_from_slice(&[op | (u16::from(*count) << 8), t.method(m)?, *first]);
            }
            Insn::Invoke(op, m, regs) => {
                let mut packed = 0u16;
                for (i, r) in regs.iter().take(4).enumerate() {
                    packed |= u16::from(r & 0xf) << (4 * i);
                }
                let g = regs.get(4).map_or(0, |r| u16::from(r & 0xf));
                let a = regs.len().min(5) as u16;
                out.extend_from_slice(&[op | (a << 12) | (g << 8), t.method(m)?, packed]);
            }
            Insn::ReturnVoid => out.push(OP_RETURN_VOID),
        }
    }
    Ok(out)
}

/// The `classes.dex` for `spec`.
pub fn build(spec: &AppSpec) -> Result<Vec<u8>, GenError> {
    let classes = classes(spec)?;
    let t = Tables::build(&classes)?;

    // Distinct parameter lists, each written once.
    let mut type_lists: BTreeMap<Vec<u32>, u32> = BTreeMap::new();
    for p in &t.protos {
        if !p.params.is_empty() {
            let l = p
                .params
                .iter()
                .map(|x| t.ty(x))
                .collect::<Result<Vec<_>, _>>()?;
            type_lists.insert(l, 0);
        }
    }
    for c in &classes {
        if !c.interfaces.is_empty() {
            let l = c
                .interfaces
                .iter()
                .map(|x| t.ty(x))
                .collect::<Result<Vec<_>, _>>()?;
            type_lists.insert(l, 0);
        }
    }

    let string_ids_off = HEADER_SIZE;
    let type_ids_off = string_ids_off + 4 * t.strings.len();
    let proto_ids_off = type_ids_off + 4 * t.types.len();
    let method_ids_off = proto_ids_off + 12 * t.protos.len();
    let class_defs_off = method_ids_off + 8 * t.methods.len();
    let data_off = class_defs_off + 32 * classes.len();

    // Data section, built at its final offset so every offset written is absolute.
    let mut data = vec![0u8; data_off];
    let mut map: Vec<(u16, u32, usize)> = vec![(TYPE_HEADER_ITEM, 1, 0)];
    for (kind, n, off) in [
        (TYPE_STRING_ID_ITEM, t.strings.len(), string_ids_off),
        (TYPE_TYPE_ID_ITEM, t.types.len(), type_ids_off),
        (TYPE_PROTO_ID_ITEM, t.protos.len(), proto_ids_off),
        (TYPE_METHOD_ID_ITEM, t.methods.len(), method_ids_off),
        (TYPE_CLASS_DEF_ITEM, classes.len(), class_defs_off),
    ] {
        if n > 0 {
            map.push((kind, u32_of(n, "table")?, off));
        }
    }

    // Code items.
    let mut code_offs: HashMap<MethodRef, u32> = HashMap::new();
    let code_start = data.len();
    let mut code_count = 0u32;
    for c in &classes {
        for m in &c.methods {
            align4(&mut data);
            code_offs.insert(m.id.clone(), u32_of(data.len(), "size")?);
            let insns = encode(&m.code, &t)?;
            data.extend_from_slice(&m.registers.to_le_bytes());
            data.extend_from_slice(&m.ins.to_le_bytes());
            data.extend_from_slice(&m.outs.to_le_bytes());
            data.extend_from_slice(&0u16.to_le_bytes()); // tries
            data.extend_from_slice(&0u32.to_le_bytes()); // debug info
            data.extend_from_slice(&u32_of(insns.len(), "code")?.to_le_bytes());
            for u in insns {
                data.extend_from_slice(&u.to_le_bytes());
            }
            code_count += 1;
        }
    }
    map.push((TYPE_CODE_ITEM, code_count, code_start));

    // Type lists.
    align4(&mut data);
    if !type_lists.is_empty() {
        map.push((
            TYPE_TYPE_LIST,
            u32_of(type_lists.len(), "type lists")?,
            data.len(),
        ));
    }
    for (list, off) in type_lists.iter_mut() {
        align4(&mut data);
        *off = u32_of(data.len(), "size")?;
        data.extend_from_slice(&u32_of(list.len(), "type list")?.to_le_bytes());
        for &ti in list.iter() {
            data.extend_from_slice(&(ti as u16).to_le_bytes());
        }
    }

    // String data.
    let mut string_offs = Vec::with_capacity(t.strings.len());
    map.push((
        TYPE_STRING_DATA_ITEM,
        u32_of(t.strings.len(), "strings")?,
        data.len(),
    ));
    for s in &t.strings {
        string_offs.push(u32_of(data.len(), "size")?);
        uleb(u32_of(s.encode_utf16().count(), "string")?, &mut data);
        mutf8(s, &mut data);
        data.push(0);
    }

    // Class data.
    let mut class_data_offs = Vec::with_capacity(classes.len());
    map.push((
        TYPE_CLASS_DATA_ITEM,
        u32_of(classes.len(), "classes")?,
        data.len(),
    ));
    for c in &classes {
        class_data_offs.push(u32_of(data.len(), "size")?);
        let mut direct = Vec::new();
        let mut virtual_ = Vec::new();
        for m in &c.methods {
            let idx = t
                .method_idx
                .get(&m.id)
                .copied()
                .ok_or_else(|| too_large("methods"))?;
            let code = code_offs.get(&m.id).copied().unwrap_or(0);
            let is_direct = m.access & (ACC_STATIC | ACC_CONSTRUCTOR) != 0;
            let entry = (idx, m.access, code);
            if is_direct {
                direct.push(entry);
            } else {
                virtual_.push(entry);
            }
        }
        direct.sort();
        virtual_.sort();
        uleb(0, &mut data); // static fields
        uleb(0, &mut data); // instance fields
        uleb(u32_of(direct.len(), "methods")?, &mut data);
        uleb(u32_of(virtual_.len(), "methods")?, &mut data);
        for list in [&direct, &virtual_] {
            let mut prev = 0u32;
            for (i, &(idx, access, code)) in list.iter().enumerate() {
                uleb(if i == 0 { idx } else { idx - prev }, &mut data);
                uleb(access, &mut data);
                uleb(code, &mut data);
                prev = idx;
            }
        }
    }

    // Map list (last item).
    align4(&mut data);
    let map_off = data.len();
    map.push((TYPE_MAP_LIST, 1, map_off));
    map.sort_by_key(|&(_, _, off)| off);
    data.extend_from_slice(&u32_of(map.len(), "map")?.to_le_bytes());
    for (kind, n, off) in &map {
        data.extend_from_slice(&kind.to_le_bytes());
        data.extend_from_slice(&0u16.to_le_bytes());
        data.extend_from_slice(&n.to_le_bytes());
        data.extend_from_slice(&u32_of(*off, "size")?.to_le_bytes());
    }
    align4(&mut data);
    let file_size = data.len();

    // Id tables and the header, written over the reserved prefix.
    let mut ids = Vec::with_capacity(data_off);
    ids.extend_from_slice(b"dex\n035\0");
    ids.extend_from_slice(&[0u8; 4 + 20]); // checksum and signature, filled in last
    for v in [
        u32_of(file_size, "size")?,
        HEADER_SIZE as u32,
        ENDIAN_CONSTANT,
        0, // link size
        0, // link off
        u32_of(map_off, "size")?,
    ] {
        ids.extend_from_slice(&v.to_le_bytes());
    }
    for (n, off) in [
        (t.strings.len(), string_ids_off),
        (t.types.len(), type_ids_off),
        (t.protos.len(), proto_ids_off),
        (0, 0), // fields
        (t.methods.len(), method_ids_off),
        (classes.len(), class_defs_off),
        (file_size - data_off, data_off),
    ] {
        let off = if n == 0 { 0 } else { off };
        ids.extend_from_slice(&u32_of(n, "table")?.to_le_bytes());
        ids.extend_from_slice(&u32_of(off, "size")?.to_le_bytes());
    }
    for off in &string_offs {
        ids.extend_from_slice(&off.to_le_bytes());
    }
    for ty in &t.types {
        ids.extend_from_slice(&t.string(ty)?.to_le_bytes());
    }
    for p in &t.protos {
        ids.extend_from_slice(&t.string(&shorty(p))?.to_le_bytes());
        ids.extend_from_slice(&t.ty(&p.ret)?.to_le_bytes());
        let params_off = if p.params.is_empty() {
            0
        } else {
            let l = p
                .params
                .iter()
                .map(|x| t.ty(x))
                .collect::<Result<Vec<_>, _>>()?;
            type_lists.get(&l).copied().unwrap_or(0)
        };
        ids.extend_from_slice(&params_off.to_le_bytes());
    }
    for m in &t.methods {
        let class = u16::try_from(t.ty(&m.class)?).map_err(|_| too_large("types"))?;
        let proto = t
            .proto_idx
            .get(&m.proto)
            .and_then(|&i| u16::try_from(i).ok())
            .ok_or_else(|| too_large("protos"))?;
        ids.extend_from_slice(&class.to_le_bytes());
        ids.extend_from_slice(&proto.to_le_bytes());
        ids.extend_from_slice(&t.string(&m.name)?.to_le_bytes());
    }
    for (c, data_off) in classes.iter().zip(&class_data_offs) {
        let interfaces_off = if c.interfaces.is_empty() {
            0
        } else {
            let l = c
                .interfaces
                .iter()
                .map(|x| t.ty(x))
                .collect::<Result<Vec<_>, _>>()?;
            type_lists.get(&l).copied().unwrap_or(0)
        };
        for v in [
            t.ty(&c.descriptor)?,
            c.access,
            t.ty(&c.superclass)?,
            interfaces_off,
            NO_INDEX, // source file
            0,        // annotations
            *data_off,
            0, // static values
        ] {
            ids.extend_from_slice(&v.to_le_bytes());
        }
    }
    // The id tables were sized above; a mismatch would be a bug here, reported rather than panicking.
    data.get_mut(..data_off)
        .filter(|prefix| prefix.len() == ids.len())
        .ok_or_else(|| GenError::TooLarge("dex layout (internal size mismatch)".into()))?
        .copy_from_slice(&ids);

    let signature = Sha1::digest(&data[32..]);
    data[12..32].copy_from_slice(&signature);
    let checksum = adler32(&data[12..]);
    data[8..12].copy_from_slice(&checksum.to_le_bytes());
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler_known_value() {
        // RFC 1950's example input "Wikipedia" → 0x11E60398.
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        assert_eq!(adler32(&[]), 1);
        let big = vec![0xffu8; 100_000];
        let (mut a, mut b) = (1u64, 0u64);
        for &x in &big {
            a = (a + u64::from(x)) % 65_521;
            b = (b + a) % 65_521;
        }
        assert_eq!(adler32(&big), ((b << 16) | a) as u32);
    }

    #[test]
    fn descriptors() {
        let p = parse_descriptor("(I[JLjava/lang/String;D)V").unwrap();
        assert_eq!(p.params, vec!["I", "[J", "Ljava/lang/String;", "D"]);
        assert_eq!(p.ret, "V");
        assert_eq!(shorty(&p), "VILLD");
        for bad in [
            "",
            "()",
            "(V)V",
            "(L;)V",
            "(Ljava/lang/String)V",
            "I",
            "()X",
            "(Lx.y;)V",
        ] {
            assert!(parse_descriptor(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn modified_utf8() {
        let mut out = Vec::new();
        mutf8("a\0é😀", &mut out);
        assert_eq!(
            out,
            [b'a', 0xc0, 0x80, 0xc3, 0xa9, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]
        );
    }
}
