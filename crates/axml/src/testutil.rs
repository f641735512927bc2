//! Builds small binary XML documents for unit tests.

/// A value to encode in an attribute.
pub enum V<'a> {
    Str(&'a str),
    Int(u32),
    Bool(bool),
    Ref(u32),
}

/// Element events.
pub enum Ev<'a> {
    /// start: name, attributes (name, res id or 0, value)
    Start(&'a str, Vec<(&'a str, u32, V<'a>)>),
    End(&'a str),
    Text(&'a str),
}

/// Encodes a UTF-16 string pool.
pub fn pool(strings: &[String]) -> Vec<u8> {
    let mut data = Vec::new();
    let mut offs = Vec::new();
    for s in strings {
        offs.push(data.len() as u32);
        let u: Vec<u16> = s.encode_utf16().collect();
        data.extend_from_slice(&(u.len() as u16).to_le_bytes());
        for c in u {
            data.extend_from_slice(&c.to_le_bytes());
        }
        data.extend_from_slice(&[0, 0]);
    }
    while data.len() % 4 != 0 {
        data.push(0);
    }
    let hs = 28u32;
    let strings_start = hs + 4 * strings.len() as u32;
    let size = strings_start + data.len() as u32;
    let mut out = Vec::new();
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&28u16.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&(strings.len() as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&strings_start.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    for o in offs {
        out.extend_from_slice(&o.to_le_bytes());
    }
    out.extend_from_slice(&data);
    out
}

/// Builds a document; attributes with a non-zero res id get the first string indices.
pub fn build(events: &[Ev]) -> Vec<u8> {
    let mut strings: Vec<String> = Vec::new();
    let mut ids: Vec<u32> = Vec::new();
    // attribute names with ids first (resource map order)
    for e in events {
        if let Ev::Start(_, attrs) = e {
            for (n, id, _) in attrs {
                if *id != 0 && !ids.contains(id) {
                    ids.push(*id);
                    strings.push((*n).to_owned());
                }
            }
        }
    }
    let intern = |s: &str, strings: &mut Vec<String>| -> u32 {
        if let Some(i) = strings.iter().skip(ids.len()).position(|x| x == s) {
            return (i + ids.len()) as u32;
        }
        strings.push(s.to_owned());
        (strings.len() - 1) as u32
    };
    let ns_uri = intern(crate::ANDROID_NS, &mut strings);
    let mut nodes = Vec::new();
    for e in events {
        let mut body = Vec::new();
        let kind: u16;
        match e {
            Ev::Start(name, attrs) => {
                kind = 0x0102;
                let n = intern(name, &mut strings);
                body.extend_from_slice(&u32::MAX.to_le_bytes());
                body.extend_from_slice(&n.to_le_bytes());
                body.extend_from_slice(&20u16.to_le_bytes());
                body.extend_from_slice(&20u16.to_le_bytes());
                body.extend_from_slice(&(attrs.len() as u16).to_le_bytes());
                body.extend_from_slice(&[0u8; 6]);
                for (an, id, v) in attrs {
                    let ni = if *id != 0 {
                        ids.iter().position(|x| x == id).unwrap() as u32
                    } else {
                        intern(an, &mut strings)
                    };
                    let ns = if *id != 0 { ns_uri } else { u32::MAX };
                    let (raw, ty, data) = match v {
                        V::Str(s) => {
                            let i = intern(s, &mut strings);
                            (i, 3u8, i)
                        }
                        V::Int(i) => (u32::MAX, 0x10, *i),
                        V::Bool(b) => (u32::MAX, 0x12, if *b { u32::MAX } else { 0 }),
                        V::Ref(r) => (u32::MAX, 1, *r),
                    };
                    body.extend_from_slice(&ns.to_le_bytes());
                    body.extend_from_slice(&ni.to_le_bytes());
                    body.extend_from_slice(&raw.to_le_bytes());
                    body.extend_from_slice(&8u16.to_le_bytes());
                    body.push(0);
                    body.push(ty);
                    body.extend_from_slice(&data.to_le_bytes());
                }
            }
            Ev::End(name) => {
                kind = 0x0103;
                let n = intern(name, &mut strings);
                body.extend_from_slice(&u32::MAX.to_le_bytes());
                body.extend_from_slice(&n.to_le_bytes());
            }
            Ev::Text(t) => {
                kind = 0x0104;
                let n = intern(t, &mut strings);
                body.extend_from_slice(&n.to_le_bytes());
                body.extend_from_slice(&8u16.to_le_bytes());
                body.push(0);
                body.push(0);
                body.extend_from_slice(&0u32.to_le_bytes());
            }
        }
        let mut node = Vec::new();
        node.extend_from_slice(&kind.to_le_bytes());
        node.extend_from_slice(&16u16.to_le_bytes());
        node.extend_from_slice(&((16 + body.len()) as u32).to_le_bytes());
        node.extend_from_slice(&1u32.to_le_bytes());
        node.extend_from_slice(&u32::MAX.to_le_bytes());
        node.extend_from_slice(&body);
        nodes.extend_from_slice(&node);
    }
    let sp = pool(&strings);
    let mut rm = Vec::new();
    rm.extend_from_slice(&0x0180u16.to_le_bytes());
    rm.extend_from_slice(&8u16.to_le_bytes());
    rm.extend_from_slice(&((8 + 4 * ids.len()) as u32).to_le_bytes());
    for id in &ids {
        rm.extend_from_slice(&id.to_le_bytes());
    }
    let total = 8 + sp.len() + rm.len() + nodes.len();
    let mut out = Vec::new();
    out.extend_from_slice(&3u16.to_le_bytes());
    out.extend_from_slice(&8u16.to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&sp);
    out.extend_from_slice(&rm);
    out.extend_from_slice(&nodes);
    out
}
