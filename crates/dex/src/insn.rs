//! Dalvik bytecode: the opcode table, every instruction format, and a decoder over a code item's
//! 16-bit code units.
//!
//! The decoder never allocates: each [`Insn`] is a small `Copy` value holding the operands in the
//! order the instruction lists them (the order `dexdump` prints), so later passes (register data
//! flow: which register a `move-result*` writes, which registers an invoke reads) can use
//! [`Insn::regs`] / [`Insn::registers`] directly. Payload pseudo-instructions
//! (`packed-switch`, `sparse-switch`, `fill-array-data` data) are yielded with
//! [`Insn::payload`] set, so branch and switch targets can still be resolved by offset.
//!
//! Decoding a method stops at the first unused opcode or truncated instruction, reported as an
//! [`InsnError`]; the iterator then ends.

use serde::Serialize;

/// Instruction formats of the Dalvik bytecode specification ("10x", "35c", ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[allow(missing_docs)]
pub enum Format {
    F10x,
    F12x,
    F11n,
    F11x,
    F10t,
    F20t,
    F20bc,
    F22x,
    F21t,
    F21s,
    F21h,
    F21c,
    F23x,
    F22b,
    F22t,
    F22s,
    F22c,
    F22cs,
    F30t,
    F32x,
    F31i,
    F31t,
    F31c,
    F35c,
    F35ms,
    F35mi,
    F3rc,
    F3rms,
    F3rmi,
    F45cc,
    F4rcc,
    F51l,
}

impl Format {
    /// Length of an instruction of this format, in 16-bit code units.
    pub const fn units(self) -> usize {
        use Format::*;
        match self {
            F10x | F12x | F11n | F11x | F10t => 1,
            F20t | F20bc | F22x | F21t | F21s | F21h | F21c | F23x | F22b | F22t | F22s | F22c
            | F22cs => 2,
            F30t | F32x | F31i | F31t | F31c | F35c | F35ms | F35mi | F3rc | F3rms | F3rmi => 3,
            F45cc | F4rcc => 4,
            F51l => 5,
        }
    }

    /// The specification's name for the format, e.g. `"35c"`.
    pub const fn name(self) -> &'static str {
        use Format::*;
        match self {
            F10x => "10x",
            F12x => "12x",
            F11n => "11n",
            F11x => "11x",
            F10t => "10t",
            F20t => "20t",
            F20bc => "20bc",
            F22x => "22x",
            F21t => "21t",
            F21s => "21s",
            F21h => "21h",
            F21c => "21c",
            F23x => "23x",
            F22b => "22b",
            F22t => "22t",
            F22s => "22s",
            F22c => "22c",
            F22cs => "22cs",
            F30t => "30t",
            F32x => "32x",
            F31i => "31i",
            F31t => "31t",
            F31c => "31c",
            F35c => "35c",
            F35ms => "35ms",
            F35mi => "35mi",
            F3rc => "3rc",
            F3rms => "3rms",
            F3rmi => "3rmi",
            F45cc => "45cc",
            F4rcc => "4rcc",
            F51l => "51l",
        }
    }
}

/// What an instruction's index operand points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexKind {
    /// `string_ids`.
    String,
    /// `type_ids`.
    Type,
    /// `field_ids`.
    Field,
    /// `method_ids`.
    Method,
    /// `proto_ids`.
    Proto,
    /// `call_site_ids`.
    CallSite,
    /// `method_handles`.
    MethodHandle,
    /// Optimised-dex (odex) instance field byte offset (formats 22cs).
    FieldOffset,
    /// Optimised-dex vtable slot (formats 35ms/3rms).
    VtableOffset,
    /// Optimised-dex inline method number (formats 35mi/3rmi).
    InlineMethod,
    /// `throw-verification-error` reference (format 20bc); its kind is unknown statically.
    VerificationError,
}

/// One row of an opcode table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpInfo {
    /// Mnemonic as `dexdump` prints it.
    pub name: &'static str,
    /// Encoding format.
    pub format: Format,
    /// Kind of the (first) index operand, if any.
    pub index: Option<IndexKind>,
    /// False for opcodes that ART rejects as unused in this table.
    pub valid: bool,
}

const UNUSED: OpInfo = OpInfo {
    name: "unused",
    format: Format::F10x,
    index: None,
    valid: false,
};

const fn op(name: &'static str, format: Format) -> OpInfo {
    OpInfo {
        name,
        format,
        index: None,
        valid: true,
    }
}

const fn opi(name: &'static str, format: Format, index: IndexKind) -> OpInfo {
    OpInfo {
        name,
        format,
        index: Some(index),
        valid: true,
    }
}

