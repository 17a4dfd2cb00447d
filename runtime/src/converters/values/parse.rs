//! `Values.parseString`: header text → the most specific schema and value.
//!
//! The text is split into tokens at the unescaped delimiters `: , { } [ ] "` (a backslash
//! escapes the next character), as Kafka's `Values.Parser` does, and read back in Kafka's
//! grammar:
//! - `null`, `true`, `false` (surrounding whitespace allowed);
//! - numbers: integral values as the smallest of INT8/INT16/INT32/INT64 (`1.0` is INT8),
//!   others as FLOAT32 (or FLOAT64 when out of FLOAT32 range), integers beyond INT64 as a
//!   Decimal with scale 0;
//! - `yyyy-MM-dd`, `HH:mm:ss.SSSZ`, `yyyy-MM-ddTHH:mm:ss.SSSZ` as Date, Time, Timestamp (UTC);
//! - `[a,b]` arrays and `{k:v}` maps whose elements must themselves be literals, numbers,
//!   temporals, quoted strings or nested containers; element schemas are widened to a common
//!   one (INT8 < INT16 < INT32 < INT64 < FLOAT32 < FLOAT64), and without one the container has
//!   no element schema;
//! - anything else is the original string.
//!
//! Differences from Java, deliberately: a top-level value must span the whole text (Java reads
//! `12:30` as the INT8 `12` and ignores text after a closing `]`), dates are parsed strictly in
//! UTC rather than leniently in the JVM zone, whitespace inside quoted strings is kept, and a
//! map whose keys share a schema but whose values do not gets no schemas at all (Strait's
//! schema model has no map with only a key schema).

use strait_api::logical::{self, DATE_NAME, TIMESTAMP_NAME, TIME_NAME};
use strait_api::{Decimal, Schema, SchemaAndValue, SchemaBuilder, SchemaType, Value};

use super::MILLIS_PER_DAY;

/// Parses header text into a schema and value (`SchemaAndValue::null()` for `null`).
pub fn parse_string(text: &str) -> SchemaAndValue {
    if text.is_empty() {
        return string(text);
    }
    let trimmed = java_trim(text);
    match trimmed {
        "null" => return SchemaAndValue::null(),
        "true" => return SchemaAndValue::new(Some(Schema::boolean()), Value::Boolean(true)),
        "false" => return SchemaAndValue::new(Some(Schema::boolean()), Value::Boolean(false)),
        _ => {}
    }
    let mut parser = Parser::new(text);
    parser.skip_blank();
    if let Some(Tok::Delim(b'[' | b'{')) = parser.peek() {
        match parser.value() {
            Ok(Some((schema, value))) => {
                parser.skip_blank();
                if parser.peek().is_none() {
                    return SchemaAndValue::new(Some(schema), value);
                }
            }
            Ok(None) => {}
            Err(NotAValue(reason)) => {
                tracing::trace!(
                    reason,
                    "header value is not an array or map; reading it as a string"
                );
            }
        }
    }
    let first = trimmed.as_bytes().first().copied().unwrap_or(b' ');
    if first.is_ascii_digit() {
        if let Some((schema, value)) = temporal(trimmed) {
            return SchemaAndValue::new(Some(schema), value);
        }
    }
    if first.is_ascii_digit() || first == b'+' || first == b'-' {
        if let Some((schema, value)) = number(trimmed) {
            return SchemaAndValue::new(Some(schema), value);
        }
    }
    string(text)
}

fn string(text: &str) -> SchemaAndValue {
    SchemaAndValue::new(
        Some(Schema::string()),
        Value::String(text.to_string().into()),
    )
}

/// Java's `String.trim()`: strips every character up to and including space.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok<'a> {
    Delim(u8),
    Text(&'a str),
}

impl Tok<'_> {
    fn is_blank(&self) -> bool {
        matches!(self, Tok::Text(t) if java_trim(t).is_empty())
    }

    fn raw(&self) -> &str {
        match self {
            Tok::Delim(b'"') => "\"",
            Tok::Delim(b':') => ":",
            Tok::Delim(b',') => ",",
            Tok::Delim(b'{') => "{",
            Tok::Delim(b'}') => "}",
            Tok::Delim(b'[') => "[",
            Tok::Delim(b']') => "]",
            Tok::Delim(_) => "",
            Tok::Text(t) => t,
        }
    }
}

