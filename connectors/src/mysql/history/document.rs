//! One schema history record in Debezium's document format (`HistoryRecord` +
//! `JsonTableChangeSerializer`), written exactly as `KafkaSchemaHistory` stores it.
//!
//! A Debezium worker and Strait must be able to take over each other's history topic, so the
//! document is reproduced field for field: `source, position, ts_ms, databaseName, schemaName,
//! ddl, tableChanges`, each change `type, id, previousId, table, comment`, each column
//! `name, jdbcType, typeName, typeExpression, charsetName, length, scale, position, optional,
//! autoIncremented, generated, comment, hasDefaultValue, defaultValueExpression, enumValues`,
//! with Debezium's rules for what is omitted when unset (`length`, `scale`, `nativeType`,
//! `previousId`, `defaultValueExpression`, `schemaName`) and what is written as `null`
//! (`charsetName`, `comment`, `defaultCharsetName`). The text is pretty-printed the way
//! Jackson's `DefaultPrettyPrinter` does (`"key" : value`, two-space indentation, arrays inline
//! as `[ {` … `}, {` … `} ]`, empty containers as `{ }` / `[ ]`, upper-case `\u00XX` escapes),
//! because that is what `HistoryRecord.toString()` produces.
//!
//! Reading is lenient the way Debezium's reader is: documents from 1.x (no `tableChanges`, no
//! `comment`), 2.x and 3.x (with `attributes`, `nativeType`) are accepted. Enum values are stored
//! as SQL string literals, quoted, as Debezium's DDL parser leaves them; the model keeps them
//! unquoted, so they are quoted on the way out and unquoted on the way in.

use serde_json::{Map, Value as Json};
use strait_api::OffsetMap;

use super::HistoryError;
use crate::mysql::model::{ChangeKind, TableChange};
use crate::mysql::schema::{ColumnDef, TableDef, TableId};

/// One record of the schema history topic.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryRecord {
    /// The source partition (`{"server": <topic.prefix>}`).
    pub source: OffsetMap,
    /// The source offset at the DDL statement.
    pub position: OffsetMap,
    /// Wall-clock time the record was written, in epoch milliseconds.
    pub ts_ms: i64,
    pub database_name: Option<String>,
    /// Never set by MySQL; kept for documents of other connectors.
    pub schema_name: Option<String>,
    pub ddl: String,
    /// Empty for statements that change no table (`CREATE DATABASE`, `SET ...`) and in
    /// documents of Debezium versions that did not store table changes.
    pub table_changes: Vec<TableChange>,
}

/// `java.sql.Types` of a column, as Debezium's MySQL DDL parser resolves its data type.
pub fn jdbc_type(column: &ColumnDef) -> i32 {
    const CHAR: i32 = 1;
    const VARCHAR: i32 = 12;
    const NCHAR: i32 = -15;
    const NVARCHAR: i32 = -9;
    match column.data_type.as_str() {
        "char" | "character" | "enum" | "set" => CHAR,
        "varchar" | "character varying" | "char varying" | "tinytext" | "text" | "mediumtext"
        | "longtext" | "long" | "long varchar" | "long char varying" => VARCHAR,
        "nchar" | "national char" | "national character" => NCHAR,
        "nvarchar"
        | "nchar varying"
        | "nchar varchar"
        | "national varchar"
        | "national char varying"
        | "national character varying" => NVARCHAR,
        // Debezium's DDL parser types TINYINT as SMALLINT.
        "tinyint" | "int1" | "smallint" | "int2" => 5,
        "mediumint" | "int3" | "middleint" | "int" | "integer" | "int4" | "year" => 4,
        "bigint" | "int8" | "serial" => -5,
        "real" => 7,
        "double" | "double precision" | "float8" => 8,
        "float" | "float4" => 6,
        "decimal" | "dec" | "fixed" => 3,
        "numeric" => 2,
        "bit" => -7,
        "time" => 92,
        "timestamp" => 2014,
        "datetime" => 93,
        "date" => 91,
        "binary" => -2,
        "varbinary" => -3,
        "blob" | "tinyblob" | "mediumblob" | "longblob" | "long varbinary" => 2004,
        "bool" | "boolean" => 16,
        // Spatial types, JSON, VECTOR and anything unknown: Types.OTHER.
        _ => 1111,
    }
}

/// `"db"."table"`, Debezium's `TableId.toDoubleQuotedString()`.
pub fn quoted_id(id: &TableId) -> String {
    format!("{}.{}", quote_part(&id.db), quote_part(&id.table))
}

/// Debezium's `TableId.quote`: a part already starting or ending with `"` is left alone.
fn quote_part(part: &str) -> String {
    if part.is_empty() {
        return "\"\"".to_string();
    }
    if part.starts_with('"') || part.ends_with('"') {
        return part.to_string();
    }
    format!("\"{}\"", part.replace('"', "\"\""))
}

