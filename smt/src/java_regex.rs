//! Java regular expressions as Kafka's SMTs use them, on top of the `regex` crate.
//!
//! Kafka matches topics with `Matcher.matches()` (the whole name) and rewrites them with
//! `Matcher.replaceFirst`, whose replacement syntax is Java's: `$n` and `${name}` refer to groups,
//! `\` escapes the next character. Patterns are compiled once at `configure`; replacements are
//! parsed once into pieces so applying one to a record only copies slices. Java constructs the
//! `regex` crate lacks (look-around, back-references, possessive quantifiers) are rejected at
//! validation with the `regex` crate's message.

use std::sync::Arc;

use regex::{CaptureLocations, Regex};
use strait_api::config::{ParsedValue, Validator};

/// Compiles `pattern` so that it matches only a whole string, like `Matcher.matches()`.
pub(crate) fn full_match(pattern: &str) -> Result<Regex, regex::Error> {
    anchored(pattern, "$")
}

/// Compiles `pattern` anchored at the start only: the match `Matcher.find()` makes from the
/// beginning of a string that the pattern matches as a whole.
pub(crate) fn prefix_match(pattern: &str) -> Result<Regex, regex::Error> {
    anchored(pattern, "")
}

fn anchored(pattern: &str, end: &str) -> Result<Regex, regex::Error> {
    // Checked alone first: wrapping could make an unbalanced pattern such as `a)(b` valid.
    Regex::new(pattern)?;
    Regex::new(&format!("^(?:{pattern}){end}"))
}

/// Kafka's `RegexValidator` ("valid regex"), optionally preceded by `NonEmptyString` as
/// `TopicNameMatches` composes them. Null passes: a missing key is reported once, as missing.
pub(crate) fn validator(non_empty: bool) -> Validator {
    Validator::Custom(Arc::new(move |value: &ParsedValue| match value {
        ParsedValue::String(s) if non_empty && s.is_empty() => {
            Err("String must be non-empty".to_string())
        }
        ParsedValue::String(s) => full_match(s)
            .map(|_| ())
            .map_err(|e| format!("Invalid regex: {e}")),
        _ => Ok(()),
    }))
}

/// One piece of a parsed replacement.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Group(usize),
}

/// A Java replacement string (`Matcher.appendReplacement` syntax), resolved against one pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Replacement {
    pieces: Vec<Piece>,
}

impl Replacement {
    /// Parses `java` for `regex`, resolving group numbers and names the way Java does: after
    /// `$`, the first digit is always a group number and further digits are taken while the
    /// number stays a valid group.
    ///
    /// # Errors
    /// Java's message for the first illegal reference or escape.
    pub(crate) fn parse(java: &str, regex: &Regex) -> Result<Self, String> {
        let group_count = regex.captures_len() - 1;
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = java.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(escaped) => literal.push(escaped),
                    None => return Err("character to be escaped is missing".to_string()),
                },
                '$' => {
                    let group = match chars.next() {
                        None => {
                            return Err(
                                "Illegal group reference: group index is missing".to_string()
                            )
                        }
                        Some('{') => {
                            let mut name = String::new();
                            while let Some(&n) = chars.peek().filter(|n| n.is_ascii_alphanumeric())
                            {
                                name.push(n);
                                chars.next();
                            }
                            if name.is_empty() {
                                return Err("named capturing group has 0 length name".to_string());
                            }
                            if chars.next() != Some('}') {
                                return Err(
                                    "named capturing group is missing trailing '}'".to_string()
                                );
                            }
                            if name.starts_with(|c: char| c.is_ascii_digit()) {
                                return Err(format!(
                                    "capturing group name {{{name}}} starts with digit character"
                                ));
                            }
                            regex
                                .capture_names()
                                .position(|n| n == Some(name.as_str()))
                                .ok_or_else(|| format!("No group with name {{{name}}}"))?
                        }
                        Some(d) if d.is_ascii_digit() => {
                            let mut number = d as usize - '0' as usize;
                            while let Some(next) = chars.peek().and_then(|c| c.to_digit(10)) {
                                let longer = number * 10 + next as usize;
                                if longer > group_count {
                                    break;
                                }
                                number = longer;
                                chars.next();
                            }
                            if number > group_count {
                                return Err(format!("No group {number}"));
                            }
                            number
                        }
                        Some(_) => return Err("Illegal group reference".to_string()),
                    };
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Group(group));
                }
                other => literal.push(other),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(Self { pieces })
    }

    /// Appends the replacement for one match to `out`; a group that did not participate in the
    /// match contributes nothing, as in Java.
    pub(crate) fn expand(&self, haystack: &str, groups: &CaptureLocations, out: &mut String) {
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Group(i) => {
                    if let Some((start, end)) = groups.get(*i) {
                        out.push_str(&haystack[start..end]);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replace(pattern: &str, replacement: &str, topic: &str) -> Result<String, String> {
        let regex = prefix_match(pattern).map_err(|e| e.to_string())?;
        let parsed = Replacement::parse(replacement, &regex)?;
        let mut locs = regex.capture_locations();
        regex.captures_read(&mut locs, topic).ok_or("no match")?;
        let mut out = String::new();
        parsed.expand(topic, &locs, &mut out);
        Ok(out)
    }

    #[test]
    fn numbered_groups_take_digits_while_the_group_exists() {
        assert_eq!(replace("(a)(b)", "$2-$1", "ab").unwrap(), "b-a");
        // One group: `$12` is group 1 followed by a literal 2.
        assert_eq!(replace("(a)", "$12", "a").unwrap(), "a2");
        let twelve = "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)";
        assert_eq!(replace(twelve, "$12", "abcdefghijkl").unwrap(), "l");
        assert_eq!(replace("(a)", "$0!", "a").unwrap(), "a!");
    }

    #[test]
    fn named_groups_escapes_and_unmatched_groups() {
        assert_eq!(
            replace("(?<env>\\w+)-x", "${env}_y", "prod-x").unwrap(),
            "prod_y"
        );
        assert_eq!(replace("a", "\\$1\\\\", "a").unwrap(), "$1\\");
        assert_eq!(replace("(a)|(b)", "[$2]", "a").unwrap(), "[]");
    }

    #[test]
    fn illegal_references_have_javas_messages() {
        let cases = [
            ("(a)", "$2", "No group 2"),
            ("(a)", "$x", "Illegal group reference"),
            (
                "(a)",
                "x$",
                "Illegal group reference: group index is missing",
            ),
            ("(a)", "x\\", "character to be escaped is missing"),
            ("(a)", "${}", "named capturing group has 0 length name"),
            (
                "(a)",
                "${a",
                "named capturing group is missing trailing '}'",
            ),
            ("(a)", "${nope}", "No group with name {nope}"),
            (
                "(a)",
                "${1a}",
                "capturing group name {1a} starts with digit character",
            ),
        ];
        for (pattern, replacement, message) in cases {
            assert_eq!(
                replace(pattern, replacement, "a").unwrap_err(),
                message,
                "{replacement}"
            );
        }
    }

    #[test]
    fn full_match_requires_the_whole_string() {
        let r = full_match("a|ab").unwrap();
        assert!(r.is_match("ab"));
        assert!(r.is_match("a"));
        assert!(!r.is_match("abc"));
        assert!(!full_match("b").unwrap().is_match("abc"));
        assert!(full_match("a)(b").is_err(), "not valid on its own");
        assert!(prefix_match("a)(b").is_err());
    }
}