fn tokenize(s: &str) -> Vec<Tok<'_>> {
    let bytes = s.as_bytes();
    let mut toks = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\\' => escaped = !escaped,
            b':' | b',' | b'{' | b'}' | b'[' | b']' | b'"' if !escaped => {
                if start < i {
                    toks.push(Tok::Text(&s[start..i]));
                }
                toks.push(Tok::Delim(b));
                start = i + 1;
            }
            _ => escaped = false,
        }
    }
    if start < bytes.len() {
        toks.push(Tok::Text(&s[start..]));
    }
    toks
}

/// Why text is not a container value (the container is then read as a string).
#[derive(Debug)]
struct NotAValue(&'static str);

type Parsed = Option<(Schema, Value)>;

struct Parser<'a> {
    toks: Vec<Tok<'a>>,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            toks: tokenize(text),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<Tok<'a>> {
        self.toks.get(self.pos).copied()
    }

    fn skip_blank(&mut self) {
        while self.peek().is_some_and(|t| t.is_blank()) {
            self.pos += 1;
        }
    }

    /// One embedded value; `Ok(None)` is null.
    fn value(&mut self) -> Result<Parsed, NotAValue> {
        self.skip_blank();
        let Some(tok) = self.peek() else {
            return Ok(None);
        };
        self.pos += 1;
        match tok {
            Tok::Delim(b'"') => Ok(Some(self.quoted())),
            Tok::Delim(b'[') => self.array().map(Some),
            Tok::Delim(b'{') => self.map().map(Some),
            Tok::Delim(_) => Err(NotAValue("Failed to parse embedded value")),
            Tok::Text(t) => match java_trim(t) {
                "null" => Ok(None),
                "true" => Ok(Some((Schema::boolean(), Value::Boolean(true)))),
                "false" => Ok(Some((Schema::boolean(), Value::Boolean(false)))),
                token => self.scalar(token).map(Some),
            },
        }
    }

    fn scalar(&mut self, token: &str) -> Result<(Schema, Value), NotAValue> {
        let first = token.as_bytes().first().copied().unwrap_or(b' ');
        if first.is_ascii_digit() {
            // Times and timestamps are split into five tokens by their unescaped colons.
            if let Some(rest) = self.toks.get(self.pos..self.pos + 4) {
                let joined: String = std::iter::once(token)
                    .chain(rest.iter().map(Tok::raw))
                    .collect();
                if let Some(t) = temporal(&joined) {
                    self.pos += 4;
                    return Ok(t);
                }
            }
            if let Some(t) = temporal(token) {
                return Ok(t);
            }
        }
        if first.is_ascii_digit() || first == b'+' || first == b'-' {
            if let Some(n) = number(token) {
                return Ok(n);
            }
        }
        Err(NotAValue("Failed to parse embedded value"))
    }

    fn quoted(&mut self) -> (Schema, Value) {
        let mut content = String::new();
        while let Some(tok) = self.peek() {
            self.pos += 1;
            if tok == Tok::Delim(b'"') {
                break;
            }
            content.push_str(tok.raw());
        }
        temporal(&content).unwrap_or((Schema::string(), Value::String(content.into())))
    }

    fn array(&mut self) -> Result<(Schema, Value), NotAValue> {
        let mut items: Vec<Parsed> = Vec::new();
        let mut common = Merger::default();
        loop {
            self.skip_blank();
            match self.peek() {
                None => return Err(NotAValue("Array is missing terminating ']'")),
                Some(Tok::Delim(b']')) => {
                    self.pos += 1;
                    break;
                }
                Some(Tok::Delim(b',')) => {
                    return Err(NotAValue("Unable to parse an empty array element"))
                }
                _ => {}
            }
            let item = self.value()?;
            common.merge(item.as_ref().map(|(s, _)| s));
            items.push(item);
            self.skip_blank();
            match self.peek() {
                Some(Tok::Delim(b']')) => {}
                Some(Tok::Delim(b',')) => self.pos += 1,
                _ => return Err(NotAValue("Array elements missing ',' delimiter")),
            }
        }
        Ok(match common.schema() {
            Some(elem) => {
                let values = items
                    .into_iter()
                    .map(|item| align(elem, item))
                    .collect::<Result<_, _>>()?;
                (
                    SchemaBuilder::array(elem.clone()).build(),
                    Value::Array(values),
                )
            }
            None => (
                SchemaBuilder::new(SchemaType::Array).build(),
                Value::Array(
                    items
                        .into_iter()
                        .map(|i| i.map_or(Value::Null, |(_, v)| v))
                        .collect(),
                ),
            ),
        })
    }

    fn map(&mut self) -> Result<(Schema, Value), NotAValue> {
        let mut entries: Vec<((Schema, Value), Parsed)> = Vec::new();
        let (mut key_common, mut value_common) = (Merger::default(), Merger::default());
        loop {
            self.skip_blank();
            match self.peek() {
                None => return Err(NotAValue("Map is missing terminating '}'")),
                Some(Tok::Delim(b'}')) => {
                    self.pos += 1;
                    break;
                }
                Some(Tok::Delim(b',')) => {
                    return Err(NotAValue(
                        "Unable to parse a map entry with no key or value",
                    ))
                }
                _ => {}
            }
            let key = self
                .value()?
                .ok_or(NotAValue("Map entry may not have a null key"))?;
            self.skip_blank();
            if self.peek() != Some(Tok::Delim(b':')) {
                return Err(NotAValue("Map entry is missing ':'"));
            }
            self.pos += 1;
            let value = self.value()?;
            self.skip_blank();
            if self.peek() == Some(Tok::Delim(b',')) {
                self.pos += 1;
            }
            key_common.merge(Some(&key.0));
            value_common.merge(value.as_ref().map(|(s, _)| s));
            match entries.iter_mut().find(|((_, k), _)| *k == key.1) {
                Some(slot) => slot.1 = value,
                None => entries.push((key, value)),
            }
        }
        let key_schema = key_common.schema();
        let mut out = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let key = match key_schema {
                Some(ks) => align(ks, Some(key))?,
                None => key.1,
            };
            let value = match value_common.schema() {
                Some(vs) if key_schema.is_some() => align(vs, value)?,
                _ => value.map_or(Value::Null, |(_, v)| v),
            };
            out.push((key, value));
        }
        let schema = match (key_schema, value_common.schema()) {
            (Some(ks), Some(vs)) => SchemaBuilder::map(ks.clone(), vs.clone()).build(),
            _ => SchemaBuilder::new(SchemaType::Map).build(),
        };
        Ok((schema, Value::Map(out)))
    }
}

