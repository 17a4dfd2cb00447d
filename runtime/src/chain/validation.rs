//! Checking the `transforms`/`predicates` configuration, and configuring the plugins it names.
//!
//! One pass serves both callers: the REST validate endpoint wants every problem, keyed and
//! grouped the way Kafka's `ConnectorConfig.enrich` + `ConfigDef.validate` report them, and
//! [`super::TransformationChain::from_config`] wants the configured plugins, or the first
//! problem. Keeping them one pass means a config that validates is exactly a config that starts.
//!
//! Per alias, in Kafka's order: `<prefix>type` (missing, unknown class, class of another kind,
//! `negate` without `predicate`), then the alias's embedded keys (the implicit `predicate` and
//! `negate` for transforms, then the plugin's own). Parse and missing-key errors name the
//! prefixed key and validator errors the plain one, as Kafka's embedded validators do. Strait
//! adds two checks Kafka only hits when the task starts: a `predicate` alias that is not listed
//! in `predicates`, and the plugin's own `configure` (cross-field checks), whose errors land on
//! the key they name.

use std::collections::HashMap;
use std::sync::Arc;

use strait_api::{
    ConfigDef, ConfigKey, ConfigMap, ConfigValue, ConnectError, PluginRegistry, Predicate,
    Transformation,
};

use super::keys::{self, Family, Resolution, NEGATE, PREDICATE};

/// The result of validating the transformation chain's keys, for the REST validate endpoint.
///
/// Iterating it yields one [`ConfigValue`] per key: `transforms`/`predicates` when their alias
/// list is invalid (merge these errors into the common connector keys of the same name), then,
/// per alias, `<prefix>type` and the alias's embedded keys, whose declarations (with the groups
/// `Transforms: <alias>` / `Predicates: <alias>`) are in [`ChainValidation::def`].
#[derive(Debug, Default)]
pub struct ChainValidation {
    def: ConfigDef,
    values: Vec<ConfigValue>,
}

impl ChainValidation {
    /// The declarations of the per-alias keys, in Kafka's order.
    pub fn def(&self) -> &ConfigDef {
        &self.def
    }

    /// Every checked key with its value and errors.
    pub fn values(&self) -> &[ConfigValue] {
        &self.values
    }

    /// Every error as `(key, message)`, in key order.
    pub fn errors(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values
            .iter()
            .flat_map(|v| v.errors.iter().map(move |e| (v.name.as_str(), e.as_str())))
    }

    /// Whether no key has an error.
    pub fn is_valid(&self) -> bool {
        self.values.iter().all(|v| v.errors.is_empty())
    }
}

impl IntoIterator for ChainValidation {
    type Item = ConfigValue;
    type IntoIter = std::vec::IntoIter<ConfigValue>;

    fn into_iter(self) -> Self::IntoIter {
        self.values.into_iter()
    }
}

/// Validates the `transforms` and `predicates` keys of a connector configuration and the keys of
/// every alias they list, reporting every problem at once.
pub fn validate(connector_config: &ConfigMap, registry: &PluginRegistry) -> ChainValidation {
    analyze(connector_config, registry).validation
}

/// A transform that passed validation, configured.
pub(super) struct ConfiguredTransform {
    pub(super) alias: String,
    pub(super) class: &'static str,
    pub(super) transform: Box<dyn Transformation>,
    pub(super) predicate: Option<String>,
    pub(super) negate: bool,
}

/// The validation and, for each alias without errors, its configured plugin.
pub(super) struct Analysis {
    pub(super) validation: ChainValidation,
    pub(super) transforms: Vec<ConfiguredTransform>,
    pub(super) predicates: HashMap<String, Arc<dyn Predicate>>,
}

/// One alias's keys as they are being checked.
struct AliasCheck {
    family: Family,
    prefix: String,
    keys: Vec<ConfigKey>,
    values: Vec<ConfigValue>,
}

impl AliasCheck {
    fn new(family: Family, alias: &str) -> Self {
        Self {
            family,
            prefix: family.prefix(alias),
            keys: Vec::new(),
            values: Vec::new(),
        }
    }

    fn has_errors(&self) -> bool {
        self.values.iter().any(|v| !v.errors.is_empty())
    }

    fn value_mut(&mut self, name: &str) -> Option<&mut ConfigValue> {
        self.values.iter_mut().find(|v| v.name == name)
    }