/// Fills `names.len()` consecutive opcodes starting at `start` with one format.
const fn fill(
    mut t: [OpInfo; 256],
    start: usize,
    names: &[&'static str],
    format: Format,
    index: Option<IndexKind>,
) -> [OpInfo; 256] {
    let mut i = 0;
    while i < names.len() {
        t[start + i] = OpInfo {
            name: names[i],
            format,
            index,
            valid: true,
        };
        i += 1;
    }
    t
}

const fn build_dex_table() -> [OpInfo; 256] {
    use Format::*;
    use IndexKind::*;
    let mut t = [UNUSED; 256];
    t[0x00] = op("nop", F10x);
    t[0x01] = op("move", F12x);
    t[0x02] = op("move/from16", F22x);
    t[0x03] = op("move/16", F32x);
    t[0x04] = op("move-wide", F12x);
    t[0x05] = op("move-wide/from16", F22x);
    t[0x06] = op("move-wide/16", F32x);
    t[0x07] = op("move-object", F12x);
    t[0x08] = op("move-object/from16", F22x);
    t[0x09] = op("move-object/16", F32x);
    t[0x0a] = op("move-result", F11x);
    t[0x0b] = op("move-result-wide", F11x);
    t[0x0c] = op("move-result-object", F11x);
    t[0x0d] = op("move-exception", F11x);
    t[0x0e] = op("return-void", F10x);
    t[0x0f] = op("return", F11x);
    t[0x10] = op("return-wide", F11x);
    t[0x11] = op("return-object", F11x);
    t[0x12] = op("const/4", F11n);
    t[0x13] = op("const/16", F21s);
    t[0x14] = op("const", F31i);
    t[0x15] = op("const/high16", F21h);
    t[0x16] = op("const-wide/16", F21s);
    t[0x17] = op("const-wide/32", F31i);
    t[0x18] = op("const-wide", F51l);
    t[0x19] = op("const-wide/high16", F21h);
    t[0x1a] = opi("const-string", F21c, String);
    t[0x1b] = opi("const-string/jumbo", F31c, String);
    t[0x1c] = opi("const-class", F21c, Type);
    t[0x1d] = op("monitor-enter", F11x);
    t[0x1e] = op("monitor-exit", F11x);
    t[0x1f] = opi("check-cast", F21c, Type);
    t[0x20] = opi("instance-of", F22c, Type);
    t[0x21] = op("array-length", F12x);
    t[0x22] = opi("new-instance", F21c, Type);
    t[0x23] = opi("new-array", F22c, Type);
    t[0x24] = opi("filled-new-array", F35c, Type);
    t[0x25] = opi("filled-new-array/range", F3rc, Type);
    t[0x26] = op("fill-array-data", F31t);
    t[0x27] = op("throw", F11x);
    t[0x28] = op("goto", F10t);
    t[0x29] = op("goto/16", F20t);
    t[0x2a] = op("goto/32", F30t);
    t[0x2b] = op("packed-switch", F31t);
    t[0x2c] = op("sparse-switch", F31t);
    t = fill(
        t,
        0x2d,
        &[
            "cmpl-float",
            "cmpg-float",
            "cmpl-double",
            "cmpg-double",
            "cmp-long",
        ],
        F23x,
        None,
    );
    t = fill(
        t,
        0x32,
        &["if-eq", "if-ne", "if-lt", "if-ge", "if-gt", "if-le"],
        F22t,
        None,
    );
    t = fill(
        t,
        0x38,
        &["if-eqz", "if-nez", "if-ltz", "if-gez", "if-gtz", "if-lez"],
        F21t,
        None,
    );
    t = fill(
        t,
        0x44,
        &[
            "aget",
            "aget-wide",
            "aget-object",
            "aget-boolean",
            "aget-byte",
            "aget-char",
            "aget-short",
            "aput",
            "aput-wide",
            "aput-object",
            "aput-boolean",
            "aput-byte",
            "aput-char",
            "aput-short",
        ],
        F23x,
        None,
    );
    t = fill(
        t,
        0x52,
        &[
            "iget",
            "iget-wide",
            "iget-object",
            "iget-boolean",
            "iget-byte",
            "iget-char",
            "iget-short",
            "iput",
            "iput-wide",
            "iput-object",
            "iput-boolean",
            "iput-byte",
            "iput-char",
            "iput-short",
        ],
        F22c,
        Some(Field),
    );
    t = fill(
        t,
        0x60,
        &[
            "sget",
            "sget-wide",
            "sget-object",
            "sget-boolean",
            "sget-byte",
            "sget-char",
            "sget-short",
            "sput",
            "sput-wide",
            "sput-object",
            "sput-boolean",
            "sput-byte",
            "sput-char",
            "sput-short",
        ],
        F21c,
        Some(Field),
    );
    t = fill(
        t,
        0x6e,
        &[
            "invoke-virtual",
            "invoke-super",
            "invoke-direct",
            "invoke-static",
            "invoke-interface",
        ],
        F35c,
        Some(Method),
    );
    t = fill(
        t,
        0x74,
        &[
            "invoke-virtual/range",
            "invoke-super/range",
            "invoke-direct/range",
            "invoke-static/range",
            "invoke-interface/range",
        ],
        F3rc,
        Some(Method),
    );
    t = fill(
        t,
        0x7b,
        &[
            "neg-int",
            "not-int",
            "neg-long",
            "not-long",
            "neg-float",
            "neg-double",
            "int-to-long",
            "int-to-float",
            "int-to-double",
            "long-to-int",
            "long-to-float",
            "long-to-double",
            "float-to-int",
            "float-to-long",
            "float-to-double",
            "double-to-int",
            "double-to-long",
            "double-to-float",
            "int-to-byte",
            "int-to-char",
            "int-to-short",
        ],
        F12x,
        None,
    );
    t = fill(t, 0x90, &BINOPS, F23x, None);
    t = fill(t, 0xb0, &BINOPS_2ADDR, F12x, None);
    t = fill(
        t,
        0xd0,
        &[
            "add-int/lit16",
            "rsub-int",
            "mul-int/lit16",
            "div-int/lit16",
            "rem-int/lit16",
            "and-int/lit16",
            "or-int/lit16",
            "xor-int/lit16",
        ],
        F22s,
        None,
    );
    t = fill(
        t,
        0xd8,
        &[
            "add-int/lit8",
            "rsub-int/lit8",
            "mul-int/lit8",
            "div-int/lit8",
            "rem-int/lit8",
            "and-int/lit8",
            "or-int/lit8",
            "xor-int/lit8",
            "shl-int/lit8",
            "shr-int/lit8",
            "ushr-int/lit8",
        ],
        F22b,
        None,
    );
    t[0xfa] = opi("invoke-polymorphic", F45cc, Method);
    t[0xfb] = opi("invoke-polymorphic/range", F4rcc, Method);
    t[0xfc] = opi("invoke-custom", F35c, CallSite);
    t[0xfd] = opi("invoke-custom/range", F3rc, CallSite);
    t[0xfe] = opi("const-method-handle", F21c, MethodHandle);
    t[0xff] = opi("const-method-type", F21c, Proto);
    t
}

const BINOPS: [&str; 32] = [
    "add-int",
    "sub-int",
    "mul-int",
    "div-int",
    "rem-int",
    "and-int",
    "or-int",
    "xor-int",
    "shl-int",
    "shr-int",
    "ushr-int",
    "add-long",
    "sub-long",
    "mul-long",
    "div-long",
    "rem-long",
    "and-long",
    "or-long",
    "xor-long",
    "shl-long",
    "shr-long",
    "ushr-long",
    "add-float",
    "sub-float",
    "mul-float",
    "div-float",
    "rem-float",
    "add-double",
    "sub-double",
    "mul-double",
    "div-double",
    "rem-double",
];

const BINOPS_2ADDR: [&str; 32] = [
    "add-int/2addr",
    "sub-int/2addr",
    "mul-int/2addr",
    "div-int/2addr",
    "rem-int/2addr",
    "and-int/2addr",
    "or-int/2addr",
    "xor-int/2addr",
    "shl-int/2addr",
    "shr-int/2addr",
    "ushr-int/2addr",
    "add-long/2addr",
    "sub-long/2addr",
    "mul-long/2addr",
    "div-long/2addr",
    "rem-long/2addr",
    "and-long/2addr",
    "or-long/2addr",
    "xor-long/2addr",
    "shl-long/2addr",
    "shr-long/2addr",
    "ushr-long/2addr",
    "add-float/2addr",
    "sub-float/2addr",
    "mul-float/2addr",
    "div-float/2addr",
    "rem-float/2addr",
    "add-double/2addr",
    "sub-double/2addr",
    "mul-double/2addr",
    "div-double/2addr",
    "rem-double/2addr",
];

/// The Dalvik "optimised dex" (`dey\n`, Android 4.x dexopt output) assignments of 0xe3..0xff.
/// Standard `.dex` files (what APKs carry) never use these; packers that ship odex code do.
const fn build_odex_table() -> [OpInfo; 256] {
    use Format::*;
    use IndexKind::*;
    let mut t = build_dex_table();
    t[0xe3] = opi("iget-volatile", F22c, Field);
    t[0xe4] = opi("iput-volatile", F22c, Field);
    t[0xe5] = opi("sget-volatile", F21c, Field);
    t[0xe6] = opi("sput-volatile", F21c, Field);
    t[0xe7] = opi("iget-object-volatile", F22c, Field);
    t[0xe8] = opi("iget-wide-volatile", F22c, Field);
    t[0xe9] = opi("iput-wide-volatile", F22c, Field);
    t[0xea] = opi("sget-wide-volatile", F21c, Field);
    t[0xeb] = opi("sput-wide-volatile", F21c, Field);
    t[0xec] = op("breakpoint", F10x);
    t[0xed] = opi("throw-verification-error", F20bc, VerificationError);
    t[0xee] = opi("execute-inline", F35mi, InlineMethod);
    t[0xef] = opi("execute-inline/range", F3rmi, InlineMethod);
    t[0xf0] = opi("invoke-object-init/range", F3rc, Method);
    t[0xf1] = op("return-void-barrier", F10x);
    t[0xf2] = opi("iget-quick", F22cs, FieldOffset);
    t[0xf3] = opi("iget-wide-quick", F22cs, FieldOffset);
    t[0xf4] = opi("iget-object-quick", F22cs, FieldOffset);
    t[0xf5] = opi("iput-quick", F22cs, FieldOffset);
    t[0xf6] = opi("iput-wide-quick", F22cs, FieldOffset);
    t[0xf7] = opi("iput-object-quick", F22cs, FieldOffset);
    t[0xf8] = opi("invoke-virtual-quick", F35ms, VtableOffset);
    t[0xf9] = opi("invoke-virtual-quick/range", F3rms, VtableOffset);
    t[0xfa] = opi("invoke-super-quick", F35ms, VtableOffset);
    t[0xfb] = opi("invoke-super-quick/range", F3rms, VtableOffset);
    t[0xfc] = opi("iput-object-volatile", F22c, Field);
    t[0xfd] = opi("sget-object-volatile", F21c, Field);
    t[0xfe] = opi("sput-object-volatile", F21c, Field);
    t[0xff] = UNUSED;
    t
}

/// Opcode table for standard DEX files (versions 035-041), as ART assigns opcodes.
pub static DEX_OPCODES: [OpInfo; 256] = build_dex_table();
/// Opcode table for Dalvik optimised dex (`dey\n`): 0xe3..0xfe carry the odex-only instructions
/// that use formats 20bc, 22cs, 35ms, 35mi, 3rms and 3rmi.
pub static ODEX_OPCODES: [OpInfo; 256] = build_odex_table();

/// Kind of a payload pseudo-instruction (data embedded in the instruction stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PayloadKind {
    /// `packed-switch-payload` (ident 0x0100).
    PackedSwitch,
    /// `sparse-switch-payload` (ident 0x0200).
    SparseSwitch,
    /// `fill-array-data-payload` (ident 0x0300).
    FillArrayData,
}