/// Finds the schema every element fits (Kafka's `SchemaMerger`).
#[derive(Default)]
struct Merger {
    common: Option<Schema>,
    incompatible: bool,
}

impl Merger {
    fn merge(&mut self, schema: Option<&Schema>) {
        let Some(schema) = schema else { return };
        if self.incompatible {
            return;
        }
        self.common = match self.common.take() {
            None => Some(schema.clone()),
            Some(prev) => merge_schemas(prev, schema),
        };
        self.incompatible = self.common.is_none();
    }

    fn schema(&self) -> Option<&Schema> {
        self.common.as_ref()
    }
}

fn numeric_rank(t: SchemaType) -> Option<u8> {
    Some(match t {
        SchemaType::Int8 => 0,
        SchemaType::Int16 => 1,
        SchemaType::Int32 => 2,
        SchemaType::Int64 => 3,
        SchemaType::Float32 => 4,
        SchemaType::Float64 => 5,
        _ => return None,
    })
}

fn merge_schemas(prev: Schema, new: &Schema) -> Option<Schema> {
    if prev.schema_type() != new.schema_type() {
        let (a, b) = (
            numeric_rank(prev.schema_type())?,
            numeric_rank(new.schema_type())?,
        );
        return Some(if b > a { new.clone() } else { prev });
    }
    if prev.is_optional() == new.is_optional() {
        return Some(if prev.is_optional() {
            prev
        } else {
            new.clone()
        });
    }
    (prev == *new).then_some(prev)
}