/// Parses `"db"."table"` (also unquoted or back-quoted parts, as Debezium's `TableIdParser`).
pub fn parse_id(text: &str) -> Result<TableId, String> {
    let mut parts: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted_part = false;
    while let Some(c) = chars.next() {
        match c {
            '"' | '`' if current.is_empty() && !quoted_part => {
                quoted_part = true;
                loop {
                    match chars.next() {
                        Some(q) if q == c => {
                            if chars.peek() == Some(&c) {
                                chars.next();
                                current.push(c);
                            } else {
                                break;
                            }
                        }
                        Some(other) => current.push(other),
                        None => return Err(format!("unterminated quote in table id '{text}'")),
                    }
                }
            }
            '.' => {
                parts.push(std::mem::take(&mut current));
                quoted_part = false;
            }
            _ if quoted_part => {
                return Err(format!("unexpected '{c}' after a quoted part in '{text}'"))
            }
            _ => current.push(c),
        }
    }
    parts.push(current);
    match parts.len() {
        2 => {
            let table = parts.pop().unwrap_or_default();
            let db = parts.pop().unwrap_or_default();
            Ok(TableId { db, table })
        }
        n => Err(format!(
            "table id '{text}' has {n} part(s); a MySQL id is \"database\".\"table\""
        )),
    }
}

