//! The record schemas of every captured table, keyed by table, rebuilt when the table changes.
//!
//! Schemas are built once per table version and shared (`Arc`) by every record of that version.
//! A DDL statement invalidates the tables it names; the next row event of such a table re-reads
//! it from `information_schema`. A table with a column type Strait cannot represent is kept as
//! an error, reported (with table and column) when one of its rows shows up.

use std::collections::HashMap;
use std::sync::Arc;

use mysql_async::Conn;
use strait_api::ConnectError;

use super::config::MySqlSourceConfig;
use super::envelope::{RecordContext, TableSchemas};
use super::schema::{load_tables, TableDef, TableId};
use super::types::UnsupportedType;

type Entry = Result<Arc<TableSchemas>, UnsupportedType>;

/// Captured tables and their schemas.
pub struct Catalog {
    config: Arc<MySqlSourceConfig>,
    context: Arc<RecordContext>,
    mariadb: bool,
    tables: HashMap<TableId, Entry>,
    /// Tables known not to exist (or not captured), so their events cost no query.
    absent: HashMap<TableId, ()>,
}

impl Catalog {
    /// An empty catalog.
    pub fn new(config: Arc<MySqlSourceConfig>, context: Arc<RecordContext>, mariadb: bool) -> Self {
        Self {
            config,
            context,
            mariadb,
            tables: HashMap::new(),
            absent: HashMap::new(),
        }
    }

    fn insert(&mut self, def: &TableDef) {
        let entry = TableSchemas::new(def, &self.config, &self.context).map(Arc::new);
        self.absent.remove(&def.id);
        self.tables.insert(def.id.clone(), entry);
    }

    /// Replaces the catalog with these definitions.
    pub fn replace_all(&mut self, defs: &[TableDef]) {
        self.tables.clear();
        self.absent.clear();
        for def in defs {
            self.insert(def);
        }
    }

    /// Loads every captured table.
    ///
    /// # Errors
    /// Retriable when `information_schema` cannot be read.
    pub async fn load_all(&mut self, conn: &mut Conn) -> Result<Vec<TableDef>, ConnectError> {
        let defs = load_tables(conn, &self.config.filters, self.mariadb, None)
            .await
            .map_err(|e| {
                ConnectError::retriable_from(
                    "reading the table model from information_schema failed",
                    e,
                )
            })?;
        self.replace_all(&defs);
        Ok(defs)
    }

    /// The schemas of a captured table, reading it when unknown; `None` when the table is not
    /// captured or does not exist.
    ///
    /// # Errors
    /// Retriable when `information_schema` cannot be read; data when a column type cannot be
    /// represented.
    pub async fn get(
        &mut self,
        conn: &mut Conn,
        id: &TableId,
    ) -> Result<Option<Arc<TableSchemas>>, ConnectError> {
        if !self.config.filters.table_included(&id.db, &id.table) || self.absent.contains_key(id) {
            return Ok(None);
        }
        if !self.tables.contains_key(id) {
            let defs = load_tables(conn, &self.config.filters, self.mariadb, Some(id))
                .await
                .map_err(|e| {
                    ConnectError::retriable_from(
                        format!("reading the definition of table {id} failed"),
                        e,
                    )
                })?;
            match defs.first() {
                Some(def) => self.insert(def),
                None => {
                    self.absent.insert(id.clone(), ());
                    return Ok(None);
                }
            }
        }
        match self.tables.get(id) {
            Some(Ok(schemas)) => Ok(Some(schemas.clone())),
            Some(Err(e)) => Err(ConnectError::data(format!("table {id}: {e}"))),
            None => Ok(None),
        }
    }

    /// Forgets tables a DDL statement touched.
    pub fn invalidate(&mut self, ids: &[TableId]) {
        for id in ids {
            self.tables.remove(id);
            self.absent.remove(id);
        }
    }

    /// Forgets every table.
    pub fn invalidate_all(&mut self) {
        self.tables.clear();
        self.absent.clear();
    }

    /// The schemas of an already known table.
    pub fn cached(&self, id: &TableId) -> Option<Arc<TableSchemas>> {
        match self.tables.get(id) {
            Some(Ok(s)) => Some(s.clone()),
            _ => None,
        }
    }
}
