//! The table model built by parsing DDL equals the one read from `information_schema`, on the
//! real MariaDB: first for `SHOW CREATE TABLE` output of tables covering every column type, key
//! shape, default, charset, comment and generated column; then after each step of a sequence of
//! ALTERs executed on the server and applied to the parsed model.

mod common;
mod mysql_support;

use mysql_async::prelude::Queryable;
use mysql_support::*;
use strait_connectors::mysql::ddl;
use strait_connectors::mysql::filters::Filters;
use strait_connectors::mysql::model::{DatabaseDef, TableModel};
use strait_connectors::mysql::schema::{load_tables, TableDef, TableId};

const TABLES: &[&str] = &[
    // Every column type (as in mysql_types.rs).
    "CREATE TABLE alltypes (
      id INT NOT NULL PRIMARY KEY,
      c_bit1 BIT(1), c_bit10 BIT(10),
      c_tinyint TINYINT, c_tinyint_u TINYINT UNSIGNED, c_bool BOOLEAN,
      c_smallint SMALLINT, c_smallint_u SMALLINT UNSIGNED,
      c_mediumint MEDIUMINT, c_mediumint_u MEDIUMINT UNSIGNED,
      c_int INT, c_int_u INT UNSIGNED, c_int_zf INT(5) ZEROFILL,
      c_bigint BIGINT, c_bigint_u BIGINT UNSIGNED,
      c_float FLOAT, c_float_md FLOAT(10,2), c_double DOUBLE,
      c_decimal DECIMAL(10,2), c_decimal_big DECIMAL(65,30), c_decimal_plain DECIMAL,
      c_char CHAR(5), c_varchar VARCHAR(64), c_text TEXT, c_tinytext TINYTEXT,
      c_mediumtext MEDIUMTEXT, c_longtext LONGTEXT,
      c_latin1 VARCHAR(10) CHARACTER SET latin1,
      c_binary BINARY(4), c_varbinary VARBINARY(8), c_blob BLOB, c_tinyblob TINYBLOB,
      c_mediumblob MEDIUMBLOB, c_longblob LONGBLOB,
      c_json JSON,
      c_enum ENUM('red','green','blue'), c_set SET('a','b','c'),
      c_year YEAR, c_date DATE, c_time TIME, c_time6 TIME(6),
      c_datetime DATETIME, c_datetime3 DATETIME(3), c_datetime6 DATETIME(6),
      c_timestamp TIMESTAMP NULL, c_timestamp3 TIMESTAMP(3) NULL,
      c_point POINT, c_geometry GEOMETRY, c_linestring LINESTRING, c_polygon POLYGON,
      c_default_int INT NOT NULL DEFAULT 42,
      c_default_str VARCHAR(10) DEFAULT 'dflt'
    ) DEFAULT CHARSET=utf8mb4",
    // No key at all.
    "CREATE TABLE nokey (a INT, b VARCHAR(5)) COMMENT 'no key here'",
    // Unique index on NOT NULL columns is the key; nullable unique index is not.
    "CREATE TABLE uniq (a INT NULL, b INT NOT NULL, c INT NOT NULL, d INT,
       UNIQUE KEY u_nullable (a), UNIQUE KEY u_bc (b, c), KEY plain (d))",
    // Composite primary key declared out of column order, plus other indexes.
    "CREATE TABLE composite (a INT NOT NULL, b VARCHAR(10) NOT NULL, c TEXT,
       PRIMARY KEY (b, a), FULLTEXT KEY ft (c), UNIQUE KEY ub (b))",
    // Defaults of every kind.
    "CREATE TABLE defaults (
       id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
       d_int INT DEFAULT -5, d_dec DECIMAL(6,2) DEFAULT 1.50, d_dbl DOUBLE DEFAULT 1.5e3,
       d_str VARCHAR(20) NOT NULL DEFAULT 'it''s \\\\ here', d_empty VARCHAR(5) DEFAULT '',
       d_null VARCHAR(5) DEFAULT NULL, d_none_nn INT NOT NULL,
       d_bit BIT(3) DEFAULT b'101', d_bool BOOLEAN DEFAULT TRUE,
       d_date DATE DEFAULT '2020-01-02', d_curdate DATE DEFAULT (CURRENT_DATE),
       d_ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
       d_ts3 TIMESTAMP(3) NULL DEFAULT CURRENT_TIMESTAMP(3),
       d_upd DATETIME NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP,
       d_dt DATETIME DEFAULT NOW(), d_expr VARCHAR(36) DEFAULT (uuid()),
       d_enum ENUM('x','y''z') NOT NULL DEFAULT 'y''z', d_set SET('p','q') DEFAULT 'p,q')",
    // Charsets and collations on table and columns, comments.
    "CREATE TABLE charsets (
       a VARCHAR(10), b VARCHAR(10) CHARACTER SET utf8mb4, c TEXT COLLATE utf8mb4_bin,
       d CHAR(2) CHARACTER SET ascii, e ENUM('u','v') CHARACTER SET utf8mb4,
       f VARCHAR(3) BINARY, g INT COMMENT 'a \"quoted\" comment with ''s'
     ) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci COMMENT='t''s comment'",
    // Generated columns.
    "CREATE TABLE generated (a INT NOT NULL PRIMARY KEY, b INT AS (a * 2) VIRTUAL,
       c INT GENERATED ALWAYS AS (a + 1) STORED, d VARCHAR(10) AS (CONCAT('x', a)) PERSISTENT)",
];

