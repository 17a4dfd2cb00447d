//! Which tables the connector captures, and which task captures each.
//!
//! Discovery is one function for both modes so that rediscovery behaves the same way: the
//! candidate names come from `dynamodb.table.includelist` or from the Resource Groups Tagging
//! API (`GetResources` with the tag filters, AND across keys and OR across values, paginated),
//! then each candidate is described and kept only if it can be captured in the configured sync
//! mode — it exists, and for CDC its stream is enabled with `NEW_AND_OLD_IMAGES` (TAG mode
//! must check that too: a tag says nothing about streams). Tables that cannot be captured are
//! reported with the reason, so the connector can log them and pick them up on a later pass.
//!
//! Tables are spread over tasks by sorted name, round robin, so a given set of tables always
//! yields the same assignment and one table is read by exactly one task.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::{KeyType, StreamViewType};

use super::client::AwsClients;
use super::config::{DiscoveryMode, DynamoDbCdcConfig, SyncMode};
use super::error::DynamoDbError;

/// One `key:v1,v2` element of `dynamodb.table.tag.filters`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagFilter {
    pub key: String,
    pub values: Vec<String>,
}

/// Why `dynamodb.table.tag.filters` does not parse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TagFilterError {
    #[error("'{0}' is not of the form <tag-key>:<value-1>,<value-2>")]
    NotAPair(String),
    #[error("tag key is empty in '{0}'")]
    EmptyKey(String),
    #[error("tag key '{0}' has no values")]
    NoValues(String),
    #[error("tag key '{0}' appears twice")]
    DuplicateKey(String),
    #[error("no tag filters given")]
    Empty,
}

/// Parses `key1:v1,v2;key2:v3` (whitespace around names is ignored; empty elements between
/// semicolons are skipped).
///
/// # Errors
/// [`TagFilterError`] naming the element that does not parse.
pub fn parse_tag_filters(text: &str) -> Result<Vec<TagFilter>, TagFilterError> {
    let mut filters: Vec<TagFilter> = Vec::new();
    for element in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let (key, values) = element
            .split_once(':')
            .ok_or_else(|| TagFilterError::NotAPair(element.to_string()))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(TagFilterError::EmptyKey(element.to_string()));
        }
        let values: Vec<String> = values
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect();
        if values.is_empty() {
            return Err(TagFilterError::NoValues(key.to_string()));
        }
        if filters.iter().any(|f| f.key == key) {
            return Err(TagFilterError::DuplicateKey(key.to_string()));
        }
        filters.push(TagFilter {
            key: key.to_string(),
            values,
        });
    }
    if filters.is_empty() {
        return Err(TagFilterError::Empty);
    }
    Ok(filters)
}

/// What the connector needs to know about a table.
#[derive(Clone, Debug, PartialEq)]
pub struct TableInfo {
    pub name: String,
    /// Key attribute names: the hash key, then the range key if any.
    pub key_attributes: Vec<String>,
    /// The current stream, if one is enabled.
    pub stream_arn: Option<String>,
    pub stream_enabled: bool,
    pub stream_view_type: Option<StreamViewType>,
    /// Provisioned read capacity (0 for on-demand tables).
    pub read_capacity_units: i64,
    /// The on-demand maximum read request units, when the table has one.
    pub on_demand_max_read_units: Option<i64>,
    /// DynamoDB's item count (refreshed about every six hours): a progress estimate only.
    pub item_count: i64,
}

/// Why a table is not captured (yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotReady {
    Missing,
    /// CDC needs a stream and there is none.
    NoStream,
    /// CDC needs `NEW_AND_OLD_IMAGES`.
    WrongViewType(String),
}

impl NotReady {
    /// A sentence for logs and validation messages, saying how to fix it.
    pub fn describe(&self, table: &str) -> String {
        let enable = format!(
            "enable it with: aws dynamodb update-table --table-name {table} \
             --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES"
        );
        match self {
            Self::Missing => format!("table {table} does not exist"),
            Self::NoStream => format!(
                "table {table} has no DynamoDB stream, which CDC needs with view type \
                 NEW_AND_OLD_IMAGES; {enable}"
            ),
            Self::WrongViewType(v) => format!(
                "the stream of table {table} has view type {v}, but CDC needs \
                 NEW_AND_OLD_IMAGES (a view type cannot be changed in place: disable the stream, \
                 then {enable})"
            ),
        }
    }
}