/// An index operand and what it indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Index {
    /// Table the index points into.
    pub kind: IndexKind,
    /// The raw index.
    pub value: u32,
}

/// A register range operand (`{vCCCC .. vNNNN}` of the `/range` formats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct RegRange {
    /// First register.
    pub first: u16,
    /// Number of registers (0..=255).
    pub count: u8,
}

/// One decoded instruction (or payload pseudo-instruction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insn {
    /// Offset from the start of the method's `insns`, in 16-bit code units (what branch targets
    /// and try ranges count in, and what `dexdump -d` prints as `|0012:`).
    pub offset: u32,
    /// Length in code units (payloads can be long).
    pub size: u32,
    /// Raw opcode byte (0x00 for payloads).
    pub opcode: u8,
    name: &'static str,
    /// Encoding format (`F10x` for payloads).
    pub format: Format,
    /// Set for payload pseudo-instructions, which are data, not code.
    pub payload: Option<PayloadKind>,
    regs: [u16; 5],
    reg_count: u8,
    /// Register range of the `/range` formats (3rc, 3rms, 3rmi, 4rcc).
    pub range: Option<RegRange>,
    /// First index operand (method, field, type, string, ...).
    pub index: Option<Index>,
    /// Second index operand: the proto of `invoke-polymorphic` (45cc, 4rcc).
    pub proto: Option<u32>,
    /// Literal operand (sign-extended; `const/high16` and `const-wide/high16` already shifted).
    pub literal: Option<i64>,
    /// Branch offset relative to this instruction, in code units (goto, if-*, switch and
    /// fill-array-data payload references).
    pub branch: Option<i32>,
}

