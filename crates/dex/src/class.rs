//! Class definitions, their class data (fields and methods), and code items.

use crate::dex::{read_u16, read_u32};
use crate::insn::Instructions;
use crate::leb::read_uleb128;
use crate::walk::References;
use crate::DexError;

/// Size of a `class_def_item`.
pub(crate) const CLASS_DEF_SIZE: u32 = 32;
/// The "no index" marker of optional type and string indices.
const NO_INDEX: u32 = 0xffff_ffff;
/// Fixed part of a `code_item` before `insns`.
const CODE_ITEM_HEADER: usize = 16;
const TRY_ITEM_SIZE: usize = 8;

/// A `class_def_item`, borrowed from the file. Cheap to copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassDef<'a> {
    data: &'a [u8],
    method_ids_len: u32,
    field_ids_len: u32,
    /// Position in `class_defs`.
    pub index: u32,
    /// The class (type index).
    pub class_idx: u32,
    /// `ACC_*` flags.
    pub access_flags: u32,
    /// Superclass (type index), `None` for `java.lang.Object`.
    pub superclass_idx: Option<u32>,
    /// Offset of the interfaces `type_list`, 0 for none.
    pub interfaces_off: u32,
    /// Source file name (string index).
    pub source_file_idx: Option<u32>,
    /// Offset of the annotations directory, 0 for none.
    pub annotations_off: u32,
    /// Offset of the class data, 0 for a class without fields or methods.
    pub class_data_off: u32,
    /// Offset of the static field initial values, 0 for none.
    pub static_values_off: u32,
}

impl<'a> ClassDef<'a> {
    pub(crate) fn read(
        data: &'a [u8],
        at: usize,
        index: u32,
        method_ids_len: u32,
        field_ids_len: u32,
    ) -> Option<Self> {
        let u = |i: usize| read_u32(data, at + 4 * i);
        let opt = |v: u32| (v != NO_INDEX).then_some(v);
        Some(ClassDef {
            data,
            method_ids_len,
            field_ids_len,
            index,
            class_idx: u(0)?,
            access_flags: u(1)?,
            superclass_idx: opt(u(2)?),
            interfaces_off: u(3)?,
            source_file_idx: opt(u(4)?),
            annotations_off: u(5)?,
            class_data_off: u(6)?,
            static_values_off: u(7)?,
        })
    }

    /// Direct then virtual methods, indices already un-delta'd. Ends after the first error.
    pub fn methods(&self) -> Methods<'a> {
        Methods {
            cursor: Cursor::new(
                self.data,
                self.class_data_off,
                self.method_ids_len,
                self.field_ids_len,
            ),
        }
    }

    /// Static then instance fields. Ends after the first error.
    pub fn fields(&self) -> Fields<'a> {
        Fields {
            cursor: Cursor::new(
                self.data,
                self.class_data_off,
                self.method_ids_len,
                self.field_ids_len,
            ),
        }
    }
}

/// Which list of the class data the cursor is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum List {
    Static,
    Instance,
    Direct,
    Virtual,
    Done,
}

/// Walks a `class_data_item`: four counts, then the four member lists.
#[derive(Debug, Clone)]
struct Cursor<'a> {
    data: &'a [u8],
    start: usize,
    pos: usize,
    counts: [u32; 4],
    list: List,
    left: u32,
    prev: u32,
    method_ids_len: u32,
    field_ids_len: u32,
    pending: Option<DexError>,
}

impl<'a> Cursor<'a> {
    fn new(data: &'a [u8], off: u32, method_ids_len: u32, field_ids_len: u32) -> Self {
        let mut c = Cursor {
            data,
            start: off as usize,
            pos: off as usize,
            counts: [0; 4],
            list: List::Done,
            left: 0,
            prev: 0,
            method_ids_len,
            field_ids_len,
            pending: None,
        };
        if off == 0 {
            return c;
        }
        for i in 0..4 {
            match read_uleb128(data, &mut c.pos) {
                Some(v) => c.counts[i] = v,
                None => {
                    c.pending = Some(DexError::BadLeb128 {
                        what: "class_data",
                        offset: c.pos,
                    });
                    return c;
                }
            }
        }
        c.list = List::Static;
        c.left = c.counts[0];
        c
    }

