//! One column definition (`name type attributes...`) as Debezium's `ColumnDefinitionParserListener`
//! and `DefaultValueParserListener` read it.
//!
//! A column is parsed into a [`ColumnSpec`] that still lacks what only the table knows (its
//! position, the table's default charset, whether a key exists yet); [`super::apply`] turns it
//! into a [`ColumnDef`]. The quirks are Debezium's, kept on purpose because the model feeds its
//! history format: `ON UPDATE` marks a column auto-incremented and generated unless it directly
//! follows a `DEFAULT CURRENT_TIMESTAMP` (the grammar swallows it there), `GENERATED ALWAYS AS`
//! does not mark it generated, string defaults and comments keep their escapes, hexadecimal
//! defaults count as no default, ENUM has length 1 and SET `2n-1`.

use super::cursor::{unquote, Cursor, ParseResult};
use super::lexer::Token;

/// What a `DEFAULT` clause did to the column (Debezium's `defaultValueExpression` calls).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum DefaultSpec {
    /// No `DEFAULT`, `DEFAULT NULL`, or a literal Debezium does not read (hexadecimal).
    #[default]
    Unset,
    /// A default was set: its value expression (`None` for an expression Debezium does not
    /// evaluate, such as `uuid()`).
    Set(Option<String>),
}

/// A parsed column definition, before the table's context is applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnSpec {
    pub name: String,
    /// Lower-case type name as written (`int`, `double precision`, `boolean`).
    pub data_type: String,
    pub unsigned: bool,
    pub zerofill: bool,
    pub length: Option<i64>,
    pub scale: Option<i32>,
    /// The charset written on the column (`CHARACTER SET`, or the charset of its `COLLATE`).
    pub charset: Option<String>,
    /// Whether the type holds text (and so has a charset, the table's when none is written).
    pub textual: bool,
    /// ENUM/SET values, unquoted (`None` for other types).
    pub enum_values: Option<Vec<String>>,
    /// `NULL` / `NOT NULL` as written.
    pub nullable: Option<bool>,
    pub default: DefaultSpec,
    /// The default is `CURRENT_TIMESTAMP`/`NOW()` (its `ON UPDATE` does not count as a constraint).
    pub auto_increment: bool,
    pub generated: bool,
    pub comment: Option<String>,
    /// Inline `[PRIMARY] KEY`.
    pub primary: bool,
    /// Inline `UNIQUE [KEY]` or `SERIAL DEFAULT VALUE`.
    pub unique: bool,
}

/// Types whose values are text with a charset.
const TEXT_TYPES: &[&str] = &[
    "char",
    "varchar",
    "tinytext",
    "text",
    "mediumtext",
    "longtext",
    "long",
    "long varchar",
    "character",
    "character varying",
    "char varying",
    "enum",
    "set",
];

/// National types: Debezium gives them charset `utf8`.
const NATIONAL_TYPES: &[&str] = &[
    "nchar",
    "nvarchar",
    "national char",
    "national character",
    "national varchar",
    "national char varying",
    "national character varying",
    "nchar varchar",
    "nchar varying",
];

/// Parses `name type attributes...`.
pub fn column_definition(cur: &mut Cursor<'_>) -> ParseResult<ColumnSpec> {
    let name = cur.name()?;
    let mut spec = ColumnSpec {
        name,
        ..ColumnSpec::default()
    };
    data_type(cur, &mut spec)?;
    attributes(cur, &mut spec)?;
    Ok(spec)
}

/// The charset a collation belongs to (`utf8mb4_bin` → `utf8mb4`, `binary` → `binary`).
pub fn charset_of_collation(collation: &str) -> String {
    let lower = collation.to_ascii_lowercase();
    match lower.split_once('_') {
        Some((charset, _)) => charset.to_string(),
        None => lower,
    }
}