/// An enum/set value as the SQL string literal Debezium stores (`'it''s'`).
pub fn quote_enum_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The value of a stored enum literal: quotes removed, `''` and backslash escapes resolved.
/// Unquoted text (never written by Debezium) is taken as is.
fn unquote_enum_value(literal: &str) -> String {
    let bytes = literal.as_bytes();
    let quote = match bytes.first() {
        Some(&q @ (b'\'' | b'"')) if bytes.len() >= 2 && bytes[bytes.len() - 1] == q => q as char,
        _ => return literal.to_string(),
    };
    let inner = &literal[1..literal.len() - 1];
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == quote && chars.peek() == Some(&quote) {
            chars.next();
            out.push(quote);
        } else if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits Debezium's type name (`INT UNSIGNED ZEROFILL`, `DOUBLE PRECISION`) into the model's
/// lower-case data type and flags. `SIGNED` and `BINARY` modifiers are dropped (not modelled).
fn split_type_name(type_name: &str) -> (String, bool, bool) {
    let mut tokens: Vec<&str> = type_name.split_whitespace().collect();
    let (mut unsigned, mut zerofill) = (false, false);
    while tokens.len() > 1 {
        let last = tokens[tokens.len() - 1].to_ascii_uppercase();
        match last.as_str() {
            "UNSIGNED" => unsigned = true,
            "ZEROFILL" => zerofill = true,
            "SIGNED" | "BINARY" => {}
            _ => break,
        }
        tokens.pop();
    }
    (tokens.join(" ").to_ascii_lowercase(), unsigned, zerofill)
}

fn opt_str(value: Option<&str>) -> Json {
    value.map_or(Json::Null, |s| Json::String(s.to_string()))
}

fn column_document(column: &ColumnDef) -> Json {
    let mut doc = Map::new();
    let type_name = column.type_name();
    doc.insert("name".into(), Json::String(column.name.clone()));
    doc.insert("jdbcType".into(), Json::from(jdbc_type(column)));
    doc.insert("typeName".into(), Json::String(type_name.clone()));
    doc.insert("typeExpression".into(), Json::String(type_name));
    doc.insert("charsetName".into(), opt_str(column.charset.as_deref()));
    if let Some(length) = column.length {
        doc.insert("length".into(), Json::from(length));
    }
    if let Some(scale) = column.scale {
        doc.insert("scale".into(), Json::from(scale));
    }
    doc.insert("position".into(), Json::from(column.position));
    doc.insert("optional".into(), Json::Bool(column.nullable));
    doc.insert("autoIncremented".into(), Json::Bool(column.auto_increment));
    doc.insert("generated".into(), Json::Bool(column.generated));
    doc.insert("comment".into(), opt_str(column.comment.as_deref()));
    doc.insert("hasDefaultValue".into(), Json::Bool(column.has_default));
    if let Some(default) = &column.default {
        doc.insert(
            "defaultValueExpression".into(),
            Json::String(default.clone()),
        );
    }
    // Debezium's column model holds an empty list for non-enum columns, so the key is always
    // there.
    doc.insert(
        "enumValues".into(),
        Json::Array(
            column
                .enum_values
                .iter()
                .map(|v| Json::String(quote_enum_value(v)))
                .collect(),
        ),
    );
    Json::Object(doc)
}

fn table_document(table: &TableDef) -> Json {
    let mut doc = Map::new();
    doc.insert(
        "defaultCharsetName".into(),
        opt_str(table.default_charset.as_deref()),
    );
    doc.insert(
        "primaryKeyColumnNames".into(),
        Json::Array(
            table
                .primary_key
                .iter()
                .map(|c| Json::String(c.clone()))
                .collect(),
        ),
    );
    doc.insert(
        "columns".into(),
        Json::Array(table.columns.iter().map(column_document).collect()),
    );
    doc.insert("attributes".into(), Json::Array(Vec::new()));
    Json::Object(doc)
}

/// A table change as Debezium's `JsonTableChangeSerializer.toDocument` writes it.
pub fn change_document(change: &TableChange) -> Json {
    let mut doc = Map::new();
    doc.insert("type".into(), Json::String(change.kind.as_str().into()));
    doc.insert("id".into(), Json::String(quoted_id(&change.id)));
    if let Some(previous) = &change.previous_id {
        doc.insert("previousId".into(), Json::String(quoted_id(previous)));
    }
    if let Some(table) = &change.table {
        doc.insert("table".into(), table_document(table));
        doc.insert("comment".into(), opt_str(table.comment.as_deref()));
    }
    Json::Object(doc)
}

impl HistoryRecord {
    /// The record as a JSON tree, fields in Debezium's order.
    pub fn to_document(&self) -> Json {
        let mut doc = Map::new();
        doc.insert("source".into(), Json::Object(self.source.clone()));
        doc.insert("position".into(), Json::Object(self.position.clone()));
        doc.insert("ts_ms".into(), Json::from(self.ts_ms));
        if let Some(db) = &self.database_name {
            doc.insert("databaseName".into(), Json::String(db.clone()));
        }
        if let Some(schema) = &self.schema_name {
            doc.insert("schemaName".into(), Json::String(schema.clone()));
        }
        doc.insert("ddl".into(), Json::String(self.ddl.clone()));
        doc.insert(
            "tableChanges".into(),
            Json::Array(self.table_changes.iter().map(change_document).collect()),
        );
        Json::Object(doc)
    }

    /// The document exactly as `KafkaSchemaHistory` writes it (Jackson's pretty printer).
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(512 + 400 * self.table_changes.len());
        write_pretty(&mut out, &self.to_document(), 0);
        out
    }

    /// Reads a document written by Debezium (1.x to 3.x) or by [`HistoryRecord::to_json`].
    ///
    /// # Errors
    /// [`HistoryError::MissingSourceOrPosition`] for a JSON object without them (Debezium skips
    /// such records), [`HistoryError::Document`] naming the offending field otherwise.
    pub fn from_json(text: &str) -> Result<Self, HistoryError> {
        let doc: Json = serde_json::from_str(text).map_err(|e| HistoryError::Document {
            field: String::new(),
            reason: format!("not valid JSON: {e}"),
        })?;
        Self::from_document(&doc)
    }

    /// Reads a parsed document; see [`HistoryRecord::from_json`].
    ///
    /// # Errors
    /// As [`HistoryRecord::from_json`].
    pub fn from_document(doc: &Json) -> Result<Self, HistoryError> {
        let obj = doc
            .as_object()
            .ok_or_else(|| bad("", "the document is not a JSON object"))?;
        let (Some(Json::Object(source)), Some(Json::Object(position))) =
            (obj.get("source"), obj.get("position"))
        else {
            return Err(HistoryError::MissingSourceOrPosition);
        };
        let ts_ms = match obj.get("ts_ms") {
            None | Some(Json::Null) => 0,
            Some(v) => int(v, "ts_ms")?,
        };
        let table_changes = match obj.get("tableChanges") {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::Array(changes)) => changes
                .iter()
                .enumerate()
                .map(|(i, c)| read_change(c, &format!("tableChanges[{i}]")))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(bad("tableChanges", "not an array")),
        };
        Ok(Self {
            source: source.clone(),
            position: position.clone(),
            ts_ms,
            database_name: opt_string(obj.get("databaseName"), "databaseName")?,
            schema_name: opt_string(obj.get("schemaName"), "schemaName")?,
            ddl: opt_string(obj.get("ddl"), "ddl")?.unwrap_or_default(),
            table_changes,
        })
    }
}

fn bad(field: &str, reason: impl Into<String>) -> HistoryError {
    HistoryError::Document {
        field: field.to_string(),
        reason: reason.into(),
    }
}

fn int(v: &Json, field: &str) -> Result<i64, HistoryError> {
    match v {
        Json::Number(n) => n
            .as_i64()
            .ok_or_else(|| bad(field, format!("{n} is not an integer"))),
        // Jackson's `getInteger` also reads numeric strings.
        Json::String(s) => s
            .trim()
            .parse()
            .map_err(|_| bad(field, format!("'{s}' is not an integer"))),
        other => Err(bad(field, format!("{other} is not an integer"))),
    }
}