/// Column types are written as the server prints them (`INT(11)`): Debezium keeps what the
/// statement says, and an `INT` without display width legitimately differs from the server's.
/// Likewise `g` is LONGTEXT because CONVERT TO utf8mb4 silently widens a latin1 TEXT, which
/// no DDL parser (Debezium's included) can know.
const ALTERS: &[&str] = &[
    "ALTER TABLE seq ADD COLUMN c INT(11)",
    "ALTER TABLE seq ADD d VARCHAR(10) NOT NULL DEFAULT 'x' FIRST",
    "ALTER TABLE seq ADD COLUMN e DATETIME(3) AFTER a, ADD COLUMN (f INT(11), g LONGTEXT)",
    "ALTER TABLE seq DROP COLUMN f",
    "ALTER TABLE seq MODIFY c BIGINT(20) UNSIGNED NOT NULL",
    "ALTER TABLE seq MODIFY COLUMN e DATETIME(6) NULL FIRST",
    "ALTER TABLE seq CHANGE c c2 DECIMAL(8,3) DEFAULT 1.500 AFTER g",
    "ALTER TABLE seq RENAME COLUMN b TO b2",
    "ALTER TABLE seq ALTER COLUMN d SET DEFAULT 'y'",
    "ALTER TABLE seq ALTER d DROP DEFAULT",
    "ALTER TABLE seq DROP PRIMARY KEY",
    // (Made NOT NULL first: Debezium does not revisit the key when a column changes later.)
    "ALTER TABLE seq MODIFY c2 DECIMAL(8,3) NOT NULL",
    "ALTER TABLE seq ADD UNIQUE KEY u_c2 (c2)",
    "ALTER TABLE seq ADD PRIMARY KEY (a, d)",
    "ALTER TABLE seq COMMENT = 'now with a comment', ADD INDEX i_g (g(10))",
    "ALTER TABLE seq CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    "ALTER TABLE seq DEFAULT CHARACTER SET = latin1",
    "ALTER TABLE seq ADD h VARCHAR(4)",
    "ALTER TABLE seq MODIFY g LONGTEXT CHARACTER SET utf8mb4, ADD COLUMN IF NOT EXISTS h INT(11)",
    "ALTER TABLE seq RENAME TO seq2",
    "RENAME TABLE seq2 TO seq3",
    "ALTER TABLE seq3 DROP COLUMN IF EXISTS nope, DROP COLUMN h",
];

