//! Applies a parsed [`Statement`] to the table model, with Debezium's semantics.
//!
//! Changes are made on a staging overlay and written to the model only when the whole
//! statement succeeded, so an error leaves the model as it was. Debezium's choices are kept
//! where they differ from the server (see `mod.rs` for the list): the key is set by
//! `PRIMARY KEY`, else by the first UNIQUE index whose columns are all NOT NULL when it is
//! declared, and is not recomputed by `DROP INDEX`; `ALTER` of an unknown table is ignored;
//! `CREATE TABLE` of a known table is ignored; `CHANGE` keeps the old column's comment,
//! auto-increment and enum values when the new definition does not restate them.

use std::collections::BTreeMap;

use super::column::{ColumnSpec, DefaultSpec};
use super::statement::{AlterSpec, Definition, Name, Place, Statement};
use crate::mysql::model::{ChangeKind, DatabaseDef, TableChange, TableModel};
use crate::mysql::schema::{ColumnDef, TableDef, TableId};

/// What a statement did, before it is written to the model.
pub struct Outcome {
    pub database: Option<String>,
    pub changes: Vec<TableChange>,
    pub truncated: Vec<TableId>,
    pub is_ddl: bool,
}

/// The model as the statement sees it: reads fall through to the model, writes stay here.
struct Staging<'m> {
    model: &'m TableModel,
    tables: BTreeMap<TableId, Option<TableDef>>,
    databases: BTreeMap<String, Option<DatabaseDef>>,
    server_charset: Option<Option<String>>,
}

impl<'m> Staging<'m> {
    fn table(&self, id: &TableId) -> Option<TableDef> {
        match self.tables.get(id) {
            Some(t) => t.clone(),
            None => self.model.tables.get(id).cloned(),
        }
    }

    fn database(&self, name: &str) -> Option<DatabaseDef> {
        match self.databases.get(name) {
            Some(d) => d.clone(),
            None => self.model.databases.get(name).cloned(),
        }
    }

    fn server_charset(&self) -> Option<String> {
        match &self.server_charset {
            Some(c) => c.clone(),
            None => self.model.server_charset.clone(),
        }
    }

    /// Debezium's `charsetForTable`: the database's charset, else the server's.
    fn charset_for_table(&self, id: &TableId) -> Option<String> {
        self.database(&id.db)
            .and_then(|d| d.charset)
            .or_else(|| self.server_charset())
    }
}

/// Runs `statement` against `model`; the model changes only when it succeeds.
pub fn run(
    model: &mut TableModel,
    statement: Statement,
    default_db: &str,
) -> Result<Outcome, String> {
    let mut staging = Staging {
        model: &*model,
        tables: BTreeMap::new(),
        databases: BTreeMap::new(),
        server_charset: None,
    };
    let outcome = execute(&mut staging, statement, default_db)?;
    let Staging {
        tables,
        databases,
        server_charset,
        ..
    } = staging;
    for (id, table) in tables {
        match table {
            Some(t) => {
                model.tables.insert(id, t);
            }
            None => {
                model.tables.remove(&id);
            }
        }
    }
    for (name, db) in databases {
        match db {
            Some(d) => {
                model.databases.insert(name, d);
            }
            None => {
                model.databases.remove(&name);
            }
        }
    }
    if let Some(c) = server_charset {
        model.server_charset = c;
    }
    Ok(outcome)
}

fn resolve(name: &Name, default_db: &str) -> TableId {
    TableId::new(
        name.0.clone().unwrap_or_else(|| default_db.to_string()),
        name.1.clone(),
    )
}

fn default_database(default_db: &str) -> Option<String> {
    (!default_db.is_empty()).then(|| default_db.to_string())
}

