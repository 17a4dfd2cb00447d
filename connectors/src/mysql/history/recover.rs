//! Rebuilding the table model from the history: Debezium's `AbstractSchemaHistory.recover`.
//!
//! Every record of this connector's partition whose position is at or before the stored offset
//! is applied in topic order; later records are skipped (not a stop: Debezium checks each one).
//! A record's table changes are authoritative when it has any — CREATE and ALTER replace the
//! table (a rename also removes the previous id), DROP removes it — so recovery needs no DDL
//! parser for tables. Records without table changes (database-level statements, documents of
//! Debezium versions that stored only DDL) go to the statement applier with the record's
//! database, which is how `CREATE DATABASE` and `SET character_set_server` reach the model.
//! The applier is a parameter so this module does not depend on the DDL parser; Debezium's
//! `schema.history.internal.ddl.filter` is applied there (only to records without table
//! changes, as in Debezium).

use strait_api::OffsetMap;

use super::position::is_at_or_before;
use super::{HistoryError, HistoryRecord};
use crate::mysql::model::{ChangeKind, TableChange, TableModel};

/// Applies `records` of `partition` at or before `offset` to `model`; returns how many records
/// were applied.
///
/// # Errors
/// [`HistoryError::Apply`] when `apply_ddl` fails or a CREATE/ALTER change carries no table.
pub fn recover(
    records: &[HistoryRecord],
    partition: &OffsetMap,
    offset: &OffsetMap,
    model: &mut TableModel,
    mut apply_ddl: impl FnMut(&mut TableModel, &str, Option<&str>) -> Result<(), String>,
) -> Result<usize, HistoryError> {
    let mut applied = 0;
    for record in records {
        if !same_source(&record.source, partition) || !is_at_or_before(&record.position, offset) {
            tracing::debug!(ddl = %record.ddl, "schema history record skipped");
            continue;
        }
        let failed = |reason: String| HistoryError::Apply {
            position: serde_json::Value::Object(record.position.clone()).to_string(),
            ddl: record.ddl.clone(),
            reason,
        };
        if !record.table_changes.is_empty() {
            for change in &record.table_changes {
                apply_change(model, change).map_err(&failed)?;
            }
        } else if !record.ddl.is_empty() {
            apply_ddl(model, &record.ddl, record.database_name.as_deref()).map_err(&failed)?;
        } else {
            continue;
        }
        applied += 1;
    }
    Ok(applied)
}

/// Debezium compares the source documents as maps: same keys and values, any order.
fn same_source(a: &OffsetMap, b: &OffsetMap) -> bool {
    a.len() == b.len() && a.iter().all(|(k, v)| b.get(k) == Some(v))
}

