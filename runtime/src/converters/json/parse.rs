//! A small JSON reader producing the tree the deserializer walks.
//!
//! Kafka reads with Jackson's `ObjectMapper.readTree` plus `ALLOW_LEADING_ZEROS_FOR_NUMBERS`,
//! and keeps floating-point numbers as exact `BigDecimal`s. serde_json rejects leading zeros
//! and does not report "no content", so the converter reads JSON itself: numbers keep their
//! source text (exact decimals, integral-or-not decided by the text), objects keep key order
//! with a repeated key replacing the earlier value in place (Java's `LinkedHashMap.put`), and
//! empty or all-whitespace input is "missing" rather than an error. Deserialization is not the
//! hot path of a source worker, so a tree is fine here.

use std::fmt;

/// Maximum nesting depth (Jackson's default `StreamReadConstraints.maxNestingDepth`).
const MAX_DEPTH: usize = 1000;

/// A parsed JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum JsonNode {
    Null,
    Bool(bool),
    /// A number, as written (e.g. `0012`, `-1.50`, `1E+3`).
    Number(String),
    String(String),
    Array(Vec<JsonNode>),
    /// Entries in first-appearance order; keys are unique.
    Object(Vec<(String, JsonNode)>),
}

impl JsonNode {
    /// The value of an object entry.
    pub fn get(&self, key: &str) -> Option<&JsonNode> {
        match self {
            JsonNode::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Jackson's node type name, for error messages (`OBJECT`, `STRING`, ...).
    pub fn node_type(&self) -> &'static str {
        match self {
            JsonNode::Null => "NULL",
            JsonNode::Bool(_) => "BOOLEAN",
            JsonNode::Number(_) => "NUMBER",
            JsonNode::String(_) => "STRING",
            JsonNode::Array(_) => "ARRAY",
            JsonNode::Object(_) => "OBJECT",
        }
    }
}

/// Whether a number's text is integral (no fraction, no exponent).
pub fn is_integral(text: &str) -> bool {
    !text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
}

/// Malformed JSON, with the byte offset where reading stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What was wrong.
    pub message: String,
    /// Byte offset into the input.
    pub offset: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl std::error::Error for ParseError {}

/// Parses one JSON document; `Ok(None)` when the input has no content (Jackson's missing node).
///
/// # Errors
/// A [`ParseError`] for invalid UTF-8, malformed JSON or trailing content.
pub fn parse(bytes: &[u8]) -> Result<Option<JsonNode>, ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ParseError {
        message: "Invalid UTF-8".to_string(),
        offset: e.valid_up_to(),
    })?;
    let mut r = Reader {
        s: text.as_bytes(),
        text,
        pos: 0,
    };
    r.skip_ws();
    if r.pos == r.s.len() {
        return Ok(None);
    }
    let node = r.value(0)?;
    r.skip_ws();
    if r.pos != r.s.len() {
        return Err(r.error("Unexpected content after the JSON value"));
    }
    Ok(Some(node))
}

struct Reader<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn error(&self, message: &str) -> ParseError {
        ParseError {
            message: message.to_string(),
            offset: self.pos,
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn literal(&mut self, word: &str, node: JsonNode) -> Result<JsonNode, ParseError> {
        if self.s[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(node)
        } else {
            Err(self.error("Unrecognized token"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<JsonNode, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error("Document nesting depth exceeds the maximum allowed (1000)"));
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(JsonNode::String),
            Some(b't') => self.literal("true", JsonNode::Bool(true)),
            Some(b'f') => self.literal("false", JsonNode::Bool(false)),
            Some(b'n') => self.literal("null", JsonNode::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("Unexpected character")),
            None => Err(self.error("Unexpected end of input")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<JsonNode, ParseError> {
        self.pos += 1;
        let mut entries: Vec<(String, JsonNode)> = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(JsonNode::Object(entries));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("Expected a field name"));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.error("Expected ':'"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth + 1)?;
            match entries.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => entries.push((key, value)),
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(JsonNode::Object(entries));
                }
                _ => return Err(self.error("Expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<JsonNode, ParseError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(JsonNode::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(JsonNode::Array(items));
                }
                _ => return Err(self.error("Expected ',' or ']'")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<JsonNode, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        // Leading zeros are allowed, as with Jackson's ALLOW_LEADING_ZEROS_FOR_NUMBERS.
        if self.digits() == 0 {
            return Err(self.error("Expected a digit"));
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("Expected a digit after the decimal point"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("Expected a digit in the exponent"));
            }
        }
        Ok(JsonNode::Number(self.text[start..self.pos].to_string()))
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let hex = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("Truncated \\u escape"))?;
        let v = u32::from_str_radix(hex, 16).map_err(|_| self.error("Invalid \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.pos += 1;
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error("Unterminated string"));
            };
            match b {
                b'"' => {
                    out.push_str(&self.text[run..self.pos]);
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&self.text[run..self.pos]);
                    self.pos += 1;
                    let esc = self
                        .peek()
                        .ok_or_else(|| self.error("Unterminated string"))?;
                    self.pos += 1;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi)
                                && self.s[self.pos..].starts_with(b"\\u")
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    self.pos = save;
                                    hi
                                }
                            } else {
                                hi
                            };
                            // Lone surrogates cannot live in a Rust string.
                            out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.error("Unrecognized character escape"));
                        }
                    }
                    run = self.pos;
                }
                0..=0x1F => {
                    return Err(self.error("Illegal unquoted control character in string"));
                }
                _ => self.pos += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> JsonNode {
        parse(s.as_bytes()).unwrap().unwrap()
    }

    #[test]
    fn reads_values_keeping_number_text() {
        assert_eq!(
            p(r#" {"a": [1, -0.50, 1E+3, 0012], "b": null, "c": true} "#),
            JsonNode::Object(vec![
                (
                    "a".into(),
                    JsonNode::Array(vec![
                        JsonNode::Number("1".into()),
                        JsonNode::Number("-0.50".into()),
                        JsonNode::Number("1E+3".into()),
                        JsonNode::Number("0012".into()),
                    ])
                ),
                ("b".into(), JsonNode::Null),
                ("c".into(), JsonNode::Bool(true)),
            ])
        );
    }

    #[test]
    fn decodes_escapes_and_surrogate_pairs() {
        assert_eq!(
            p(r#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#),
            JsonNode::String("a\"\\/\u{8}\u{c}\n\r\té😀".into())
        );
    }

    #[test]
    fn repeated_keys_replace_in_place() {
        assert_eq!(
            p(r#"{"a":1,"b":2,"a":3}"#),
            JsonNode::Object(vec![
                ("a".into(), JsonNode::Number("3".into())),
                ("b".into(), JsonNode::Number("2".into())),
            ])
        );
    }

    #[test]
    fn empty_input_is_missing() {
        assert_eq!(parse(b"").unwrap(), None);
        assert_eq!(parse(b" \n ").unwrap(), None);
    }

    #[test]
    fn rejects_malformed_input() {
        for bad in [
            "{",
            "[1,]",
            "{\"a\" 1}",
            "\"abc",
            "tru",
            "1.",
            "-",
            "01x",
            "{} {}",
            "\"\u{1}\"",
            "NaN",
            "[1 2]",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert!(parse(&[b'"', 0xff, b'"']).is_err());
    }

    #[test]
    fn integral_detection() {
        assert!(is_integral("0012"));
        assert!(is_integral("-5"));
        assert!(!is_integral("1.0"));
        assert!(!is_integral("1e3"));
    }
}
