//! Statements that change the table model, parsed into a small syntax tree.
//!
//! Parsing is separate from applying so that a statement that cannot be parsed leaves the model
//! untouched. Only what reaches the model is kept: index names, engines, partitions, foreign
//! keys and the like are read and dropped. Anything that is not table or database DDL is
//! [`Statement::Other`].

use super::column::{column_definition, references, ColumnSpec, DefaultSpec};
use super::cursor::{unquote, Cursor, ParseResult};
use super::lexer::Token;

/// A table name as written: optional database and the table.
pub type Name = (Option<String>, String);

/// Where `FIRST`/`AFTER` puts a column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    First,
    After(String),
}

/// An element of a `CREATE TABLE` body (or of `ALTER TABLE ... ADD (...)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Definition {
    Column(ColumnSpec),
    PrimaryKey(Vec<String>),
    Unique(Vec<String>),
    /// Indexes, foreign keys, checks: nothing for the model.
    Other,
}

/// Table options the model keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableOptions {
    pub charset: Option<String>,
    pub comment: Option<String>,
}

/// One `ALTER TABLE` specification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlterSpec {
    AddColumn {
        column: ColumnSpec,
        place: Option<Place>,
        if_not_exists: bool,
    },
    AddColumns {
        columns: Vec<Definition>,
        if_not_exists: bool,
    },
    AddPrimaryKey(Vec<String>),
    AddUnique(Vec<String>),
    Change {
        old: String,
        column: ColumnSpec,
        place: Option<Place>,
        if_exists: bool,
    },
    Modify {
        column: ColumnSpec,
        place: Option<Place>,
        if_exists: bool,
    },
    RenameColumn {
        old: String,
        new: String,
        if_exists: bool,
    },
    DropColumn(String),
    DropPrimaryKey,
    SetDefault {
        column: String,
        default: DefaultSpec,
    },
    DropDefault(String),
    Rename(Name),
    ConvertCharset(String),
    Options(TableOptions),
    /// Index, constraint, algorithm, partition and other specs without effect on the model.
    Other,
}

/// A parsed statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Statement {
    CreateTable {
        name: Name,
        definitions: Vec<Definition>,
        options: TableOptions,
    },
    CreateTableLike {
        name: Name,
        like: Name,
    },
    AlterTable {
        name: Name,
        specs: Vec<AlterSpec>,
    },
    DropTables(Vec<Name>),
    RenameTables(Vec<(Name, Name)>),
    Truncate(Name),
    CreateDatabase {
        name: String,
        charset: Option<String>,
    },
    AlterDatabase {
        name: Option<String>,
        charset: Option<String>,
    },
    DropDatabase(String),
    CreateUniqueIndex {
        table: Name,
        columns: Vec<String>,
    },
    /// `CREATE INDEX`, `DROP INDEX ... ON t`: DDL without effect on the model.
    IndexOnly(Name),
    SetVariables(Vec<(String, String)>),
    Use(String),
    /// DDL that does not touch tables the model holds (`CREATE TEMPORARY TABLE`, ...).
    IgnoredDdl,
    Other,
}

/// Parses one statement.
pub fn parse(tokens: &[Token]) -> ParseResult<Statement> {
    let mut cur = Cursor::new(tokens);
    let statement = statement(&mut cur)?;
    if !matches!(statement, Statement::Other | Statement::IgnoredDdl) {
        cur.eat_punct(';');
        if cur.peek().is_some() {
            return Err(cur.unexpected("the end of the statement"));
        }
    }
    Ok(statement)
}

