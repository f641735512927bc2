//! `Res_value`: the typed value of an attribute or a resource entry.

use serde::Serialize;

use crate::pool::StringPool;

/// Unit of a `TYPE_DIMENSION` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DimensionUnit {
    /// px
    Px,
    /// dp
    Dp,
    /// sp
    Sp,
    /// pt
    Pt,
    /// in
    In,
    /// mm
    Mm,
    /// unknown unit code
    Unknown,
}

/// A decoded `Res_value`. References stay references: resolving them needs the resource table.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum ResValue {
    /// `TYPE_NULL` (data 0 = undefined, 1 = empty).
    Null,
    /// `TYPE_REFERENCE` / `TYPE_DYNAMIC_REFERENCE`: `@0xPPTTEEEE`.
    Reference(u32),
    /// `TYPE_ATTRIBUTE` / `TYPE_DYNAMIC_ATTRIBUTE`: `?0x...`.
    Attribute(u32),
    /// `TYPE_STRING`, resolved from the owning string pool (`None` if unreadable).
    String(Option<String>),
    /// `TYPE_FLOAT`.
    Float(f32),
    /// `TYPE_DIMENSION`.
    Dimension {
        /// value
        value: f32,
        /// unit
        unit: DimensionUnit,
    },
    /// `TYPE_FRACTION`; `parent` for `%p`.
    Fraction {
        /// value (1.0 = 100%)
        value: f32,
        /// relative to the parent
        parent: bool,
    },
    /// `TYPE_INT_DEC`.
    IntDec(i32),
    /// `TYPE_INT_HEX`.
    IntHex(u32),
    /// `TYPE_INT_BOOLEAN`.
    Boolean(bool),
    /// `TYPE_INT_COLOR_*`: ARGB value and the original encoding type.
    Color {
        /// 0xAARRGGBB
        argb: u32,
        /// `Res_value` type (0x1c..=0x1f)
        data_type: u8,
    },
    /// Any other type code.
    Other {
        /// `Res_value::dataType`
        data_type: u8,
        /// `Res_value::data`
        data: u32,
    },
}

/// `Res_value::TYPE_STRING`.
pub const TYPE_STRING: u8 = 0x03;
/// `Res_value::TYPE_REFERENCE`.
pub const TYPE_REFERENCE: u8 = 0x01;

const RADIX_MULT: [f32; 4] = [
    1.0 / (1u32 << 8) as f32,
    1.0 / (1u32 << 15) as f32,
    1.0 / (1u32 << 23) as f32,
    1.0 / (1u64 << 31) as f32,
];

/// `complex` value → float as `Res_value::complexToFloat`.
fn complex_to_float(data: u32) -> f32 {
    let mantissa = (data & 0xffff_ff00) as i32 as f32;
    mantissa * RADIX_MULT[((data >> 4) & 3) as usize]
}

impl ResValue {
    /// Decodes `(dataType, data)`; string indices are looked up in `pool`.
    pub fn decode(data_type: u8, data: u32, pool: &StringPool) -> ResValue {
        match data_type {
            0x00 => ResValue::Null,
            0x01 | 0x07 => ResValue::Reference(data),
            0x02 | 0x08 => ResValue::Attribute(data),
            0x03 => ResValue::String(pool.get_owned(data)),
            0x04 => ResValue::Float(f32::from_bits(data)),
            0x05 => ResValue::Dimension {
                value: complex_to_float(data),
                unit: match data & 0xf {
                    0 => DimensionUnit::Px,
                    1 => DimensionUnit::Dp,
                    2 => DimensionUnit::Sp,
                    3 => DimensionUnit::Pt,
                    4 => DimensionUnit::In,
                    5 => DimensionUnit::Mm,
                    _ => DimensionUnit::Unknown,
                },
            },
            0x06 => ResValue::Fraction {
                value: complex_to_float(data),
                parent: data & 0xf == 1,
            },
            0x10 => ResValue::IntDec(data as i32),
            0x11 => ResValue::IntHex(data),
            0x12 => ResValue::Boolean(data != 0),
            0x1c..=0x1f => ResValue::Color {
                argb: data,
                data_type,
            },
            _ => ResValue::Other { data_type, data },
        }
    }

    /// Integer view as `TypedArray.getInt` would give for integer types (dec, hex, boolean, color).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            ResValue::IntDec(v) => Some(i64::from(*v)),
            ResValue::IntHex(v) => Some(i64::from(*v as i32)),
            ResValue::Boolean(b) => Some(i64::from(*b)),
            ResValue::Color { argb, .. } => Some(i64::from(*argb as i32)),
            ResValue::String(Some(s)) => parse_int_string(s),
            _ => None,
        }
    }

    /// Boolean view as `TypedArray.getBoolean` (integers non-zero; strings "true"/"1").
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            ResValue::Boolean(b) => Some(*b),
            ResValue::IntDec(v) => Some(*v != 0),
            ResValue::IntHex(v) => Some(*v != 0),
            ResValue::String(Some(s)) => Some(matches!(s.trim(), "true" | "TRUE" | "True" | "1")),
            _ => None,
        }
    }

    /// The string, for `TYPE_STRING` values.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ResValue::String(Some(s)) => Some(s),
            _ => None,
        }
    }

    /// The reference id, for references.
    pub fn as_reference(&self) -> Option<u32> {
        match self {
            ResValue::Reference(r) => Some(*r),
            _ => None,
        }
    }
}

/// `XmlUtils.convertValueToInt`: decimal, `0x` hex, `#` hex, leading `-`.
pub fn parse_int_string(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(h) = body.strip_prefix('#') {
        i64::from_str_radix(h, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        i64::from_str_radix(&body[1..], 8).ok()?
    } else {
        body.parse::<i64>().ok()?
    };
    Some(if neg { -v } else { v })
}