    fn advance_list(&mut self) {
        while self.left == 0 && self.list != List::Done {
            let (next, count) = match self.list {
                List::Static => (List::Instance, self.counts[1]),
                List::Instance => (List::Direct, self.counts[2]),
                List::Direct => (List::Virtual, self.counts[3]),
                _ => (List::Done, 0),
            };
            self.list = next;
            self.left = count;
            self.prev = 0;
        }
    }

    fn fail(&mut self, e: DexError) -> Option<Result<(List, u32, u32, u32), DexError>> {
        self.list = List::Done;
        Some(Err(e))
    }

    /// Next member: (list, index, access flags, code_off for methods).
    fn next_member(&mut self) -> Option<Result<(List, u32, u32, u32), DexError>> {
        if let Some(e) = self.pending.take() {
            return Some(Err(e));
        }
        self.advance_list();
        let list = self.list;
        if list == List::Done {
            return None;
        }
        let start = self.pos;
        let is_method = matches!(list, List::Direct | List::Virtual);
        let diff = read_uleb128(self.data, &mut self.pos);
        let flags = read_uleb128(self.data, &mut self.pos);
        let code_off = if is_method {
            read_uleb128(self.data, &mut self.pos)
        } else {
            Some(0)
        };
        let (Some(diff), Some(flags), Some(code_off)) = (diff, flags, code_off) else {
            return self.fail(DexError::BadLeb128 {
                what: "class_data member",
                offset: start,
            });
        };
        let (kind, len) = if is_method {
            ("method", self.method_ids_len)
        } else {
            ("field", self.field_ids_len)
        };
        let Some(idx) = self.prev.checked_add(diff).filter(|&i| i < len) else {
            let index = self.prev.saturating_add(diff);
            return self.fail(DexError::IndexOutOfRange { kind, index, len });
        };
        self.prev = idx;
        self.left -= 1;
        Some(Ok((list, idx, flags, code_off)))
    }
}

/// An `encoded_method` of a class's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodedMethod<'a> {
    data: &'a [u8],
    /// Index into `method_ids`.
    pub method_idx: u32,
    /// `ACC_*` flags.
    pub access_flags: u32,
    /// Offset of the code item, 0 for abstract and native methods.
    pub code_off: u32,
    /// True for direct methods (static, private, constructors), false for virtual ones.
    pub is_direct: bool,
}

impl<'a> EncodedMethod<'a> {
    /// The method's code item, `None` when it has none (abstract/native).
    pub fn code(&self) -> Result<Option<CodeItem<'a>>, DexError> {
        if self.code_off == 0 {
            return Ok(None);
        }
        CodeItem::read(self.data, self.code_off as usize).map(Some)
    }
}

/// Iterator over a class's methods.
#[derive(Debug, Clone)]
pub struct Methods<'a> {
    cursor: Cursor<'a>,
}

impl Methods<'_> {
    /// Bytes of class data read so far (for work accounting).
    pub(crate) fn bytes_consumed(&self) -> usize {
        self.cursor.pos.saturating_sub(self.cursor.start)
    }
}

impl<'a> Iterator for Methods<'a> {
    type Item = Result<EncodedMethod<'a>, DexError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.cursor.next_member()? {
                Err(e) => return Some(Err(e)),
                Ok((List::Static | List::Instance, ..)) => continue,
                Ok((list, method_idx, access_flags, code_off)) => {
                    return Some(Ok(EncodedMethod {
                        data: self.cursor.data,
                        method_idx,
                        access_flags,
                        code_off,
                        is_direct: list == List::Direct,
                    }))
                }
            }
        }
    }
}