impl Insn {
    /// Mnemonic, e.g. `"invoke-virtual"` (payloads: `"packed-switch-payload"` and so on).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// True for payload pseudo-instructions.
    pub fn is_payload(&self) -> bool {
        self.payload.is_some()
    }

    /// Explicit register operands in the order the instruction lists them: `[vA, vB, vC]` for
    /// 12x/22x/23x/22c..., `[vC, vD, vE, vF, vG][..A]` for 35c/45cc (the invoke arguments).
    /// Empty for the range formats: see [`Insn::range`] and [`Insn::registers`].
    pub fn regs(&self) -> &[u16] {
        &self.regs[..usize::from(self.reg_count).min(self.regs.len())]
    }

    /// Every register the instruction names, expanding a range. Allocation-free.
    pub fn registers(&self) -> impl Iterator<Item = u32> + '_ {
        let explicit = self.regs().iter().map(|&r| u32::from(r));
        let range = self
            .range
            .map(|r| u32::from(r.first)..u32::from(r.first) + u32::from(r.count))
            .unwrap_or(0..0);
        explicit.chain(range)
    }

    /// Absolute target (code-unit offset) of a branch/switch/fill-array-data operand.
    pub fn target(&self) -> Option<i64> {
        self.branch.map(|b| i64::from(self.offset) + i64::from(b))
    }
}