fn statement(cur: &mut Cursor<'_>) -> ParseResult<Statement> {
    if cur.eat_kw("CREATE") {
        cur.eat_kws(&["OR", "REPLACE"]);
        if cur.eat_kw("TEMPORARY") {
            return Ok(Statement::IgnoredDdl);
        }
        if cur.eat_kw("TABLE") {
            return create_table(cur);
        }
        if cur.eat_kw("DATABASE") || cur.eat_kw("SCHEMA") {
            cur.eat_if_not_exists();
            let name = cur.name()?;
            let charset = database_options(cur)?;
            return Ok(Statement::CreateDatabase { name, charset });
        }
        let unique = cur.eat_kw("UNIQUE");
        let _ = cur.eat_kw("FULLTEXT") || cur.eat_kw("SPATIAL");
        if cur.eat_kw("INDEX") {
            return create_index(cur, unique);
        }
        return Ok(Statement::Other);
    }
    if cur.eat_kw("ALTER") {
        cur.eat_kw("ONLINE");
        cur.eat_kw("IGNORE");
        if cur.eat_kw("TABLE") {
            return alter_table(cur);
        }
        if cur.eat_kw("DATABASE") || cur.eat_kw("SCHEMA") {
            let name = match cur.peek() {
                Some(Token::Word(w)) if is_database_option_start(w) => None,
                Some(_) => Some(cur.name()?),
                None => None,
            };
            let charset = database_options(cur)?;
            return Ok(Statement::AlterDatabase { name, charset });
        }
        return Ok(Statement::Other);
    }
    if cur.eat_kw("DROP") {
        if cur.eat_kw("TEMPORARY") {
            return Ok(Statement::IgnoredDdl);
        }
        if cur.eat_kw("TABLE") || cur.eat_kw("TABLES") {
            cur.eat_if_exists();
            let names = name_list(cur)?;
            let _ = cur.eat_kw("RESTRICT") || cur.eat_kw("CASCADE");
            return Ok(Statement::DropTables(names));
        }
        if cur.eat_kw("DATABASE") || cur.eat_kw("SCHEMA") {
            cur.eat_if_exists();
            return Ok(Statement::DropDatabase(cur.name()?));
        }
        cur.eat_kw("ONLINE");
        if cur.eat_kw("INDEX") {
            cur.eat_if_exists();
            cur.name()?;
            cur.expect_kw("ON")?;
            let table = cur.qualified_name()?;
            skip_rest(cur);
            return Ok(Statement::IndexOnly(table));
        }
        return Ok(Statement::Other);
    }
    if cur.eat_kw("RENAME") {
        if !(cur.eat_kw("TABLE") || cur.eat_kw("TABLES")) {
            return Ok(Statement::Other);
        }
        let mut pairs = Vec::new();
        loop {
            let from = cur.qualified_name()?;
            cur.expect_kw("TO")?;
            let to = cur.qualified_name()?;
            pairs.push((from, to));
            if !cur.eat_punct(',') {
                break;
            }
        }
        return Ok(Statement::RenameTables(pairs));
    }
    if cur.eat_kw("TRUNCATE") {
        cur.eat_kw("TABLE");
        return Ok(Statement::Truncate(cur.qualified_name()?));
    }
    if cur.eat_kw("USE") {
        return Ok(Statement::Use(cur.name()?));
    }
    if cur.eat_kw("SET") {
        return set_statement(cur);
    }
    Ok(Statement::Other)
}

fn skip_rest(cur: &mut Cursor<'_>) {
    while !cur.at_end() {
        cur.next();
    }
}

fn name_list(cur: &mut Cursor<'_>) -> ParseResult<Vec<Name>> {
    let mut names = vec![cur.qualified_name()?];
    while cur.eat_punct(',') {
        names.push(cur.qualified_name()?);
    }
    Ok(names)
}

fn is_database_option_start(w: &str) -> bool {
    [
        "DEFAULT",
        "CHARACTER",
        "CHARSET",
        "COLLATE",
        "COMMENT",
        "ENCRYPTION",
        "READ",
    ]
    .iter()
    .any(|k| w.eq_ignore_ascii_case(k))
}