fn data_type(cur: &mut Cursor<'_>, spec: &mut ColumnSpec) -> ParseResult<()> {
    let first = match cur.next() {
        Some(Token::Word(w)) => w.to_ascii_lowercase(),
        _ => return Err("expected a data type".to_string()),
    };
    let mut name = first.clone();
    let follow: &[&str] = match first.as_str() {
        "double" => &["precision"],
        "character" | "char" => &["varying"],
        "national" => &["char", "character", "varchar", "varying"],
        "nchar" => &["varchar", "varying"],
        "long" => &["varchar", "varbinary"],
        _ => &[],
    };
    while let Some(Token::Word(w)) = cur.peek() {
        let lower = w.to_ascii_lowercase();
        if !follow.contains(&lower.as_str()) {
            break;
        }
        cur.next();
        name.push(' ');
        name.push_str(&lower);
    }
    if name == "double precision" {
        name = "double".to_string();
    }
    let is_enum = name == "enum" || name == "set";
    if is_enum {
        cur.expect_punct('(')?;
        let mut values = Vec::new();
        loop {
            match cur.next() {
                Some(Token::Str(s)) => values.push(enum_value(s)),
                _ => return Err("expected an ENUM/SET value".to_string()),
            }
            if !cur.eat_punct(',') {
                break;
            }
        }
        cur.expect_punct(')')?;
        spec.length = Some(if name == "set" {
            (values.len() as i64 * 2 - 1).max(0)
        } else {
            1
        });
        spec.enum_values = Some(values);
    } else if cur.eat_punct('(') {
        let first = number(cur)?;
        spec.length = Some(first);
        if cur.eat_punct(',') {
            spec.scale = Some(match cur.next() {
                Some(Token::Number(n)) => n.parse().map_err(|_| format!("bad scale {n}"))?,
                _ => return Err("expected a scale".to_string()),
            });
        }
        cur.expect_punct(')')?;
    }
    match name.as_str() {
        "decimal" | "dec" | "fixed" | "numeric" => {
            spec.length.get_or_insert(10);
            spec.scale.get_or_insert(0);
        }
        "bit" => {
            spec.length.get_or_insert(1);
        }
        "vector" => {
            spec.length.get_or_insert(2048);
        }
        "serial" => {
            name = "bigint".to_string();
            spec.unsigned = true;
            serial(spec);
        }
        _ => {}
    }
    spec.textual = TEXT_TYPES.contains(&name.as_str());
    if NATIONAL_TYPES.contains(&name.as_str()) {
        spec.charset = Some("utf8".to_string());
        if name == "nchar" || name == "national char" || name == "national character" {
            spec.length.get_or_insert(1);
        }
    }
    spec.data_type = name;
    Ok(())
}

/// A length/precision: an integer, or a decimal Debezium truncates (`10.5` → 10, `.5` → 10).
fn number(cur: &mut Cursor<'_>) -> ParseResult<i64> {
    match cur.next() {
        Some(Token::Number(n)) => {
            let int_part = n.split('.').next().unwrap_or("");
            match int_part.parse::<i64>() {
                Ok(0) | Err(_) => Ok(10),
                Ok(v) => Ok(v.min(i64::from(i32::MAX))),
            }
        }
        _ => Err("expected a number".to_string()),
    }
}

/// An ENUM/SET value: quotes removed, `''` and backslash escapes resolved (Debezium's
/// `extractEnumAndSetOptions`).
fn enum_value(literal: &str) -> String {
    let quote = literal.chars().next().unwrap_or('\'');
    let inner = unquote(literal);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else if c == quote && chars.peek() == Some(&quote) {
            chars.next();
            out.push(quote);
        } else {
            out.push(c);
        }
    }
    out
}

fn serial(spec: &mut ColumnSpec) {
    if spec.nullable.is_none() {
        spec.nullable = Some(false);
    }
    spec.unique = true;
    spec.auto_increment = true;
    spec.generated = true;
}

fn at_definition_end(cur: &Cursor<'_>) -> bool {
    cur.at_end()
        || cur.peek_punct(',')
        || cur.peek_punct(')')
        || cur.peek_kw("FIRST")
        || cur.peek_kw("AFTER")
}

