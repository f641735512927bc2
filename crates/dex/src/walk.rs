//! What each method's code references, and a whole-file summary built from it.

use std::fmt;

use serde::Serialize;

use crate::insn::{Insn, InsnError, Instructions};
use crate::{push_anomaly, Anomaly, Dex, DexError};

/// How a method is invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvokeKind {
    /// `invoke-virtual`.
    Virtual,
    /// `invoke-super`.
    Super,
    /// `invoke-direct`.
    Direct,
    /// `invoke-static`.
    Static,
    /// `invoke-interface`.
    Interface,
    /// `invoke-polymorphic` (MethodHandle.invoke and friends).
    Polymorphic,
    /// `invoke-custom` (invokedynamic; the index is a call site, not a method).
    Custom,
}

/// Read or write of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldOp {
    /// `iget*` / `sget*`.
    Get,
    /// `iput*` / `sput*`.
    Put,
}

/// Something a method's code refers to, in code order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reference {
    /// A method call. For [`InvokeKind::Custom`], `method_idx` is a call-site index.
    Invoke {
        /// Kind of call.
        kind: InvokeKind,
        /// The `/range` form.
        range: bool,
        /// Index into `method_ids` (call-site index for `invoke-custom`).
        method_idx: u32,
        /// Code-unit offset of the instruction.
        offset: u32,
    },
    /// A field read or write.
    FieldAccess {
        /// Get or put.
        op: FieldOp,
        /// `sget/sput` rather than `iget/iput`.
        is_static: bool,
        /// Index into `field_ids`.
        field_idx: u32,
        /// Code-unit offset of the instruction.
        offset: u32,
    },
    /// `const-string` / `const-string/jumbo`.
    ConstString {
        /// Index into `string_ids`.
        string_idx: u32,
        /// Code-unit offset of the instruction.
        offset: u32,
    },
    /// `const-class`.
    ConstClass {
        /// Index into `type_ids`.
        type_idx: u32,
        /// Code-unit offset of the instruction.
        offset: u32,
    },
}

impl Reference {
    /// The reference made by one instruction, if it makes one of the kinds above.
    #[inline]
    pub fn of(insn: &Insn) -> Option<Reference> {
        if insn.payload.is_some() {
            return None;
        }
        Reference::from_opcode(insn.opcode, insn.index?.value, insn.offset)
    }

    /// The reference an instruction with this opcode and index operand makes, if any. Shared by
    /// [`Reference::of`] and the allocation-free counting walk in [`summarize`].
    #[inline]
    pub fn from_opcode(opcode: u8, idx: u32, offset: u32) -> Option<Reference> {
        let invoke = |kind, range| {
            Some(Reference::Invoke {
                kind,
                range,
                method_idx: idx,
                offset,
            })
        };
        let field = |op, is_static| {
            Some(Reference::FieldAccess {
                op,
                is_static,
                field_idx: idx,
                offset,
            })
        };
        match opcode {
            0x1a | 0x1b => Some(Reference::ConstString {
                string_idx: idx,
                offset,
            }),
            0x1c => Some(Reference::ConstClass {
                type_idx: idx,
                offset,
            }),
            0x52..=0x58 => field(FieldOp::Get, false),
            0x59..=0x5f => field(FieldOp::Put, false),
            0x60..=0x66 => field(FieldOp::Get, true),
            0x67..=0x6d => field(FieldOp::Put, true),
            0x6e | 0x74 => invoke(InvokeKind::Virtual, opcode == 0x74),
            0x6f | 0x75 => invoke(InvokeKind::Super, opcode == 0x75),
            0x70 | 0x76 => invoke(InvokeKind::Direct, opcode == 0x76),
            0x71 | 0x77 => invoke(InvokeKind::Static, opcode == 0x77),
            0x72 | 0x78 => invoke(InvokeKind::Interface, opcode == 0x78),
            0xfa | 0xfb => invoke(InvokeKind::Polymorphic, opcode == 0xfb),
            0xfc | 0xfd => invoke(InvokeKind::Custom, opcode == 0xfd),
            _ => None,
        }
    }
}

/// Iterator over a method's references; yields the decoding error (once) if the code is bad.
#[derive(Debug, Clone)]
pub struct References<'a> {
    insns: Instructions<'a>,
}

