//! Statement-level tests of [`super::apply`].

use super::*;
use crate::mysql::model::{ChangeKind, DatabaseDef};

fn model() -> TableModel {
    let mut m = TableModel {
        server_charset: Some("latin1".into()),
        ..TableModel::default()
    };
    m.databases.insert(
        "db".into(),
        DatabaseDef {
            charset: Some("utf8mb4".into()),
        },
    );
    m
}

fn run(m: &mut TableModel, sql: &str) -> Applied {
    apply(m, sql, "db").unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn table<'a>(m: &'a TableModel, name: &str) -> &'a crate::mysql::schema::TableDef {
    m.tables
        .get(&TableId::new("db", name))
        .unwrap_or_else(|| panic!("no table {name}"))
}

fn names(m: &TableModel, t: &str) -> Vec<String> {
    table(m, t).column_names()
}

#[test]
fn create_table_with_comments_quotes_and_version_comments() {
    let mut m = model();
    let a = run(
        &mut m,
        "/* leading */ CREATE TABLE IF NOT EXISTS `db`.`T 1` ( -- a comment\n \
         `id` INT(11) NOT NULL AUTO_INCREMENT, name VARCHAR(20) CHARACTER SET latin1 COMMENT 'it''s', \
         # another\n PRIMARY KEY (`id`), KEY k (name(5)) ) /*!40101 DEFAULT CHARSET=utf8 */ COMMENT='t'",
    );
    assert_eq!(a.database.as_deref(), Some("db"));
    assert_eq!(a.changes.len(), 1);
    assert_eq!(a.changes[0].kind, ChangeKind::Create);
    let t = table(&m, "T 1");
    assert_eq!(t.primary_key, ["id"]);
    assert_eq!(t.default_charset.as_deref(), Some("utf8"));
    assert_eq!(t.comment.as_deref(), Some("t"));
    let id = &t.columns[0];
    assert!(id.auto_increment && id.generated && !id.nullable && !id.has_default);
    let name = &t.columns[1];
    assert_eq!(
        (name.position, name.charset.as_deref()),
        (2, Some("latin1"))
    );
    assert_eq!(name.comment.as_deref(), Some("it''s"));
    assert!(name.has_default && name.default.is_none());
}

#[test]
fn charset_falls_back_to_database_then_server() {
    let mut m = model();
    run(&mut m, "CREATE TABLE t (a TEXT, b INT)");
    assert_eq!(
        table(&m, "t").columns[0].charset.as_deref(),
        Some("utf8mb4")
    );
    assert_eq!(table(&m, "t").columns[1].charset, None);
    run(&mut m, "CREATE DATABASE other");
    run(&mut m, "CREATE TABLE other.t (a TEXT)");
    let t = &m.tables[&TableId::new("other", "t")];
    assert_eq!(t.default_charset.as_deref(), Some("latin1"));
    run(
        &mut m,
        "SET character_set_server=utf8mb3, collation_server=utf8mb3_general_ci",
    );
    assert_eq!(m.server_charset.as_deref(), Some("utf8mb3"));
    let a = run(&mut m, "CREATE SCHEMA x DEFAULT CHARACTER SET = cp1251");
    assert_eq!(a.database.as_deref(), Some("x"));
    assert_eq!(m.databases["x"].charset.as_deref(), Some("cp1251"));
}

#[test]
fn unique_not_null_index_becomes_the_key_only_without_primary_key() {
    let mut m = model();
    run(
        &mut m,
        "CREATE TABLE u (a INT, b INT NOT NULL, c INT NOT NULL, UNIQUE KEY ua (a), UNIQUE (b, c))",
    );
    assert_eq!(table(&m, "u").primary_key, ["b", "c"]);
    run(
        &mut m,
        "CREATE TABLE v (a INT NOT NULL, b INT, PRIMARY KEY (b), UNIQUE (a))",
    );
    // PRIMARY KEY makes its column NOT NULL and drops the implicit NULL default.
    let v = table(&m, "v");
    assert_eq!(v.primary_key, ["b"]);
    assert!(!v.columns[1].nullable && !v.columns[1].has_default);
    // Debezium does not recompute the key when an index goes away.
    run(&mut m, "ALTER TABLE u DROP INDEX b");
    assert_eq!(table(&m, "u").primary_key, ["b", "c"]);
    run(&mut m, "ALTER TABLE v DROP PRIMARY KEY");
    assert!(table(&m, "v").primary_key.is_empty());
    run(&mut m, "CREATE UNIQUE INDEX ux ON v (a)");
    assert_eq!(table(&m, "v").primary_key, ["a"]);
}