/// Converts an element to the common schema (`Values.convertTo` for the parsed shapes).
fn align(to: &Schema, item: Parsed) -> Result<Value, NotAValue> {
    let Some((from, value)) = item else {
        return if to.is_optional() {
            Ok(Value::Null)
        } else {
            Err(NotAValue(
                "Unable to convert a null value to a schema that requires a value",
            ))
        };
    };
    let millis = match (from.name(), value.as_i64()) {
        (Some(DATE_NAME), Some(days)) => days.checked_mul(MILLIS_PER_DAY),
        (Some(TIME_NAME | TIMESTAMP_NAME), Some(ms)) => Some(ms),
        _ => None,
    };
    let fail = NotAValue("Unable to convert an element to the common schema");
    Ok(match (to.name(), to.schema_type()) {
        (Some(DATE_NAME), _) => match millis {
            Some(ms) => {
                Value::Int32(i32::try_from(ms.div_euclid(MILLIS_PER_DAY)).map_err(|_| fail)?)
            }
            None => Value::Int32(
                value
                    .as_i64()
                    .and_then(|v| i32::try_from(v).ok())
                    .ok_or(fail)?,
            ),
        },
        (Some(TIME_NAME), _) => match millis {
            Some(ms) => Value::Int32(ms.rem_euclid(MILLIS_PER_DAY) as i32),
            None => Value::Int32(
                value
                    .as_i64()
                    .and_then(|v| i32::try_from(v).ok())
                    .ok_or(fail)?,
            ),
        },
        (Some(TIMESTAMP_NAME), _) => Value::Int64(millis.or(value.as_i64()).ok_or(fail)?),
        (_, t) if numeric_rank(t).is_some() && millis.is_some() => return Err(fail),
        (_, SchemaType::Int8) => {
            Value::Int8(value.as_i64().and_then(|v| v.try_into().ok()).ok_or(fail)?)
        }
        (_, SchemaType::Int16) => {
            Value::Int16(value.as_i64().and_then(|v| v.try_into().ok()).ok_or(fail)?)
        }
        (_, SchemaType::Int32) => {
            Value::Int32(value.as_i64().and_then(|v| v.try_into().ok()).ok_or(fail)?)
        }
        (_, SchemaType::Int64) => Value::Int64(value.as_i64().ok_or(fail)?),
        (_, SchemaType::Float32) => match value {
            Value::Float32(f) => Value::Float32(f),
            Value::Float64(f) => Value::Float32(f as f32),
            other => Value::Float32(other.as_i64().ok_or(fail)? as f32),
        },
        (_, SchemaType::Float64) => match value {
            Value::Float64(f) => Value::Float64(f),
            Value::Float32(f) => Value::Float64(f64::from(f)),
            other => Value::Float64(other.as_i64().ok_or(fail)? as f64),
        },
        _ => value,
    })
}

/// The largest scale [`number`] rescales to test whether a number is integral.
const MAX_RESCALE: i32 = 1000;

/// A number in the smallest fitting type (`ValueParser.parseAsNumber`).
fn number(token: &str) -> Option<(Schema, Value)> {
    let decimal: Decimal = token.parse().ok()?;
    // Rescaling costs time proportional to the scale; absurd exponents cannot be integers that
    // fit INT64 anyway (unless zero, which Decimal then keeps).
    let integral = if (-MAX_RESCALE..=MAX_RESCALE).contains(&decimal.scale()) {
        decimal.rescale(0)
    } else {
        None
    };
    if let Some(integral) = integral {
        if let Some(v) = integral.unscaled_i64() {
            return Some(if let Ok(v) = i8::try_from(v) {
                (Schema::int8(), Value::Int8(v))
            } else if let Ok(v) = i16::try_from(v) {
                (Schema::int16(), Value::Int16(v))
            } else if let Ok(v) = i32::try_from(v) {
                (Schema::int32(), Value::Int32(v))
            } else {
                (Schema::int64(), Value::Int64(v))
            });
        }
    }
    if decimal.scale() != 0 {
        let text = decimal.to_string();
        if let Some(f) = text.parse::<f32>().ok().filter(|f| f.is_finite()) {
            return Some((Schema::float32(), Value::Float32(f)));
        }
        if let Some(f) = text.parse::<f64>().ok().filter(|f| f.is_finite()) {
            return Some((Schema::float64(), Value::Float64(f)));
        }
    }
    Some((
        logical::decimal(decimal.scale()).build(),
        Value::Decimal(decimal),
    ))
}