/// Why decoding a method's instructions stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InsnError {
    /// An opcode the table marks unused (ART's verifier rejects the method).
    #[error("unused opcode 0x{opcode:02x} at code unit {offset}")]
    UnusedOpcode {
        /// Opcode byte.
        opcode: u8,
        /// Code-unit offset.
        offset: u32,
    },
    /// The instruction (or payload) runs past the end of `insns`.
    #[error(
        "instruction 0x{opcode:02x} at code unit {offset} needs {needed} units, {available} remain"
    )]
    Truncated {
        /// Opcode byte.
        opcode: u8,
        /// Code-unit offset.
        offset: u32,
        /// Units the instruction needs.
        needed: u64,
        /// Units left.
        available: u64,
    },
    /// A 35c/35ms/35mi/45cc instruction naming more than five argument registers.
    #[error("instruction 0x{opcode:02x} at code unit {offset} names {count} registers (max 5)")]
    BadRegisterCount {
        /// Opcode byte.
        opcode: u8,
        /// Code-unit offset.
        offset: u32,
        /// Declared count.
        count: u8,
    },
}

/// Iterator over the instructions of one method. Yields `Err` once and then ends on a bad
/// instruction.
#[derive(Debug, Clone)]
pub struct Instructions<'a> {
    insns: &'a [u8],
    /// Position in code units.
    pos: usize,
    /// Length in code units.
    len: usize,
    table: &'static [OpInfo; 256],
    done: bool,
}

impl<'a> Instructions<'a> {
    /// Decodes `insns` (the little-endian code-unit bytes of a code item) with the standard table.
    pub fn new(insns: &'a [u8]) -> Self {
        Self::with_table(insns, &DEX_OPCODES)
    }

    /// Decodes with another opcode table (e.g. [`ODEX_OPCODES`]).
    pub fn with_table(insns: &'a [u8], table: &'static [OpInfo; 256]) -> Self {
        Instructions {
            insns,
            pos: 0,
            len: insns.len() / 2,
            table,
            done: false,
        }
    }

    #[inline(always)]
    fn unit(&self, i: usize) -> u16 {
        match self.insns.get(2 * i..2 * i + 2) {
            Some(b) => u16::from_le_bytes([b[0], b[1]]),
            None => 0,
        }
    }

