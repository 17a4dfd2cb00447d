//! What a statement in a QUERY event is for the stream: a transaction boundary (`BEGIN`,
//! `COMMIT`, `ROLLBACK`), DML in statement format, something to ignore, or DDL — and which
//! tables a DDL statement names.
//!
//! This is a small tokenizer over the statement head (`ALTER TABLE x`, `DROP TABLE a, b`,
//! `RENAME TABLE a TO b`, `CREATE INDEX i ON t`, ...). DDL itself is applied to the table model
//! by [`crate::mysql::ddl`]; the table names found here only decide whether a statement that
//! parser cannot read concerns a captured table (then the task fails) or not (then it is
//! skipped with a warning).

use crate::mysql::schema::TableId;

/// The meaning of a QUERY statement for the connector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Statement {
    Begin,
    Commit,
    Rollback,
    /// `TRUNCATE [TABLE] t`.
    Truncate(TableId),
    /// A DDL statement that may have changed these tables.
    SchemaChange(Vec<TableId>),
    /// A DDL statement whose tables are not known: reload everything.
    SchemaChangeUnknown,
    /// A row-changing statement in statement format (ignored with a warning, as Debezium does).
    Dml,
    /// Nothing for the stream: XA statements, `END`, `FLUSH PRIVILEGES` (what Debezium skips
    /// before parsing).
    Ignored,
    /// A statement that changes no table (SET, CREATE EVENT, FLUSH TABLES, GRANT, views,
    /// routines, SAVEPOINT, server comments...): Debezium records it as a database-level event
    /// unless `schema.history.internal.ddl.filter` keeps it out.
    Other,
}

/// Tokens of the statement head: words and (possibly qualified) identifiers.
fn tokens(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            '`' => {
                chars.next();
                let mut ident = String::new();
                while let Some(c) = chars.next() {
                    if c == '`' {
                        if chars.peek() == Some(&'`') {
                            chars.next();
                            ident.push('`');
                        } else {
                            break;
                        }
                    } else {
                        ident.push(c);
                    }
                }
                // Marked so keywords and quoted identifiers are not confused.
                out.push(format!("`{ident}"));
            }
            '/' => {
                chars.next();
                if chars.peek() == Some(&'*') {
                    chars.next();
                    let mut prev = ' ';
                    for c in chars.by_ref() {
                        if prev == '*' && c == '/' {
                            break;
                        }
                        prev = c;
                    }
                } else {
                    out.push("/".into());
                }
            }
            '-' => {
                chars.next();
                if chars.peek() == Some(&'-') {
                    for c in chars.by_ref() {
                        if c == '\n' {
                            break;
                        }
                    }
                } else {
                    out.push("-".into());
                }
            }
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            c if c.is_whitespace() => {
                chars.next();
            }
            c if c.is_alphanumeric() || c == '_' || c == '$' => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_alphanumeric() || c == '_' || c == '$' {
                        word.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(word);
            }
            '\'' | '"' => {
                let quote = c;
                chars.next();
                while let Some(c) = chars.next() {
                    if c == '\\' {
                        chars.next();
                    } else if c == quote {
                        break;
                    }
                }
                out.push("'".into());
            }
            _ => {
                chars.next();
                out.push(c.to_string());
            }
        }
        if out.len() > 4096 {
            break;
        }
    }
    out
}

fn is_kw(token: Option<&String>, kw: &str) -> bool {
    token.is_some_and(|t| !t.starts_with('`') && t.eq_ignore_ascii_case(kw))
}

fn ident(token: &str) -> &str {
    token.strip_prefix('`').unwrap_or(token)
}

/// Reads `name` or `db . name` at `i`, returning the table and the next index.
fn table_at(toks: &[String], i: usize, default_db: &str) -> Option<(TableId, usize)> {
    let first = toks.get(i)?;
    if first.len() == 1 && !first.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    if toks.get(i + 1).map(String::as_str) == Some(".") {
        let second = toks.get(i + 2)?;
        Some((TableId::new(ident(first), ident(second)), i + 3))
    } else {
        Some((TableId::new(default_db, ident(first)), i + 1))
    }
}

fn skip_if_exists(toks: &[String], mut i: usize) -> usize {
    if is_kw(toks.get(i), "if") {
        i += 1;
        if is_kw(toks.get(i), "not") {
            i += 1;
        }
        if is_kw(toks.get(i), "exists") {
            i += 1;
        }
    }
    i
}

