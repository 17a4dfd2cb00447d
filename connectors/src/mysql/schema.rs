//! The in-memory table model: every captured table's columns and key, read from
//! `information_schema`.
//!
//! Debezium builds this model by parsing `SHOW CREATE TABLE` and every DDL statement of the
//! binlog with a full MySQL grammar. Strait reads the same facts from `information_schema`
//! (`COLUMN_TYPE` carries exactly what `SHOW CREATE TABLE` prints for a column) and re-reads a
//! table when a DDL statement touching it streams by. Each column keeps what Debezium's
//! `Column` holds — type name, length, scale, nullability, charset, enum values and the default
//! value expression after Debezium's own normalisation — so the type mapping in
//! [`super::types`] can follow Debezium's rules to the letter. MariaDB and MySQL differ in how
//! they report defaults (MariaDB quotes string literals and prints `NULL` and
//! `current_timestamp()`), which is normalised here.

use std::collections::BTreeMap;
use std::fmt;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row};

use super::ddl::column::{charset_of_collation, default_from_text, DefaultSpec};
use super::filters::Filters;

/// A table's fully-qualified name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableId {
    pub db: String,
    pub table: String,
}

impl TableId {
    /// A table id.
    pub fn new(db: impl Into<String>, table: impl Into<String>) -> Self {
        Self {
            db: db.into(),
            table: table.into(),
        }
    }
}

impl fmt::Display for TableId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.db, self.table)
    }
}

/// One column, with the attributes Debezium's column model carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnDef {
    pub name: String,
    /// 1-based position in the table.
    pub position: u32,
    /// `DATA_TYPE`, lower-case (`int`, `varchar`, `enum`, ...).
    pub data_type: String,
    pub unsigned: bool,
    pub zerofill: bool,
    /// Debezium's `length()`: the first number in the type's parentheses (display width,
    /// character length, precision or fractional seconds), `None` when absent.
    pub length: Option<i64>,
    /// The second number in the parentheses (decimal scale).
    pub scale: Option<i32>,
    pub nullable: bool,
    pub charset: Option<String>,
    /// ENUM/SET values, unquoted, in definition order.
    pub enum_values: Vec<String>,
    /// The default value expression as Debezium's DDL parser leaves it (`None`: no default or
    /// `DEFAULT NULL`). `CURRENT_TIMESTAMP` becomes `1970-01-01 00:00:00`, as in Debezium.
    pub default: Option<String>,
    /// Debezium's `hasDefaultValue`: the column has a default (an explicit `DEFAULT`, including
    /// `DEFAULT NULL`, or the implicit `NULL` default of a nullable column).
    pub has_default: bool,
    pub auto_increment: bool,
    pub generated: bool,
    pub comment: Option<String>,
}

impl ColumnDef {
    /// Whether the column holds character data, whose charset defaults to the table's.
    pub fn is_character(&self) -> bool {
        matches!(
            self.data_type.as_str(),
            "char"
                | "varchar"
                | "tinytext"
                | "text"
                | "mediumtext"
                | "longtext"
                | "enum"
                | "set"
                | "nchar"
                | "nvarchar"
                | "character"
                | "character varying"
                | "national char"
                | "national varchar"
                | "long"
                | "long varchar"
        )
    }

    /// Debezium's type name: upper-case, with `UNSIGNED`/`ZEROFILL` (`INT UNSIGNED`).
    pub fn type_name(&self) -> String {
        let mut name = self.data_type.to_ascii_uppercase();
        if self.unsigned {
            name.push_str(" UNSIGNED");
        }
        if self.zerofill {
            name.push_str(" ZEROFILL");
        }
        name
    }
}

/// A table: its columns in order and the columns of its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableDef {
    pub id: TableId,
    pub columns: Vec<ColumnDef>,
    /// Primary key column names in key order; when the table has no primary key, the first
    /// unique index whose columns are all NOT NULL (Debezium's rule); empty when neither exists.
    pub primary_key: Vec<String>,
    /// The table's default character set (`defaultCharsetName` in Debezium's history).
    pub default_charset: Option<String>,
    /// The table comment, `None` when empty.
    pub comment: Option<String>,
}

impl TableDef {
    /// Column names in table order.
    pub fn column_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }
}