#[test]
fn alter_specs_apply_in_order() {
    let mut m = model();
    run(
        &mut m,
        "CREATE TABLE t (a INT NOT NULL PRIMARY KEY, b INT COMMENT 'cb', c ENUM('x','y'))",
    );
    let a = run(
        &mut m,
        "ALTER TABLE t ADD COLUMN d INT FIRST, ADD e VARCHAR(3) AFTER a, DROP COLUMN c, \
         MODIFY b BIGINT NOT NULL DEFAULT 7 AFTER d, ADD (f INT, g INT), RENAME COLUMN f TO ff",
    );
    assert_eq!(a.changes.len(), 1);
    assert_eq!(a.changes[0].kind, ChangeKind::Alter);
    assert_eq!(names(&m, "t"), ["d", "b", "a", "e", "ff", "g"]);
    let b = &table(&m, "t").columns[1];
    assert_eq!(
        (
            b.data_type.as_str(),
            b.default.as_deref(),
            b.comment.as_deref()
        ),
        ("bigint", Some("7"), None)
    );
    assert_eq!(b.position, 2);
    run(&mut m, "ALTER TABLE t CHANGE a a2 INT NOT NULL AFTER g, ALTER e SET DEFAULT 'q', ALTER COLUMN b DROP DEFAULT");
    let t = table(&m, "t");
    assert_eq!(t.primary_key, ["a2"]);
    assert_eq!(t.column_names(), ["d", "b", "e", "ff", "g", "a2"]);
    assert_eq!(t.columns[2].default.as_deref(), Some("q"));
    assert!(!t.columns[1].has_default);
}

#[test]
fn change_keeps_what_it_does_not_restate() {
    let mut m = model();
    run(
        &mut m,
        "CREATE TABLE t (a INT NOT NULL AUTO_INCREMENT COMMENT 'x', PRIMARY KEY (a))",
    );
    run(&mut m, "ALTER TABLE t CHANGE COLUMN a b BIGINT NOT NULL");
    let b = &table(&m, "t").columns[0];
    assert_eq!(
        (b.name.as_str(), b.comment.as_deref(), b.auto_increment),
        ("b", Some("x"), true)
    );
}

#[test]
fn rename_drop_truncate_and_charset_conversion() {
    let mut m = model();
    run(&mut m, "CREATE TABLE a (x TEXT, y INT)");
    run(&mut m, "CREATE TABLE b LIKE a");
    let r = run(&mut m, "RENAME TABLE a TO a2, b TO db.b2");
    assert_eq!(r.changes.len(), 2);
    assert_eq!(r.changes[0].previous_id, Some(TableId::new("db", "a")));
    assert_eq!(r.changes[0].id, TableId::new("db", "a2"));
    assert!(!m.tables.contains_key(&TableId::new("db", "a")));
    run(
        &mut m,
        "ALTER TABLE a2 CONVERT TO CHARACTER SET latin1 COLLATE latin1_bin",
    );
    let t = table(&m, "a2");
    assert_eq!(
        (
            t.default_charset.as_deref(),
            t.columns[0].charset.as_deref()
        ),
        (Some("latin1"), Some("latin1"))
    );
    let r = run(&mut m, "ALTER TABLE a2 RENAME TO a3");
    assert_eq!(
        (
            r.changes[0].id.table.as_str(),
            r.changes[0].previous_id.clone()
        ),
        ("a3", None)
    );
    let t = run(&mut m, "TRUNCATE TABLE a3");
    assert_eq!(t.truncated, [TableId::new("db", "a3")]);
    let d = run(&mut m, "DROP TABLE IF EXISTS a3, `db`.b2");
    assert_eq!(
        d.changes.iter().map(|c| c.kind).collect::<Vec<_>>(),
        [ChangeKind::Drop, ChangeKind::Drop]
    );
    assert!(m.tables.is_empty());
}

#[test]
fn mariadb_if_exists_specs() {
    let mut m = model();
    run(&mut m, "CREATE TABLE t (a INT)");
    run(&mut m, "ALTER TABLE t ADD COLUMN IF NOT EXISTS a BIGINT, DROP COLUMN IF EXISTS zz, MODIFY IF EXISTS zz INT");
    assert_eq!(table(&m, "t").columns[0].data_type, "int");
}