/// `[DEFAULT] CHARACTER SET [=] x`, `[DEFAULT] COLLATE [=] y`, ...: the charset named (Debezium
/// takes no charset from a collation alone; `DEFAULT` is resolved by the caller).
fn database_options(cur: &mut Cursor<'_>) -> ParseResult<Option<String>> {
    let mut charset = None;
    while !cur.at_end() {
        cur.eat_kw("DEFAULT");
        if cur.eat_kws(&["CHARACTER", "SET"]) || cur.eat_kw("CHARSET") {
            cur.eat_punct('=');
            charset = Some(cur.name()?.to_ascii_lowercase());
        } else if cur.eat_kw("COLLATE") || cur.eat_kw("COMMENT") || cur.eat_kw("ENCRYPTION") {
            cur.eat_punct('=');
            cur.name()?;
        } else if cur.eat_kw("READ") {
            cur.eat_kw("ONLY");
            cur.eat_punct('=');
            cur.next();
        } else {
            return Err(cur.unexpected("a database option"));
        }
    }
    Ok(charset)
}

fn create_table(cur: &mut Cursor<'_>) -> ParseResult<Statement> {
    cur.eat_if_not_exists();
    let name = cur.qualified_name()?;
    if cur.eat_kw("LIKE") {
        return Ok(Statement::CreateTableLike {
            name,
            like: cur.qualified_name()?,
        });
    }
    if cur.peek_punct('(') && matches!(cur.peek_at(1), Some(t) if t.is_word("LIKE")) {
        cur.next();
        cur.next();
        let like = cur.qualified_name()?;
        cur.expect_punct(')')?;
        return Ok(Statement::CreateTableLike { name, like });
    }
    let mut definitions = Vec::new();
    if cur.peek_punct('(') && !matches!(cur.peek_at(1), Some(t) if t.is_word("SELECT")) {
        cur.next();
        loop {
            definitions.push(definition(cur)?);
            if !cur.eat_punct(',') {
                break;
            }
        }
        cur.expect_punct(')')?;
    }
    let options = table_options(cur, true)?;
    // `... [IGNORE|REPLACE] [AS] SELECT ...` and partitioning: nothing more for the model.
    skip_rest(cur);
    Ok(Statement::CreateTable {
        name,
        definitions,
        options,
    })
}

/// Whether the word starts a table option.
fn is_table_option(cur: &Cursor<'_>) -> bool {
    let Some(Token::Word(w)) = cur.peek() else {
        return false;
    };
    let upper = w.to_ascii_uppercase();
    if upper == "DEFAULT" {
        return matches!(cur.peek_at(1), Some(Token::Word(n))
            if ["CHARSET", "CHARACTER", "COLLATE"].iter().any(|k| n.eq_ignore_ascii_case(k)));
    }
    matches!(
        upper.as_str(),
        "ENGINE"
            | "AUTO_INCREMENT"
            | "AVG_ROW_LENGTH"
            | "CHARSET"
            | "CHARACTER"
            | "CHECKSUM"
            | "PAGE_CHECKSUM"
            | "COLLATE"
            | "COMMENT"
            | "COMPRESSION"
            | "CONNECTION"
            | "DATA"
            | "INDEX"
            | "DELAY_KEY_WRITE"
            | "ENCRYPTION"
            | "ENCRYPTED"
            | "ENCRYPTION_KEY_ID"
            | "INSERT_METHOD"
            | "KEY_BLOCK_SIZE"
            | "MAX_ROWS"
            | "MIN_ROWS"
            | "PACK_KEYS"
            | "PASSWORD"
            | "ROW_FORMAT"
            | "STATS_AUTO_RECALC"
            | "STATS_PERSISTENT"
            | "STATS_SAMPLE_PAGES"
            | "TABLESPACE"
            | "TRANSACTIONAL"
            | "UNION"
            | "PAGE_COMPRESSED"
            | "PAGE_COMPRESSION_LEVEL"
            | "IETF_QUOTES"
            | "SEQUENCE"
            | "ENGINE_ATTRIBUTE"
            | "SECONDARY_ENGINE_ATTRIBUTE"
            | "AUTOEXTEND_SIZE"
            | "STORAGE"
            | "WITH"
    )
}