    fn decode(&self) -> Result<Insn, InsnError> {
        let pos = self.pos;
        let offset = pos as u32;
        let available = (self.len - pos) as u64;
        let u0 = self.unit(pos);
        let opcode = (u0 & 0xff) as u8;
        let hi = u0 >> 8;
        if opcode == 0 && (1..=3).contains(&hi) {
            return self.decode_payload(pos, hi, available);
        }
        let info = &self.table[usize::from(opcode)];
        if !info.valid {
            return Err(InsnError::UnusedOpcode { opcode, offset });
        }
        let units = info.format.units();
        if units as u64 > available {
            return Err(InsnError::Truncated {
                opcode,
                offset,
                needed: units as u64,
                available,
            });
        }
        let u1 = if units > 1 { self.unit(pos + 1) } else { 0 };
        let u2 = if units > 2 { self.unit(pos + 2) } else { 0 };
        let u3 = if units > 3 { self.unit(pos + 3) } else { 0 };
        let mut insn = Insn {
            offset,
            size: units as u32,
            opcode,
            name: info.name,
            format: info.format,
            payload: None,
            regs: [0; 5],
            reg_count: 0,
            range: None,
            index: None,
            proto: None,
            literal: None,
            branch: None,
        };
        let index = |value: u32| info.index.map(|kind| Index { kind, value });
        let nib_a = hi & 0xf;
        let nib_b = hi >> 4;
        use Format::*;
        match info.format {
            F10x => {}
            F12x => insn.set_regs(&[nib_a, nib_b]),
            F11n => {
                insn.set_regs(&[nib_a]);
                // Sign-extend the 4-bit literal.
                insn.literal = Some(i64::from(((nib_b as u8) << 4) as i8 >> 4));
            }
            F11x => insn.set_regs(&[hi]),
            F10t => insn.branch = Some(i32::from(hi as u8 as i8)),
            F20t => insn.branch = Some(i32::from(u1 as i16)),
            F20bc => {
                insn.literal = Some(i64::from(hi));
                insn.index = index(u32::from(u1));
            }
            F22x => insn.set_regs(&[hi, u1]),
            F21t => {
                insn.set_regs(&[hi]);
                insn.branch = Some(i32::from(u1 as i16));
            }
            F21s => {
                insn.set_regs(&[hi]);
                insn.literal = Some(i64::from(u1 as i16));
            }
            F21h => {
                insn.set_regs(&[hi]);
                let v = i64::from(u1 as i16);
                // const-wide/high16 fills the top 16 of 64 bits, const/high16 the top of 32.
                insn.literal = Some(if opcode == 0x19 { v << 48 } else { v << 16 });
            }
            F21c => {
                insn.set_regs(&[hi]);
                insn.index = index(u32::from(u1));
            }
            F23x => insn.set_regs(&[hi, u1 & 0xff, u1 >> 8]),
            F22b => {
                insn.set_regs(&[hi, u1 & 0xff]);
                insn.literal = Some(i64::from((u1 >> 8) as u8 as i8));
            }
            F22t => {
                insn.set_regs(&[nib_a, nib_b]);
                insn.branch = Some(i32::from(u1 as i16));
            }
            F22s => {
                insn.set_regs(&[nib_a, nib_b]);
                insn.literal = Some(i64::from(u1 as i16));
            }
            F22c | F22cs => {
                insn.set_regs(&[nib_a, nib_b]);
                insn.index = index(u32::from(u1));
            }
            F30t => insn.branch = Some((u32::from(u1) | (u32::from(u2) << 16)) as i32),
            F32x => insn.set_regs(&[u1, u2]),
            F31i => {
                insn.set_regs(&[hi]);
                insn.literal = Some(i64::from((u32::from(u1) | (u32::from(u2) << 16)) as i32));
            }
            F31t => {
                insn.set_regs(&[hi]);
                insn.branch = Some((u32::from(u1) | (u32::from(u2) << 16)) as i32);
            }
            F31c => {
                insn.set_regs(&[hi]);
                insn.index = index(u32::from(u1) | (u32::from(u2) << 16));
            }
            F35c | F35ms | F35mi | F45cc => {
                let count = nib_b as u8;
                if count > 5 {
                    return Err(InsnError::BadRegisterCount {
                        opcode,
                        offset,
                        count,
                    });
                }
                insn.regs = [u2 & 0xf, (u2 >> 4) & 0xf, (u2 >> 8) & 0xf, u2 >> 12, nib_a];
                insn.reg_count = count;
                insn.index = index(u32::from(u1));
                if info.format == F45cc {
                    insn.proto = Some(u32::from(u3));
                }
            }
            F3rc | F3rms | F3rmi | F4rcc => {
                insn.range = Some(RegRange {
                    first: u2,
                    count: hi as u8,
                });
                insn.index = index(u32::from(u1));
                if info.format == F4rcc {
                    insn.proto = Some(u32::from(u3));
                }
            }
            F51l => {
                insn.set_regs(&[hi]);
                let lo = u64::from(u1) | (u64::from(u2) << 16) | (u64::from(u3) << 32);
                insn.literal = Some((lo | (u64::from(self.unit(pos + 4)) << 48)) as i64);
            }
        }
        Ok(insn)
    }

    fn decode_payload(&self, pos: usize, ident: u16, available: u64) -> Result<Insn, InsnError> {
        let offset = pos as u32;
        let truncated = |needed: u64| InsnError::Truncated {
            opcode: 0,
            offset,
            needed,
            available,
        };
        // Every payload has at least its ident and a size field.
        let header_units: u64 = if ident == 3 { 4 } else { 2 };
        if available < header_units {
            return Err(truncated(header_units));
        }
        let u1 = u64::from(self.unit(pos + 1));
        let (kind, size) = match ident {
            1 => (PayloadKind::PackedSwitch, 4 + u1 * 2),
            2 => (PayloadKind::SparseSwitch, 2 + u1 * 4),
            _ => {
                let count = u64::from(self.unit(pos + 2)) | (u64::from(self.unit(pos + 3)) << 16);
                // element_width * count bytes, rounded up to whole code units.
                (PayloadKind::FillArrayData, 4 + (u1 * count).div_ceil(2))
            }
        };
        if size > available {
            return Err(truncated(size));
        }
        Ok(Insn {
            offset,
            size: size as u32,
            opcode: 0,
            name: match kind {
                PayloadKind::PackedSwitch => "packed-switch-payload",
                PayloadKind::SparseSwitch => "sparse-switch-payload",
                PayloadKind::FillArrayData => "fill-array-data-payload",
            },
            format: Format::F10x,
            payload: Some(kind),
            regs: [0; 5],
            reg_count: 0,
            range: None,
            index: None,
            proto: None,
            literal: None,
            branch: None,
        })
    }
}