    /// Files a plugin's `configure` error under the key it names, or under `<prefix>type`.
    fn configure_error(&mut self, error: ConnectError) {
        let (key, message) = match error {
            ConnectError::Config { key, message } => {
                (Some(format!("{}{key}", self.prefix)), message)
            }
            other => (None, other.to_string()),
        };
        let type_key = format!("{}type", self.prefix);
        let target = key
            .filter(|k| self.values.iter().any(|v| &v.name == k))
            .unwrap_or(type_key);
        if let Some(v) = self.value_mut(&target) {
            v.errors.push(message);
        }
    }

    /// Adds the embedded keys of a resolved plugin and checks their values.
    fn embed(&mut self, own_keys: Vec<ConfigKey>, config: &ConfigMap, alias: &str) {
        let group = self.family.alias_group(alias);
        let sorted = keys::kafka_order(own_keys);
        let stripped = keys::stripped(config, &self.prefix);
        // Validator errors in Kafka's words name the plain key: validate the stripped config.
        let plain = define_all(sorted.iter().cloned()).validate(&stripped);
        let embedded: Vec<ConfigKey> = sorted
            .iter()
            .zip(1..)
            .map(|(k, order)| keys::embedded(k, &self.prefix, &group, order))
            .collect();
        // Parse and missing-key errors name the prefixed key: validate without validators.
        let prefixed = define_all(embedded.iter().cloned().map(|mut k| {
            k.validator = None;
            k
        }))
        .validate(config);
        for (mut value, plain) in prefixed.into_iter().zip(plain) {
            let validator_errors = plain.errors.get(value.errors.len()..).unwrap_or_default();
            value.errors.extend_from_slice(validator_errors);
            value.recommended_values = plain.recommended_values;
            self.values.push(value);
        }
        self.keys.extend(embedded);
    }
}

fn define_all(keys: impl IntoIterator<Item = ConfigKey>) -> ConfigDef {
    keys.into_iter().fold(ConfigDef::new(), define_new)
}

/// Defines a key unless one of that name exists: aliases containing dots can make two aliases'
/// keys collide, which must not bring the worker down.
fn define_new(def: ConfigDef, key: ConfigKey) -> ConfigDef {
    if def.key(&key.name).is_some() {
        def
    } else {
        def.define(key)
    }
}

/// Checks the `type` key of one alias; the plugin's registry entry when it resolved.
fn check_type<'r>(
    check: &mut AliasCheck,
    alias: &str,
    config: &ConfigMap,
    registry: &'r PluginRegistry,
) -> Option<&'r strait_api::PluginDesc> {
    let family = check.family;
    let key = keys::type_key(family, alias);
    let mut value = ConfigValue::new(&key.name, None);
    value.recommended_values = registry
        .of_kind(family.kind())
        .map(|p| p.class.to_string())
        .collect();
    let (found, wrong_kind) = match keys::resolve(registry, family, &key.name, config) {
        Resolution::Found(desc) => (Some(desc), None),
        Resolution::Missing(message) | Resolution::Unknown(message) => {
            value.errors.push(message);
            (None, None)
        }
        Resolution::WrongKind(desc, message) => {
            value.value = Some(desc.class.to_string());
            (None, Some(message))
        }
    };
    if let Some(desc) = found {
        value.value = Some(desc.class.to_string());
    }
    // Kafka's type validator: the negate check first, and it stops there.
    let negate_key = format!("{}{NEGATE}", check.prefix);
    let predicate_key = format!("{}{PREDICATE}", check.prefix);
    if family == Family::Transforms
        && config.contains_key(&negate_key)
        && !config.contains_key(&predicate_key)
    {
        value.errors.push(format!(
            "Config '{negate_key}' was provided but there is no config '{predicate_key}' \
             defining a predicate to be negated."
        ));
    } else if let Some(message) = wrong_kind {
        value.errors.push(message);
    }
    check.keys.push(key);
    check.values.push(value);
    found
}

