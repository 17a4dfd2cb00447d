//! Splits one SQL statement into tokens.
//!
//! The parser above it only needs words, quoted names, literals and punctuation, so the lexer
//! is small: comments vanish, except MySQL/MariaDB executable comments (`/*!40101 ... */`,
//! `/*M!100100 ... */`), whose content is kept because the server executed it. String literals
//! keep their source text too, because Debezium takes default values and comments from the
//! text between the quotes without unescaping it.

/// One token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// An unquoted word: keyword, name, number-like names such as `utf8mb4_bin`.
    Word(String),
    /// A backquoted name, unescaped (``` `` ``` → `` ` ``).
    Quoted(String),
    /// A string literal as written, quotes included (`'it''s'`).
    Str(String),
    /// A number as written (`42`, `1.5e3`, `.5`).
    Number(String),
    /// A bit literal as written (`b'101'`).
    Bits(String),
    /// A hexadecimal literal as written (`x'0A'`, `0x0A`).
    Hex(String),
    /// A user or system variable (`@x`, `@@session.x`).
    Variable(String),
    /// A punctuation character (`(`, `,`, `=`, `.`, operators).
    Punct(char),
}

impl Token {
    /// Whether this is the (case-insensitive) keyword `kw`.
    pub fn is_word(&self, kw: &str) -> bool {
        matches!(self, Token::Word(w) if w.eq_ignore_ascii_case(kw))
    }
}

/// Where tokenizing stopped.
#[derive(Debug, PartialEq, Eq)]
pub struct LexError {
    pub offset: usize,
    pub reason: &'static str,
}

/// Tokenizes `sql`.
///
/// # Errors
/// An unterminated string, quoted name or comment.
pub fn tokenize(sql: &str) -> Result<Vec<Token>, LexError> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    // Depth of executable comments we are inside: their closing `*/` is skipped.
    let mut executable_depth = 0usize;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        match c {
            b' ' | b'\t' | b'\r' | b'\n' | 0x0c => i += 1,
            b'#' => i = skip_line(bytes, i),
            b'-' if next == Some(b'-')
                && bytes.get(i + 2).is_none_or(|b| b.is_ascii_whitespace()) =>
            {
                i = skip_line(bytes, i)
            }
            b'/' if next == Some(b'*') => {
                let rest = &bytes[i + 2..];
                let executable = rest.first() == Some(&b'!')
                    || (rest.len() > 1 && (rest[0] == b'M' || rest[0] == b'm') && rest[1] == b'!');
                if executable {
                    i += 2;
                    if bytes[i] != b'!' {
                        i += 1;
                    }
                    i += 1;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                    executable_depth += 1;
                } else {
                    let end = find(bytes, i + 2, b"*/").ok_or(LexError {
                        offset: i,
                        reason: "unterminated comment",
                    })?;
                    i = end + 2;
                }
            }
            b'*' if next == Some(b'/') && executable_depth > 0 => {
                executable_depth -= 1;
                i += 2;
            }
            b'`' => {
                let (name, end) = quoted(bytes, i, b'`').ok_or(LexError {
                    offset: i,
                    reason: "unterminated quoted name",
                })?;
                tokens.push(Token::Quoted(name.replace("``", "`")));
                i = end;
            }
            b'\'' | b'"' => {
                let (_, end) = quoted(bytes, i, c).ok_or(LexError {
                    offset: i,
                    reason: "unterminated string",
                })?;
                tokens.push(Token::Str(sql[i..end].to_string()));
                i = end;
            }
            b'@' => {
                let start = i;
                i += 1;
                while i < bytes.len()
                    && (is_word_byte(bytes[i]) || bytes[i] == b'@' || bytes[i] == b'.')
                {
                    i += 1;
                }
                tokens.push(Token::Variable(sql[start..i].to_string()));
            }
            b'0' if matches!(next, Some(b'x' | b'X'))
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit) =>
            {
                let start = i;
                i += 2;
                while i < bytes.len() && bytes[i].is_ascii_hexdigit() {
                    i += 1;
                }
                tokens.push(Token::Hex(sql[start..i].to_string()));
            }
            b'b' | b'B' | b'x' | b'X' if next == Some(b'\'') => {
                let (_, end) = quoted(bytes, i + 1, b'\'').ok_or(LexError {
                    offset: i,
                    reason: "unterminated literal",
                })?;
                let text = sql[i..end].to_string();
                tokens.push(if c == b'b' || c == b'B' {
                    Token::Bits(text)
                } else {
                    Token::Hex(text)
                });
                i = end;
            }
            b'0'..=b'9' | b'.' if c != b'.' || next.is_some_and(|n| n.is_ascii_digit()) => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                    i += 1;
                }
                if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                    let mut j = i + 1;
                    if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
                        j += 1;
                    }
                    if j < bytes.len() && bytes[j].is_ascii_digit() {
                        i = j;
                        while i < bytes.len() && bytes[i].is_ascii_digit() {
                            i += 1;
                        }
                    }
                }
                // `1abc` is a name in MySQL.
                if i < bytes.len() && is_word_byte(bytes[i]) {
                    while i < bytes.len() && is_word_byte(bytes[i]) {
                        i += 1;
                    }
                    tokens.push(Token::Word(sql[start..i].to_string()));
                } else {
                    tokens.push(Token::Number(sql[start..i].to_string()));
                }
            }
            _ if is_word_byte(c) => {
                let start = i;
                while i < bytes.len() && is_word_byte(bytes[i]) {
                    i += 1;
                }
                tokens.push(Token::Word(sql[start..i].to_string()));
            }
            _ => {
                // Multi-byte UTF-8 characters outside quotes only occur in names.
                let ch = sql[i..].chars().next().unwrap_or(' ');
                if ch.is_alphanumeric() {
                    let start = i;
                    while i < bytes.len() && (is_word_byte(bytes[i]) || bytes[i] >= 0x80) {
                        i += 1;
                    }
                    tokens.push(Token::Word(sql[start..i].to_string()));
                } else {
                    tokens.push(Token::Punct(ch));
                    i += ch.len_utf8();
                }
            }
        }
    }
    Ok(tokens)
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