async fn server_table(db: &mut TestDb, id: &TableId) -> TableDef {
    let mut tables = load_tables(&mut db.conn, &Filters::default(), true, Some(id))
        .await
        .unwrap_or_else(|e| panic!("load {id}: {e}"));
    assert_eq!(tables.len(), 1, "{id} not found on the server");
    tables.remove(0)
}

async fn show_create(db: &mut TestDb, table: &str) -> String {
    let row: Option<(String, String)> = db
        .conn
        .query_first(format!("SHOW CREATE TABLE `{}`.`{table}`", db.name))
        .await
        .unwrap();
    row.unwrap().1
}

/// A model that knows the server's and the test database's charsets.
async fn empty_model(db: &mut TestDb) -> TableModel {
    let server: Option<String> = db
        .conn
        .query_first("SELECT @@character_set_server")
        .await
        .unwrap();
    let db_charset: Option<String> = db
        .conn
        .query_first(format!(
            "SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{}'",
            db.name
        ))
        .await
        .unwrap();
    let mut model = TableModel {
        server_charset: server,
        ..TableModel::default()
    };
    model.databases.insert(
        db.name.clone(),
        DatabaseDef {
            charset: db_charset,
        },
    );
    model
}

fn assert_same(parsed: &TableDef, server: &TableDef, step: &str) {
    for (p, s) in parsed.columns.iter().zip(&server.columns) {
        assert_eq!(p, s, "column {} after `{step}`", s.name);
    }
    assert_eq!(parsed, server, "table {} after `{step}`", server.id);
}

#[tokio::test]
async fn show_create_table_parses_to_the_information_schema_model() {
    let mut db = TestDb::new("ddl_model").await;
    let mut model = empty_model(&mut db).await;
    for create in TABLES {
        db.exec(create).await;
        let name = create
            .split_whitespace()
            .nth(2)
            .unwrap()
            .trim_matches('`')
            .to_string();
        let id = TableId::new(db.name.clone(), name.clone());
        let ddl = show_create(&mut db, &name).await;
        let applied = ddl::apply(&mut model, &ddl, &db.name).unwrap_or_else(|e| panic!("{e}"));
        assert!(applied.is_ddl);
        assert_eq!(applied.changes.len(), 1, "{ddl}");
        let parsed = model
            .tables
            .get(&id)
            .unwrap_or_else(|| panic!("{id} not in model"));
        let server = server_table(&mut db, &id).await;
        assert_same(parsed, &server, &ddl);
    }
    db.drop_db().await;
}

#[tokio::test]
async fn alters_keep_the_parsed_model_equal_to_the_server() {
    let mut db = TestDb::new("ddl_alter").await;
    let mut model = empty_model(&mut db).await;
    db.exec("CREATE TABLE seq (a INT NOT NULL, b VARCHAR(20) COMMENT 'bee', PRIMARY KEY (a))")
        .await;
    let create = show_create(&mut db, "seq").await;
    ddl::apply(&mut model, &create, &db.name).unwrap();
    let mut current = "seq".to_string();
    for step in ALTERS {
        db.exec(step).await;
        let applied = ddl::apply(&mut model, step, &db.name).unwrap_or_else(|e| panic!("{e}"));
        let change = applied
            .changes
            .last()
            .unwrap_or_else(|| panic!("no change for `{step}`"));
        current = change.id.table.clone();
        let id = TableId::new(db.name.clone(), current.clone());
        let server = server_table(&mut db, &id).await;
        assert_same(&model.tables[&id], &server, step);
        assert_eq!(change.table.as_ref(), Some(&server), "change of `{step}`");
    }
    assert_eq!(current, "seq3");
    assert_eq!(model.tables.len(), 1, "renamed tables leave no trace");
    db.drop_db().await;
}
