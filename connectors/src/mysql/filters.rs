//! Which databases, tables and columns are captured, and which columns form a record key.
//!
//! Debezium's filters are comma-separated lists of Java regular expressions, each matched
//! case-insensitively against the *whole* name (`db`, `db.table`, `db.table.column`), with `\,`
//! escaping a comma inside a pattern (`Strings.RegExSplitter`). Include lists win over exclude
//! lists only in the sense Debezium gives them: a name must match an include list when one is
//! set, and must not match the exclude list. The filters are compiled once, when the
//! configuration is parsed, so no per-row code touches a pattern.

use regex::Regex;

/// Databases whose tables Debezium never captures while `table.ignore.builtin` is true
/// (`BinlogConnectorConfig.BUILT_IN_DB_NAMES`).
pub const BUILT_IN_DATABASES: [&str; 4] =
    ["mysql", "performance_schema", "sys", "information_schema"];

/// A list of anchored, case-insensitive patterns.
#[derive(Clone, Debug, Default)]
pub struct PatternList {
    patterns: Vec<Regex>,
}

impl PatternList {
    /// Parses Debezium's comma-separated regex list.
    ///
    /// # Errors
    /// The offending pattern and the regex engine's reason.
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut patterns = Vec::new();
        for part in split_regex_list(input) {
            let anchored = format!("(?i)^(?:{part})$");
            let regex = Regex::new(&anchored)
                .map_err(|e| format!("invalid regular expression '{part}': {e}"))?;
            patterns.push(regex);
        }
        Ok(Self { patterns })
    }

    /// Whether the list has no pattern.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether any pattern matches the whole of `name`.
    pub fn matches(&self, name: &str) -> bool {
        self.patterns.iter().any(|p| p.is_match(name))
    }
}

/// Splits on commas not escaped with a backslash, trimming each part and unescaping `\,`.
pub fn split_regex_list(input: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = input.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                current.push(c);
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            ',' => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| p.trim().replace("\\,", ","))
        .filter(|p| !p.is_empty())
        .collect()
}

/// The include/exclude filters of one connector.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub database_include: PatternList,
    pub database_exclude: PatternList,
    pub table_include: PatternList,
    pub table_exclude: PatternList,
    pub column_include: PatternList,
    pub column_exclude: PatternList,
    /// `snapshot.include.collection.list`: tables whose rows the snapshot reads (empty: all
    /// captured tables).
    pub snapshot_include: PatternList,
    pub ignore_builtin: bool,
}

impl Filters {
    /// Whether tables of this database can be captured.
    pub fn database_included(&self, db: &str) -> bool {
        if self.ignore_builtin
            && BUILT_IN_DATABASES
                .iter()
                .any(|b| b.eq_ignore_ascii_case(db))
        {
            return false;
        }
        (self.database_include.is_empty() || self.database_include.matches(db))
            && !self.database_exclude.matches(db)
    }

    /// Whether changes of `db.table` are captured.
    pub fn table_included(&self, db: &str, table: &str) -> bool {
        if !self.database_included(db) {
            return false;
        }
        let name = format!("{db}.{table}");
        (self.table_include.is_empty() || self.table_include.matches(&name))
            && !self.table_exclude.matches(&name)
    }

    /// Whether the snapshot reads the rows of a captured table.
    pub fn snapshot_data_included(&self, db: &str, table: &str) -> bool {
        self.snapshot_include.is_empty() || self.snapshot_include.matches(&format!("{db}.{table}"))
    }

    /// Whether a column appears in the value (key columns always appear in the key).
    pub fn column_included(&self, db: &str, table: &str, column: &str) -> bool {
        if self.column_include.is_empty() && self.column_exclude.is_empty() {
            return true;
        }
        let name = format!("{db}.{table}.{column}");
        (self.column_include.is_empty() || self.column_include.matches(&name))
            && !self.column_exclude.matches(&name)
    }
}