/// Checks one transform alias; the configured transform when it has no errors.
fn check_transform(
    check: &mut AliasCheck,
    alias: &str,
    config: &ConfigMap,
    registry: &PluginRegistry,
    predicate_aliases: &[String],
) -> Option<ConfiguredTransform> {
    let desc = check_type(check, alias, config, registry)?;
    let mut transform = match registry.transformation(desc.class) {
        Ok(transform) => transform,
        Err(error) => {
            check.configure_error(error);
            return None;
        }
    };
    let mut own: Vec<ConfigKey> = keys::implicit_transform_keys().into();
    for key in transform.config_def().keys() {
        if key.name == PREDICATE || key.name == NEGATE {
            tracing::warn!(
                key = %key.name,
                transform = %alias,
                "transformation config is masked by the implicit config of that name"
            );
        } else {
            own.push(key.clone());
        }
    }
    check.embed(own, config, alias);

    let predicate_key = format!("{}{PREDICATE}", check.prefix);
    let predicate = config.get(&predicate_key).map(|p| p.trim().to_string());
    if let Some(p) = predicate.as_deref() {
        if !predicate_aliases.iter().any(|a| a == p) {
            if let Some(v) = check.value_mut(&predicate_key) {
                v.errors.push(format!(
                    "Invalid value {p} for configuration {predicate_key}: predicate alias {p} is \
                     not listed in 'predicates' (Unknown configuration 'predicates.{p}.type')"
                ));
            }
        }
    }
    if check.has_errors() {
        return None;
    }
    let mut own = keys::stripped(config, &check.prefix);
    // Validated above as a boolean.
    let negate = own
        .remove(NEGATE)
        .is_some_and(|n| n.trim().eq_ignore_ascii_case("true"));
    own.remove(PREDICATE);
    match transform.configure(&own) {
        Ok(()) => Some(ConfiguredTransform {
            alias: alias.to_string(),
            class: desc.class,
            transform,
            predicate,
            negate,
        }),
        Err(error) => {
            check.configure_error(error);
            None
        }
    }
}

/// Checks one predicate alias; the configured predicate when it has no errors.
fn check_predicate(
    check: &mut AliasCheck,
    alias: &str,
    config: &ConfigMap,
    registry: &PluginRegistry,
) -> Option<Arc<dyn Predicate>> {
    let desc = check_type(check, alias, config, registry)?;
    let mut predicate = match registry.predicate(desc.class) {
        Ok(predicate) => predicate,
        Err(error) => {
            check.configure_error(error);
            return None;
        }
    };
    check.embed(predicate.config_def().keys().to_vec(), config, alias);
    if check.has_errors() {
        return None;
    }
    match predicate.configure(&keys::stripped(config, &check.prefix)) {
        Ok(()) => Some(Arc::from(predicate)),
        Err(error) => {
            check.configure_error(error);
            None
        }
    }
}

/// Validates every alias and configures the plugins of those without errors.
pub(super) fn analyze(config: &ConfigMap, registry: &PluginRegistry) -> Analysis {
    let mut validation = ChainValidation::default();
    let mut def = ConfigDef::new();
    let (transform_aliases, duplicate_transforms) = keys::aliases(config, Family::Transforms);
    let (predicate_aliases, duplicate_predicates) = keys::aliases(config, Family::Predicates);
    for (family, duplicate) in [
        (Family::Transforms, duplicate_transforms),
        (Family::Predicates, duplicate_predicates),
    ] {
        if let Some(message) = duplicate {
            let key = family.list_key();
            let shown = config.get(key).map(|raw| {
                raw.trim()
                    .split(',')
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join(",")
            });
            let mut value = ConfigValue::new(key, shown);
            value.errors.push(message);
            validation.values.push(value);
        }
    }

    let mut transforms = Vec::new();
    for alias in &transform_aliases {
        let mut check = AliasCheck::new(Family::Transforms, alias);
        if let Some(configured) =
            check_transform(&mut check, alias, config, registry, &predicate_aliases)
        {
            transforms.push(configured);
        }
        def = check.keys.drain(..).fold(def, define_new);
        validation.values.append(&mut check.values);
    }

    let mut predicates = HashMap::new();
    for alias in &predicate_aliases {
        let mut check = AliasCheck::new(Family::Predicates, alias);
        if let Some(predicate) = check_predicate(&mut check, alias, config, registry) {
            predicates.insert(alias.clone(), predicate);
        }
        def = check.keys.drain(..).fold(def, define_new);
        validation.values.append(&mut check.values);
    }

    validation.def = def;
    Analysis {
        validation,
        transforms,
        predicates,
    }
}