/// Splits a `COLUMN_TYPE` such as `decimal(10,2) unsigned zerofill` or `enum('a','b''c')` into
/// its numbers, enum values and flags.
pub fn parse_column_type(column_type: &str) -> ParsedColumnType {
    let mut parsed = ParsedColumnType::default();
    let lower = column_type.to_ascii_lowercase();
    let (head, inside, tail) = match (column_type.find('('), column_type.rfind(')')) {
        (Some(open), Some(close)) if close > open => (
            &column_type[..open],
            Some(&column_type[open + 1..close]),
            &lower[close + 1..],
        ),
        _ => (column_type, None, lower.as_str()),
    };
    let head_lower = head.trim().to_ascii_lowercase();
    parsed.unsigned = tail.contains("unsigned") || head_lower.contains("unsigned");
    parsed.zerofill = tail.contains("zerofill") || head_lower.contains("zerofill");
    if let Some(inside) = inside {
        if head_lower.starts_with("enum") || head_lower.starts_with("set") {
            parsed.enum_values = split_quoted_list(inside);
        } else {
            let mut numbers = inside.split(',').map(str::trim);
            parsed.length = numbers.next().and_then(|n| n.parse().ok());
            parsed.scale = numbers.next().and_then(|n| n.parse().ok());
        }
    }
    parsed
}

/// The parts of a `COLUMN_TYPE`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedColumnType {
    pub length: Option<i64>,
    pub scale: Option<i32>,
    pub unsigned: bool,
    pub zerofill: bool,
    pub enum_values: Vec<String>,
}

/// `'a','b''c','d\'e'` → `a`, `b'c`, `d'e`.
fn split_quoted_list(s: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        value.push(n);
                    }
                }
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    value.push('\'');
                }
                '\'' => break,
                _ => value.push(c),
            }
        }
        values.push(value);
    }
    values
}

/// Normalises `COLUMN_DEFAULT` (and `EXTRA`) to Debezium's default value expression.
pub fn normalize_default(raw: Option<&str>, extra: &str, mariadb: bool) -> Option<String> {
    let raw = raw?;
    let trimmed = raw.trim();
    let lower = trimmed.to_ascii_lowercase();
    let is_now = lower.starts_with("current_timestamp")
        || lower.starts_with("now(")
        || lower.starts_with("localtimestamp")
        || lower.starts_with("localtime");
    if is_now {
        return Some("1970-01-01 00:00:00".to_string());
    }
    if let Some(bits) = lower.strip_prefix("b'").and_then(|r| r.strip_suffix('\'')) {
        return Some(bits.to_string());
    }
    if mariadb {
        if lower == "null" {
            return None;
        }
        if trimmed.len() >= 2 && trimmed.starts_with('\'') && trimmed.ends_with('\'') {
            return split_quoted_list(trimmed).into_iter().next();
        }
        let numeric = trimmed.trim_start_matches(['-', '+']).chars().all(|c| {
            c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+'
        });
        // Anything else is an expression, which Debezium treats as no default.
        return (numeric && !trimmed.is_empty()).then(|| trimmed.to_string());
    }
    if extra.to_ascii_lowercase().contains("default_generated") {
        return None;
    }
    Some(raw.to_string())
}

/// A column's default as Debezium's DDL parser leaves it: `(default, has_default,
/// is CURRENT_TIMESTAMP)`. MariaDB reports `COLUMN_DEFAULT` as `SHOW CREATE TABLE` prints it,
/// so it goes through the DDL parser's own default reader; MySQL reports literals unquoted.
fn debezium_default(
    raw: Option<&str>,
    extra: &str,
    nullable: bool,
    mariadb: bool,
) -> (Option<String>, bool, bool) {
    let Some(raw) = raw else {
        return (None, nullable, false);
    };
    if mariadb {
        return match default_from_text(raw) {
            Some((DefaultSpec::Set(value), is_now)) => (value, true, is_now),
            Some((DefaultSpec::Unset, _)) => (None, nullable, false),
            None => (None, true, false),
        };
    }
    let lower = raw.to_ascii_lowercase();
    let is_now = lower.starts_with("current_timestamp") || lower.starts_with("now(");
    let value = normalize_default(Some(raw), extra, false).map(|v| {
        if is_now {
            v
        } else {
            // `SHOW CREATE TABLE` quotes the literal; Debezium keeps the escapes.
            show_create_escape(&v)
        }
    });
    (value, true, is_now)
}