#[test]
fn show_create_table_output_of_mariadb_parses() {
    let mut m = model();
    run(
        &mut m,
        "CREATE TABLE `t` (\n  `a` int(11) NOT NULL COMMENT 'it''s \\\\ x',\n  \
         `b` varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT 'q''x\\\\y',\n  \
         `c` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),\n  \
         `d` date DEFAULT curdate(),\n  `e` int(11) GENERATED ALWAYS AS (`a` + 1) VIRTUAL,\n  \
         `f` enum('x','y''z') DEFAULT NULL,\n  `g` text DEFAULT concat('a','b'),\n  \
         `h` bit(3) DEFAULT b'101',\n  `i` double DEFAULT -1500,\n  \
         `j` char(3) CHARACTER SET latin1 COLLATE latin1_bin DEFAULT NULL,\n  PRIMARY KEY (`a`)\n) \
         ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci COMMENT='tc''s'",
    );
    let t = table(&m, "t");
    assert_eq!(t.comment.as_deref(), Some("tc''s"));
    let c = |n: &str| t.columns.iter().find(|c| c.name == n).unwrap();
    assert_eq!(c("b").default.as_deref(), Some("q''x\\\\y"));
    assert_eq!(c("c").default.as_deref(), Some("1970-01-01 00:00:00"));
    assert!(!c("c").auto_increment);
    assert_eq!(c("d").default.as_deref(), Some("curdate()"));
    assert_eq!(c("f").enum_values, ["x", "y'z"]);
    assert_eq!(c("f").charset.as_deref(), Some("latin1"));
    assert!(c("g").has_default && c("g").default.is_none());
    assert_eq!(c("h").default.as_deref(), Some("101"));
    assert_eq!(c("i").default.as_deref(), Some("-1500"));
}

#[test]
fn statements_that_are_not_table_ddl_are_left_alone() {
    let mut m = model();
    for sql in [
        "BEGIN",
        "COMMIT",
        "INSERT INTO t VALUES (1)",
        "GRANT ALL ON *.* TO 'u'@'%'",
        "CREATE VIEW v AS SELECT 1",
        "CREATE PROCEDURE p() BEGIN SELECT 1; END",
        "SET NAMES utf8mb4",
        "SET @x = 1",
        "FLUSH PRIVILEGES",
    ] {
        let a = run(&mut m, sql);
        assert!(!a.is_ddl, "{sql}");
        assert!(a.changes.is_empty());
    }
    assert!(run(&mut m, "CREATE TEMPORARY TABLE tmp (a INT)")
        .changes
        .is_empty());
    assert!(m.tables.is_empty());
    let u = run(&mut m, "USE other");
    assert!(u.is_ddl && u.changes.is_empty());
    // ALTER of a table the model does not hold changes nothing.
    assert!(run(&mut m, "ALTER TABLE nope ADD c INT").changes.is_empty());
}

#[test]
fn errors_leave_the_model_untouched() {
    let mut m = model();
    run(&mut m, "CREATE TABLE t (a INT, b INT)");
    let before = m.clone();
    for sql in [
        "ALTER TABLE t ADD c INT, CHANGE missing d INT",
        "ALTER TABLE t ADD c INT, MODIFY missing INT",
        "ALTER TABLE t ADD c INT AFTER missing",
        "CREATE TABLE u (a INT",
        "CREATE TABLE u (a INT) 'oops",
        "ALTER TABLE t ADD COLUMN c INT WHATEVER",
    ] {
        let e = apply(&mut m, sql, "db").expect_err(sql);
        assert!(
            e.to_string().contains("ALTER") || e.to_string().contains("CREATE"),
            "{e}"
        );
        assert_eq!(m, before, "{sql}");
    }
}

