//! DynamoDB JSON: how an item becomes the `document` string of an envelope, and how a key comes
//! back from an offset.
//!
//! The reference connector writes the item in DynamoDB's *wire* format — upper-case type tags,
//! numbers as strings, binary as standard base64, `{"NULL":true}` — and, because it holds items
//! in Java `HashMap`s, it writes map entries in **Java `HashMap` iteration order**, not in
//! insertion or alphabetical order. Every published sample agrees with that order
//! (`{"Number2":…,"Number":…}`, `{"partition":…,"offset":…,"last_name":…,"first_name":…}`), so
//! this module reproduces it: entries are ordered by their bucket in a default-grown `HashMap`
//! (String `hashCode` over UTF-16 units, spread by `h ^ h >>> 16`, table size 16 doubled while
//! more than ¾ full). Two keys that share a bucket keep Java's insertion order, which depends on
//! the order of the service's response and cannot be recovered from the Rust SDK's maps; they
//! are written in byte order of their names, a documented approximation. Strings are escaped the
//! way Jackson does (short escapes, `\u00XX` with upper-case hex for other control characters,
//! everything else as UTF-8).
//!
//! The SDK has two unrelated `AttributeValue` enums (DynamoDB and DynamoDB Streams); the
//! [`Attribute`] trait lets one renderer serve both without converting items record by record.

use std::collections::HashMap;
use std::fmt::Write as _;

use aws_sdk_dynamodb::primitives::Blob;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::Value as Json;