/// One table change, as Debezium's `Tables.overwriteTable`/`removeTable`.
pub fn apply_change(model: &mut TableModel, change: &TableChange) -> Result<(), String> {
    match change.kind {
        ChangeKind::Create | ChangeKind::Alter => {
            let table = change.table.as_ref().ok_or_else(|| {
                format!(
                    "{} change of {} carries no table definition",
                    change.kind.as_str(),
                    change.id
                )
            })?;
            if let Some(previous) = &change.previous_id {
                model.tables.remove(previous);
            }
            // A table implies its database; keep the model's database list consistent.
            model.databases.entry(table.id.db.clone()).or_default();
            model.tables.insert(change.id.clone(), table.clone());
        }
        ChangeKind::Drop => {
            model.tables.remove(&change.id);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::mysql::model::DatabaseDef;
    use crate::mysql::schema::{TableDef, TableId};

    fn map(v: serde_json::Value) -> OffsetMap {
        v.as_object().unwrap().clone()
    }

    fn table(db: &str, name: &str, columns: &[&str]) -> TableDef {
        let mut def = TableDef {
            id: TableId::new(db, name),
            columns: Vec::new(),
            primary_key: columns.iter().take(1).map(|c| c.to_string()).collect(),
            default_charset: None,
            comment: None,
        };
        for (i, c) in columns.iter().enumerate() {
            def.columns.push(crate::mysql::schema::ColumnDef {
                name: c.to_string(),
                position: i as u32 + 1,
                data_type: "int".into(),
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
            });
        }
        def
    }

    fn record(pos: i64, ddl: &str, changes: Vec<TableChange>) -> HistoryRecord {
        HistoryRecord {
            source: map(json!({"server": "s"})),
            position: map(json!({"file": "b.000001", "pos": pos})),
            ts_ms: 0,
            database_name: Some("db".into()),
            schema_name: None,
            ddl: ddl.into(),
            table_changes: changes,
        }
    }

    fn create(t: TableDef) -> TableChange {
        TableChange {
            kind: ChangeKind::Create,
            id: t.id.clone(),
            previous_id: None,
            table: Some(t),
        }
    }

    fn history() -> Vec<HistoryRecord> {
        vec![
            record(100, "CREATE DATABASE db", vec![]),
            record(
                200,
                "CREATE TABLE a ...",
                vec![create(table("db", "a", &["x"]))],
            ),
            record(
                300,
                "RENAME TABLE a TO b",
                vec![TableChange {
                    kind: ChangeKind::Alter,
                    id: TableId::new("db", "b"),
                    previous_id: Some(TableId::new("db", "a")),
                    table: Some(table("db", "b", &["x"])),
                }],
            ),
            record(
                400,
                "CREATE TABLE c ...; ALTER TABLE b ADD y INT",
                vec![
                    create(table("db", "c", &["k"])),
                    TableChange {
                        kind: ChangeKind::Alter,
                        id: TableId::new("db", "b"),
                        previous_id: None,
                        table: Some(table("db", "b", &["x", "y"])),
                    },
                ],
            ),
            record(
                500,
                "DROP TABLE c",
                vec![TableChange {
                    kind: ChangeKind::Drop,
                    id: TableId::new("db", "c"),
                    previous_id: None,
                    table: None,
                }],
            ),
        ]
    }

    /// The DDL applier of these tests: only `CREATE DATABASE`.
    fn apply_ddl(model: &mut TableModel, ddl: &str, db: Option<&str>) -> Result<(), String> {
        match ddl.strip_prefix("CREATE DATABASE ") {
            Some(name) => {
                assert_eq!(db, Some("db"));
                model.databases.insert(name.into(), DatabaseDef::default());
                Ok(())
            }
            None => Err(format!("cannot parse '{ddl}'")),
        }
    }

    #[test]
    fn replays_changes_up_to_the_offset() {
        let partition = map(json!({"server": "s"}));
        let mut model = TableModel::default();
        let n = recover(
            &history(),
            &partition,
            &map(json!({"file": "b.000001", "pos": 400})),
            &mut model,
            apply_ddl,
        )
        .unwrap();
        assert_eq!(n, 4);
        assert!(model.databases.contains_key("db"));
        let names: Vec<String> = model.tables.keys().map(|k| k.to_string()).collect();
        assert_eq!(names, ["db.b", "db.c"]);
        assert_eq!(model.tables[&TableId::new("db", "b")].columns.len(), 2);

        let mut model = TableModel::default();
        let n = recover(
            &history(),
            &partition,
            &map(json!({"file": "b.000001", "pos": 350})),
            &mut model,
            apply_ddl,
        )
        .unwrap();
        assert_eq!(n, 3);
        let names: Vec<String> = model.tables.keys().map(|k| k.to_string()).collect();
        assert_eq!(names, ["db.b"], "renamed, the old id removed");
        assert_eq!(model.tables[&TableId::new("db", "b")].columns.len(), 1);

        let mut model = TableModel::default();
        recover(
            &history(),
            &partition,
            &map(json!({"file": "b.000002", "pos": 4})),
            &mut model,
            apply_ddl,
        )
        .unwrap();
        let names: Vec<String> = model.tables.keys().map(|k| k.to_string()).collect();
        assert_eq!(names, ["db.b"], "c dropped");
    }

    #[test]
    fn other_partitions_are_ignored_and_ddl_errors_carry_the_position() {
        let mut model = TableModel::default();
        let n = recover(
            &history(),
            &map(json!({"server": "other"})),
            &map(json!({"file": "b.000009", "pos": 4})),
            &mut model,
            apply_ddl,
        )
        .unwrap();
        assert_eq!((n, model.tables.len()), (0, 0));

        let mut bad = history();
        bad.insert(1, record(150, "ALTER DATABASE db CHARSET x", vec![]));
        let err = recover(
            &bad,
            &map(json!({"server": "s"})),
            &map(json!({"file": "b.000009", "pos": 4})),
            &mut TableModel::default(),
            apply_ddl,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("\"pos\":150") && text.contains("ALTER DATABASE"),
            "{text}"
        );
    }
}
