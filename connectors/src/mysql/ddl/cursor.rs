//! A position in a token list with the look-ahead helpers a recursive-descent parser needs.
//!
//! Errors are plain strings saying what was expected where; [`super::apply`] wraps them with
//! the statement text.

use super::lexer::Token;

pub type ParseResult<T> = Result<T, String>;

/// Tokens and a position.
pub struct Cursor<'a> {
    tokens: &'a [Token],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(tokens: &'a [Token]) -> Self {
        Self { tokens, pos: 0 }
    }

    pub fn peek(&self) -> Option<&'a Token> {
        self.tokens.get(self.pos)
    }

    pub fn peek_at(&self, ahead: usize) -> Option<&'a Token> {
        self.tokens.get(self.pos + ahead)
    }

    pub fn next(&mut self) -> Option<&'a Token> {
        let t = self.tokens.get(self.pos);
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    /// The tokens from `start` to the current position.
    pub fn slice_from(&self, start: usize) -> &'a [Token] {
        &self.tokens[start.min(self.pos)..self.pos]
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.tokens.len() || self.peek_punct(';')
    }

    /// Whether the next token is keyword `kw`.
    pub fn peek_kw(&self, kw: &str) -> bool {
        self.peek().is_some_and(|t| t.is_word(kw))
    }

    /// Whether the next tokens are the keywords `kws`.
    pub fn peek_kws(&self, kws: &[&str]) -> bool {
        kws.iter()
            .enumerate()
            .all(|(i, kw)| self.peek_at(i).is_some_and(|t| t.is_word(kw)))
    }

    /// Consumes keyword `kw` if it is next.
    pub fn eat_kw(&mut self, kw: &str) -> bool {
        let hit = self.peek_kw(kw);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// Consumes the keywords `kws` if they are all next.
    pub fn eat_kws(&mut self, kws: &[&str]) -> bool {
        let hit = self.peek_kws(kws);
        if hit {
            self.pos += kws.len();
        }
        hit
    }

    pub fn expect_kw(&mut self, kw: &str) -> ParseResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected(kw))
        }
    }

    pub fn peek_punct(&self, c: char) -> bool {
        matches!(self.peek(), Some(Token::Punct(p)) if *p == c)
    }

    pub fn eat_punct(&mut self, c: char) -> bool {
        let hit = self.peek_punct(c);
        if hit {
            self.pos += 1;
        }
        hit
    }

    pub fn expect_punct(&mut self, c: char) -> ParseResult<()> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("'{c}'")))
        }
    }

    /// `IF NOT EXISTS`, consumed when present.
    pub fn eat_if_not_exists(&mut self) -> bool {
        self.eat_kws(&["IF", "NOT", "EXISTS"])
    }

    /// `IF EXISTS`, consumed when present.
    pub fn eat_if_exists(&mut self) -> bool {
        self.eat_kws(&["IF", "EXISTS"])
    }

    /// A name: a word or a backquoted name (a string literal too, as MySQL allows in places).
    pub fn name(&mut self) -> ParseResult<String> {
        match self.peek() {
            Some(Token::Word(w)) => {
                self.pos += 1;
                Ok(w.clone())
            }
            Some(Token::Quoted(q)) => {
                self.pos += 1;
                Ok(q.clone())
            }
            Some(Token::Str(s)) => {
                self.pos += 1;
                Ok(unquote(s).to_string())
            }
            _ => Err(self.unexpected("a name")),
        }
    }

    /// `name` or `db.name`.
    pub fn qualified_name(&mut self) -> ParseResult<(Option<String>, String)> {
        let first = self.name()?;
        if self.eat_punct('.') {
            let second = self.name()?;
            Ok((Some(first), second))
        } else {
            Ok((None, first))
        }
    }

    /// Skips one balanced parenthesised group; the cursor is on `(`.
    pub fn skip_group(&mut self) -> ParseResult<()> {
        self.expect_punct('(')?;
        let mut depth = 1usize;
        while depth > 0 {
            match self.next() {
                Some(Token::Punct('(')) => depth += 1,
                Some(Token::Punct(')')) => depth -= 1,
                Some(_) => {}
                None => return Err("unbalanced parentheses".to_string()),
            }
        }
        Ok(())
    }

    /// Skips tokens up to (not including) a `,` or `)` at depth 0, or the end.
    pub fn skip_to_separator(&mut self) -> ParseResult<()> {
        while let Some(t) = self.peek() {
            match t {
                Token::Punct(',') | Token::Punct(')') | Token::Punct(';') => return Ok(()),
                Token::Punct('(') => self.skip_group()?,
                _ => self.pos += 1,
            }
        }
        Ok(())
    }

    /// An error naming what was expected and what was found.
    pub fn unexpected(&self, expected: &str) -> String {
        match self.peek() {
            Some(t) => format!("expected {expected}, found {}", describe(t)),
            None => format!("expected {expected}, found the end of the statement"),
        }
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Word(w) => format!("'{w}'"),
        Token::Quoted(q) => format!("`{q}`"),
        Token::Str(s) | Token::Number(s) | Token::Bits(s) | Token::Hex(s) | Token::Variable(s) => {
            s.clone()
        }
        Token::Punct(c) => format!("'{c}'"),
    }
}

/// Debezium's `withoutQuotes`: the text between matching outer quotes, not unescaped.
pub fn unquote(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'\'' || b[0] == b'"') && b[b.len() - 1] == b[0] {
        &s[1..s.len() - 1]
    } else {
        s
    }
}