impl<'a> References<'a> {
    /// References of the instructions `insns` yields.
    pub fn new(insns: Instructions<'a>) -> Self {
        References { insns }
    }
}

impl Iterator for References<'_> {
    type Item = Result<Reference, InsnError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.insns.next()? {
                Ok(insn) => {
                    if let Some(r) = Reference::of(&insn) {
                        return Some(Ok(r));
                    }
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// A class or method that could not be fully read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MethodAnomaly {
    /// Index of the class definition.
    pub class_def: u32,
    /// The method, when the problem is inside one.
    pub method_idx: Option<u32>,
    /// What went wrong.
    pub error: String,
}

impl fmt::Display for MethodAnomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.method_idx {
            Some(m) => write!(
                f,
                "class_def {} method {}: {}",
                self.class_def, m, self.error
            ),
            None => write!(f, "class_def {}: {}", self.class_def, self.error),
        }
    }
}

/// Counts for one dex (section): header tables, integrity, and what the code references.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DexSummary {
    /// Version number (35..=41).
    pub version: u32,
    /// Offset of the header in its container (0 unless version 041 multi-section).
    pub header_offset: u64,
    /// `string_ids` count.
    pub strings: u32,
    /// `type_ids` count.
    pub types: u32,
    /// `proto_ids` count.
    pub protos: u32,
    /// `field_ids` count.
    pub fields: u32,
    /// `method_ids` count.
    pub methods: u32,
    /// `class_defs` count.
    pub classes: u32,
    /// Adler-32 matches.
    pub checksum_ok: bool,
    /// SHA-1 signature matches.
    pub signature_ok: bool,
    /// Methods defined in class data (direct + virtual).
    pub encoded_methods: u64,
    /// Of those, methods with a code item.
    pub methods_with_code: u64,
    /// Total 16-bit code units of all code items walked.
    pub code_units: u64,
    /// Instructions decoded (payload pseudo-instructions included).
    pub instructions: u64,
    /// All invoke instructions.
    pub invokes: u64,
    /// `invoke-virtual` (and `/range`).
    pub invoke_virtual: u64,
    /// `invoke-super`.
    pub invoke_super: u64,
    /// `invoke-direct`.
    pub invoke_direct: u64,
    /// `invoke-static`.
    pub invoke_static: u64,
    /// `invoke-interface`.
    pub invoke_interface: u64,
    /// `invoke-polymorphic`.
    pub invoke_polymorphic: u64,
    /// `invoke-custom`.
    pub invoke_custom: u64,
    /// All field accesses.
    pub field_accesses: u64,
    /// Field reads (`iget*`, `sget*`).
    pub field_reads: u64,
    /// Field writes (`iput*`, `sput*`).
    pub field_writes: u64,
    /// `const-string` and `const-string/jumbo`.
    pub const_strings: u64,
    /// `const-class`.
    pub const_classes: u64,
    /// References whose index is beyond its table (ART's verifier rejects such code).
    pub dangling_references: u64,
    /// Methods whose code stopped decoding early (unused opcode, truncated instruction).
    pub methods_with_bad_code: u64,
    /// Strings that are not well-formed MUTF-8 of their declared length, or unreadable.
    pub invalid_strings: u64,
    /// Header/map anomalies plus those found during the walk (capped).
    pub anomalies: Vec<Anomaly>,
}

/// Work allowed per byte of input: legitimate files touch each code unit and class-data byte
/// about once, so only files that make the walk revisit shared bytes hit this.
const WORK_PER_BYTE: u64 = 4;
/// Work always allowed, so tiny files are never cut short.
const WORK_BASE: u64 = 1 << 20;

/// Walks every method of every class, decodes all instructions, and counts references.
///
/// Allocation-free per instruction; bounded by a work budget proportional to the input size.
pub fn summarize(dex: &Dex<'_>) -> DexSummary {
    summarize_impl(dex, true)
}

/// [`summarize`] with the fast counting walk switched off: every instruction goes through the full
/// decoder. The two must agree; tests hold them to it.
#[doc(hidden)]
pub fn summarize_fully_decoded(dex: &Dex<'_>) -> DexSummary {
    summarize_impl(dex, false)
}

