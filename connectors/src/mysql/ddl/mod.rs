//! DDL statements applied to the table model, the way Debezium's MySQL/MariaDB ANTLR parser
//! applies them.
//!
//! The model must be the one Debezium builds, because it is written to the schema history and
//! schema change topics and drives the record schemas. A hand-written recursive-descent parser
//! ([`lexer`] → [`statement`], with [`column`] for column definitions) reads only what reaches
//! the model and skips the rest of MySQL's grammar; [`apply`] then changes the model with
//! Debezium's listener semantics. sqlparser-rs was not used: its MySQL dialect does not read
//! MariaDB's `SHOW CREATE TABLE` output (`current_timestamp()` defaults, `PERSISTENT` generated
//! columns, executable comments) and its tree loses the source text Debezium keeps for string
//! defaults and comments.
//!
//! Where Debezium differs from the server, Debezium wins (this is what its history holds):
//! - the key is set by `PRIMARY KEY`, else by the first UNIQUE index declared while no key
//!   exists whose columns are all NOT NULL; `DROP INDEX` and `DROP PRIMARY KEY` do not bring
//!   another unique index in;
//! - string defaults and comments keep their SQL escapes (`'it''s'` → `it''s`);
//! - `ON UPDATE CURRENT_TIMESTAMP` marks a column auto-incremented and generated, except right
//!   after a `DEFAULT CURRENT_TIMESTAMP` (the grammar consumes it as part of the default);
//!   `GENERATED ALWAYS AS` does not mark it generated;
//! - `ALTER COLUMN ... DROP DEFAULT` leaves no default even on a nullable column;
//! - `CHANGE` keeps the old comment, auto-increment flag and enum values unless restated;
//! - `ALTER`/`RENAME` of a table the model does not hold and `CREATE TABLE` of one it holds
//!   change nothing; `DROP TABLE` reports a drop for every table named;
//! - `ALTER TABLE a RENAME TO b` is an `Alter` of `b` without `previous_id` (only
//!   `RENAME TABLE` sets it).
//!
//! Deliberate departures, where Debezium's behaviour would be a bug for us: `ADD COLUMN IF NOT
//! EXISTS` of an existing column and `MODIFY/CHANGE IF EXISTS` of a missing one do nothing
//! (Debezium replaces or fails), and `ALTER TABLE ... [DEFAULT] CHARSET=x` changes the table's
//! default charset (Debezium's MariaDB listener ignores it).
//!
//! `ColumnDef::charset` is the column's effective charset (the one written, else the table's),
//! which is what Debezium's converters end up using.

mod apply;
pub(crate) mod column;
mod cursor;
mod lexer;
mod statement;
mod statement_text;

pub use statement_text::{drop_table_text, is_table_text_of, rename_table_text};

use crate::mysql::model::{TableChange, TableModel};
use crate::mysql::schema::TableId;

/// What one statement did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The database the statement acted on (Debezium's `databaseName` of the history record):
    /// the table's database for table DDL, the named database for CREATE/DROP/ALTER DATABASE,
    /// else `default_db`.
    pub database: Option<String>,
    /// Table changes in statement order (Debezium semantics: RENAME TABLE a TO b => Alter of b
    /// with previous_id a; DROP TABLE a, b => two Drop; CREATE TABLE => Create; any ALTER =>
    /// Alter with the full new table).
    pub changes: Vec<TableChange>,
    /// Tables truncated by this statement (TRUNCATE [TABLE] t).
    pub truncated: Vec<TableId>,
    /// Whether the statement was DDL at all (false: BEGIN/COMMIT/DML/GRANT/views/routines...
    /// left alone).
    pub is_ddl: bool,
}

/// A statement that could not be applied; the model is unchanged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DdlError {
    /// The statement is not valid SQL as far as the parser can tell.
    #[error("cannot parse DDL statement `{statement}`: {reason}")]
    Syntax { statement: String, reason: String },
    /// The statement does not fit the model (e.g. changes a column the table does not have).
    #[error("cannot apply DDL statement `{statement}`: {reason}")]
    Model { statement: String, reason: String },
}

/// How much of a statement an error quotes.
const QUOTED_CHARS: usize = 200;

fn excerpt(sql: &str) -> String {
    let trimmed = sql.trim();
    match trimmed.char_indices().nth(QUOTED_CHARS) {
        Some((i, _)) => format!("{}...", &trimmed[..i]),
        None => trimmed.to_string(),
    }
}

/// Applies one SQL statement (as found in a binlog QUERY event, executed in `default_db`) to
/// the model.
///
/// # Errors
/// [`DdlError`] when the statement cannot be parsed or applied; the model is then unchanged.
pub fn apply(model: &mut TableModel, sql: &str, default_db: &str) -> Result<Applied, DdlError> {
    let tokens = lexer::tokenize(sql).map_err(|e| DdlError::Syntax {
        statement: excerpt(sql),
        reason: format!("{} at byte {}", e.reason, e.offset),
    })?;
    let statement =
        statement::parse(without_set_statement(&tokens)).map_err(|reason| DdlError::Syntax {
            statement: excerpt(sql),
            reason,
        })?;
    let outcome = apply::run(model, statement, default_db).map_err(|reason| DdlError::Model {
        statement: excerpt(sql),
        reason,
    })?;
    Ok(Applied {
        database: outcome.database,
        changes: outcome.changes,
        truncated: outcome.truncated,
        is_ddl: outcome.is_ddl,
    })
}

/// The statement after MariaDB's `SET STATEMENT var=value[, ...] FOR` prefix, which runs it
/// with session variables changed and changes nothing a table model holds.
fn without_set_statement(tokens: &[lexer::Token]) -> &[lexer::Token] {
    let word = |t: Option<&lexer::Token>, w: &str| matches!(t, Some(lexer::Token::Word(x)) if x.eq_ignore_ascii_case(w));
    if !(word(tokens.first(), "set") && word(tokens.get(1), "statement")) {
        return tokens;
    }
    match (2..tokens.len()).find(|&i| word(tokens.get(i), "for")) {
        Some(i) => &tokens[i + 1..],
        None => tokens,
    }
}

#[cfg(test)]
mod tests;