/// Whether a described table can be captured in `mode`.
pub fn readiness(info: Option<&TableInfo>, mode: SyncMode) -> Result<(), NotReady> {
    let info = info.ok_or(NotReady::Missing)?;
    if !mode.streams() {
        return Ok(());
    }
    if !info.stream_enabled || info.stream_arn.is_none() {
        return Err(NotReady::NoStream);
    }
    match &info.stream_view_type {
        Some(StreamViewType::NewAndOldImages) => Ok(()),
        Some(other) => Err(NotReady::WrongViewType(other.as_str().to_string())),
        None => Err(NotReady::WrongViewType("(none)".to_string())),
    }
}

/// Describes a table; `None` when it does not exist.
///
/// # Errors
/// [`DynamoDbError::Aws`] for any other failure.
pub async fn describe_table(
    client: &aws_sdk_dynamodb::Client,
    name: &str,
) -> Result<Option<TableInfo>, DynamoDbError> {
    let out = match client.describe_table().table_name(name).send().await {
        Ok(out) => out,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            return Ok(None)
        }
        Err(e) => {
            return Err(DynamoDbError::aws(
                "DescribeTable",
                format!("table {name}"),
                e,
            ))
        }
    };
    let Some(t) = out.table() else {
        return Ok(None);
    };
    let mut key_attributes: Vec<(bool, String)> = t
        .key_schema()
        .iter()
        .map(|k| {
            (
                *k.key_type() == KeyType::Range,
                k.attribute_name().to_string(),
            )
        })
        .collect();
    key_attributes.sort_by_key(|(range, _)| *range);
    let spec = t.stream_specification();
    Ok(Some(TableInfo {
        name: name.to_string(),
        key_attributes: key_attributes.into_iter().map(|(_, n)| n).collect(),
        stream_arn: t.latest_stream_arn().map(str::to_string),
        stream_enabled: spec.is_some_and(|s| s.stream_enabled()),
        stream_view_type: spec.and_then(|s| s.stream_view_type().cloned()),
        read_capacity_units: t
            .provisioned_throughput()
            .and_then(|p| p.read_capacity_units())
            .unwrap_or(0),
        on_demand_max_read_units: t
            .on_demand_throughput()
            .and_then(|o| o.max_read_request_units())
            .filter(|u| *u > 0),
        item_count: t.item_count().unwrap_or(0),
    }))
}

/// The table names whose tags match every filter.
///
/// # Errors
/// [`DynamoDbError::Aws`] when `GetResources` fails.
pub async fn tagged_tables(
    client: &aws_sdk_resourcegroupstagging::Client,
    filters: &[TagFilter],
) -> Result<Vec<String>, DynamoDbError> {
    use aws_sdk_resourcegroupstagging::types::TagFilter as SdkFilter;
    let mut names = BTreeSet::new();
    let mut token: Option<String> = None;
    loop {
        let mut request = client
            .get_resources()
            .resource_type_filters("dynamodb:table");
        for f in filters {
            request = request.tag_filters(
                SdkFilter::builder()
                    .key(&f.key)
                    .set_values(Some(f.values.clone()))
                    .build(),
            );
        }
        if let Some(t) = &token {
            request = request.pagination_token(t);
        }
        let out = request
            .send()
            .await
            .map_err(|e| DynamoDbError::aws("GetResources", None, e))?;
        for mapping in out.resource_tag_mapping_list() {
            if let Some(name) = mapping.resource_arn().and_then(table_name_of_arn) {
                names.insert(name.to_string());
            }
        }
        match out.pagination_token().filter(|t| !t.is_empty()) {
            Some(next) if token.as_deref() != Some(next) => token = Some(next.to_string()),
            _ => break,
        }
    }
    Ok(names.into_iter().collect())
}

/// The table name of a table ARN (`arn:aws:dynamodb:<region>:<account>:table/<name>`).
pub fn table_name_of_arn(arn: &str) -> Option<&str> {
    let (_, rest) = arn.split_once(":table/")?;
    (!rest.is_empty() && !rest.contains('/')).then_some(rest)
}

/// The outcome of one discovery pass.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Discovered {
    /// Tables to capture, sorted by name.
    pub ready: Vec<TableInfo>,
    /// Candidates that cannot be captured now, with the reason.
    pub not_ready: Vec<(String, NotReady)>,
}

impl Discovered {
    /// The names of the tables to capture.
    pub fn names(&self) -> Vec<String> {
        self.ready.iter().map(|t| t.name.clone()).collect()
    }
}