fn summarize_impl(dex: &Dex<'_>, fast_path: bool) -> DexSummary {
    let h = dex.header();
    let mut s = DexSummary {
        version: h.version,
        header_offset: dex.header_offset() as u64,
        strings: h.string_ids_size,
        types: h.type_ids_size,
        protos: h.proto_ids_size,
        fields: h.field_ids_size,
        methods: h.method_ids_size,
        classes: h.class_defs_size,
        checksum_ok: dex.checksum_ok(),
        signature_ok: dex.signature_ok(),
        anomalies: dex.anomalies().to_vec(),
        ..DexSummary::default()
    };
    let limits = [
        h.string_ids_size,
        h.type_ids_size,
        h.field_ids_size,
        h.method_ids_size,
        dex.call_site_ids_len(),
    ];
    // Every string is checked (no allocation for the usual ASCII/UTF-8-compatible ones):
    // malformed MUTF-8 is a trace of hand-made or obfuscated dex.
    for (index, r) in dex.strings().enumerate() {
        match r {
            Ok(st) if st.well_formed => {}
            Err(DexError::BudgetExhausted { .. }) => {
                push_anomaly(
                    &mut s.anomalies,
                    Anomaly::WalkBudgetExhausted {
                        units: index as u64,
                    },
                );
                break;
            }
            _ => {
                s.invalid_strings += 1;
                push_anomaly(
                    &mut s.anomalies,
                    Anomaly::InvalidString {
                        index: index as u32,
                    },
                );
            }
        }
    }
    let budget = WORK_PER_BYTE
        .saturating_mul(dex.data().len() as u64)
        .saturating_add(WORK_BASE);
    let mut work: u64 = 0;
    'classes: for class in dex.classes() {
        let mut methods = class.methods();
        for m in &mut methods {
            work += 1;
            let m = match m {
                Ok(m) => m,
                Err(e) => {
                    let a = MethodAnomaly {
                        class_def: class.index,
                        method_idx: None,
                        error: e.to_string(),
                    };
                    push_anomaly(&mut s.anomalies, Anomaly::Method(a));
                    break;
                }
            };
            s.encoded_methods += 1;
            let code = match m.code() {
                Ok(Some(c)) => c,
                Ok(None) => continue,
                Err(e) => {
                    let a = MethodAnomaly {
                        class_def: class.index,
                        method_idx: Some(m.method_idx),
                        error: e.to_string(),
                    };
                    push_anomaly(&mut s.anomalies, Anomaly::Method(a));
                    continue;
                }
            };
            s.methods_with_code += 1;
            let units = code.insns_len() as u64;
            work += units;
            if work > budget {
                push_anomaly(
                    &mut s.anomalies,
                    Anomaly::WalkBudgetExhausted { units: work },
                );
                break 'classes;
            }
            s.code_units += units;
            // Fast path: count without building full instructions. Any oddity (unused opcode,
            // truncation) makes it give up, and the full decoder redoes the method to report it.
            if fast_path {
                let saved = CounterSnapshot::take(&s);
                if let Some(n) = fast_references(code.insns, |r| count(&mut s, r, &limits)) {
                    s.instructions += n;
                    continue;
                }
                saved.restore(&mut s);
            }
            for insn in code.instructions() {
                match insn {
                    Ok(insn) => {
                        s.instructions += 1;
                        if let Some(r) = Reference::of(&insn) {
                            count(&mut s, r, &limits);
                        }
                    }
                    Err(e) => {
                        s.methods_with_bad_code += 1;
                        let a = MethodAnomaly {
                            class_def: class.index,
                            method_idx: Some(m.method_idx),
                            error: e.to_string(),
                        };
                        push_anomaly(&mut s.anomalies, Anomaly::Method(a));
                        break;
                    }
                }
            }
        }
        work += methods.bytes_consumed() as u64;
        if work > budget {
            push_anomaly(
                &mut s.anomalies,
                Anomaly::WalkBudgetExhausted { units: work },
            );
            break;
        }
    }
    s
}

/// The reference counters `count` touches, saved before a method's fast walk so that a walk that
/// gives up half way leaves no trace.
struct CounterSnapshot([u64; 14]);

impl CounterSnapshot {
    fn take(s: &DexSummary) -> Self {
        CounterSnapshot([
            s.invokes,
            s.invoke_virtual,
            s.invoke_super,
            s.invoke_direct,
            s.invoke_static,
            s.invoke_interface,
            s.invoke_polymorphic,
            s.invoke_custom,
            s.field_accesses,
            s.field_reads,
            s.field_writes,
            s.const_strings,
            s.const_classes,
            s.dangling_references,
        ])
    }