/// Table options, separated by spaces or commas. With `stop_at_other`, stops at the first
/// word that is not an option (partitioning, `AS SELECT`).
fn table_options(cur: &mut Cursor<'_>, stop_at_other: bool) -> ParseResult<TableOptions> {
    let mut options = TableOptions::default();
    loop {
        if !is_table_option(cur) {
            if stop_at_other || cur.at_end() || cur.peek_punct(',') {
                return Ok(options);
            }
            return Err(cur.unexpected("a table option"));
        }
        let read = charset_or_comment(cur, &mut options)?
            || cur.eat_kws(&["WITH", "SYSTEM", "VERSIONING"]);
        if read {
        } else if cur.eat_kw("UNION") {
            cur.eat_punct('=');
            cur.skip_group()?;
        } else if cur.eat_kw("DATA") || cur.eat_kw("INDEX") {
            cur.expect_kw("DIRECTORY")?;
            cur.eat_punct('=');
            cur.next();
        } else if cur.eat_kw("TABLESPACE") {
            cur.name()?;
            if cur.eat_kw("STORAGE") {
                cur.next();
            }
        } else {
            cur.next();
            cur.eat_punct('=');
            cur.next();
        }
        // Options may be separated by commas.
        if cur.peek_punct(',') && matches!(cur.peek_at(1), Some(Token::Word(_))) {
            cur.next();
            if !is_table_option(cur) {
                return Err(cur.unexpected("a table option"));
            }
        }
    }
}

fn index_columns(cur: &mut Cursor<'_>) -> ParseResult<Vec<String>> {
    cur.expect_punct('(')?;
    let mut columns = Vec::new();
    loop {
        if cur.peek_punct('(') {
            // A functional key part has no column name.
            cur.skip_group()?;
        } else {
            columns.push(cur.name()?);
            if cur.peek_punct('(') {
                cur.skip_group()?;
            }
        }
        let _ = cur.eat_kw("ASC") || cur.eat_kw("DESC");
        if !cur.eat_punct(',') {
            break;
        }
    }
    cur.expect_punct(')')?;
    Ok(columns)
}

/// Index name, `USING` type and options around the column list; returns the columns.
fn index_body(cur: &mut Cursor<'_>) -> ParseResult<Vec<String>> {
    cur.eat_if_not_exists();
    if !cur.peek_punct('(') && !cur.peek_kw("USING") {
        cur.name()?;
    }
    if cur.eat_kw("USING") {
        cur.next();
    }
    let columns = index_columns(cur)?;
    index_options(cur);
    Ok(columns)
}

fn index_options(cur: &mut Cursor<'_>) {
    loop {
        if cur.eat_kw("USING") || cur.eat_kw("KEY_BLOCK_SIZE") || cur.eat_kw("COMMENT") {
            cur.eat_punct('=');
            cur.next();
        } else if cur.eat_kws(&["WITH", "PARSER"]) {
            cur.next();
        } else if !(cur.eat_kw("VISIBLE")
            || cur.eat_kw("INVISIBLE")
            || cur.eat_kw("IGNORED")
            || cur.eat_kws(&["NOT", "IGNORED"]))
        {
            return;
        }
    }
}

fn definition(cur: &mut Cursor<'_>) -> ParseResult<Definition> {
    if cur.eat_kw("CONSTRAINT")
        && !(cur.peek_kw("PRIMARY")
            || cur.peek_kw("UNIQUE")
            || cur.peek_kw("FOREIGN")
            || cur.peek_kw("CHECK"))
    {
        cur.name()?;
    }
    if cur.eat_kws(&["PRIMARY", "KEY"]) {
        return Ok(Definition::PrimaryKey(index_body(cur)?));
    }
    if cur.eat_kw("UNIQUE") {
        let _ = cur.eat_kw("KEY") || cur.eat_kw("INDEX");
        return Ok(Definition::Unique(index_body(cur)?));
    }
    if cur.peek_kw("KEY")
        || cur.peek_kw("INDEX")
        || cur.peek_kw("FULLTEXT")
        || cur.peek_kw("SPATIAL")
    {
        let _ = cur.eat_kw("FULLTEXT") || cur.eat_kw("SPATIAL");
        let _ = cur.eat_kw("KEY") || cur.eat_kw("INDEX");
        index_body(cur)?;
        return Ok(Definition::Other);
    }
    if cur.eat_kws(&["FOREIGN", "KEY"]) {
        cur.eat_if_not_exists();
        if !cur.peek_punct('(') {
            cur.name()?;
        }
        index_columns(cur)?;
        cur.expect_kw("REFERENCES")?;
        references(cur)?;
        return Ok(Definition::Other);
    }
    if cur.eat_kw("CHECK") {
        cur.skip_group()?;
        return Ok(Definition::Other);
    }
    if cur.eat_kw("PERIOD") {
        cur.skip_to_separator()?;
        return Ok(Definition::Other);
    }
    Ok(Definition::Column(column_definition(cur)?))
}