fn attributes(cur: &mut Cursor<'_>, spec: &mut ColumnSpec) -> ParseResult<()> {
    while !at_definition_end(cur) {
        if cur.eat_kws(&["NOT", "NULL"]) {
            spec.nullable = Some(false);
        } else if cur.eat_kw("NULL") {
            spec.nullable = Some(true);
        } else if cur.eat_kw("DEFAULT") {
            spec.default = default_value(cur)?;
        } else if cur.eat_kw("AUTO_INCREMENT") {
            spec.auto_increment = true;
            spec.generated = true;
        } else if cur.eat_kws(&["ON", "UPDATE"]) {
            current_timestamp(cur)?.ok_or_else(|| cur.unexpected("CURRENT_TIMESTAMP"))?;
            spec.auto_increment = true;
            spec.generated = true;
        } else if cur.eat_kws(&["PRIMARY", "KEY"]) || cur.eat_kw("KEY") {
            spec.primary = true;
        } else if cur.eat_kw("UNIQUE") {
            cur.eat_kw("KEY");
            spec.unique = true;
        } else if cur.eat_kw("COMMENT") {
            match cur.next() {
                Some(Token::Str(s)) => spec.comment = Some(unquote(s).to_string()),
                _ => return Err("expected a comment string".to_string()),
            }
        } else if cur.eat_kw("COLUMN_FORMAT") || cur.eat_kw("STORAGE") {
            cur.next();
        } else if cur.eat_kw("REFERENCES") {
            references(cur)?;
        } else if cur.eat_kw("COLLATE") {
            cur.eat_punct('=');
            let collation = cur.name()?;
            if spec.charset.is_none() {
                spec.charset = Some(charset_of_collation(&collation));
            }
        } else if cur.eat_kws(&["CHARACTER", "SET"]) || cur.eat_kw("CHARSET") {
            cur.eat_punct('=');
            spec.charset = Some(cur.name()?.to_ascii_lowercase());
        } else if cur.eat_kw("ASCII") {
            spec.charset = Some("latin1".to_string());
        } else if cur.eat_kw("UNICODE") {
            spec.charset = Some("ucs2".to_string());
        } else if cur.eat_kw("BINARY")
            || cur.eat_kw("SIGNED")
            || cur.eat_kw("VISIBLE")
            || cur.eat_kw("INVISIBLE")
        {
        } else if cur.eat_kw("UNSIGNED") {
            spec.unsigned = true;
        } else if cur.eat_kw("ZEROFILL") {
            spec.zerofill = true;
        } else if cur.eat_kws(&["GENERATED", "ALWAYS"]) || cur.peek_kw("AS") {
            cur.expect_kw("AS")?;
            if cur.eat_kw("ROW") {
                cur.next();
            } else {
                cur.skip_group()?;
                let _ = cur.eat_kw("VIRTUAL") || cur.eat_kw("STORED") || cur.eat_kw("PERSISTENT");
            }
        } else if cur.eat_kws(&["SERIAL", "DEFAULT", "VALUE"]) {
            serial(spec);
        } else if cur.eat_kw("CONSTRAINT") {
            if !cur.peek_kw("CHECK") {
                cur.name()?;
            }
        } else if cur.eat_kw("CHECK") {
            cur.skip_group()?;
        } else if cur.eat_kws(&["WITH", "SYSTEM", "VERSIONING"])
            || cur.eat_kws(&["WITHOUT", "SYSTEM", "VERSIONING"])
        {
        } else if cur.eat_kw("COMPRESSED") {
            if cur.eat_punct('=') {
                cur.name()?;
            }
        } else if cur.eat_kw("ENGINE_ATTRIBUTE")
            || cur.eat_kw("SECONDARY_ENGINE_ATTRIBUTE")
            || cur.eat_kw("SRID")
        {
            cur.eat_punct('=');
            cur.next();
        } else {
            return Err(cur.unexpected("a column attribute"));
        }
    }
    Ok(())
}

/// `REFERENCES t (cols) [MATCH ...] [ON DELETE|UPDATE action]...`, skipped.
pub fn references(cur: &mut Cursor<'_>) -> ParseResult<()> {
    cur.qualified_name()?;
    if cur.peek_punct('(') {
        cur.skip_group()?;
    }
    loop {
        if cur.eat_kw("MATCH") {
            cur.next();
        } else if cur.peek_kws(&["ON", "DELETE"]) || cur.peek_kws(&["ON", "UPDATE"]) {
            cur.next();
            cur.next();
            if !(cur.eat_kw("RESTRICT")
                || cur.eat_kw("CASCADE")
                || cur.eat_kws(&["SET", "NULL"])
                || cur.eat_kws(&["SET", "DEFAULT"])
                || cur.eat_kws(&["NO", "ACTION"]))
            {
                return Err(cur.unexpected("a referential action"));
            }
        } else {
            return Ok(());
        }
    }
}