    fn restore(self, s: &mut DexSummary) {
        let [a, b, c, d, e, f, g, h, i, j, k, l, m, n] = self.0;
        s.invokes = a;
        s.invoke_virtual = b;
        s.invoke_super = c;
        s.invoke_direct = d;
        s.invoke_static = e;
        s.invoke_interface = f;
        s.invoke_polymorphic = g;
        s.invoke_custom = h;
        s.field_accesses = i;
        s.field_reads = j;
        s.field_writes = k;
        s.const_strings = l;
        s.const_classes = m;
        s.dangling_references = n;
    }
}

/// Counts a method's instructions (its `insns` bytes) and hands each reference to `on_reference`,
/// with the standard opcode table and without decoding registers: the hot loop of `inspect` and of
/// call-site indexing. Returns the instruction count, or `None` on anything the full decoder would
/// call an error — references already handed over stay handed over, so a caller that needs
/// all-or-nothing must buffer or roll back, and should then decode fully to learn what went wrong.
pub fn fast_references(insns: &[u8], mut on_reference: impl FnMut(Reference)) -> Option<u64> {
    let table = &crate::insn::DEX_OPCODES;
    let mut instructions = 0u64;
    let len = insns.len() / 2;
    let unit = |i: usize| -> u16 {
        match insns.get(2 * i..2 * i + 2) {
            Some(b) => u16::from_le_bytes([b[0], b[1]]),
            None => 0,
        }
    };
    let mut pos = 0usize;
    while pos < len {
        let u0 = unit(pos);
        let opcode = (u0 & 0xff) as u8;
        let hi = u0 >> 8;
        let available = len - pos;
        if opcode == 0 && (1..=3).contains(&hi) {
            if available < if hi == 3 { 4 } else { 2 } {
                return None;
            }
            let u1 = unit(pos + 1) as usize;
            let size = match hi {
                1 => 4 + u1 * 2,
                2 => 2 + u1 * 4,
                _ => {
                    let count = usize::from(unit(pos + 2)) | (usize::from(unit(pos + 3)) << 16);
                    4 + (u1.saturating_mul(count)).div_ceil(2)
                }
            };
            if size > available {
                return None;
            }
            instructions += 1;
            pos += size;
            continue;
        }
        let info = &table[usize::from(opcode)];
        let units = info.format.units();
        if !info.valid || units > available {
            return None;
        }
        if info.index.is_some() {
            let u1 = u32::from(unit(pos + 1));
            let idx = if opcode == 0x1b {
                u1 | (u32::from(unit(pos + 2)) << 16)
            } else {
                u1
            };
            if let Some(r) = Reference::from_opcode(opcode, idx, pos as u32) {
                on_reference(r);
            }
        }
        instructions += 1;
        pos += units;
    }
    Some(instructions)
}

/// `limits`: string, type, field, method, call-site table lengths.
#[inline]
fn count(s: &mut DexSummary, r: Reference, limits: &[u32; 5]) {
    let (idx, limit) = match r {
        Reference::Invoke {
            kind, method_idx, ..
        } => {
            s.invokes += 1;
            let slot = match kind {
                InvokeKind::Virtual => &mut s.invoke_virtual,
                InvokeKind::Super => &mut s.invoke_super,
                InvokeKind::Direct => &mut s.invoke_direct,
                InvokeKind::Static => &mut s.invoke_static,
                InvokeKind::Interface => &mut s.invoke_interface,
                InvokeKind::Polymorphic => &mut s.invoke_polymorphic,
                InvokeKind::Custom => &mut s.invoke_custom,
            };
            *slot += 1;
            (
                method_idx,
                if kind == InvokeKind::Custom {
                    limits[4]
                } else {
                    limits[3]
                },
            )
        }
        Reference::FieldAccess { op, field_idx, .. } => {
            s.field_accesses += 1;
            match op {
                FieldOp::Get => s.field_reads += 1,
                FieldOp::Put => s.field_writes += 1,
            }
            (field_idx, limits[2])
        }
        Reference::ConstString { string_idx, .. } => {
            s.const_strings += 1;
            (string_idx, limits[0])
        }
        Reference::ConstClass { type_idx, .. } => {
            s.const_classes += 1;
            (type_idx, limits[1])
        }
    };
    if idx >= limit {
        s.dangling_references += 1;
    }
}