/// An `encoded_field` of a class's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodedField {
    /// Index into `field_ids`.
    pub field_idx: u32,
    /// `ACC_*` flags.
    pub access_flags: u32,
    /// True for static fields.
    pub is_static: bool,
}

/// Iterator over a class's fields.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    cursor: Cursor<'a>,
}

impl Iterator for Fields<'_> {
    type Item = Result<EncodedField, DexError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.cursor.next_member()? {
            Err(e) => Some(Err(e)),
            Ok((list @ (List::Static | List::Instance), field_idx, access_flags, _)) => {
                Some(Ok(EncodedField {
                    field_idx,
                    access_flags,
                    is_static: list == List::Static,
                }))
            }
            // Fields come first: reaching a method list means there are no more fields.
            Ok(_) => {
                self.cursor.list = List::Done;
                None
            }
        }
    }
}

/// A `code_item`, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeItem<'a> {
    data: &'a [u8],
    /// Offset of the code item in the file.
    pub offset: u32,
    /// Registers used.
    pub registers_size: u16,
    /// Words of incoming arguments (the last `ins_size` registers).
    pub ins_size: u16,
    /// Words of outgoing argument space for invocations.
    pub outs_size: u16,
    /// Number of `try_item`s.
    pub tries_size: u16,
    /// Offset of the debug info, 0 for none.
    pub debug_info_off: u32,
    /// The instructions: `insns_size` little-endian 16-bit code units, as bytes.
    pub insns: &'a [u8],
}

impl<'a> CodeItem<'a> {
    pub(crate) fn read(data: &'a [u8], at: usize) -> Result<Self, DexError> {
        let t = || DexError::Truncated {
            what: "code_item",
            offset: at,
        };
        let insns_units = read_u32(data, at + 12).ok_or_else(t)? as usize;
        let start = at + CODE_ITEM_HEADER;
        let insns = data
            .get(start..)
            .and_then(|r| r.get(..insns_units.saturating_mul(2)))
            .ok_or_else(t)?;
        Ok(CodeItem {
            data,
            offset: at as u32,
            registers_size: read_u16(data, at).ok_or_else(t)?,
            ins_size: read_u16(data, at + 2).ok_or_else(t)?,
            outs_size: read_u16(data, at + 4).ok_or_else(t)?,
            tries_size: read_u16(data, at + 6).ok_or_else(t)?,
            debug_info_off: read_u32(data, at + 8).ok_or_else(t)?,
            insns,
        })
    }

    /// Number of 16-bit code units.
    pub fn insns_len(&self) -> usize {
        self.insns.len() / 2
    }

    /// Decodes the instructions.
    pub fn instructions(&self) -> Instructions<'a> {
        Instructions::new(self.insns)
    }

    /// The references (invokes, field accesses, const-string, const-class) in order.
    pub fn references(&self) -> References<'a> {
        References::new(self.instructions())
    }

    /// The `try_item`s (start and length in code units, handler offset). Empty when they run
    /// past the end of the file.
    pub fn tries(&self) -> impl Iterator<Item = TryItem> + 'a {
        let units = self.insns_len();
        // insns are followed by two bytes of padding when their count is odd.
        let start = self.offset as usize + CODE_ITEM_HEADER + units * 2 + (units % 2) * 2;
        let bytes = self
            .data
            .get(start..)
            .and_then(|r| r.get(..usize::from(self.tries_size) * TRY_ITEM_SIZE))
            .unwrap_or(&[]);
        bytes.chunks_exact(TRY_ITEM_SIZE).map(|c| TryItem {
            start_addr: u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
            insn_count: u16::from_le_bytes([c[4], c[5]]),
            handler_off: u16::from_le_bytes([c[6], c[7]]),
        })
    }
}

/// A `try_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryItem {
    /// First covered code unit.
    pub start_addr: u32,
    /// Number of covered code units.
    pub insn_count: u16,
    /// Byte offset of the handler in the `encoded_catch_handler_list`.
    pub handler_off: u16,
}