/// Classifies a QUERY event's statement; `default_db` is the event's current database.
pub fn classify(sql: &str, default_db: &str) -> Statement {
    let mut toks = tokens(sql);
    // MariaDB's `SET STATEMENT var=value[, ...] FOR <statement>` is the statement.
    if toks.len() > 2
        && toks[0].eq_ignore_ascii_case("set")
        && toks[1].eq_ignore_ascii_case("statement")
    {
        if let Some(i) = toks.iter().position(|t| t.eq_ignore_ascii_case("for")) {
            toks.drain(..=i);
        }
    }
    let first = toks
        .first()
        .map(|t| t.to_ascii_lowercase())
        .unwrap_or_default();
    match first.as_str() {
        "begin" => Statement::Begin,
        "commit" => Statement::Commit,
        "rollback" if toks.len() == 1 => Statement::Rollback,
        "insert" | "update" | "delete" | "replace" => Statement::Dml,
        "truncate" => {
            let i = if is_kw(toks.get(1), "table") { 2 } else { 1 };
            match table_at(&toks, i, default_db) {
                Some((id, _)) => Statement::Truncate(id),
                None => Statement::SchemaChangeUnknown,
            }
        }
        "create" | "alter" | "drop" | "rename" => schema_statement(&first, &toks, default_db),
        "xa" => Statement::Ignored,
        "end" if toks.len() == 1 => Statement::Ignored,
        "flush" if toks.len() == 2 && toks[1].eq_ignore_ascii_case("privileges") => {
            Statement::Ignored
        }
        _ => Statement::Other,
    }
}