/// A borrowed view of one attribute value, whichever SDK enum it comes from.
pub enum AttrView<'a, A> {
    S(&'a str),
    N(&'a str),
    B(&'a [u8]),
    Bool(bool),
    Null,
    M(&'a HashMap<String, A>),
    L(&'a [A]),
    Ss(&'a [String]),
    Ns(&'a [String]),
    /// Both SDKs use the same `Blob` type (from `aws-smithy-types`).
    Bs(&'a [Blob]),
    /// A type this SDK version does not know; rendered as `{}` (never produced by the service
    /// for items of the documented types).
    Unknown,
}

/// An SDK attribute value that can be viewed as an [`AttrView`].
pub trait Attribute: Sized {
    /// The value's type and content.
    fn view(&self) -> AttrView<'_, Self>;
}

macro_rules! impl_attribute {
    ($ty:ty) => {
        impl Attribute for $ty {
            fn view(&self) -> AttrView<'_, Self> {
                use $ty as A;
                match self {
                    A::S(s) => AttrView::S(s),
                    A::N(n) => AttrView::N(n),
                    A::B(b) => AttrView::B(b.as_ref()),
                    A::Bool(b) => AttrView::Bool(*b),
                    A::Null(_) => AttrView::Null,
                    A::M(m) => AttrView::M(m),
                    A::L(l) => AttrView::L(l),
                    A::Ss(v) => AttrView::Ss(v),
                    A::Ns(v) => AttrView::Ns(v),
                    A::Bs(v) => AttrView::Bs(v),
                    _ => AttrView::Unknown,
                }
            }
        }
    };
}

impl_attribute!(aws_sdk_dynamodb::types::AttributeValue);
impl_attribute!(aws_sdk_dynamodbstreams::types::AttributeValue);

/// Java's `String.hashCode`: 31-polynomial over UTF-16 code units, wrapping.
pub fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// The table size of a `java.util.HashMap` grown by `put` from the default capacity to hold `n`
/// entries (it doubles when the size exceeds 0.75 × capacity).
pub fn java_hashmap_capacity(n: usize) -> usize {
    let mut capacity = 16;
    while n > capacity / 4 * 3 {
        capacity *= 2;
    }
    capacity
}

/// The bucket of `key` in a Java `HashMap` with `capacity` buckets.
fn java_bucket(key: &str, capacity: usize) -> usize {
    let h = java_string_hash(key) as u32;
    ((h ^ (h >> 16)) as usize) & (capacity - 1)
}

/// The entries of `map` in Java `HashMap` iteration order (ties by name).
pub fn java_order<V>(map: &HashMap<String, V>) -> Vec<(&str, &V)> {
    let capacity = java_hashmap_capacity(map.len());
    let mut entries: Vec<(usize, &str, &V)> = map
        .iter()
        .map(|(k, v)| (java_bucket(k, capacity), k.as_str(), v))
        .collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    entries.into_iter().map(|(_, k, v)| (k, v)).collect()
}

/// Renders an item (or key) as the DynamoDB JSON the reference connector writes.
pub fn item_to_string<A: Attribute>(item: &HashMap<String, A>) -> String {
    let mut out = String::with_capacity(64 * item.len().max(1));
    write_map(&mut out, item);
    out
}

/// Renders the key attributes `names` of an item, in that order, as DynamoDB JSON (the resume
/// key of a snapshot offset); attributes the item lacks are left out.
pub fn key_to_string<A: Attribute>(item: &HashMap<String, A>, names: &[String]) -> String {
    let mut out = String::with_capacity(32 * names.len());
    out.push('{');
    let mut first = true;
    for name in names {
        let Some(value) = item.get(name) else {
            continue;
        };
        if !first {
            out.push(',');
        }
        first = false;
        write_json_string(&mut out, name);
        out.push(':');
        write_value(&mut out, value);
    }
    out.push('}');
    out
}

/// Appends an item as DynamoDB JSON to `out`.
pub fn write_map<A: Attribute>(out: &mut String, map: &HashMap<String, A>) {
    out.push('{');
    for (i, (name, value)) in java_order(map).into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json_string(out, name);
        out.push(':');
        write_value(out, value);
    }
    out.push('}');
}

fn write_value<A: Attribute>(out: &mut String, value: &A) {
    let tagged = |out: &mut String, tag: &str| {
        out.push_str("{\"");
        out.push_str(tag);
        out.push_str("\":");
    };
    match value.view() {
        AttrView::S(s) => {
            tagged(out, "S");
            write_json_string(out, s);
        }
        AttrView::N(n) => {
            tagged(out, "N");
            write_json_string(out, n);
        }
        AttrView::B(b) => {
            tagged(out, "B");
            write_base64(out, b);
        }
        AttrView::Bool(b) => {
            tagged(out, "BOOL");
            out.push_str(if b { "true" } else { "false" });
        }
        AttrView::Null => {
            tagged(out, "NULL");
            out.push_str("true");
        }
        AttrView::M(m) => {
            tagged(out, "M");
            write_map(out, m);
        }
        AttrView::L(l) => {
            tagged(out, "L");
            out.push('[');
            for (i, v) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, v);
            }
            out.push(']');
        }
        AttrView::Ss(v) => {
            tagged(out, "SS");
            write_string_array(out, v);
        }
        AttrView::Ns(v) => {
            tagged(out, "NS");
            write_string_array(out, v);
        }
        AttrView::Bs(v) => {
            tagged(out, "BS");
            out.push('[');
            for (i, b) in v.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_base64(out, b.as_ref());
            }
            out.push(']');
        }
        AttrView::Unknown => {
            out.push('{');
        }
    }
    out.push('}');
}

fn write_string_array(out: &mut String, values: &[String]) {
    out.push('[');
    for (i, s) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json_string(out, s);
    }
    out.push(']');
}

fn write_base64(out: &mut String, bytes: &[u8]) {
    out.push('"');
    BASE64.encode_string(bytes, out);
    out.push('"');
}

/// Appends `s` as a JSON string escaped the way Jackson escapes it.
pub fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let short = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            _ => None,
        };
        if short.is_none() && u32::from(c) >= 0x20 {
            continue;
        }
        out.push_str(&s[start..i]);
        match short {
            Some(esc) => out.push_str(esc),
            None => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Why a DynamoDB JSON key could not be read back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyJsonError {
    #[error("not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("expected a JSON object of attributes, found {0}")]
    NotAnObject(String),
    #[error("attribute {0} is not a single-tag object such as {{\"S\":\"...\"}}")]
    BadAttribute(String),
    #[error("attribute {name}: type {tag} is not a key type (S, N or B)")]
    NotAKeyType { name: String, tag: String },
    #[error("attribute {0}: binary value is not base64")]
    BadBase64(String),
}

/// Parses a key written by [`item_to_string`] (S, N and B attributes, the only key types) back
/// into DynamoDB attribute values, for `ExclusiveStartKey`.
///
/// # Errors
/// [`KeyJsonError`] naming the attribute that does not parse.
pub fn parse_key(
    text: &str,
) -> Result<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>, KeyJsonError> {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    let Json::Object(map) = serde_json::from_str::<Json>(text)? else {
        return Err(KeyJsonError::NotAnObject(text.to_string()));
    };
    let mut key = HashMap::with_capacity(map.len());
    for (name, value) in map {
        let (tag, inner) = match &value {
            Json::Object(o) if o.len() == 1 => o
                .iter()
                .next()
                .map(|(t, v)| (t.clone(), v.clone()))
                .ok_or_else(|| KeyJsonError::BadAttribute(name.clone()))?,
            _ => return Err(KeyJsonError::BadAttribute(name)),
        };
        let Json::String(s) = inner else {
            return Err(KeyJsonError::BadAttribute(name));
        };
        let attr = match tag.as_str() {
            "S" => A::S(s),
            "N" => A::N(s),
            "B" => A::B(Blob::new(
                BASE64
                    .decode(s.as_bytes())
                    .map_err(|_| KeyJsonError::BadBase64(name.clone()))?,
            )),
            _ => return Err(KeyJsonError::NotAKeyType { name, tag }),
        };
        key.insert(name, attr);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    use aws_sdk_dynamodbstreams::types::AttributeValue as S;

    use super::*;

    fn n(v: &str) -> A {
        A::N(v.to_string())
    }
    fn s(v: &str) -> A {
        A::S(v.to_string())
    }

    fn item(pairs: Vec<(&str, A)>) -> HashMap<String, A> {
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    #[test]
    fn java_string_hash_matches_java_for_known_strings() {
        // Values of "…".hashCode() in Java.
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("a"), 97);
        assert_eq!(java_string_hash("hello"), 99_162_322);
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
        // A character outside the BMP hashes as its two UTF-16 surrogates.
        assert_eq!(
            java_string_hash("\u{1F600}"),
            0xD83D_i32.wrapping_mul(31).wrapping_add(0xDE00)
        );
    }

    #[test]
    fn capacity_grows_like_a_default_java_hashmap() {
        assert_eq!(java_hashmap_capacity(0), 16);
        assert_eq!(java_hashmap_capacity(12), 16);
        assert_eq!(java_hashmap_capacity(13), 32);
        assert_eq!(java_hashmap_capacity(24), 32);
        assert_eq!(java_hashmap_capacity(25), 64);
    }

    // The documents below are the reference connector's published output (Confluent's product
    // page and the kafka-docker-playground run): their attribute order is what we must produce
    // from an unordered map.
    #[test]
    fn reference_documents_are_reproduced_in_java_hashmap_order() {
        let cases = [
            (
                item(vec![("Number", n("1")), ("Number2", n("1"))]),
                r#"{"Number2":{"N":"1"},"Number":{"N":"1"}}"#,
            ),
            (
                item(vec![
                    ("ONE", A::Ss(vec!["NE".into()])),
                    ("Number", n("1")),
                    ("Number2", n("3")),
                ]),
                r#"{"Number2":{"N":"3"},"Number":{"N":"1"},"ONE":{"SS":["NE"]}}"#,
            ),
            (
                item(vec![
                    ("ONE ", A::Ss(vec!["NE".into(), "ONE".into()])),
                    ("ONE", A::Ss(vec!["NE".into()])),
                    ("Number", n("1")),
                    ("Number2", n("4")),
                ]),
                r#"{"Number2":{"N":"4"},"Number":{"N":"1"},"ONE":{"SS":["NE"]},"ONE ":{"SS":["NE","ONE"]}}"#,
            ),
            (
                item(vec![
                    ("first_name", s("August")),
                    ("last_name", s("Helen")),
                    ("offset", n("7")),
                    ("partition", n("0")),
                ]),
                r#"{"partition":{"N":"0"},"offset":{"N":"7"},"last_name":{"S":"Helen"},"first_name":{"S":"August"}}"#,
            ),
        ];
        for (item, expected) in cases {
            assert_eq!(item_to_string(&item), expected);
        }
    }

    #[test]
    fn every_attribute_type_has_its_wire_form() {
        let nested = item(vec![("inner", s("x"))]);
        let doc = item(vec![
            ("b", A::B(Blob::new(vec![0u8, 1, 2, 255]))),
            ("bool", A::Bool(false)),
            ("nul", A::Null(true)),
            ("m", A::M(nested)),
            ("l", A::L(vec![n("1"), s("two"), A::Bool(true)])),
            ("ss", A::Ss(vec!["b".into(), "a".into()])),
            ("ns", A::Ns(vec!["2".into(), "-1.5".into()])),
            (
                "bs",
                A::Bs(vec![Blob::new(b"hi".to_vec()), Blob::new(vec![])]),
            ),
        ]);
        let text = item_to_string(&doc);
        let parsed: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["b"], serde_json::json!({"B": "AAEC/w=="}));
        assert_eq!(parsed["bool"], serde_json::json!({"BOOL": false}));
        assert_eq!(parsed["nul"], serde_json::json!({"NULL": true}));
        assert_eq!(parsed["m"], serde_json::json!({"M": {"inner": {"S": "x"}}}));
        assert_eq!(
            parsed["l"],
            serde_json::json!({"L": [{"N": "1"}, {"S": "two"}, {"BOOL": true}]})
        );
        assert_eq!(
            parsed["ss"],
            serde_json::json!({"SS": ["b", "a"]}),
            "set order kept"
        );
        assert_eq!(parsed["ns"], serde_json::json!({"NS": ["2", "-1.5"]}));
        assert_eq!(parsed["bs"], serde_json::json!({"BS": ["aGk=", ""]}));
        let names: Vec<&str> = java_order(&doc).into_iter().map(|(k, _)| k).collect();
        assert!(text.starts_with(&format!("{{\"{}\":", names[0])), "{text}");
    }

    #[test]
    fn streams_values_render_like_table_values() {
        let table = item(vec![("k", s("v")), ("n", n("5"))]);
        let stream: HashMap<String, S> = [
            ("k".to_string(), S::S("v".into())),
            ("n".to_string(), S::N("5".into())),
        ]
        .into_iter()
        .collect();
        assert_eq!(item_to_string(&table), item_to_string(&stream));
    }

    #[test]
    fn strings_are_escaped_like_jackson() {
        let mut out = String::new();
        write_json_string(&mut out, "a\"b\\c\nd\te\u{1}f/é\u{7f}\u{1f}");
        assert_eq!(out, "\"a\\\"b\\\\c\\nd\\te\\u0001f/é\u{7f}\\u001F\"");
    }

    #[test]
    fn keys_round_trip_through_dynamodb_json() {
        let key = item(vec![
            ("id", s("a\"b")),
            ("n", n("12.5")),
            ("bin", A::B(Blob::new(vec![9, 8, 7]))),
        ]);
        let text = item_to_string(&key);
        assert_eq!(parse_key(&text).unwrap(), key);
    }

    #[test]
    fn resume_keys_hold_only_key_attributes_in_key_order() {
        let doc = item(vec![("sk", n("2")), ("pk", s("a")), ("other", s("x"))]);
        let key = key_to_string(&doc, &["pk".to_string(), "sk".to_string()]);
        assert_eq!(key, r#"{"pk":{"S":"a"},"sk":{"N":"2"}}"#);
        assert_eq!(parse_key(&key).unwrap().len(), 2);
    }

    #[test]
    fn bad_keys_name_the_problem() {
        assert!(matches!(parse_key("nope"), Err(KeyJsonError::NotJson(_))));
        assert!(matches!(
            parse_key("[1]"),
            Err(KeyJsonError::NotAnObject(_))
        ));
        assert!(matches!(
            parse_key(r#"{"id":{"BOOL":true}}"#),
            Err(KeyJsonError::BadAttribute(n)) if n == "id"
        ));
        assert!(matches!(
            parse_key(r#"{"id":{"SS":"x"}}"#),
            Err(KeyJsonError::NotAKeyType { .. })
        ));
        assert!(matches!(
            parse_key(r#"{"id":{"B":"!!"}}"#),
            Err(KeyJsonError::BadBase64(n)) if n == "id"
        ));
    }
}