fn opt_int(v: Option<&Json>, field: &str) -> Result<Option<i64>, HistoryError> {
    match v {
        None | Some(Json::Null) => Ok(None),
        Some(v) => int(v, field).map(Some),
    }
}

fn opt_string(v: Option<&Json>, field: &str) -> Result<Option<String>, HistoryError> {
    match v {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(bad(field, format!("{other} is not a string"))),
    }
}

fn req_string(obj: &Map<String, Json>, key: &str, path: &str) -> Result<String, HistoryError> {
    opt_string(obj.get(key), &format!("{path}.{key}"))?
        .ok_or_else(|| bad(&format!("{path}.{key}"), "missing"))
}

fn opt_bool(obj: &Map<String, Json>, key: &str, path: &str) -> Result<Option<bool>, HistoryError> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Bool(b)) => Ok(Some(*b)),
        Some(Json::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Json::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(bad(
            &format!("{path}.{key}"),
            format!("{other} is not a boolean"),
        )),
    }
}

fn read_change(doc: &Json, path: &str) -> Result<TableChange, HistoryError> {
    let obj = doc
        .as_object()
        .ok_or_else(|| bad(path, "a table change is not an object"))?;
    let kind = match req_string(obj, "type", path)?.as_str() {
        "CREATE" => ChangeKind::Create,
        "ALTER" => ChangeKind::Alter,
        "DROP" => ChangeKind::Drop,
        other => {
            return Err(bad(
                &format!("{path}.type"),
                format!("unknown change type '{other}'"),
            ))
        }
    };
    let id = parse_id(&req_string(obj, "id", path)?).map_err(|e| bad(&format!("{path}.id"), e))?;
    let previous_id = opt_string(obj.get("previousId"), &format!("{path}.previousId"))?
        .map(|p| parse_id(&p).map_err(|e| bad(&format!("{path}.previousId"), e)))
        .transpose()?;
    let table = match kind {
        ChangeKind::Drop => None,
        ChangeKind::Create | ChangeKind::Alter => {
            let table_path = format!("{path}.table");
            let table = obj
                .get("table")
                .and_then(Json::as_object)
                .ok_or_else(|| bad(&table_path, "missing for a CREATE or ALTER change"))?;
            // Debezium writes the table comment next to the table; read either place.
            let comment = match opt_string(obj.get("comment"), &format!("{path}.comment"))? {
                Some(c) => Some(c),
                None => opt_string(table.get("comment"), &format!("{table_path}.comment"))?,
            };
            Some(read_table(id.clone(), table, comment, &table_path)?)
        }
    };
    Ok(TableChange {
        kind,
        id,
        previous_id,
        table,
    })
}

fn read_table(
    id: TableId,
    obj: &Map<String, Json>,
    comment: Option<String>,
    path: &str,
) -> Result<TableDef, HistoryError> {
    let primary_key = match obj.get("primaryKeyColumnNames") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Array(names)) => names
            .iter()
            .map(|n| {
                n.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad(&format!("{path}.primaryKeyColumnNames"), "not a string"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(bad(
                &format!("{path}.primaryKeyColumnNames"),
                "not an array",
            ))
        }
    };
    let columns: Vec<ColumnDef> = match obj.get("columns") {
        Some(Json::Array(columns)) => columns
            .iter()
            .enumerate()
            .map(|(i, c)| read_column(c, &format!("{path}.columns[{i}]")))
            .collect::<Result<_, _>>()?,
        _ => return Err(bad(&format!("{path}.columns"), "missing or not an array")),
    };
    let default_charset = opt_string(
        obj.get("defaultCharsetName"),
        &format!("{path}.defaultCharsetName"),
    )?;
    // Debezium writes a character column's charset even when it is the table's; a document
    // without it (an older Strait's) gets the table's (Debezium's `charsetNameOfTable`).
    let columns = columns
        .into_iter()
        .map(|mut c: ColumnDef| {
            if c.charset.is_none() && c.is_character() {
                c.charset.clone_from(&default_charset);
            }
            c
        })
        .collect();
    Ok(TableDef {
        id,
        columns,
        primary_key,
        default_charset,
        comment,
    })
}