/// Escapes text the way `SHOW CREATE TABLE` prints it inside quotes (Debezium keeps these
/// escapes in comments and string defaults).
fn show_create_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("''"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{1a}' => out.push_str("\\Z"),
            _ => out.push(c),
        }
    }
    out
}

fn text(row: &Row, index: usize) -> Option<String> {
    match row.as_ref(index) {
        Some(mysql_async::Value::Bytes(b)) => Some(String::from_utf8_lossy(b).into_owned()),
        Some(mysql_async::Value::Int(i)) => Some(i.to_string()),
        Some(mysql_async::Value::UInt(u)) => Some(u.to_string()),
        _ => None,
    }
}

const COLUMNS_QUERY: &str = "SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, \
     c.ORDINAL_POSITION, c.COLUMN_DEFAULT, c.IS_NULLABLE, c.DATA_TYPE, c.COLUMN_TYPE, \
     c.CHARACTER_SET_NAME, c.EXTRA, c.COLUMN_COMMENT \
     FROM information_schema.COLUMNS c JOIN information_schema.TABLES t \
     ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
     WHERE t.TABLE_TYPE = 'BASE TABLE'";

const TABLES_QUERY: &str = "SELECT t.TABLE_SCHEMA, t.TABLE_NAME, t.TABLE_COLLATION, \
     t.TABLE_COMMENT, cs.CHARACTER_SET_NAME FROM information_schema.TABLES t \
     LEFT JOIN information_schema.COLLATIONS cs ON cs.COLLATION_NAME = t.TABLE_COLLATION \
     WHERE t.TABLE_TYPE = 'BASE TABLE'";