/// An ISO-8601 date, time or timestamp in UTC (`ValueParser.parseAsTemporal`).
fn temporal(token: &str) -> Option<(Schema, Value)> {
    let token = token.replace("\\:", ":");
    match token.len() {
        13 => {
            let t = chrono::NaiveTime::parse_from_str(&token, "%H:%M:%S%.3fZ").ok()?;
            let millis = chrono::Timelike::num_seconds_from_midnight(&t) as i64 * 1000
                + i64::from(chrono::Timelike::nanosecond(&t) / 1_000_000);
            Some((
                logical::time().build(),
                Value::Int32(i32::try_from(millis).ok()?),
            ))
        }
        24 => {
            let t = chrono::NaiveDateTime::parse_from_str(&token, "%Y-%m-%dT%H:%M:%S%.3fZ").ok()?;
            Some((
                logical::timestamp().build(),
                Value::Int64(t.and_utc().timestamp_millis()),
            ))
        }
        10 => {
            let d = chrono::NaiveDate::parse_from_str(&token, "%Y-%m-%d").ok()?;
            let days = d
                .signed_duration_since(chrono::NaiveDate::default())
                .num_days();
            Some((
                logical::date().build(),
                Value::Int32(i32::try_from(days).ok()?),
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (Option<SchemaType>, Value) {
        let sv = parse_string(text);
        (sv.schema.map(|s| s.schema_type()), sv.value)
    }

    fn assert_string(text: &str) {
        assert_eq!(
            parsed(text),
            (Some(SchemaType::String), Value::String(text.into())),
            "{text:?}"
        );
    }

    #[test]
    fn literals() {
        assert_eq!(parse_string("null"), SchemaAndValue::null());
        assert_eq!(parse_string(" \t null \n"), SchemaAndValue::null());
        assert_eq!(
            parsed(" true "),
            (Some(SchemaType::Boolean), Value::Boolean(true))
        );
        assert_eq!(
            parsed("false"),
            (Some(SchemaType::Boolean), Value::Boolean(false))
        );
        assert_string("");
        assert_string("  ");
        assert_string("null=");
        assert_string("true}");
        assert_string("false]");
        assert_string("simple string");
        assert_string("'simple' string");
    }

    #[test]
    fn numbers_take_the_smallest_type() {
        assert_eq!(parsed("12"), (Some(SchemaType::Int8), Value::Int8(12)));
        assert_eq!(parsed("1.0"), (Some(SchemaType::Int8), Value::Int8(1)));
        assert_eq!(
            parsed("300.0"),
            (Some(SchemaType::Int16), Value::Int16(300))
        );
        assert_eq!(
            parsed("66000.0"),
            (Some(SchemaType::Int32), Value::Int32(66000))
        );
        assert_eq!(
            parsed("-4398046511104"),
            (Some(SchemaType::Int64), Value::Int64(-4_398_046_511_104))
        );
        assert_eq!(
            parsed("1.1"),
            (Some(SchemaType::Float32), Value::Float32(1.1))
        );
        assert_eq!(
            parsed("66000.0008"),
            (Some(SchemaType::Float32), Value::Float32(66000.0008))
        );
        assert_eq!(
            parsed("1e300"),
            (Some(SchemaType::Float64), Value::Float64(1e300))
        );
        let big = parse_string("123456789012345678901234567890");
        assert_eq!(
            big.schema.as_ref().and_then(Schema::name),
            Some(logical::DECIMAL_NAME)
        );
        assert_eq!(
            big.value,
            Value::Decimal("123456789012345678901234567890".parse().unwrap())
        );
        assert_string("12:30");
        assert_string("1abc");
    }

    #[test]
    fn temporals() {
        let ts = parse_string("2019-08-23T14:34:54.346Z");
        assert_eq!(
            ts.schema.as_ref().and_then(Schema::name),
            Some(TIMESTAMP_NAME)
        );
        assert_eq!(ts.value, Value::Int64(1_566_570_894_346));
        let d = parse_string("2019-08-23");
        assert_eq!(d.schema.as_ref().and_then(Schema::name), Some(DATE_NAME));
        assert_eq!(d.value, Value::Int32(18_131));
        let t = parse_string("14\\:34\\:54.346Z");
        assert_eq!(t.schema.as_ref().and_then(Schema::name), Some(TIME_NAME));
        assert_eq!(t.value, Value::Int32(52_494_346));
        let arr = parse_string("[2019-08-23T14:34:54.346Z,   14:34:54.346Z]");
        let elem = arr.schema.as_ref().and_then(Schema::value_schema).unwrap();
        assert_eq!(elem.name(), Some(TIMESTAMP_NAME));
        assert_eq!(
            arr.value,
            Value::Array(vec![
                Value::Int64(1_566_570_894_346),
                Value::Int64(52_494_346)
            ])
        );
        let map = parse_string("{\"k1\":\"14:34:54.346Z\"}");
        assert_eq!(
            map.schema
                .as_ref()
                .and_then(Schema::value_schema)
                .and_then(Schema::name),
            Some(TIME_NAME)
        );
    }

    #[test]
    fn arrays_widen_to_a_common_schema() {
        let sv = parse_string("[1, 300, 2.5]");
        assert_eq!(
            sv.schema
                .as_ref()
                .and_then(Schema::value_schema)
                .map(Schema::schema_type),
            Some(SchemaType::Float32)
        );
        assert_eq!(
            sv.value,
            Value::Array(vec![
                Value::Float32(1.0),
                Value::Float32(300.0),
                Value::Float32(2.5)
            ])
        );
        let mixed = parse_string("[300, \"four\", 1, 2]");
        assert_eq!(
            mixed.schema.as_ref().unwrap().schema_type(),
            SchemaType::Array
        );
        assert!(mixed.schema.as_ref().unwrap().value_schema().is_none());
        assert_eq!(
            mixed.value,
            Value::Array(vec![
                Value::Int16(300),
                "four".into(),
                Value::Int8(1),
                Value::Int8(2)
            ])
        );
        assert_eq!(
            parse_string("[true, false]").value,
            Value::Array(vec![true.into(), false.into()])
        );
        assert_eq!(
            parse_string("[null]").value,
            Value::Array(vec![Value::Null])
        );
        assert_eq!(parse_string("[]").value, Value::Array(vec![]));
        assert_eq!(
            parse_string("[[]]")
                .schema
                .unwrap()
                .value_schema()
                .map(Schema::schema_type),
            Some(SchemaType::Array)
        );
    }

    #[test]
    fn maps() {
        let sv = parse_string("{\"a\": 1, \"b\": 300}");
        let schema = sv.schema.unwrap();
        assert_eq!(
            schema.key_schema().map(Schema::schema_type),
            Some(SchemaType::String)
        );
        assert_eq!(
            schema.value_schema().map(Schema::schema_type),
            Some(SchemaType::Int16)
        );
        assert_eq!(
            sv.value,
            Value::Map(vec![
                ("a".into(), Value::Int16(1)),
                ("b".into(), Value::Int16(300))
            ])
        );
        let keys_only = parse_string("{1:1, 2:1, 300:300, 4:\"four\"}");
        assert_eq!(
            keys_only.value,
            Value::Map(vec![
                (Value::Int16(1), Value::Int8(1)),
                (Value::Int16(2), Value::Int8(1)),
                (Value::Int16(300), Value::Int16(300)),
                (Value::Int16(4), "four".into()),
            ])
        );
        assert_eq!(
            parse_string("{3: null}").value,
            Value::Map(vec![(Value::Int8(3), Value::Null)])
        );
        assert_eq!(parse_string("{}").value, Value::Map(vec![]));
    }

    #[test]
    fn malformed_containers_are_strings() {
        for text in [
            "{foo: 3}",
            "{3: foo}",
            "[foo]",
            "{6:9 4:20}",
            "[0 1 2]",
            "{null: 3}",
            "[1, 2, 3,,,]",
            "[1, null]",
            "[null, 1]",
            "[1, 2",
            "[1, 2] trailing",
        ] {
            assert_string(text);
        }
    }

    #[test]
    fn tokenizer_honours_escapes() {
        assert_eq!(
            tokenize("a{b\\:c}\"d"),
            vec![
                Tok::Text("a"),
                Tok::Delim(b'{'),
                Tok::Text("b\\:c"),
                Tok::Delim(b'}'),
                Tok::Delim(b'"'),
                Tok::Text("d"),
            ]
        );
        assert_eq!(tokenize("si\\\\mple"), vec![Tok::Text("si\\\\mple")]);
        assert_eq!(
            tokenize("a\\\\:b"),
            vec![Tok::Text("a\\\\"), Tok::Delim(b':'), Tok::Text("b")]
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in ".{0,40}") {
            let _ = parse_string(&text);
        }
    }
}