fn place(cur: &mut Cursor<'_>) -> ParseResult<Option<Place>> {
    if cur.eat_kw("FIRST") {
        Ok(Some(Place::First))
    } else if cur.eat_kw("AFTER") {
        Ok(Some(Place::After(cur.name()?)))
    } else {
        Ok(None)
    }
}

fn alter_table(cur: &mut Cursor<'_>) -> ParseResult<Statement> {
    cur.eat_if_exists();
    let name = cur.qualified_name()?;
    let mut specs = Vec::new();
    while !cur.at_end() {
        specs.push(alter_spec(cur)?);
        if !cur.eat_punct(',') {
            break;
        }
    }
    // Partition clauses after the specs do not change the model.
    skip_rest(cur);
    Ok(Statement::AlterTable { name, specs })
}

fn alter_spec(cur: &mut Cursor<'_>) -> ParseResult<AlterSpec> {
    if cur.eat_kw("ADD") {
        if cur.peek_kw("CONSTRAINT")
            || cur.peek_kw("PRIMARY")
            || cur.peek_kw("UNIQUE")
            || cur.peek_kw("KEY")
            || cur.peek_kw("INDEX")
            || cur.peek_kw("FULLTEXT")
            || cur.peek_kw("SPATIAL")
            || cur.peek_kw("FOREIGN")
            || cur.peek_kw("CHECK")
            || cur.peek_kw("PERIOD")
        {
            if cur.peek_kws(&["PRIMARY", "KEY", "IF"]) {
                cur.next();
                cur.next();
            }
            return Ok(match definition(cur)? {
                Definition::PrimaryKey(cols) => AlterSpec::AddPrimaryKey(cols),
                Definition::Unique(cols) => AlterSpec::AddUnique(cols),
                _ => AlterSpec::Other,
            });
        }
        if cur.eat_kw("PARTITION") {
            cur.skip_to_separator()?;
            return Ok(AlterSpec::Other);
        }
        cur.eat_kw("COLUMN");
        let if_not_exists = cur.eat_if_not_exists();
        if cur.eat_punct('(') {
            let mut columns = Vec::new();
            loop {
                columns.push(definition(cur)?);
                if !cur.eat_punct(',') {
                    break;
                }
            }
            cur.expect_punct(')')?;
            return Ok(AlterSpec::AddColumns {
                columns,
                if_not_exists,
            });
        }
        let column = column_definition(cur)?;
        let place = place(cur)?;
        return Ok(AlterSpec::AddColumn {
            column,
            place,
            if_not_exists,
        });
    }
    if cur.eat_kw("CHANGE") {
        cur.eat_kw("COLUMN");
        let if_exists = cur.eat_if_exists();
        let old = cur.name()?;
        let column = column_definition(cur)?;
        let place = place(cur)?;
        return Ok(AlterSpec::Change {
            old,
            column,
            place,
            if_exists,
        });
    }
    if cur.eat_kw("MODIFY") {
        cur.eat_kw("COLUMN");
        let if_exists = cur.eat_if_exists();
        let column = column_definition(cur)?;
        let place = place(cur)?;
        return Ok(AlterSpec::Modify {
            column,
            place,
            if_exists,
        });
    }
    if cur.eat_kw("DROP") {
        if cur.eat_kws(&["PRIMARY", "KEY"]) {
            return Ok(AlterSpec::DropPrimaryKey);
        }
        if cur.eat_kw("INDEX")
            || cur.eat_kw("KEY")
            || cur.eat_kw("CONSTRAINT")
            || cur.eat_kw("CHECK")
            || cur.eat_kws(&["FOREIGN", "KEY"])
            || cur.eat_kw("PARTITION")
            || cur.eat_kw("PERIOD")
        {
            cur.skip_to_separator()?;
            return Ok(AlterSpec::Other);
        }
        cur.eat_kw("COLUMN");
        cur.eat_if_exists();
        let column = cur.name()?;
        let _ = cur.eat_kw("RESTRICT") || cur.eat_kw("CASCADE");
        return Ok(AlterSpec::DropColumn(column));
    }
    if cur.eat_kw("ALTER") {
        if cur.peek_kw("INDEX")
            || cur.peek_kw("KEY")
            || cur.peek_kw("CHECK")
            || cur.peek_kw("CONSTRAINT")
        {
            cur.skip_to_separator()?;
            return Ok(AlterSpec::Other);
        }
        cur.eat_kw("COLUMN");
        cur.eat_if_exists();
        let column = cur.name()?;
        if cur.eat_kws(&["SET", "DEFAULT"]) {
            let tokens_default = default_after_keyword(cur)?;
            return Ok(AlterSpec::SetDefault {
                column,
                default: tokens_default,
            });
        }
        if cur.eat_kws(&["DROP", "DEFAULT"]) {
            return Ok(AlterSpec::DropDefault(column));
        }
        cur.skip_to_separator()?;
        return Ok(AlterSpec::Other);
    }
    if cur.eat_kw("RENAME") {
        if cur.eat_kw("COLUMN") {
            let if_exists = cur.eat_if_exists();
            let old = cur.name()?;
            cur.expect_kw("TO")?;
            let new = cur.name()?;
            return Ok(AlterSpec::RenameColumn {
                old,
                new,
                if_exists,
            });
        }
        if cur.eat_kw("INDEX") || cur.eat_kw("KEY") {
            cur.skip_to_separator()?;
            return Ok(AlterSpec::Other);
        }
        let _ = cur.eat_kw("TO") || cur.eat_kw("AS");
        return Ok(AlterSpec::Rename(cur.qualified_name()?));
    }
    if cur.eat_kws(&["CONVERT", "TO"]) {
        let _ = cur.eat_kws(&["CHARACTER", "SET"]) || cur.eat_kw("CHARSET");
        let charset = cur.name()?.to_ascii_lowercase();
        if cur.eat_kw("COLLATE") {
            cur.name()?;
        }
        return Ok(AlterSpec::ConvertCharset(charset));
    }
    if is_table_option(cur) {
        let mut options = TableOptions::default();
        // One option per spec; commas between options are spec separators here.
        let parsed = single_table_option(cur)?;
        options.charset = parsed.charset;
        options.comment = parsed.comment;
        while is_table_option(cur) {
            let more = single_table_option(cur)?;
            if more.charset.is_some() {
                options.charset = more.charset;
            }
            if more.comment.is_some() {
                options.comment = more.comment;
            }
        }
        return Ok(AlterSpec::Options(options));
    }
    // ALGORITHM=, LOCK=, FORCE, ORDER BY, partition management, ENABLE/DISABLE KEYS, ...
    cur.skip_to_separator()?;
    Ok(AlterSpec::Other)
}