fn skip_line(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i] != b'\n' {
        i += 1;
    }
    i
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The content between the quote at `start` and its closing quote (doubled quotes and, except
/// for backquotes, backslash escapes stay inside), and the index after the closing quote.
fn quoted(bytes: &[u8], start: usize, quote: u8) -> Option<(String, usize)> {
    let mut i = start + 1;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\\' && quote != b'`' {
            i += 2;
            continue;
        }
        if b == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            let content = String::from_utf8_lossy(&bytes[start + 1..i]).into_owned();
            return Some((content, i + 1));
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(sql: &str) -> Vec<Token> {
        tokenize(sql).unwrap()
    }

    #[test]
    fn comments_vanish_but_executable_comments_are_content() {
        let t = words(
            "CREATE /* x */ TABLE -- y\n t # z\n /*!40101 DEFAULT CHARSET=latin1 */ /*M!100100 x*/",
        );
        assert_eq!(
            t,
            vec![
                Token::Word("CREATE".into()),
                Token::Word("TABLE".into()),
                Token::Word("t".into()),
                Token::Word("DEFAULT".into()),
                Token::Word("CHARSET".into()),
                Token::Punct('='),
                Token::Word("latin1".into()),
                Token::Word("x".into()),
            ]
        );
    }

    #[test]
    fn literals_keep_their_source_text() {
        let t = words("`a``b` 'it''s' \"q\\\"\" b'101' x'0A' 0x1F -1.5e3 .5 @@session.x 1abc");
        assert_eq!(
            t,
            vec![
                Token::Quoted("a`b".into()),
                Token::Str("'it''s'".into()),
                Token::Str("\"q\\\"\"".into()),
                Token::Bits("b'101'".into()),
                Token::Hex("x'0A'".into()),
                Token::Hex("0x1F".into()),
                Token::Punct('-'),
                Token::Number("1.5e3".into()),
                Token::Number(".5".into()),
                Token::Variable("@@session.x".into()),
                Token::Word("1abc".into()),
            ]
        );
    }

    #[test]
    fn unterminated_input_is_an_error() {
        assert!(tokenize("SELECT 'abc").is_err());
        assert!(tokenize("SELECT `abc").is_err());
        assert!(tokenize("SELECT /* abc").is_err());
    }
}