/// `message.key.columns`: `regex_db.table:col1,col2;regex2:colX`, each `table:column` pair
/// becoming one pattern matched against `db.table.column` (Debezium's `Key.CustomKeyMapper`).
#[derive(Clone, Debug, Default)]
pub struct KeyColumns {
    patterns: Vec<Regex>,
}

impl KeyColumns {
    /// Parses the option.
    ///
    /// # Errors
    /// Why an entry is malformed.
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut patterns = Vec::new();
        for entry in input.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((table, columns)) = entry.split_once(':') else {
                return Err(format!(
                    "'{entry}' is not of the form <fully-qualified table regex>:<column>,<column>"
                ));
            };
            for column in columns.split(',').map(str::trim) {
                if column.is_empty() || column.contains(':') {
                    return Err(format!("'{entry}' names an empty or malformed column"));
                }
                let anchored = format!("(?i)^(?:{}.{column})$", table.trim());
                let regex = Regex::new(&anchored)
                    .map_err(|e| format!("invalid regular expression in '{entry}': {e}"))?;
                patterns.push(regex);
            }
        }
        Ok(Self { patterns })
    }

    /// Whether no override is configured.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The key columns of a table, in Debezium's order (pattern order, then column order), or
    /// `None` when no pattern matches a column of it.
    pub fn key_for<'a>(
        &self,
        db: &str,
        table: &str,
        columns: &'a [String],
    ) -> Option<Vec<&'a str>> {
        let mut key: Vec<&str> = Vec::new();
        for pattern in &self.patterns {
            for column in columns {
                if pattern.is_match(&format!("{db}.{table}.{column}")) {
                    key.push(column);
                }
            }
        }
        (!key.is_empty()).then_some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_lists_split_on_unescaped_commas() {
        assert_eq!(split_regex_list("a, b ,c"), ["a", "b", "c"]);
        assert_eq!(split_regex_list(r"a\,b,c"), ["a,b", "c"]);
        assert_eq!(split_regex_list(r"x{1\,3},y"), ["x{1,3}", "y"]);
        assert!(split_regex_list(" , ").is_empty());
    }

    #[test]
    fn patterns_match_whole_names_ignoring_case() {
        let list = PatternList::parse("inventory.cust.*,other").unwrap();
        assert!(list.matches("inventory.customers"));
        assert!(list.matches("INVENTORY.Customers"));
        assert!(!list.matches("xinventory.customers"));
        assert!(list.matches("other"));
        assert!(!list.matches("others"));
        assert!(PatternList::parse("a(").is_err());
    }

    #[test]
    fn include_exclude_and_builtin_databases() {
        let filters = Filters {
            database_include: PatternList::parse("app.*").unwrap(),
            table_exclude: PatternList::parse("app1\\.secret").unwrap(),
            column_exclude: PatternList::parse("app1.users.password").unwrap(),
            ignore_builtin: true,
            ..Filters::default()
        };
        assert!(filters.table_included("app1", "users"));
        assert!(!filters.table_included("app1", "secret"));
        assert!(!filters.table_included("other", "users"));
        assert!(filters.column_included("app1", "users", "name"));
        assert!(!filters.column_included("app1", "users", "password"));

        let all = Filters {
            ignore_builtin: true,
            ..Filters::default()
        };
        assert!(!all.table_included("mysql", "user"));
        assert!(all.table_included("shop", "orders"));
        let with_builtin = Filters::default();
        assert!(with_builtin.table_included("mysql", "user"));
    }

    #[test]
    fn message_key_columns_follow_pattern_then_column_order() {
        let keys = KeyColumns::parse("shop.orders:b,a;(.*).items:sku").unwrap();
        let cols = ["a".to_string(), "b".to_string(), "sku".to_string()];
        assert_eq!(keys.key_for("shop", "orders", &cols), Some(vec!["b", "a"]));
        assert_eq!(keys.key_for("x", "items", &cols), Some(vec!["sku"]));
        assert_eq!(keys.key_for("shop", "other", &cols), None);
        assert!(KeyColumns::parse("no-colon").is_err());
        assert!(KeyColumns::parse("t:").is_err());
    }
}
