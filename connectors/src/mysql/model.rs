//! The table model at a binlog position: every known database and table, and the changes a DDL
//! statement makes to it.
//!
//! Debezium keeps the same model (`Tables`) and records each change as a `TableChange` in the
//! schema history topic and the schema change topic. Here [`super::ddl`] applies statements to
//! a [`TableModel`] and returns [`TableChange`]s; [`super::history`] stores and replays them.

use std::collections::BTreeMap;

use super::schema::{TableDef, TableId};

/// A database known to the model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DatabaseDef {
    /// Default character set of the database (`CREATE DATABASE ... CHARACTER SET`).
    pub charset: Option<String>,
}

/// Every known database and table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableModel {
    /// `character_set_server`, the charset of databases created without one.
    pub server_charset: Option<String>,
    pub databases: BTreeMap<String, DatabaseDef>,
    pub tables: BTreeMap<TableId, TableDef>,
}

/// What a change did to a table (Debezium's `TableChangeType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Create,
    Alter,
    Drop,
}

impl ChangeKind {
    /// The name Debezium writes (`CREATE`, `ALTER`, `DROP`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "CREATE",
            Self::Alter => "ALTER",
            Self::Drop => "DROP",
        }
    }
}

/// One table's change (Debezium's `TableChange`): a rename is an `Alter` of the new id with
/// `previous_id` set; `table` is `None` only for `Drop`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableChange {
    pub kind: ChangeKind,
    pub id: TableId,
    pub previous_id: Option<TableId>,
    pub table: Option<TableDef>,
}