fn read_column(doc: &Json, path: &str) -> Result<ColumnDef, HistoryError> {
    let obj = doc
        .as_object()
        .ok_or_else(|| bad(path, "a column is not an object"))?;
    let field = |key: &str| format!("{path}.{key}");
    let name = req_string(obj, "name", path)?;
    let (data_type, unsigned, zerofill) = split_type_name(&req_string(obj, "typeName", path)?);
    let length = opt_int(obj.get("length"), &field("length"))?;
    let scale = opt_int(obj.get("scale"), &field("scale"))?
        .map(|s| i32::try_from(s).map_err(|_| bad(&field("scale"), "out of range")))
        .transpose()?;
    let position = opt_int(obj.get("position"), &field("position"))?
        .ok_or_else(|| bad(&field("position"), "missing"))?;
    let position = u32::try_from(position).map_err(|_| bad(&field("position"), "out of range"))?;
    let nullable = opt_bool(obj, "optional", path)?.unwrap_or(true);
    let default = opt_string(
        obj.get("defaultValueExpression"),
        &field("defaultValueExpression"),
    )?;
    // As Debezium's column editor: an optional column always has the implicit NULL default.
    let has_default =
        opt_bool(obj, "hasDefaultValue", path)?.unwrap_or(false) || default.is_some() || nullable;
    let enum_values = match obj.get("enumValues") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Array(values)) => values
            .iter()
            .map(|v| {
                v.as_str()
                    .map(unquote_enum_value)
                    .ok_or_else(|| bad(&field("enumValues"), "not a string"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad(&field("enumValues"), "not an array")),
    };
    Ok(ColumnDef {
        name,
        position,
        data_type,
        unsigned,
        zerofill,
        length,
        scale,
        nullable,
        charset: opt_string(obj.get("charsetName"), &field("charsetName"))?,
        enum_values,
        default,
        has_default,
        auto_increment: opt_bool(obj, "autoIncremented", path)?.unwrap_or(false),
        generated: opt_bool(obj, "generated", path)?.unwrap_or(false),
        comment: opt_string(obj.get("comment"), &field("comment"))?,
    })
}

/// Writes `value` as Jackson's `DefaultPrettyPrinter` does at nesting `level`.
pub fn write_pretty(out: &mut String, value: &Json, level: usize) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(&n.to_string()),
        Json::String(s) => write_string(out, s),
        Json::Array(items) => {
            // Arrays use Jackson's inline FixedSpaceIndenter: no newline, no extra nesting.
            out.push('[');
            if items.is_empty() {
                out.push_str(" ]");
                return;
            }
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { " " } else { ", " });
                write_pretty(out, item, level);
            }
            out.push_str(" ]");
        }
        Json::Object(fields) => {
            out.push('{');
            if fields.is_empty() {
                out.push_str(" }");
                return;
            }
            for (i, (key, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, level + 1);
                write_string(out, key);
                out.push_str(" : ");
                write_pretty(out, v, level + 1);
            }
            indent(out, level);
            out.push('}');
        }
    }
}

