//! Builds small, valid dex files byte by byte for the unit tests.

use sha1::{Digest, Sha1};

/// Options for [`build`].
pub(crate) struct Spec {
    pub version: u32,
    /// Offset of this section in its container (041 only; offsets become container-relative).
    pub base: u32,
    /// `container_size` to write (041 only).
    pub container_size: u32,
    /// Extra raw MUTF-8 string appended as the last string.
    pub extra_string: Vec<u8>,
    /// Code units of `LFoo;->foo(I)I`.
    pub code: Vec<u16>,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            version: 35,
            base: 0,
            container_size: 0,
            extra_string: b"extra".to_vec(),
            code: vec![
                0x001a, 0x0005, // const-string v0, "hello"
                0x1070, 0x0000, 0x0001, // invoke-direct {v1}, Object.<init>
                0x1052, 0x0000, // iget v0, v1, LFoo;->bar:I
                0x001c, 0x0000, // const-class v0, LFoo;
                0x000e, // return-void
            ],
        }
    }
}

fn uleb(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn put32(buf: &mut [u8], at: usize, v: u32) {
    buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn align4(buf: &mut Vec<u8>) {
    while buf.len() % 4 != 0 {
        buf.push(0);
    }
}

/// Strings: 0 "<init>", 1 "LFoo;", 2 "Ljava/lang/Object;", 3 "V", 4 "foo", 5 "hello", 6 "I",
/// 7 "bar", 8 "VI"... see below; types: 0 LFoo;, 1 Object, 2 V, 3 I.
pub(crate) fn build(spec: &Spec) -> Vec<u8> {
    let base = spec.base as usize;
    let header_size: usize = if spec.version >= 41 { 0x78 } else { 0x70 };
    let mut strings: Vec<Vec<u8>> = [
        "<init>",
        "LFoo;",
        "Ljava/lang/Object;",
        "V",
        "foo",
        "hello",
        "I",
        "bar",
        "II",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    strings.push(spec.extra_string.clone());
    let types: [u32; 4] = [1, 2, 3, 6];
    let n_str = strings.len();
    let string_ids_off = header_size;
    let type_ids_off = string_ids_off + 4 * n_str;
    let proto_ids_off = type_ids_off + 4 * types.len();
    let field_ids_off = proto_ids_off + 12 * 2;
    let method_ids_off = field_ids_off + 8;
    let class_defs_off = method_ids_off + 8 * 2;
    let data_off = class_defs_off + 32;
    let mut b = vec![0u8; data_off];
    // data: string data
    let mut string_offs = Vec::new();
    for s in &strings {
        string_offs.push(b.len());
        let utf16 = crate::mutf8::decode(s).1.utf16_len as u32;
        uleb(&mut b, utf16);
        b.extend_from_slice(s);
        b.push(0);
    }
    align4(&mut b);
    let type_list_off = b.len();
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(&3u16.to_le_bytes());
    align4(&mut b);
    let code_off = b.len();
    for v in [3u16, 2, 1, 0] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&(spec.code.len() as u32).to_le_bytes());
    for u in &spec.code {
        b.extend_from_slice(&u.to_le_bytes());
    }
    align4(&mut b);
    let class_data_off = b.len();
    for v in [0u32, 1, 1, 0] {
        uleb(&mut b, v);
    }
    // instance field 0, flags private
    uleb(&mut b, 0);
    uleb(&mut b, 2);
    // direct method 1 (LFoo;->foo), public static, code
    uleb(&mut b, 1);
    uleb(&mut b, 9);
    uleb(&mut b, (base + code_off) as u32);
    align4(&mut b);
    let map_off = b.len();
    let items: [(u16, u32, usize); 12] = [
        (0x0000, 1, 0),
        (0x0001, n_str as u32, string_ids_off),
        (0x0002, types.len() as u32, type_ids_off),
        (0x0003, 2, proto_ids_off),
        (0x0004, 1, field_ids_off),
        (0x0005, 2, method_ids_off),
        (0x0006, 1, class_defs_off),
        (0x2002, n_str as u32, string_offs[0]),
        (0x1001, 1, type_list_off),
        (0x2001, 1, code_off),
        (0x2000, 1, class_data_off),
        (0x1000, 1, map_off),
    ];
    b.extend_from_slice(&(items.len() as u32).to_le_bytes());
    for (t, n, off) in items {
        b.extend_from_slice(&t.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&n.to_le_bytes());
        b.extend_from_slice(&((base + off) as u32).to_le_bytes());
    }
    let file_size = b.len();
    let abs = |o: usize| (base + o) as u32;
    // ids
    for (i, off) in string_offs.iter().enumerate() {
        put32(&mut b, string_ids_off + 4 * i, abs(*off));
    }
    for (i, t) in types.iter().enumerate() {
        put32(&mut b, type_ids_off + 4 * i, *t);
    }
    // proto 0: V(); proto 1: I(I) with shorty "II"
    put32(&mut b, proto_ids_off, 3);
    put32(&mut b, proto_ids_off + 4, 2);
    put32(&mut b, proto_ids_off + 12, 8);
    put32(&mut b, proto_ids_off + 16, 3);
    put32(&mut b, proto_ids_off + 20, abs(type_list_off));
    // field 0: LFoo;->bar:I
    b[field_ids_off..field_ids_off + 2].copy_from_slice(&0u16.to_le_bytes());
    b[field_ids_off + 2..field_ids_off + 4].copy_from_slice(&3u16.to_le_bytes());
    put32(&mut b, field_ids_off + 4, 7);
    // method 0: Object.<init>()V ; method 1: LFoo;->foo(I)I
    b[method_ids_off..method_ids_off + 4].copy_from_slice(&[1, 0, 0, 0]);
    put32(&mut b, method_ids_off + 4, 0);
    b[method_ids_off + 8..method_ids_off + 12].copy_from_slice(&[0, 0, 1, 0]);
    put32(&mut b, method_ids_off + 12, 4);
    // class def
    let cd = [0u32, 1, 1, 0, 0xffff_ffff, 0, abs(class_data_off), 0];
    for (i, v) in cd.iter().enumerate() {
        put32(&mut b, class_defs_off + 4 * i, *v);
    }
    // header
    b[..8].copy_from_slice(format!("dex\n{:03}\0", spec.version).as_bytes());
    put32(&mut b, 32, file_size as u32);
    put32(&mut b, 36, header_size as u32);
    put32(&mut b, 40, 0x1234_5678);
    put32(&mut b, 52, abs(map_off));
    let fields = [
        (n_str, string_ids_off),
        (types.len(), type_ids_off),
        (2, proto_ids_off),
        (1, field_ids_off),
        (2, method_ids_off),
        (1, class_defs_off),
    ];
    for (i, (n, off)) in fields.iter().enumerate() {
        put32(&mut b, 56 + 8 * i, *n as u32);
        put32(&mut b, 60 + 8 * i, abs(*off));
    }
    if spec.version >= 41 {
        put32(&mut b, 112, spec.container_size);
        put32(&mut b, 116, spec.base);
    } else {
        put32(&mut b, 104, (file_size - data_off) as u32);
        put32(&mut b, 108, data_off as u32);
    }
    fix_checksums(&mut b);
    b
}

/// Recomputes signature and checksum of a section.
pub(crate) fn fix_checksums(b: &mut [u8]) {
    let sig = Sha1::digest(&b[32..]);
    b[12..32].copy_from_slice(sig.as_slice());
    let c = crate::adler32(&b[12..]);
    put32(b, 8, c);
}