/// Parses a `CURRENT_TIMESTAMP`-like call; `Some(expression)` as Debezium records it.
fn current_timestamp(cur: &mut Cursor<'_>) -> ParseResult<Option<String>> {
    let Some(Token::Word(word)) = cur.peek() else {
        return Ok(None);
    };
    let upper = word.to_ascii_uppercase();
    let is_now = upper == "NOW";
    let known = matches!(
        upper.as_str(),
        "CURRENT_TIMESTAMP" | "LOCALTIME" | "LOCALTIMESTAMP" | "CURDATE" | "CURTIME" | "NOW"
    );
    if !known || (is_now && !matches!(cur.peek_at(1), Some(Token::Punct('(')))) {
        return Ok(None);
    }
    cur.next();
    let mut text = word.clone();
    if cur.eat_punct('(') {
        text.push('(');
        if let Some(Token::Number(n)) = cur.peek() {
            text.push_str(n);
            cur.next();
        }
        cur.expect_punct(')')?;
        text.push(')');
    }
    Ok(Some(if upper == "CURRENT_TIMESTAMP" || is_now {
        "1970-01-01 00:00:00".to_string()
    } else {
        text
    }))
}

/// Parses what follows `DEFAULT`. An `ON UPDATE` right after a `CURRENT_TIMESTAMP` default is
/// part of the default in Debezium's grammar and does not mark the column.
fn default_value(cur: &mut Cursor<'_>) -> ParseResult<DefaultSpec> {
    if let Some(ts) = current_timestamp(cur)? {
        if cur.eat_kws(&["ON", "UPDATE"]) {
            current_timestamp(cur)?.ok_or_else(|| cur.unexpected("CURRENT_TIMESTAMP"))?;
        }
        return Ok(DefaultSpec::Set(Some(ts)));
    }
    let mut sign = String::new();
    if let Some(Token::Punct(c @ ('-' | '+' | '~' | '!'))) = cur.peek() {
        if matches!(cur.peek_at(1), Some(Token::Number(_))) {
            sign.push(*c);
            cur.next();
        }
    }
    let spec = match cur.peek() {
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("NULL") && !followed_by_operator(cur) => {
            cur.next();
            DefaultSpec::Unset
        }
        Some(Token::Word(w))
            if (w.eq_ignore_ascii_case("TRUE") || w.eq_ignore_ascii_case("FALSE"))
                && !followed_by_operator(cur) =>
        {
            cur.next();
            DefaultSpec::Set(Some(w.clone()))
        }
        Some(Token::Number(n)) if !followed_by_operator(cur) => {
            cur.next();
            DefaultSpec::Set(Some(format!("{sign}{n}")))
        }
        Some(Token::Bits(b)) if !followed_by_operator(cur) => {
            cur.next();
            DefaultSpec::Set(Some(b[2..b.len() - 1].to_string()))
        }
        Some(Token::Hex(_)) if !followed_by_operator(cur) => {
            cur.next();
            DefaultSpec::Unset
        }
        Some(Token::Str(_)) | Some(Token::Word(_)) if string_literal_ahead(cur) => {
            string_default(cur)?
        }
        _ => {
            expression(cur)?;
            DefaultSpec::Set(None)
        }
    };
    Ok(spec)
}

/// Whether a string literal (with an optional `_charset` or `N` introducer) starts here and is
/// not the left side of an operator.
fn string_literal_ahead(cur: &Cursor<'_>) -> bool {
    match cur.peek() {
        Some(Token::Str(_)) => true,
        Some(Token::Word(w)) => {
            (w.starts_with('_') || w.eq_ignore_ascii_case("N"))
                && matches!(cur.peek_at(1), Some(Token::Str(_)))
        }
        _ => false,
    }
}