/// `[DEFAULT] CHARACTER SET|CHARSET [=] x` or `COMMENT [=] '...'` into `options`; `false` (and
/// only `DEFAULT` consumed) for any other option.
fn charset_or_comment(cur: &mut Cursor<'_>, options: &mut TableOptions) -> ParseResult<bool> {
    cur.eat_kw("DEFAULT");
    if cur.eat_kws(&["CHARACTER", "SET"]) || cur.eat_kw("CHARSET") {
        cur.eat_punct('=');
        let charset = cur.name()?;
        if !charset.eq_ignore_ascii_case("DEFAULT") {
            options.charset = Some(charset.to_ascii_lowercase());
        }
        Ok(true)
    } else if cur.eat_kw("COMMENT") {
        cur.eat_punct('=');
        match cur.next() {
            Some(Token::Str(s)) => options.comment = Some(unquote(s).to_string()),
            _ => return Err("expected a table comment".to_string()),
        }
        Ok(true)
    } else {
        Ok(false)
    }
}

fn single_table_option(cur: &mut Cursor<'_>) -> ParseResult<TableOptions> {
    let mut options = TableOptions::default();
    let read =
        charset_or_comment(cur, &mut options)? || cur.eat_kws(&["WITH", "SYSTEM", "VERSIONING"]);
    if read {
    } else if cur.peek_kw("UNION")
        || cur.peek_kw("DATA")
        || cur.peek_kw("INDEX")
        || cur.peek_kw("TABLESPACE")
    {
        cur.skip_to_separator()?;
    } else {
        cur.next();
        cur.eat_punct('=');
        cur.next();
    }
    Ok(options)
}