/// Finds the candidate tables and keeps those that can be captured.
///
/// # Errors
/// [`DynamoDbError::Aws`] when listing or describing fails.
pub async fn discover(
    clients: &AwsClients,
    config: &DynamoDbCdcConfig,
) -> Result<Discovered, DynamoDbError> {
    let candidates: Vec<String> = match &config.discovery {
        DiscoveryMode::IncludeList(tables) => {
            let set: BTreeSet<&String> = tables.iter().collect();
            set.into_iter().cloned().collect()
        }
        DiscoveryMode::Tag { filters, .. } => {
            let tagging = clients.tagging.as_ref().ok_or_else(|| DynamoDbError::Aws {
                operation: "GetResources",
                context: None,
                code: None,
                message: "no tagging endpoint is configured".to_string(),
                retriable: false,
            })?;
            tagged_tables(tagging, filters).await?
        }
    };
    let mut out = Discovered::default();
    for name in candidates {
        let info = describe_table(&clients.dynamodb, &name).await?;
        match readiness(info.as_ref(), config.sync_mode) {
            Ok(()) => out.ready.extend(info),
            Err(why) => out.not_ready.push((name, why)),
        }
    }
    Ok(out)
}

/// Spreads tables over at most `max_tasks` tasks, round robin by sorted name.
pub fn assign(tables: &[String], max_tasks: usize) -> Vec<Vec<String>> {
    let mut sorted: Vec<&String> = tables.iter().collect();
    sorted.sort();
    sorted.dedup();
    let n = max_tasks.max(1).min(sorted.len());
    let mut groups = vec![Vec::new(); n];
    for (i, t) in sorted.into_iter().enumerate() {
        groups[i % n].push(t.clone());
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_filters_parse_the_reference_example() {
        let f = parse_tag_filters("key1:v1,v2;key2:v3,v4").unwrap();
        assert_eq!(
            f,
            vec![
                TagFilter {
                    key: "key1".into(),
                    values: vec!["v1".into(), "v2".into()]
                },
                TagFilter {
                    key: "key2".into(),
                    values: vec!["v3".into(), "v4".into()]
                },
            ]
        );
        assert_eq!(
            parse_tag_filters(" env : prod ; ").unwrap()[0].values,
            ["prod"]
        );
    }

    #[test]
    fn bad_tag_filters_name_the_element() {
        assert_eq!(
            parse_tag_filters("env"),
            Err(TagFilterError::NotAPair("env".into()))
        );
        assert_eq!(
            parse_tag_filters(":x"),
            Err(TagFilterError::EmptyKey(":x".into()))
        );
        assert_eq!(
            parse_tag_filters("env:"),
            Err(TagFilterError::NoValues("env".into()))
        );
        assert_eq!(
            parse_tag_filters("a:1;a:2"),
            Err(TagFilterError::DuplicateKey("a".into()))
        );
        assert_eq!(parse_tag_filters(" ; "), Err(TagFilterError::Empty));
    }

    #[test]
    fn arns_give_table_names() {
        assert_eq!(
            table_name_of_arn("arn:aws:dynamodb:us-east-1:123456789012:table/Orders"),
            Some("Orders")
        );
        assert_eq!(
            table_name_of_arn("arn:aws:dynamodb:us-east-1:1:table/Orders/stream/2024"),
            None
        );
        assert_eq!(table_name_of_arn("arn:aws:s3:::bucket"), None);
    }

    #[test]
    fn tables_are_spread_round_robin_by_name() {
        let tables: Vec<String> = ["d", "a", "c", "b", "e"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            assign(&tables, 2),
            vec![vec!["a", "c", "e"], vec!["b", "d"]]
        );
        assert_eq!(assign(&tables, 10).len(), 5, "never more tasks than tables");
        assert_eq!(assign(&tables, 0).len(), 1);
        assert!(assign(&[], 3).is_empty());
    }

    fn info(enabled: bool, view: Option<StreamViewType>) -> TableInfo {
        TableInfo {
            name: "t".into(),
            key_attributes: vec!["id".into()],
            stream_arn: enabled.then(|| "arn".to_string()),
            stream_enabled: enabled,
            stream_view_type: view,
            read_capacity_units: 5,
            on_demand_max_read_units: None,
            item_count: 0,
        }
    }

    #[test]
    fn cdc_needs_a_new_and_old_images_stream() {
        let good = info(true, Some(StreamViewType::NewAndOldImages));
        assert_eq!(readiness(Some(&good), SyncMode::SnapshotCdc), Ok(()));
        assert_eq!(readiness(None, SyncMode::Snapshot), Err(NotReady::Missing));
        let none = info(false, None);
        assert_eq!(readiness(Some(&none), SyncMode::Snapshot), Ok(()));
        assert_eq!(
            readiness(Some(&none), SyncMode::Cdc),
            Err(NotReady::NoStream)
        );
        let keys = info(true, Some(StreamViewType::KeysOnly));
        assert_eq!(
            readiness(Some(&keys), SyncMode::Cdc),
            Err(NotReady::WrongViewType("KEYS_ONLY".into()))
        );
        assert!(NotReady::NoStream
            .describe("t")
            .contains("StreamViewType=NEW_AND_OLD_IMAGES"));
    }
}