/// A string-literal default: Debezium's `getText()` of the literal (tokens joined), outer quotes
/// removed; with `COLLATE`, only the first literal.
fn string_default(cur: &mut Cursor<'_>) -> ParseResult<DefaultSpec> {
    let mut text = String::new();
    let mut first_literal = None;
    if let Some(Token::Word(w)) = cur.peek() {
        text.push_str(w);
        cur.next();
    }
    while let Some(Token::Str(s)) = cur.peek() {
        text.push_str(s);
        first_literal.get_or_insert_with(|| s.clone());
        cur.next();
    }
    if cur.eat_kw("COLLATE") {
        cur.name()?;
        let first = first_literal.unwrap_or_default();
        return Ok(DefaultSpec::Set(Some(unquote(&first).to_string())));
    }
    if is_operator(cur.peek()) {
        // `'a' || 'b'` and the like: an expression.
        while is_operator(cur.peek()) {
            cur.next();
            primary(cur)?;
        }
        return Ok(DefaultSpec::Set(None));
    }
    Ok(DefaultSpec::Set(Some(unquote(&text).to_string())))
}

fn followed_by_operator(cur: &Cursor<'_>) -> bool {
    is_operator(cur.peek_at(1))
}

fn is_operator(t: Option<&Token>) -> bool {
    match t {
        Some(Token::Punct(c)) => "+-*/%|&^<>=!".contains(*c),
        Some(Token::Word(w)) => [
            "DIV", "MOD", "AND", "OR", "XOR", "IS", "LIKE", "IN", "BETWEEN",
        ]
        .iter()
        .any(|op| w.eq_ignore_ascii_case(op)),
        _ => false,
    }
}

/// Skips an expression: operands joined by operators.
fn expression(cur: &mut Cursor<'_>) -> ParseResult<()> {
    primary(cur)?;
    while is_operator(cur.peek()) {
        cur.next();
        primary(cur)?;
    }
    Ok(())
}

/// Skips one operand: a literal, a parenthesised group, or a name/function call.
fn primary(cur: &mut Cursor<'_>) -> ParseResult<()> {
    while matches!(cur.peek(), Some(Token::Punct('-' | '+' | '~' | '!'))) || cur.peek_kw("NOT") {
        cur.next();
    }
    match cur.peek() {
        Some(Token::Punct('(')) => cur.skip_group(),
        Some(Token::Word(_)) | Some(Token::Quoted(_)) => {
            cur.next();
            while cur.eat_punct('.') {
                cur.name()?;
            }
            if cur.peek_punct('(') {
                cur.skip_group()?;
            }
            Ok(())
        }
        Some(
            Token::Str(_) | Token::Number(_) | Token::Bits(_) | Token::Hex(_) | Token::Variable(_),
        ) => {
            cur.next();
            Ok(())
        }
        _ => Err(cur.unexpected("an expression")),
    }
}