#[test]
fn statements_seen_in_real_binlogs_apply() {
    let mut m = model();
    for sql in [
        "CREATE OR REPLACE TABLE r (id INT PRIMARY KEY, b BOOLEAN, s SERIAL)",
        "DROP TABLE IF EXISTS `r` /* generated by server */",
        "CREATE TABLE c (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, v JSON, g POINT, \
         t TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), \
         e ENUM('a','b') NOT NULL DEFAULT 'a', PRIMARY KEY (id), KEY k (v(10)), \
         CONSTRAINT fk FOREIGN KEY (id) REFERENCES other (id) ON DELETE CASCADE) \
         ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci \
         ROW_FORMAT=DYNAMIC",
        "ALTER TABLE c ADD INDEX idx_t (t), ALGORITHM=INPLACE, LOCK=NONE",
        "ALTER TABLE `c` ENGINE=InnoDB",
        "ALTER TABLE c ADD COLUMN IF NOT EXISTS n INT AFTER id, DROP COLUMN IF EXISTS zz",
        "CREATE INDEX i2 ON c (n)",
        "DROP INDEX i2 ON c",
        "ALTER TABLE c MODIFY COLUMN n BIGINT NULL FIRST",
        "ALTER TABLE c CHANGE COLUMN n m INT NOT NULL DEFAULT 0",
        "ALTER TABLE c RENAME COLUMN m TO mm",
        "RENAME TABLE c TO c2, c2 TO c3",
        "TRUNCATE c3",
        "CREATE TABLE l LIKE c3",
        "CREATE TEMPORARY TABLE tmp (x INT)",
        "DROP TEMPORARY TABLE IF EXISTS tmp",
        "CREATE DATABASE IF NOT EXISTS other_db DEFAULT CHARACTER SET utf8mb4",
        "ALTER DATABASE other_db CHARACTER SET latin1",
        "DROP DATABASE other_db",
        "GRANT SELECT ON db.* TO 'u'@'%'",
        "CREATE VIEW v AS SELECT 1",
        "CREATE DEFINER=`root`@`localhost` TRIGGER tr BEFORE INSERT ON c3 FOR EACH ROW SET NEW.mm = 1",
        "SAVEPOINT s1",
        "FLUSH TABLES",
        "ANALYZE TABLE c3",
        "OPTIMIZE TABLE c3",
    ] {
        run(&mut m, sql);
    }
    assert_eq!(names(&m, "c3"), ["mm", "id", "v", "g", "t", "e"]);
    assert_eq!(names(&m, "l"), names(&m, "c3"));
    assert!(!m.tables.contains_key(&TableId::new("db", "tmp")));
}

#[test]
fn type_synonyms_keep_the_written_name() {
    let mut m = model();
    run(
        &mut m,
        "CREATE TABLE syn (a SERIAL, b BOOL, c INTEGER, d DEC(5,2), e DOUBLE PRECISION)",
    );
    let t = table(&m, "syn");
    let types: Vec<(&str, bool)> = t
        .columns
        .iter()
        .map(|c| (c.data_type.as_str(), c.unsigned))
        .collect();
    assert_eq!(
        types,
        [
            ("bigint", true),
            ("bool", false),
            ("integer", false),
            ("dec", false),
            ("double", false)
        ]
    );
    // Every name a statement may use maps to a Connect type.
    run(
        &mut m,
        "CREATE TABLE syn2 (a INT1, b INT2, c INT3, d MIDDLEINT, e INT4, f INT8, g FLOAT4, \
         h FLOAT8, i CHARACTER(3), j CHARACTER VARYING(5), k NATIONAL CHAR(2), \
         l NATIONAL VARCHAR(4), m LONG VARCHAR, n LONG VARBINARY, o BOOLEAN, p FIXED(4,1))",
    );
    let modes = crate::mysql::config::ValueModes::default();
    for id in ["syn", "syn2"] {
        for c in &table(&m, id).columns {
            assert!(
                crate::mysql::types::Kind::of(c, &modes).is_ok(),
                "{id}.{}: {}",
                c.name,
                c.data_type
            );
        }
    }
}

#[test]
fn statements_applied_twice_leave_the_same_model() {
    // A restart may hand back DDL the model already holds (Debezium's parser is idempotent
    // for these too): the second application changes nothing and does not fail.
    let mut m = model();
    let statements = [
        "CREATE TABLE twice (id INT PRIMARY KEY, a INT)",
        "ALTER TABLE twice ADD COLUMN b VARCHAR(5)",
        "ALTER TABLE twice DROP COLUMN a",
        "ALTER TABLE twice MODIFY b VARCHAR(9)",
        "CREATE INDEX ib ON twice (b)",
        "DROP TABLE IF EXISTS gone",
    ];
    for sql in statements {
        run(&mut m, sql);
        let once = m.clone();
        run(&mut m, sql);
        assert_eq!(m, once, "{sql}");
    }
}

#[test]
fn set_statement_prefix_applies_the_statement_it_runs() {
    let mut m = model();
    run(&mut m, "CREATE TABLE t (id INT PRIMARY KEY)");
    let a = run(
        &mut m,
        "SET STATEMENT max_statement_time=60, lock_wait_timeout=5 FOR ALTER TABLE t ADD COLUMN n INT",
    );
    assert!(a.is_ddl);
    assert_eq!(a.changes.len(), 1);
    assert_eq!(table(&m, "t").columns.len(), 2);
    // A plain SET is not a statement prefix.
    assert!(!run(&mut m, "SET max_statement_time=60").is_ddl);
}
