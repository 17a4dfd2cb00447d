//! The transformation chain: Kafka Connect's `transforms`/`predicates` configuration, built once
//! into a list of stages that each record passes through in order.
//!
//! Kafka's mechanism (`ConnectorConfig.transformationStages`, `TransformationStage`,
//! `TransformationChain`): `transforms=a,b` lists aliases; `transforms.a.type` names the class and
//! the other `transforms.a.*` keys, prefix stripped, configure it. A transform may name a
//! predicate alias in `transforms.a.predicate` (declared by `predicates=p`,
//! `predicates.p.type`, `predicates.p.*`) and invert it with `transforms.a.negate`. A stage
//! applies its transform iff it has no predicate or `negate XOR predicate.test(record)`; a
//! transform returning `None` drops the record and ends the chain.
//!
//! Everything that reads configuration happens in [`TransformationChain::from_config`], through
//! the same checks the REST validate endpoint runs ([`validate`]), so `apply` on the per-record
//! path only walks a vector: no lookups, no allocation beyond what the transforms do. Several
//! stages naming one predicate alias share one configured instance (`Predicate::test` takes
//! `&self`), where Kafka configures one instance per stage with the same settings.

mod keys;
mod validation;

use std::fmt;
use std::sync::Arc;

use strait_api::{
    ConfigMap, ConnectError, PluginRegistry, Predicate, Result, SourceRecord, Transformation,
};

pub use validation::{validate, ChainValidation};

/// One transform and the condition under which it applies.
struct Stage {
    alias: String,
    class: &'static str,
    transform: Box<dyn Transformation>,
    predicate: Option<Arc<dyn Predicate>>,
    negate: bool,
}

impl Stage {
    fn applies_to(&self, record: &SourceRecord) -> bool {
        match &self.predicate {
            None => true,
            Some(predicate) => self.negate ^ predicate.test(record),
        }
    }
}

/// The configured transforms of one connector, applied to each record in listed order.
#[derive(Default)]
pub struct TransformationChain {
    stages: Vec<Stage>,
}

impl TransformationChain {
    /// Builds the chain from a connector configuration.
    ///
    /// # Errors
    /// A config error naming the first bad key, in Kafka's words: a duplicate alias, a missing
    /// or unknown `type`, `negate` without `predicate`, a predicate alias not listed in
    /// `predicates`, or a transform's or predicate's own key (prefixed with its alias prefix).
    /// [`validate`] reports all of them at once.
    pub fn from_config(
        connector_config: &ConfigMap,
        registry: &PluginRegistry,
    ) -> Result<Self, ConnectError> {
        let analysis = validation::analyze(connector_config, registry);
        if let Some((key, message)) = analysis.validation.errors().next() {
            return Err(ConnectError::config(key, message));
        }
        let mut stages = Vec::with_capacity(analysis.transforms.len());
        for configured in analysis.transforms {
            let predicate = match &configured.predicate {
                None => None,
                Some(alias) => Some(analysis.predicates.get(alias).cloned().ok_or_else(|| {
                    ConnectError::config(
                        format!("transforms.{}.predicate", configured.alias),
                        format!("Unknown configuration 'predicates.{alias}.type'"),
                    )
                })?),
            };
            stages.push(Stage {
                alias: configured.alias,
                class: configured.class,
                transform: configured.transform,
                predicate,
                negate: configured.negate,
            });
        }
        let chain = Self { stages };
        tracing::debug!(transforms = ?chain, "transformation chain built");
        Ok(chain)
    }

    /// Passes a record through every stage in order; `None` when a transform dropped it.
    ///
    /// # Errors
    /// A transform's error, prefixed with the transform's alias and class.
    pub fn apply(&mut self, mut record: SourceRecord) -> Result<Option<SourceRecord>> {
        for stage in &mut self.stages {
            if !stage.applies_to(&record) {
                continue;
            }
            match stage.transform.apply(record) {
                Ok(Some(next)) => record = next,
                Ok(None) => return Ok(None),
                Err(error) => {
                    return Err(error.context(format_args!(
                        "transformation {} ({})",
                        stage.alias, stage.class
                    )))
                }
            }
        }
        Ok(Some(record))
    }

    /// Whether the chain has no stages (records pass through untouched).
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }

    /// The number of stages.
    pub fn len(&self) -> usize {
        self.stages.len()
    }

    /// The transform aliases in the order they apply.
    pub fn aliases(&self) -> impl Iterator<Item = &str> {
        self.stages.iter().map(|s| s.alias.as_str())
    }
}

impl fmt::Debug for TransformationChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.stages
                    .iter()
                    .map(|s| format!("{}={}", s.alias, s.class)),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests;