const KEYS_QUERY: &str = "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, \
     SEQ_IN_INDEX FROM information_schema.STATISTICS";

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// Reads the captured tables (or only `only`) from `information_schema`.
///
/// # Errors
/// The server's error when a query fails.
pub async fn load_tables(
    conn: &mut Conn,
    filters: &Filters,
    mariadb: bool,
    only: Option<&TableId>,
) -> Result<Vec<TableDef>, mysql_async::Error> {
    let restriction = match only {
        Some(id) => format!(
            " AND c.TABLE_SCHEMA = {} AND c.TABLE_NAME = {}",
            quote_literal(&id.db),
            quote_literal(&id.table)
        ),
        None => String::new(),
    };
    let rows: Vec<Row> = conn
        .query(format!(
            "{COLUMNS_QUERY}{restriction} ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION"
        ))
        .await?;
    let mut tables: BTreeMap<TableId, Vec<ColumnDef>> = BTreeMap::new();
    for row in &rows {
        let (Some(db), Some(table), Some(name)) = (text(row, 0), text(row, 1), text(row, 2)) else {
            continue;
        };
        if !filters.table_included(&db, &table) {
            continue;
        }
        let column_type = text(row, 7).unwrap_or_default();
        let data_type = text(row, 6).unwrap_or_default().to_ascii_lowercase();
        let parsed = parse_column_type(&column_type);
        let extra = text(row, 9).unwrap_or_default();
        let extra_lower = extra.to_ascii_lowercase();
        let (length, scale) = match data_type.as_str() {
            // Debezium's grammar defaults: DECIMAL/NUMERIC/FIXED to (10,0), BIT to 1.
            "decimal" | "numeric" | "fixed" => {
                (parsed.length.or(Some(10)), parsed.scale.or(Some(0)))
            }
            "bit" => (parsed.length.or(Some(1)), None),
            _ => (parsed.length, parsed.scale),
        };
        let nullable = text(row, 5).is_some_and(|n| n.eq_ignore_ascii_case("YES"));
        let raw_default = text(row, 4);
        let (default, has_default, default_is_now) =
            debezium_default(raw_default.as_deref(), &extra, nullable, mariadb);
        // Debezium's grammar reads `ON UPDATE CURRENT_TIMESTAMP` as an auto-increment
        // constraint (auto-incremented and generated) unless it directly follows a
        // `DEFAULT CURRENT_TIMESTAMP`, where it is part of the default; `GENERATED ALWAYS AS`
        // columns are not marked generated.
        let auto_increment = extra_lower.contains("auto_increment")
            || (extra_lower.contains("on update") && !default_is_now);
        let length = match data_type.as_str() {
            // Debezium's ENUM length is 1, SET's the number of values plus commas.
            "enum" => Some(1),
            "set" => Some((parsed.enum_values.len() as i64 * 2 - 1).max(0)),
            _ => length,
        };
        let column = ColumnDef {
            name,
            position: text(row, 3).and_then(|p| p.parse().ok()).unwrap_or(0),
            unsigned: parsed.unsigned,
            zerofill: parsed.zerofill,
            length,
            scale,
            nullable,
            charset: text(row, 8),
            enum_values: parsed.enum_values,
            default,
            has_default,
            auto_increment,
            generated: auto_increment,
            // Debezium keeps the comment as `SHOW CREATE TABLE` quotes it.
            comment: text(row, 10)
                .filter(|c| !c.is_empty())
                .map(|c| show_create_escape(&c)),
            data_type,
        };
        tables
            .entry(TableId::new(db, table))
            .or_default()
            .push(column);
    }
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    let key_restriction = match only {
        Some(id) => format!(
            " WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {}",
            quote_literal(&id.db),
            quote_literal(&id.table)
        ),
        None => String::new(),
    };
    let key_rows: Vec<Row> = conn
        .query(format!(
            "{KEYS_QUERY}{key_restriction} ORDER BY TABLE_SCHEMA, TABLE_NAME, SEQ_IN_INDEX"
        ))
        .await?;
    let mut indexes: BTreeMap<TableId, Indexes> = BTreeMap::new();
    for row in &key_rows {
        let (Some(db), Some(table), Some(index), Some(column)) =
            (text(row, 0), text(row, 1), text(row, 2), text(row, 4))
        else {
            continue;
        };
        let id = TableId::new(db, table);
        if !tables.contains_key(&id) {
            continue;
        }
        let unique = text(row, 3).is_some_and(|n| n == "0");
        let seq: u32 = text(row, 5).and_then(|s| s.parse().ok()).unwrap_or(0);
        let entry = indexes.entry(id).or_default();
        match entry.iter_mut().find(|(name, _, _)| *name == index) {
            Some((_, _, cols)) => cols.push((seq, column)),
            None => entry.push((index, unique, vec![(seq, column)])),
        }
    }
    let table_rows: Vec<Row> = conn
        .query(match only {
            Some(id) => format!(
                "{TABLES_QUERY} AND t.TABLE_SCHEMA = {} AND t.TABLE_NAME = {}",
                quote_literal(&id.db),
                quote_literal(&id.table)
            ),
            None => TABLES_QUERY.to_string(),
        })
        .await?;
    let mut table_info: BTreeMap<TableId, (Option<String>, Option<String>)> = BTreeMap::new();
    for row in &table_rows {
        let (Some(db), Some(table)) = (text(row, 0), text(row, 1)) else {
            continue;
        };
        let charset = text(row, 4).or_else(|| text(row, 2).map(|c| charset_of_collation(&c)));
        let comment = text(row, 3)
            .filter(|c| !c.is_empty())
            .map(|c| show_create_escape(&c));
        table_info.insert(TableId::new(db, table), (charset, comment));
    }
    Ok(tables
        .into_iter()
        .map(|(id, columns)| {
            let table_indexes = indexes.remove(&id).unwrap_or_default();
            let primary_key = choose_key(&columns, table_indexes);
            let (default_charset, comment) = table_info.remove(&id).unwrap_or_default();
            TableDef {
                id,
                columns,
                primary_key,
                default_charset,
                comment,
            }
        })
        .collect())
}

/// A table's indexes in first-seen order: name, unique, and `(sequence, column)` pairs.
type Indexes = Vec<(String, bool, Vec<(u32, String)>)>;