fn schema_statement(verb: &str, toks: &[String], default_db: &str) -> Statement {
    // Skip modifiers between the verb and the object kind.
    let mut i = 1;
    while let Some(t) = toks.get(i) {
        let lower = t.to_ascii_lowercase();
        if t.starts_with('`') {
            break;
        }
        match lower.as_str() {
            "or" | "replace" | "online" | "offline" | "ignore" | "unique" | "fulltext"
            | "spatial" | "definer" | "=" | "@" | "'" | "algorithm" | "sql" | "security"
            | "invoker" | "undefined" | "merge" | "temptable" | "aggregate" | "current_user" => {
                i += 1
            }
            _ => break,
        }
    }
    let kind = toks
        .get(i)
        .map(|t| t.to_ascii_lowercase())
        .unwrap_or_default();
    match kind.as_str() {
        "temporary" => Statement::Other,
        "table" | "tables" => {
            i = skip_if_exists(toks, i + 1);
            let mut tables = Vec::new();
            match verb {
                "drop" => {
                    while let Some((id, next)) = table_at(toks, i, default_db) {
                        tables.push(id);
                        if toks.get(next).map(String::as_str) == Some(",") {
                            i = next + 1;
                        } else {
                            break;
                        }
                    }
                }
                "rename" => {
                    while let Some((from, next)) = table_at(toks, i, default_db) {
                        tables.push(from);
                        if !is_kw(toks.get(next), "to") {
                            break;
                        }
                        let Some((to, next)) = table_at(toks, next + 1, default_db) else {
                            break;
                        };
                        tables.push(to);
                        if toks.get(next).map(String::as_str) != Some(",") {
                            break;
                        }
                        i = next + 1;
                    }
                }
                _ => {
                    if let Some((id, next)) = table_at(toks, i, default_db) {
                        tables.push(id);
                        // ALTER TABLE a RENAME [TO|AS] b
                        let mut j = next;
                        while j < toks.len() {
                            if is_kw(toks.get(j), "rename")
                                && !is_kw(toks.get(j + 1), "column")
                                && !is_kw(toks.get(j + 1), "index")
                                && !is_kw(toks.get(j + 1), "key")
                            {
                                let k = if is_kw(toks.get(j + 1), "to")
                                    || is_kw(toks.get(j + 1), "as")
                                {
                                    j + 2
                                } else {
                                    j + 1
                                };
                                if let Some((to, _)) = table_at(toks, k, default_db) {
                                    tables.push(to);
                                }
                            }
                            j += 1;
                        }
                    }
                }
            }
            if tables.is_empty() {
                Statement::SchemaChangeUnknown
            } else {
                Statement::SchemaChange(tables)
            }
        }
        "index" => {
            // CREATE INDEX i ON t / DROP INDEX i ON t
            match toks.iter().position(|t| is_kw(Some(t), "on")) {
                Some(on) => match table_at(toks, on + 1, default_db) {
                    Some((id, _)) => Statement::SchemaChange(vec![id]),
                    None => Statement::SchemaChangeUnknown,
                },
                None => Statement::SchemaChangeUnknown,
            }
        }
        "database" | "schema" => Statement::SchemaChangeUnknown,
        _ => Statement::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(db: &str, table: &str) -> TableId {
        TableId::new(db, table)
    }

    #[test]
    fn transaction_control_and_dml() {
        assert_eq!(classify("BEGIN", "d"), Statement::Begin);
        assert_eq!(classify("COMMIT /* implicit */", "d"), Statement::Commit);
        assert_eq!(classify("insert into t values (1)", "d"), Statement::Dml);
        assert_eq!(classify("GRANT ALL ON *.* TO x", "d"), Statement::Other);
        assert_eq!(
            classify("# Dummy event replacing event type 160", "d"),
            Statement::Other
        );
        assert_eq!(classify("SAVEPOINT s1", "d"), Statement::Other);
        assert_eq!(
            classify("CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1", "d"),
            Statement::Other
        );
        assert_eq!(classify("CREATE VIEW v AS SELECT 1", "d"), Statement::Other);
        assert_eq!(
            classify("SET PASSWORD = PASSWORD('x')", "d"),
            Statement::Other
        );
        assert_eq!(classify("XA START 'x'", "d"), Statement::Ignored);
        assert_eq!(classify("END", "d"), Statement::Ignored);
        assert_eq!(classify("FLUSH PRIVILEGES", "d"), Statement::Ignored);
        assert_eq!(classify("FLUSH TABLES", "d"), Statement::Other);
    }

    #[test]
    fn set_statement_prefix_is_the_statement_it_runs() {
        assert_eq!(
            classify(
                "SET STATEMENT max_statement_time=60, `for`=1 FOR ALTER TABLE t ADD c INT",
                "d"
            ),
            Statement::SchemaChange(vec![t("d", "t")])
        );
        assert_eq!(
            classify(
                "set statement lock_wait_timeout=5 for insert into t values (1)",
                "d"
            ),
            Statement::Dml
        );
        assert_eq!(classify("SET @x = 1", "d"), Statement::Other);
    }

    #[test]
    fn tables_of_ddl_statements() {
        assert_eq!(
            classify("TRUNCATE TABLE `shop`.`orders`", "d"),
            Statement::Truncate(t("shop", "orders"))
        );
        assert_eq!(
            classify("truncate orders", "shop"),
            Statement::Truncate(t("shop", "orders"))
        );
        assert_eq!(
            classify("ALTER TABLE orders ADD COLUMN note varchar(10)", "shop"),
            Statement::SchemaChange(vec![t("shop", "orders")])
        );
        assert_eq!(
            classify("ALTER TABLE a RENAME TO b", "s"),
            Statement::SchemaChange(vec![t("s", "a"), t("s", "b")])
        );
        assert_eq!(
            classify("ALTER TABLE a RENAME COLUMN x TO y", "s"),
            Statement::SchemaChange(vec![t("s", "a")])
        );
        assert_eq!(
            classify(
                "DROP TABLE IF EXISTS `a`, other.`b c` /* generated by server */",
                "s"
            ),
            Statement::SchemaChange(vec![t("s", "a"), t("other", "b c")])
        );
        assert_eq!(
            classify("RENAME TABLE a TO b, x.c TO x.d", "s"),
            Statement::SchemaChange(vec![t("s", "a"), t("s", "b"), t("x", "c"), t("x", "d")])
        );
        assert_eq!(
            classify("CREATE TABLE IF NOT EXISTS `n` (id int)", "s"),
            Statement::SchemaChange(vec![t("s", "n")])
        );
        assert_eq!(
            classify("CREATE UNIQUE INDEX i ON s2.t (a)", "s"),
            Statement::SchemaChange(vec![t("s2", "t")])
        );
        assert_eq!(
            classify("CREATE DATABASE x", "s"),
            Statement::SchemaChangeUnknown
        );
        assert_eq!(
            classify("CREATE TEMPORARY TABLE tmp (a int)", "s"),
            Statement::Other
        );
        assert_eq!(
            classify("CREATE OR REPLACE VIEW v AS SELECT 1", "s"),
            Statement::Other
        );
        assert_eq!(classify("DROP USER x", "s"), Statement::Other);
    }
}