/// Parses the text of an `information_schema.COLUMNS.COLUMN_DEFAULT` (MariaDB prints it as
/// `SHOW CREATE TABLE` does) exactly as the DDL parser reads `DEFAULT <text>`; also says
/// whether it is a `CURRENT_TIMESTAMP` default (then an `ON UPDATE` does not mark the column).
pub fn default_from_text(text: &str) -> Option<(DefaultSpec, bool)> {
    let tokens = super::lexer::tokenize(text).ok()?;
    let mut cur = Cursor::new(&tokens);
    let is_timestamp = {
        let mut probe = Cursor::new(&tokens);
        current_timestamp(&mut probe).ok().flatten().is_some()
    };
    let spec = default_value(&mut cur).ok()?;
    cur.at_end().then_some((spec, is_timestamp))
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    fn col(sql: &str) -> ColumnSpec {
        let tokens = tokenize(sql).unwrap();
        let mut cur = Cursor::new(&tokens);
        let spec = column_definition(&mut cur).unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert!(cur.at_end(), "{sql}: trailing tokens");
        spec
    }

    #[test]
    fn types_get_debeziums_lengths() {
        let d = col("d DECIMAL");
        assert_eq!((d.length, d.scale), (Some(10), Some(0)));
        assert_eq!(col("b BIT").length, Some(1));
        assert_eq!(
            col("e ENUM('a','b''c','d\\'e')").enum_values.unwrap(),
            ["a", "b'c", "d'e"]
        );
        assert_eq!(col("e ENUM('a','b')").length, Some(1));
        assert_eq!(col("s SET('a','b','c')").length, Some(5));
        let f = col("f FLOAT(10,2) UNSIGNED ZEROFILL");
        assert_eq!(
            (f.length, f.scale, f.unsigned, f.zerofill),
            (Some(10), Some(2), true, true)
        );
        assert_eq!(col("d DOUBLE PRECISION").data_type, "double");
        let n = col("n NATIONAL CHAR VARYING(5)");
        assert_eq!(
            (n.data_type.as_str(), n.charset.as_deref()),
            ("national char varying", Some("utf8"))
        );
        let s = col("id SERIAL");
        assert_eq!(
            (s.data_type.as_str(), s.unsigned, s.unique, s.auto_increment),
            ("bigint", true, true, true)
        );
        assert_eq!(col("t TIMESTAMP(3)").length, Some(3));
        assert!(col("v VARCHAR(5) CHARACTER SET latin1").textual);
    }

    #[test]
    fn defaults_follow_debeziums_listener() {
        let d = |sql: &str| col(sql).default;
        assert_eq!(d("a INT DEFAULT 5"), DefaultSpec::Set(Some("5".into())));
        assert_eq!(d("a INT DEFAULT -5"), DefaultSpec::Set(Some("-5".into())));
        assert_eq!(
            d("a VARCHAR(5) DEFAULT 'it''s'"),
            DefaultSpec::Set(Some("it''s".into()))
        );
        assert_eq!(d("a VARCHAR(5) DEFAULT NULL"), DefaultSpec::Unset);
        assert_eq!(d("a VARBINARY(5) DEFAULT x'0A'"), DefaultSpec::Unset);
        assert_eq!(
            d("a BIT(3) DEFAULT b'101'"),
            DefaultSpec::Set(Some("101".into()))
        );
        assert_eq!(
            d("a TEXT DEFAULT (concat('a','b'))"),
            DefaultSpec::Set(None)
        );
        assert_eq!(d("a TEXT DEFAULT concat('a','b')"), DefaultSpec::Set(None));
        assert_eq!(d("a INT DEFAULT 1 + 2"), DefaultSpec::Set(None));
        assert_eq!(
            d("a DATE DEFAULT curdate()"),
            DefaultSpec::Set(Some("curdate()".into()))
        );
        assert_eq!(
            d("a DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3)"),
            DefaultSpec::Set(Some("1970-01-01 00:00:00".into()))
        );
        assert_eq!(
            d("a VARCHAR(5) DEFAULT 'x' COLLATE utf8mb4_bin"),
            DefaultSpec::Set(Some("x".into()))
        );
        assert_eq!(
            d("a BOOL DEFAULT TRUE"),
            DefaultSpec::Set(Some("TRUE".into()))
        );
    }

    #[test]
    fn on_update_marks_the_column_unless_swallowed_by_the_default() {
        let c =
            col("c TIMESTAMP NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp()");
        assert!(!c.auto_increment && !c.generated);
        let c = col("c TIMESTAMP NULL DEFAULT NULL ON UPDATE current_timestamp()");
        assert!(c.auto_increment && c.generated);
        let c = col("c INT GENERATED ALWAYS AS (a + 1) VIRTUAL COMMENT 'x'");
        assert!(!c.generated);
        assert_eq!(c.comment.as_deref(), Some("x"));
    }

    #[test]
    fn column_attributes_in_any_order() {
        let c = col("`a b` int(10) unsigned NOT NULL AUTO_INCREMENT COMMENT 'it''s' PRIMARY KEY");
        assert_eq!(c.name, "a b");
        assert!(c.unsigned && c.auto_increment && c.primary);
        assert_eq!(c.nullable, Some(false));
        assert_eq!(c.comment.as_deref(), Some("it''s"));
        let c = col("v varchar(10) COLLATE utf8mb4_bin REFERENCES p (id) ON DELETE SET NULL CHECK (v <> '')");
        assert_eq!(c.charset.as_deref(), Some("utf8mb4"));
    }

    #[test]
    fn information_schema_defaults_parse_like_ddl() {
        assert_eq!(
            default_from_text("'q''x\\\\y'"),
            Some((DefaultSpec::Set(Some("q''x\\\\y".into())), false))
        );
        assert_eq!(default_from_text("NULL"), Some((DefaultSpec::Unset, false)));
        assert_eq!(
            default_from_text("current_timestamp()"),
            Some((DefaultSpec::Set(Some("1970-01-01 00:00:00".into())), true))
        );
        assert_eq!(
            default_from_text("uuid()"),
            Some((DefaultSpec::Set(None), false))
        );
    }
}