fn execute(
    staging: &mut Staging<'_>,
    statement: Statement,
    default_db: &str,
) -> Result<Outcome, String> {
    let mut outcome = Outcome {
        database: default_database(default_db),
        changes: Vec::new(),
        truncated: Vec::new(),
        is_ddl: true,
    };
    match statement {
        Statement::Other => outcome.is_ddl = false,
        Statement::IgnoredDdl | Statement::Use(_) => {}
        Statement::IndexOnly(name) => outcome.database = Some(resolve(&name, default_db).db),
        Statement::CreateTable {
            name,
            definitions,
            options,
        } => {
            let id = resolve(&name, default_db);
            outcome.database = Some(id.db.clone());
            if staging.table(&id).is_some() {
                return Ok(outcome);
            }
            let charset = options
                .charset
                .clone()
                .or_else(|| staging.charset_for_table(&id));
            let mut table = TableDef {
                id: id.clone(),
                columns: Vec::new(),
                primary_key: Vec::new(),
                default_charset: charset,
                comment: options.comment.filter(|c| !c.is_empty()),
            };
            for definition in &definitions {
                add_definition(&mut table, definition);
            }
            renumber(&mut table);
            outcome
                .changes
                .push(change(ChangeKind::Create, &table, None));
            staging.tables.insert(id, Some(table));
        }
        Statement::CreateTableLike { name, like } => {
            let id = resolve(&name, default_db);
            outcome.database = Some(id.db.clone());
            if let Some(original) = staging.table(&resolve(&like, default_db)) {
                let table = TableDef {
                    id: id.clone(),
                    comment: None,
                    ..original
                };
                outcome
                    .changes
                    .push(change(ChangeKind::Create, &table, None));
                staging.tables.insert(id, Some(table));
            }
        }
        Statement::AlterTable { name, specs } => {
            let id = resolve(&name, default_db);
            outcome.database = Some(id.db.clone());
            let Some(mut table) = staging.table(&id) else {
                return Ok(outcome);
            };
            for spec in specs {
                alter(&mut table, spec, default_db)?;
            }
            renumber(&mut table);
            if table.id != id {
                staging.tables.insert(id, None);
            }
            outcome
                .changes
                .push(change(ChangeKind::Alter, &table, None));
            staging.tables.insert(table.id.clone(), Some(table));
        }
        Statement::DropTables(names) => {
            for (i, name) in names.iter().enumerate() {
                let id = resolve(name, default_db);
                if i == 0 {
                    outcome.database = Some(id.db.clone());
                }
                staging.tables.insert(id.clone(), None);
                outcome.changes.push(TableChange {
                    kind: ChangeKind::Drop,
                    id,
                    previous_id: None,
                    table: None,
                });
            }
        }
        Statement::RenameTables(pairs) => {
            for (i, (from, to)) in pairs.iter().enumerate() {
                let from = resolve(from, default_db);
                let to = resolve(to, default_db);
                if i == 0 {
                    outcome.database = Some(to.db.clone());
                }
                let Some(mut table) = staging.table(&from) else {
                    continue;
                };
                table.id = to.clone();
                staging.tables.insert(from.clone(), None);
                outcome
                    .changes
                    .push(change(ChangeKind::Alter, &table, Some(from)));
                staging.tables.insert(to, Some(table));
            }
        }
        Statement::Truncate(name) => {
            let id = resolve(&name, default_db);
            outcome.database = Some(id.db.clone());
            outcome.truncated.push(id);
        }
        Statement::CreateDatabase { name, charset } => {
            outcome.database = Some(name.clone());
            let charset = resolve_database_charset(staging, charset);
            let mut db = staging.database(&name).unwrap_or_default();
            if charset.is_some() {
                db.charset = charset;
            }
            staging.databases.insert(name, Some(db));
        }
        Statement::AlterDatabase { name, charset } => {
            let name = name.unwrap_or_else(|| default_db.to_string());
            outcome.database = Some(name.clone());
            let charset = resolve_database_charset(staging, charset);
            if charset.is_some() {
                let mut db = staging.database(&name).unwrap_or_default();
                db.charset = charset;
                staging.databases.insert(name, Some(db));
            }
        }
        Statement::DropDatabase(name) => {
            outcome.database = Some(name.clone());
            let ids: Vec<TableId> = staging
                .model
                .tables
                .keys()
                .chain(staging.tables.keys())
                .filter(|id| id.db == name)
                .cloned()
                .collect();
            for id in ids {
                staging.tables.insert(id, None);
            }
            staging.databases.insert(name, None);
        }
        Statement::CreateUniqueIndex { table, columns } => {
            let id = resolve(&table, default_db);
            outcome.database = Some(id.db.clone());
            if let Some(mut t) = staging.table(&id) {
                if t.primary_key.is_empty() && unique_as_key(&mut t, &columns) {
                    outcome.changes.push(change(ChangeKind::Alter, &t, None));
                    staging.tables.insert(id, Some(t));
                }
            }
        }
        Statement::SetVariables(variables) => {
            outcome.is_ddl = false;
            for (name, value) in variables {
                match name.as_str() {
                    "character_set_server" => {
                        staging.server_charset = Some(Some(value.to_ascii_lowercase()));
                        outcome.is_ddl = true;
                    }
                    "character_set_database" if !default_db.is_empty() => {
                        let mut db = staging.database(default_db).unwrap_or_default();
                        db.charset = Some(value.to_ascii_lowercase());
                        staging.databases.insert(default_db.to_string(), Some(db));
                        outcome.is_ddl = true;
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(outcome)
}

fn resolve_database_charset(staging: &Staging<'_>, charset: Option<String>) -> Option<String> {
    match charset {
        Some(c) if c.eq_ignore_ascii_case("default") => staging.server_charset(),
        other => other,
    }
}

fn change(kind: ChangeKind, table: &TableDef, previous_id: Option<TableId>) -> TableChange {
    TableChange {
        kind,
        id: table.id.clone(),
        previous_id,
        table: Some(table.clone()),
    }
}

fn renumber(table: &mut TableDef) {
    for (i, column) in table.columns.iter_mut().enumerate() {
        column.position = u32::try_from(i + 1).unwrap_or(u32::MAX);
    }
}

fn index_of(table: &TableDef, name: &str) -> Option<usize> {
    table
        .columns
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case(name))
}

/// Builds the column Debezium's listener would (`exitColumnDefinition`).
fn finish(spec: &ColumnSpec, table_charset: Option<&str>) -> ColumnDef {
    let nullable = !spec.primary && spec.nullable.unwrap_or(true);
    let (has_default, default) = match &spec.default {
        DefaultSpec::Set(value) => (true, value.clone()),
        // A nullable column gets the implicit NULL default (`ColumnEditor.optional(true)`).
        DefaultSpec::Unset => (nullable, None),
    };
    ColumnDef {
        name: spec.name.clone(),
        position: 0,
        data_type: spec.data_type.clone(),
        unsigned: spec.unsigned,
        zerofill: spec.zerofill,
        length: spec.length,
        scale: spec.scale,
        nullable,
        charset: spec.charset.clone().or_else(|| {
            spec.textual
                .then(|| table_charset.map(str::to_string))
                .flatten()
        }),
        enum_values: spec.enum_values.clone().unwrap_or_default(),
        default,
        has_default,
        auto_increment: spec.auto_increment,
        generated: spec.generated,
        comment: spec.comment.clone(),
    }
}

/// Adds or replaces (in place, as Debezium's `addColumn` does) a column.
fn put_column(table: &mut TableDef, column: ColumnDef) -> usize {
    match index_of(table, &column.name) {
        Some(i) => {
            table.columns[i] = column;
            i
        }
        None => {
            table.columns.push(column);
            table.columns.len() - 1
        }
    }
}

/// Inline `PRIMARY KEY` / `UNIQUE` of a column just added.
fn inline_key(table: &mut TableDef, spec: &ColumnSpec, name: &str) {
    if spec.primary || (spec.unique && table.primary_key.is_empty()) {
        table.primary_key = vec![name.to_string()];
    }
}

fn add_definition(table: &mut TableDef, definition: &Definition) {
    match definition {
        Definition::Column(spec) => {
            let column = finish(spec, table.default_charset.as_deref());
            put_column(table, column);
            inline_key(table, spec, &spec.name);
        }
        Definition::PrimaryKey(columns) => set_primary_key(table, columns),
        Definition::Unique(columns) => {
            if table.primary_key.is_empty() {
                unique_as_key(table, columns);
            }
        }
        Definition::Other => {}
    }
}

/// Debezium's `parsePrimaryIndexColumnNames`: key columns become NOT NULL (losing an implicit
/// NULL default).
fn set_primary_key(table: &mut TableDef, names: &[String]) {
    let mut key = Vec::with_capacity(names.len());
    for name in names {
        match index_of(table, name) {
            Some(i) => {
                let column = &mut table.columns[i];
                if column.nullable {
                    column.nullable = false;
                    if column.has_default && column.default.is_none() {
                        column.has_default = false;
                    }
                }
                key.push(column.name.clone());
            }
            None => key.push(name.clone()),
        }
    }
    table.primary_key = key;
}

/// Debezium's unique-index rule: the index becomes the key when all its columns exist and are
/// NOT NULL. Returns whether it did.
fn unique_as_key(table: &mut TableDef, names: &[String]) -> bool {
    let mut key = Vec::with_capacity(names.len());
    for name in names {
        match index_of(table, name) {
            Some(i) if !table.columns[i].nullable => key.push(table.columns[i].name.clone()),
            _ => return false,
        }
    }
    table.primary_key = key;
    true
}

fn rename_in_key(table: &mut TableDef, old: &str, new: &str) {
    for k in &mut table.primary_key {
        if k.eq_ignore_ascii_case(old) {
            *k = new.to_string();
        }
    }
}

fn place_column(table: &mut TableDef, index: usize, place: Option<&Place>) -> Result<(), String> {
    let Some(place) = place else {
        return Ok(());
    };
    let column = table.columns.remove(index);
    let target = match place {
        Place::First => 0,
        Place::After(after) => {
            index_of(table, after)
                .ok_or_else(|| format!("no column {after} to place a column after"))?
                + 1
        }
    };
    table.columns.insert(target, column);
    Ok(())
}

fn alter(table: &mut TableDef, spec: AlterSpec, default_db: &str) -> Result<(), String> {
    let missing =
        |name: &str, table: &TableDef| format!("column {name} does not exist in {}", table.id);
    match spec {
        AlterSpec::AddColumn {
            column,
            place,
            if_not_exists,
        } => {
            if if_not_exists && index_of(table, &column.name).is_some() {
                return Ok(());
            }
            let def = finish(&column, table.default_charset.as_deref());
            let i = put_column(table, def);
            inline_key(table, &column, &column.name);
            place_column(table, i, place.as_ref())?;
        }
        AlterSpec::AddColumns {
            columns,
            if_not_exists,
        } => {
            for definition in &columns {
                if let Definition::Column(spec) = definition {
                    if if_not_exists && index_of(table, &spec.name).is_some() {
                        continue;
                    }
                }
                add_definition(table, definition);
            }
        }
        AlterSpec::AddPrimaryKey(columns) => set_primary_key(table, &columns),
        AlterSpec::AddUnique(columns) => {
            if table.primary_key.is_empty() {
                unique_as_key(table, &columns);
            }
        }
        AlterSpec::Change {
            old,
            column,
            place,
            if_exists,
        } => {
            let Some(i) = index_of(table, &old) else {
                return if if_exists {
                    Ok(())
                } else {
                    Err(missing(&old, table))
                };
            };
            let existing = table.columns[i].clone();
            let mut def = finish(&column, table.default_charset.as_deref());
            // Debezium edits the existing column: what the new definition does not set stays.
            def.comment = def.comment.or(existing.comment);
            def.auto_increment |= existing.auto_increment;
            def.generated |= existing.generated;
            if column.enum_values.is_none() {
                def.enum_values = existing.enum_values;
            }
            table.columns[i] = def;
            rename_in_key(table, &old, &column.name);
            if column.primary || (column.unique && table.primary_key.is_empty()) {
                table.primary_key = vec![column.name.clone()];
            }
            place_column(table, i, place.as_ref())?;
        }
        AlterSpec::Modify {
            column,
            place,
            if_exists,
        } => {
            let Some(i) = index_of(table, &column.name) else {
                return if if_exists {
                    Ok(())
                } else {
                    Err(missing(&column.name, table))
                };
            };
            table.columns[i] = finish(&column, table.default_charset.as_deref());
            rename_in_key(table, &column.name, &column.name);
            inline_key(table, &column, &column.name);
            place_column(table, i, place.as_ref())?;
        }
        AlterSpec::RenameColumn {
            old,
            new,
            if_exists,
        } => {
            let Some(i) = index_of(table, &old) else {
                return if if_exists {
                    Ok(())
                } else {
                    Err(missing(&old, table))
                };
            };
            table.columns[i].name = new.clone();
            rename_in_key(table, &old, &new);
        }
        AlterSpec::DropColumn(name) => {
            if let Some(i) = index_of(table, &name) {
                table.columns.remove(i);
                table.primary_key.retain(|k| !k.eq_ignore_ascii_case(&name));
            }
        }
        AlterSpec::DropPrimaryKey => table.primary_key.clear(),
        AlterSpec::SetDefault { column, default } => {
            if let (Some(i), DefaultSpec::Set(value)) = (index_of(table, &column), default) {
                table.columns[i].has_default = true;
                table.columns[i].default = value;
            }
        }
        AlterSpec::DropDefault(column) => {
            if let Some(i) = index_of(table, &column) {
                table.columns[i].has_default = false;
                table.columns[i].default = None;
            }
        }
        AlterSpec::Rename(name) => table.id = resolve(&name, default_db),
        AlterSpec::ConvertCharset(charset) => {
            for column in &mut table.columns {
                if column.charset.is_some() {
                    column.charset = Some(charset.clone());
                }
            }
            table.default_charset = Some(charset);
        }
        AlterSpec::Options(options) => {
            if let Some(charset) = options.charset {
                table.default_charset = Some(charset);
            }
            if let Some(comment) = options.comment {
                table.comment = (!comment.is_empty()).then_some(comment);
            }
        }
        AlterSpec::Other => {}
    }
    Ok(())
}
