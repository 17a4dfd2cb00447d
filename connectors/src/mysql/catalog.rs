//! The table model and the record schemas built from it.
//!
//! The model ([`TableModel`]) is what Debezium's parser would hold at the binlog position being
//! read: built from `SHOW CREATE TABLE` at a snapshot or replayed from the schema history, and
//! moved forward by every DDL statement of the binlog ([`Catalog::apply_ddl`]), never re-read
//! from the server while streaming. Record schemas are built once per table version from the
//! model and shared (`Arc`) by every record of that version; a DDL statement drops those of the
//! tables it changed. A table with a column type Strait cannot represent is kept as an error,
//! reported (with table and column) when one of its rows shows up.

use std::collections::HashMap;
use std::sync::Arc;

use strait_api::ConnectError;

use super::config::MySqlSourceConfig;
use super::ddl::{self, Applied, DdlError};
use super::envelope::{RecordContext, TableSchemas};
use super::model::TableModel;
use super::schema::TableId;
use super::types::UnsupportedType;

type Entry = Result<Arc<TableSchemas>, UnsupportedType>;

/// The table model and the schemas of its captured tables.
pub struct Catalog {
    config: Arc<MySqlSourceConfig>,
    context: Arc<RecordContext>,
    model: TableModel,
    schemas: HashMap<TableId, Entry>,
}

impl Catalog {
    /// An empty catalog.
    pub fn new(config: Arc<MySqlSourceConfig>, context: Arc<RecordContext>) -> Self {
        Self {
            config,
            context,
            model: TableModel::default(),
            schemas: HashMap::new(),
        }
    }

    /// The model.
    pub fn model(&self) -> &TableModel {
        &self.model
    }

    /// Replaces the model (a new snapshot, or one recovered from the history).
    pub fn replace_model(&mut self, model: TableModel) {
        self.model = model;
        self.schemas.clear();
    }

    /// Applies one statement to the model; the schemas of the tables it changed are rebuilt
    /// when next asked for.
    ///
    /// # Errors
    /// The parser's error; the model is then unchanged.
    pub fn apply_ddl(&mut self, sql: &str, default_db: &str) -> Result<Applied, DdlError> {
        let applied = ddl::apply(&mut self.model, sql, default_db)?;
        for change in &applied.changes {
            self.schemas.remove(&change.id);
            if let Some(previous) = &change.previous_id {
                self.schemas.remove(previous);
            }
        }
        Ok(applied)
    }

    /// The schemas of a captured table; `None` when the table is not captured or not in the
    /// model.
    ///
    /// # Errors
    /// Data when a column type cannot be represented.
    pub fn get(&mut self, id: &TableId) -> Result<Option<Arc<TableSchemas>>, ConnectError> {
        if !self.config.filters.table_included(&id.db, &id.table) {
            return Ok(None);
        }
        if !self.schemas.contains_key(id) {
            let Some(def) = self.model.tables.get(id) else {
                return Ok(None);
            };
            let entry = TableSchemas::new(def, &self.config, &self.context).map(Arc::new);
            self.schemas.insert(id.clone(), entry);
        }
        match self.schemas.get(id) {
            Some(Ok(schemas)) => Ok(Some(schemas.clone())),
            Some(Err(e)) => Err(ConnectError::data(format!("table {id}: {e}"))),
            None => Ok(None),
        }
    }

    /// The captured tables of the model, in name order.
    pub fn captured_tables(&self) -> Vec<TableId> {
        self.model
            .tables
            .keys()
            .filter(|id| self.config.filters.table_included(&id.db, &id.table))
            .cloned()
            .collect()
    }
}
