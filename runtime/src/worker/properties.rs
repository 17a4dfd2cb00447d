//! Java `.properties` files, the format of Kafka Connect's worker and connector config files.
//!
//! Implements `java.util.Properties.load` closely enough for config files: `#`/`!` comments,
//! `=`, `:` or whitespace separators, `\` line continuations, and the escapes `\t \n \r \f
//! \uXXXX`. Later keys override earlier ones, as in Java.

use std::collections::BTreeMap;

/// Parses the text of a `.properties` file.
///
/// # Errors
/// A message naming the line when a `\u` escape is malformed.
pub fn parse(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((lineno, raw)) = lines.next() {
        let trimmed = raw.trim_start_matches([' ', '\t', '\x0c']);
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('!') {
            continue;
        }
        let mut logical = String::from(trimmed);
        while ends_with_continuation(&logical) {
            logical.pop();
            match lines.next() {
                Some((_, next)) => logical.push_str(next.trim_start_matches([' ', '\t', '\x0c'])),
                None => break,
            }
        }
        let (key, value) = split_key_value(&logical);
        let key = unescape(key).map_err(|e| format!("line {}: {e}", lineno + 1))?;
        let value = unescape(value).map_err(|e| format!("line {}: {e}", lineno + 1))?;
        out.insert(key, value);
    }
    Ok(out)
}

fn ends_with_continuation(line: &str) -> bool {
    line.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

fn split_key_value(line: &str) -> (&str, &str) {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'=' | b':' | b' ' | b'\t' | b'\x0c' => break,
            _ => i += 1,
        }
    }
    let key_end = i.min(bytes.len());
    let mut rest = line[key_end..].trim_start_matches([' ', '\t', '\x0c']);
    if let Some(r) = rest.strip_prefix(['=', ':']) {
        rest = r.trim_start_matches([' ', '\t', '\x0c']);
    }
    (&line[..key_end], rest)
}

fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let code = u32::from_str_radix(&hex, 16)
                    .map_err(|_| format!("malformed \\uxxxx encoding: \\u{hex}"))?;
                out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_java_properties_syntax() {
        let text = "# comment\n! also\nbootstrap.servers=localhost:9092\nkey.converter : org.x.Json\n\
                    group.id   connect-cluster\nlong=a,\\\n    b,\\\n  c\nesc=tab\\there\\u0041\nempty=\n  indented = yes \n";
        let p = parse(text).unwrap();
        assert_eq!(p["bootstrap.servers"], "localhost:9092");
        assert_eq!(p["key.converter"], "org.x.Json");
        assert_eq!(p["group.id"], "connect-cluster");
        assert_eq!(p["long"], "a,b,c");
        assert_eq!(p["esc"], "tab\thereA");
        assert_eq!(p["empty"], "");
        assert_eq!(p["indented"], "yes ");
        assert_eq!(p.len(), 7);
    }

    #[test]
    fn escaped_separator_stays_in_key() {
        let p = parse("a\\=b=c").unwrap();
        assert_eq!(p["a=b"], "c");
    }

    #[test]
    fn bad_unicode_escape_names_line() {
        let err = parse("ok=1\nbad=\\uZZZZ").unwrap_err();
        assert!(err.starts_with("line 2"), "{err}");
    }
}