impl Insn {
    #[inline(always)]
    fn set_regs(&mut self, regs: &[u16]) {
        let n = regs.len().min(self.regs.len());
        self.regs[..n].copy_from_slice(&regs[..n]);
        self.reg_count = n as u8;
    }
}

impl Iterator for Instructions<'_> {
    type Item = Result<Insn, InsnError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.pos >= self.len {
            return None;
        }
        match self.decode() {
            Ok(insn) => {
                self.pos += insn.size as usize;
                Some(Ok(insn))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(units: &[u16]) -> Vec<u8> {
        units.iter().flat_map(|u| u.to_le_bytes()).collect()
    }

    fn decode_all(units: &[u16]) -> Vec<Result<Insn, InsnError>> {
        Instructions::new(&bytes(units)).collect()
    }

    #[test]
    fn table_is_consistent() {
        assert_eq!(
            DEX_OPCODES.iter().filter(|o| o.valid).count(),
            256 - 6 - 1 - 2 - 23
        );
        assert_eq!(DEX_OPCODES[0x6e].name, "invoke-virtual");
        assert_eq!(DEX_OPCODES[0xaf].name, "rem-double");
        assert_eq!(DEX_OPCODES[0xcf].name, "rem-double/2addr");
        assert_eq!(DEX_OPCODES[0xe2].name, "ushr-int/lit8");
        assert!(!DEX_OPCODES[0x73].valid && !DEX_OPCODES[0xe3].valid && !DEX_OPCODES[0x3e].valid);
    }

    #[test]
    fn decodes_invoke_and_move_result() {
        // invoke-virtual {v1, v2, v3}, method@0x0007 ; move-result-object v4 ; return-void
        let out = decode_all(&[0x306e, 0x0007, 0x0321, 0x040c, 0x000e]);
        let i0 = out[0].unwrap();
        assert_eq!(i0.name(), "invoke-virtual");
        assert_eq!(i0.regs(), &[1, 2, 3]);
        assert_eq!(
            i0.index,
            Some(Index {
                kind: IndexKind::Method,
                value: 7
            })
        );
        let i1 = out[1].unwrap();
        assert_eq!(
            (i1.offset, i1.name(), i1.regs()),
            (3, "move-result-object", &[4u16][..])
        );
        assert_eq!(out[2].unwrap().name(), "return-void");
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn decodes_every_format_shape() {
        // invoke-static/range {v16 .. v18}, method@0x1234
        let r = decode_all(&[0x0377, 0x1234, 0x0010])[0].unwrap();
        assert_eq!(
            r.range,
            Some(RegRange {
                first: 16,
                count: 3
            })
        );
        assert_eq!(r.registers().collect::<Vec<_>>(), vec![16, 17, 18]);
        // const/4 v1, #-1
        let c = decode_all(&[0xf112])[0].unwrap();
        assert_eq!((c.regs(), c.literal), (&[1u16][..], Some(-1)));
        // const-wide v2, 0x0123456789abcdef
        let w = decode_all(&[0x0218, 0xcdef, 0x89ab, 0x4567, 0x0123])[0].unwrap();
        assert_eq!(w.literal, Some(0x0123_4567_89ab_cdef));
        // const-wide/high16 v0, 0x4000 -> 0x4000_0000_0000_0000
        let h = decode_all(&[0x0019, 0x4000])[0].unwrap();
        assert_eq!(h.literal, Some(0x4000_0000_0000_0000));
        // const-string/jumbo v5, string@0x00010002
        let s = decode_all(&[0x051b, 0x0002, 0x0001])[0].unwrap();
        assert_eq!(
            s.index,
            Some(Index {
                kind: IndexKind::String,
                value: 0x10002
            })
        );
        // iget-object v0, v1, field@3
        let f = decode_all(&[0x1054, 0x0003])[0].unwrap();
        assert_eq!(
            (f.regs(), f.index.map(|i| i.kind)),
            (&[0u16, 1][..], Some(IndexKind::Field))
        );
        // if-eqz v2, -3 ; goto/32 +0x10000
        let b = decode_all(&[0x0238, 0xfffd, 0x002a, 0x0000, 0x0001]);
        assert_eq!(b[0].unwrap().branch, Some(-3));
        assert_eq!(b[1].unwrap().branch, Some(0x10000));
        // add-int/lit8 v0, v1, #-2 ; move/16 v300, v400
        let l = decode_all(&[0x00d8, 0xfe01, 0x0003, 300, 400]);
        assert_eq!(
            (l[0].unwrap().regs(), l[0].unwrap().literal),
            (&[0u16, 1][..], Some(-2))
        );
        assert_eq!(l[1].unwrap().regs(), &[300, 400]);
        // invoke-polymorphic {v1, v2}, method@5, proto@6
        let p = decode_all(&[0x20fa, 0x0005, 0x0021, 0x0006])[0].unwrap();
        assert_eq!(
            (p.regs(), p.proto, p.format),
            (&[1u16, 2][..], Some(6), Format::F45cc)
        );
        // invoke-polymorphic/range {v4..v5}, method@5, proto@6
        let p = decode_all(&[0x02fb, 0x0005, 0x0004, 0x0006])[0].unwrap();
        assert_eq!(
            (p.range, p.proto),
            (Some(RegRange { first: 4, count: 2 }), Some(6))
        );
        // invoke-custom {v0}, call_site@2 ; const-method-handle v0, handle@1 ; const-method-type v1, proto@2
        let c = decode_all(&[0x10fc, 0x0002, 0x0000, 0x00fe, 0x0001, 0x01ff, 0x0002]);
        assert_eq!(
            c[0].unwrap().index.map(|i| i.kind),
            Some(IndexKind::CallSite)
        );
        assert_eq!(
            c[1].unwrap().index.map(|i| i.kind),
            Some(IndexKind::MethodHandle)
        );
        assert_eq!(
            c[2].unwrap().index,
            Some(Index {
                kind: IndexKind::Proto,
                value: 2
            })
        );
        // invoke-virtual with five arguments: A=5, G=v6, C..F = 1,2,3,4
        let five = decode_all(&[0x566e, 0x0001, 0x4321])[0].unwrap();
        assert_eq!(five.regs(), &[1, 2, 3, 4, 6]);
    }

    #[test]
    fn odex_formats() {
        let code = bytes(&[
            0x21f8, 0x0010, 0x0043, 0x10f2, 0x0008, 0x00ed, 0x0001, 0x01ef, 0x0002, 0x0007,
        ]);
        let v: Vec<_> = Instructions::with_table(&code, &ODEX_OPCODES)
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(
            (v[0].format, v[0].name()),
            (Format::F35ms, "invoke-virtual-quick")
        );
        assert_eq!(v[0].regs(), &[3, 4]);
        assert_eq!(
            v[0].index,
            Some(Index {
                kind: IndexKind::VtableOffset,
                value: 16
            })
        );
        assert_eq!(v[1].format, Format::F22cs);
        assert_eq!(v[2].format, Format::F20bc);
        assert_eq!(v[3].format, Format::F3rmi);
        assert_eq!(v[3].range, Some(RegRange { first: 7, count: 1 }));
    }

    #[test]
    fn payloads_are_skipped_whole() {
        // fill-array-data v0, +3 ; return-void ; nop pad? -> payload at 3: width 4, 2 elements
        let out = decode_all(&[
            0x0026, 0x0004, 0x0000, 0x000e, 0x0300, 0x0004, 0x0002, 0x0000, 1, 0, 2, 0,
        ]);
        let names: Vec<_> = out.iter().map(|r| r.unwrap().name()).collect();
        assert_eq!(
            names,
            ["fill-array-data", "return-void", "fill-array-data-payload"]
        );
        assert_eq!(out[2].unwrap().size, 8);
        assert_eq!(out[0].unwrap().target(), Some(4));
        // packed-switch payload with 2 targets, then sparse with 1
        let out = decode_all(&[0x0100, 2, 0, 0, 1, 0, 2, 0, 0x0200, 1, 5, 0, 9, 0, 0x000e]);
        let kinds: Vec<_> = out.iter().map(|r| r.unwrap().payload).collect();
        assert_eq!(
            kinds,
            [
                Some(PayloadKind::PackedSwitch),
                Some(PayloadKind::SparseSwitch),
                None
            ]
        );
    }

    #[test]
    fn bad_input_stops_with_error() {
        let out = decode_all(&[0x000e, 0x0073]);
        assert!(matches!(
            out[1],
            Err(InsnError::UnusedOpcode {
                opcode: 0x73,
                offset: 1
            })
        ));
        let out = decode_all(&[0x306e, 0x0007]);
        assert!(matches!(
            out[0],
            Err(InsnError::Truncated {
                needed: 3,
                available: 2,
                ..
            })
        ));
        assert_eq!(out.len(), 1);
        let out = decode_all(&[0x0300, 0x0004, 0xffff, 0xffff]);
        assert!(matches!(out[0], Err(InsnError::Truncated { .. })));
        let out = decode_all(&[0x606e, 0x0000, 0x0000]);
        assert!(matches!(
            out[0],
            Err(InsnError::BadRegisterCount { count: 6, .. })
        ));
        // A trailing odd byte is not a code unit.
        assert_eq!(Instructions::new(&[0x0e, 0x00, 0x0e]).count(), 1);
    }
}