/// The primary key, else the first unique index with only NOT NULL columns.
fn choose_key(columns: &[ColumnDef], mut indexes: Indexes) -> Vec<String> {
    for (_, _, cols) in &mut indexes {
        cols.sort_by_key(|(seq, _)| *seq);
    }
    let names = |cols: &[(u32, String)]| cols.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>();
    if let Some((_, _, cols)) = indexes.iter().find(|(name, _, _)| name == "PRIMARY") {
        return names(cols);
    }
    let not_null = |c: &str| columns.iter().any(|col| col.name == c && !col.nullable);
    indexes
        .iter()
        .find(|(_, unique, cols)| *unique && cols.iter().all(|(_, c)| not_null(c)))
        .map(|(_, _, cols)| names(cols))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_types_parse_like_show_create_table() {
        let d = parse_column_type("decimal(10,2) unsigned zerofill");
        assert_eq!(
            (d.length, d.scale, d.unsigned, d.zerofill),
            (Some(10), Some(2), true, true)
        );
        let e = parse_column_type("enum('a','b''c','d\\'e','x,y')");
        assert_eq!(e.enum_values, ["a", "b'c", "d'e", "x,y"]);
        let i = parse_column_type("int(11)");
        assert_eq!((i.length, i.unsigned), (Some(11), false));
        let b = parse_column_type("bigint unsigned");
        assert_eq!((b.length, b.unsigned), (None, true));
        assert_eq!(parse_column_type("datetime(3)").length, Some(3));
    }

    #[test]
    fn defaults_normalize_like_debeziums_parser() {
        assert_eq!(
            normalize_default(Some("'abc'"), "", true).as_deref(),
            Some("abc")
        );
        assert_eq!(
            normalize_default(Some("'it''s'"), "", true).as_deref(),
            Some("it's")
        );
        assert_eq!(normalize_default(Some("NULL"), "", true), None);
        assert_eq!(normalize_default(None, "", true), None);
        assert_eq!(normalize_default(Some("5"), "", true).as_deref(), Some("5"));
        assert_eq!(
            normalize_default(Some("-1.50"), "", true).as_deref(),
            Some("-1.50")
        );
        assert_eq!(
            normalize_default(Some("current_timestamp(3)"), "", true).as_deref(),
            Some("1970-01-01 00:00:00")
        );
        assert_eq!(normalize_default(Some("uuid()"), "", true), None);
        assert_eq!(
            normalize_default(Some("b'101'"), "", true).as_deref(),
            Some("101")
        );
        // MySQL: literals unquoted, expressions marked DEFAULT_GENERATED.
        assert_eq!(
            normalize_default(Some("abc"), "", false).as_deref(),
            Some("abc")
        );
        assert_eq!(
            normalize_default(Some("CURRENT_TIMESTAMP"), "DEFAULT_GENERATED", false).as_deref(),
            Some("1970-01-01 00:00:00")
        );
        assert_eq!(
            normalize_default(Some("(rand())"), "DEFAULT_GENERATED", false),
            None
        );
    }

    fn col(name: &str, nullable: bool) -> ColumnDef {
        ColumnDef {
            name: name.into(),
            position: 1,
            data_type: "int".into(),
            unsigned: false,
            zerofill: false,
            length: None,
            scale: None,
            nullable,
            charset: None,
            enum_values: vec![],
            default: None,
            has_default: nullable,
            auto_increment: false,
            generated: false,
            comment: None,
        }
    }

    #[test]
    fn key_is_primary_else_first_not_null_unique_index() {
        let cols = [col("a", false), col("b", true), col("c", false)];
        let idx = |name: &str, unique: bool, cols: &[(u32, &str)]| {
            (
                name.to_string(),
                unique,
                cols.iter()
                    .map(|(s, c)| (*s, c.to_string()))
                    .collect::<Vec<_>>(),
            )
        };
        let key = choose_key(
            &cols,
            vec![
                idx("u1", true, &[(1, "c")]),
                idx("PRIMARY", true, &[(2, "a"), (1, "c")]),
            ],
        );
        assert_eq!(key, ["c", "a"]);
        let key = choose_key(
            &cols,
            vec![
                idx("u_nullable", true, &[(1, "b")]),
                idx("plain", false, &[(1, "a")]),
                idx("u2", true, &[(1, "c")]),
            ],
        );
        assert_eq!(key, ["c"]);
        assert!(choose_key(&cols, vec![]).is_empty());
    }
}