fn indent(out: &mut String, level: usize) {
    out.push('\n');
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// A JSON string with Jackson's escapes: `\"`, `\\`, `\b \t \n \f \r`, other control characters
/// as upper-case `\u00XX`; everything else (including non-ASCII) as is.
fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let b = c as u32 as usize;
                out.push_str("\\u00");
                out.push(HEX[b >> 4] as char);
                out.push(HEX[b & 0xf] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn partition() -> OffsetMap {
        json!({"server": "dbserver1"}).as_object().unwrap().clone()
    }

    /// A CREATE TABLE as Debezium 2.7/3.x stores it (written by hand from
    /// `JsonTableChangeSerializer` and Jackson's pretty printer).
    const CREATE_DOC: &str = r#"{
  "source" : {
    "server" : "dbserver1"
  },
  "position" : {
    "ts_sec" : 1700000000,
    "file" : "mysql-bin.000003",
    "pos" : 1570,
    "gtids" : "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-23",
    "server_id" : 223344
  },
  "ts_ms" : 1700000000999,
  "databaseName" : "inventory",
  "ddl" : "CREATE TABLE `orders` (\n  `id` int(11) unsigned NOT NULL AUTO_INCREMENT,\n  `status` enum('new','it''s') DEFAULT 'new',\n  `price` decimal(10,2) NOT NULL COMMENT 'in \"EUR\"',\n  PRIMARY KEY (`id`)\n) DEFAULT CHARSET=utf8mb4",
  "tableChanges" : [ {
    "type" : "CREATE",
    "id" : "\"inventory\".\"orders\"",
    "table" : {
      "defaultCharsetName" : "utf8mb4",
      "primaryKeyColumnNames" : [ "id" ],
      "columns" : [ {
        "name" : "id",
        "jdbcType" : 4,
        "typeName" : "INT UNSIGNED",
        "typeExpression" : "INT UNSIGNED",
        "charsetName" : null,
        "length" : 11,
        "position" : 1,
        "optional" : false,
        "autoIncremented" : true,
        "generated" : true,
        "comment" : null,
        "hasDefaultValue" : false,
        "enumValues" : [ ]
      }, {
        "name" : "status",
        "jdbcType" : 1,
        "typeName" : "ENUM",
        "typeExpression" : "ENUM",
        "charsetName" : "utf8mb4",
        "length" : 1,
        "position" : 2,
        "optional" : true,
        "autoIncremented" : false,
        "generated" : false,
        "comment" : null,
        "hasDefaultValue" : true,
        "defaultValueExpression" : "new",
        "enumValues" : [ "'new'", "'it''s'" ]
      }, {
        "name" : "price",
        "jdbcType" : 3,
        "typeName" : "DECIMAL",
        "typeExpression" : "DECIMAL",
        "charsetName" : null,
        "length" : 10,
        "scale" : 2,
        "position" : 3,
        "optional" : false,
        "autoIncremented" : false,
        "generated" : false,
        "comment" : "in \"EUR\"",
        "hasDefaultValue" : false,
        "enumValues" : [ ]
      } ],
      "attributes" : [ ]
    },
    "comment" : null
  } ]
}"#;

    fn col(name: &str, position: u32, data_type: &str) -> ColumnDef {
        ColumnDef {
            name: name.into(),
            position,
            data_type: data_type.into(),
            unsigned: false,
            zerofill: false,
            length: None,
            scale: None,
            nullable: false,
            charset: None,
            enum_values: vec![],
            default: None,
            has_default: false,
            auto_increment: false,
            generated: false,
            comment: None,
        }
    }

    fn orders() -> TableDef {
        TableDef {
            id: TableId::new("inventory", "orders"),
            columns: vec![
                ColumnDef {
                    unsigned: true,
                    length: Some(11),
                    auto_increment: true,
                    generated: true,
                    ..col("id", 1, "int")
                },
                ColumnDef {
                    length: Some(1),
                    nullable: true,
                    charset: Some("utf8mb4".into()),
                    enum_values: vec!["new".into(), "it's".into()],
                    default: Some("new".into()),
                    has_default: true,
                    ..col("status", 2, "enum")
                },
                ColumnDef {
                    length: Some(10),
                    scale: Some(2),
                    comment: Some("in \"EUR\"".into()),
                    ..col("price", 3, "decimal")
                },
            ],
            primary_key: vec!["id".into()],
            default_charset: Some("utf8mb4".into()),
            comment: None,
        }
    }

    #[test]
    fn debeziums_create_document_reads_into_the_model_and_writes_back_byte_for_byte() {
        let record = HistoryRecord::from_json(CREATE_DOC).unwrap();
        assert_eq!(record.source, partition());
        assert_eq!(record.position["pos"], json!(1570));
        assert_eq!(record.ts_ms, 1_700_000_000_999);
        assert_eq!(record.database_name.as_deref(), Some("inventory"));
        assert_eq!(record.schema_name, None);
        assert!(record.ddl.starts_with("CREATE TABLE `orders` (\n"));
        assert_eq!(
            record.table_changes,
            vec![TableChange {
                kind: ChangeKind::Create,
                id: TableId::new("inventory", "orders"),
                previous_id: None,
                table: Some(orders()),
            }]
        );
        assert_eq!(record.to_json(), CREATE_DOC);
    }

    /// A rename, a drop and a database-level statement, written by hand in Debezium's format.
    const RENAME_DROP_DOC: &str = r#"{
  "source" : {
    "server" : "dbserver1"
  },
  "position" : {
    "file" : "mysql-bin.000004",
    "pos" : 4,
    "snapshot" : "INITIAL"
  },
  "ts_ms" : 5,
  "databaseName" : "db",
  "ddl" : "RENAME TABLE a TO b; DROP TABLE c",
  "tableChanges" : [ {
    "type" : "ALTER",
    "id" : "\"db\".\"b\"",
    "previousId" : "\"db\".\"a\"",
    "table" : {
      "defaultCharsetName" : null,
      "primaryKeyColumnNames" : [ ],
      "columns" : [ {
        "name" : "v",
        "jdbcType" : 5,
        "typeName" : "TINYINT UNSIGNED ZEROFILL",
        "typeExpression" : "TINYINT UNSIGNED ZEROFILL",
        "charsetName" : null,
        "length" : 3,
        "position" : 1,
        "optional" : true,
        "autoIncremented" : false,
        "generated" : false,
        "comment" : "\u001F\t",
        "hasDefaultValue" : true,
        "enumValues" : [ ]
      } ],
      "attributes" : [ ]
    },
    "comment" : "a table"
  }, {
    "type" : "DROP",
    "id" : "\"db\".\"c\""
  } ]
}"#;

    #[test]
    fn rename_and_drop_documents_round_trip_byte_for_byte() {
        let record = HistoryRecord::from_json(RENAME_DROP_DOC).unwrap();
        let rename = &record.table_changes[0];
        assert_eq!(rename.kind, ChangeKind::Alter);
        assert_eq!(rename.previous_id, Some(TableId::new("db", "a")));
        let table = rename.table.as_ref().unwrap();
        assert_eq!(table.comment.as_deref(), Some("a table"));
        let v = &table.columns[0];
        assert_eq!(
            (v.data_type.as_str(), v.unsigned, v.zerofill, v.has_default),
            ("tinyint", true, true, true)
        );
        assert_eq!(v.comment.as_deref(), Some("\u{1f}\t"));
        assert_eq!(
            record.table_changes[1],
            TableChange {
                kind: ChangeKind::Drop,
                id: TableId::new("db", "c"),
                previous_id: None,
                table: None,
            }
        );
        assert_eq!(record.to_json(), RENAME_DROP_DOC);
    }

    #[test]
    fn older_and_newer_debezium_documents_are_read() {
        // 1.x: no tableChanges (nor ts_ms in the oldest versions).
        let old = r#"{"source":{"server":"s"},"position":{"file":"b.000001","pos":4},
            "databaseName":"db","ddl":"CREATE DATABASE db"}"#;
        let record = HistoryRecord::from_json(old).unwrap();
        assert!(record.table_changes.is_empty());
        assert_eq!(record.ts_ms, 0);
        // 3.x extras: attributes, nativeType, a table without `comment`, the schemaName of
        // another connector, column without enumValues.
        let newer = r#"{"source":{"server":"s"},"position":{"file":"b.000001","pos":4},
            "ts_ms":1,"schemaName":"public","ddl":"x","tableChanges":[{"type":"CREATE",
            "id":"\"d\".\"t\"","table":{"defaultCharsetName":"latin1",
            "primaryKeyColumnNames":["a"],"columns":[{"name":"a","jdbcType":12,"nativeType":7,
            "typeName":"VARCHAR","typeExpression":"VARCHAR","charsetName":"latin1","length":"20",
            "position":1,"optional":false,"autoIncremented":false,"generated":false,
            "hasDefaultValue":false}],"attributes":[{"name":"k","value":"v"}]}}]}"#;
        let record = HistoryRecord::from_json(newer).unwrap();
        assert_eq!(record.schema_name.as_deref(), Some("public"));
        let table = record.table_changes[0].table.as_ref().unwrap();
        assert_eq!(table.comment, None);
        assert_eq!(table.columns[0].length, Some(20));
        assert_eq!(table.columns[0].charset.as_deref(), Some("latin1"));
    }

    #[test]
    fn malformed_documents_name_the_field() {
        let err = HistoryRecord::from_json("{not json").unwrap_err();
        assert!(err.to_string().contains("not valid JSON"), "{err}");
        let err = HistoryRecord::from_json(r#"{"ddl":"x"}"#).unwrap_err();
        assert!(matches!(err, HistoryError::MissingSourceOrPosition));
        let doc = r#"{"source":{},"position":{},"tableChanges":[{"type":"CREATE",
            "id":"\"d\".\"t\"","table":{"columns":[{"name":"a","typeName":"INT"}]}}]}"#;
        let err = HistoryRecord::from_json(doc).unwrap_err();
        assert!(
            err.to_string()
                .contains("tableChanges[0].table.columns[0].position"),
            "{err}"
        );
        let doc = r#"{"source":{},"position":{},"tableChanges":[{"type":"MERGE","id":"a.b"}]}"#;
        assert!(HistoryRecord::from_json(doc)
            .unwrap_err()
            .to_string()
            .contains("MERGE"));
    }

    #[test]
    fn ids_quote_like_debeziums_table_id() {
        assert_eq!(
            quoted_id(&TableId::new("my db", "we\"ird")),
            r#""my db"."we""ird""#
        );
        assert_eq!(
            parse_id(r#""my db"."we""ird""#).unwrap(),
            TableId::new("my db", "we\"ird")
        );
        assert_eq!(parse_id("db.t").unwrap(), TableId::new("db", "t"));
        assert_eq!(parse_id("`a.b`.`c`").unwrap(), TableId::new("a.b", "c"));
        assert!(parse_id("\"a\".\"b\".\"c\"").is_err());
        assert!(parse_id("\"a").is_err());
    }

    #[test]
    fn enum_literals_unquote_like_debeziums_option_extraction() {
        assert_eq!(unquote_enum_value("'it''s'"), "it's");
        assert_eq!(unquote_enum_value("'it\\'s'"), "it's");
        assert_eq!(unquote_enum_value("\"x\""), "x");
        assert_eq!(unquote_enum_value("plain"), "plain");
        assert_eq!(quote_enum_value("a'b\\c"), "'a''b\\\\c'");
    }

    #[test]
    fn jdbc_types_follow_debeziums_mysql_resolver() {
        let t = |data_type: &str| jdbc_type(&col("c", 1, data_type));
        assert_eq!(
            [
                t("int"),
                t("bigint"),
                t("varchar"),
                t("timestamp"),
                t("datetime"),
                t("json"),
                t("bool"),
                t("set"),
                t("longblob"),
                t("year"),
            ],
            [4, -5, 12, 2014, 93, 1111, 16, 1, 2004, 4]
        );
    }

    fn arb_text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 _'\\\\\"\u{e9}\u{1}\n]{0,8}"
    }

    fn arb_opt_text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(arb_text())
    }

    fn arb_column(position: u32) -> impl Strategy<Value = ColumnDef> {
        (
            (
                "[a-z_][a-z0-9_ ]{0,6}",
                prop::sample::select(vec![
                    "int",
                    "varchar",
                    "enum",
                    "decimal",
                    "double precision",
                    "timestamp",
                    "json",
                ]),
                any::<bool>(),
                any::<bool>(),
                proptest::option::of(0i64..100_000),
                proptest::option::of(0i32..30),
            ),
            (
                any::<bool>(),
                proptest::option::of("[a-z0-9]{1,8}"),
                prop::collection::vec(arb_text(), 0..3),
                arb_opt_text(),
                any::<bool>(),
                any::<bool>(),
                any::<bool>(),
                arb_opt_text(),
            ),
        )
            .prop_map(
                move |(
                    (name, data_type, unsigned, zerofill, length, scale),
                    (
                        nullable,
                        charset,
                        enum_values,
                        default,
                        explicit_default,
                        ai,
                        generated,
                        comment,
                    ),
                )| ColumnDef {
                    name,
                    position,
                    data_type: data_type.to_string(),
                    unsigned,
                    zerofill,
                    length,
                    scale,
                    nullable,
                    charset,
                    enum_values,
                    has_default: default.is_some() || nullable || explicit_default,
                    default,
                    auto_increment: ai,
                    generated,
                    comment,
                },
            )
    }

    fn arb_table() -> impl Strategy<Value = TableDef> {
        (
            "[a-z0-9_ .\"]{1,6}",
            "[a-z0-9_ .]{1,6}",
            prop::collection::vec(any::<u8>(), 0..4),
            prop::collection::vec("[a-z]{1,3}", 0..3),
            proptest::option::of("[a-z0-9]{1,8}"),
            arb_opt_text(),
        )
            .prop_flat_map(|(db, table, cols, key, charset, comment)| {
                let columns: Vec<_> = (0..cols.len()).map(|i| arb_column(i as u32 + 1)).collect();
                // Debezium leaves a part starting or ending with `"` unquoted; avoid those.
                let db = db.trim_matches('"').to_string() + "x";
                (
                    Just(TableId::new(db, table)),
                    columns,
                    Just(key),
                    Just(charset),
                    Just(comment),
                )
            })
            .prop_map(|(id, mut columns, primary_key, default_charset, comment)| {
                // The model's character columns always know their charset (the table's when
                // none is written), which is what the document's null `charsetName` means.
                // Other columns have none.
                for c in &mut columns {
                    if !c.is_character() {
                        c.charset = None;
                    } else if c.charset.is_none() {
                        c.charset.clone_from(&default_charset);
                    }
                }
                TableDef {
                    id,
                    columns,
                    primary_key,
                    default_charset,
                    comment,
                }
            })
    }

    fn arb_change() -> impl Strategy<Value = TableChange> {
        (arb_table(), 0u8..4).prop_map(|(table, kind)| match kind {
            0 => TableChange {
                kind: ChangeKind::Create,
                id: table.id.clone(),
                previous_id: None,
                table: Some(table),
            },
            1 => TableChange {
                kind: ChangeKind::Alter,
                id: table.id.clone(),
                previous_id: None,
                table: Some(table),
            },
            2 => TableChange {
                kind: ChangeKind::Alter,
                id: table.id.clone(),
                previous_id: Some(TableId::new("old", "name")),
                table: Some(table),
            },
            _ => TableChange {
                kind: ChangeKind::Drop,
                id: table.id,
                previous_id: None,
                table: None,
            },
        })
    }

    proptest! {
        #[test]
        fn records_round_trip_losslessly(
            changes in prop::collection::vec(arb_change(), 0..4),
            ts_ms in any::<i64>(),
            db in proptest::option::of(arb_text()),
            ddl in arb_text(),
            pos in any::<u32>(),
        ) {
            let record = HistoryRecord {
                source: partition(),
                position: json!({"file": "mysql-bin.000001", "pos": pos, "snapshot": true})
                    .as_object().unwrap().clone(),
                ts_ms,
                database_name: db,
                schema_name: None,
                ddl,
                table_changes: changes,
            };
            let text = record.to_json();
            // Jackson's output is valid JSON with the same content.
            prop_assert_eq!(serde_json::from_str::<Json>(&text).unwrap(), record.to_document());
            prop_assert_eq!(HistoryRecord::from_json(&text).unwrap(), record);
        }
    }
}