/// A default value in `ALTER COLUMN c SET DEFAULT ...`.
fn default_after_keyword(cur: &mut Cursor<'_>) -> ParseResult<DefaultSpec> {
    // Reuse the column parser on a synthetic attribute list: `x INT DEFAULT <value>`.
    let start = cur.position();
    cur.skip_to_separator()?;
    let tokens = cur.slice_from(start);
    let mut synthetic = vec![
        Token::Word("x".into()),
        Token::Word("int".into()),
        Token::Word("DEFAULT".into()),
    ];
    synthetic.extend_from_slice(tokens);
    let mut inner = Cursor::new(&synthetic);
    Ok(column_definition(&mut inner)?.default)
}

fn create_index(cur: &mut Cursor<'_>, unique: bool) -> ParseResult<Statement> {
    cur.eat_if_not_exists();
    cur.name()?;
    if cur.eat_kw("USING") {
        cur.next();
    }
    cur.expect_kw("ON")?;
    let table = cur.qualified_name()?;
    let columns = index_columns(cur)?;
    skip_rest(cur);
    Ok(if unique {
        Statement::CreateUniqueIndex { table, columns }
    } else {
        Statement::IndexOnly(table)
    })
}

/// `SET [GLOBAL|SESSION] var = value, ...`: the variables with literal or name values.
fn set_statement(cur: &mut Cursor<'_>) -> ParseResult<Statement> {
    let mut variables = Vec::new();
    loop {
        let _ = cur.eat_kw("GLOBAL") || cur.eat_kw("SESSION") || cur.eat_kw("LOCAL");
        let name = match cur.next() {
            Some(Token::Variable(v)) => {
                let v = v.trim_start_matches('@');
                let v = ["global.", "session.", "local."]
                    .iter()
                    .find_map(|p| v.strip_prefix(p))
                    .unwrap_or(v);
                v.to_string()
            }
            Some(Token::Word(w))
                if w.eq_ignore_ascii_case("NAMES") || w.eq_ignore_ascii_case("CHARACTER") =>
            {
                return Ok(Statement::Other);
            }
            Some(Token::Word(w)) | Some(Token::Quoted(w)) => w.clone(),
            _ => return Ok(Statement::Other),
        };
        if !(cur.eat_punct('=') || (cur.eat_punct(':') && cur.eat_punct('='))) {
            return Ok(Statement::Other);
        }
        let value = match cur.next() {
            Some(Token::Word(w)) | Some(Token::Quoted(w)) | Some(Token::Number(w)) => w.clone(),
            Some(Token::Str(s)) => unquote(s).to_string(),
            _ => return Ok(Statement::Other),
        };
        variables.push((name.to_ascii_lowercase(), value));
        if !cur.eat_punct(',') {
            break;
        }
    }
    if !cur.at_end() {
        return Ok(Statement::Other);
    }
    Ok(Statement::SetVariables(variables))
}
