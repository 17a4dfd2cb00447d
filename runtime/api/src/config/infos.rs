//! The validation entities of Kafka's REST API (`ConfigInfos`, `ConfigInfo`, `ConfigKeyInfo`,
//! `ConfigValueInfo`), with Kafka's JSON field names and order.

use serde::{Deserialize, Serialize};

use super::def::{ConfigKey, ConfigValue};

/// `ConfigKeyInfo`: a key's declaration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigKeyInfo {
    pub name: String,
    #[serde(rename = "type")]
    pub config_type: String,
    pub required: bool,
    pub default_value: Option<String>,
    pub importance: String,
    pub documentation: String,
    pub group: Option<String>,
    pub width: String,
    pub display_name: String,
    pub dependents: Vec<String>,
    #[serde(alias = "order_in_group")]
    pub order: i32,
}

impl From<&ConfigKey> for ConfigKeyInfo {
    fn from(k: &ConfigKey) -> Self {
        Self {
            name: k.name.clone(),
            config_type: k.config_type.name().to_string(),
            required: k.is_required(),
            default_value: k.default_string(),
            importance: k.importance.name().to_string(),
            documentation: k.documentation.clone(),
            group: k.group.clone(),
            width: k.width.name().to_string(),
            display_name: k.display_name.clone(),
            dependents: k.dependents.clone(),
            order: k.order_in_group,
        }
    }
}

/// `ConfigValueInfo`: a key's value and its errors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigValueInfo {
    pub name: String,
    pub value: Option<String>,
    pub recommended_values: Vec<String>,
    pub errors: Vec<String>,
    pub visible: bool,
}

impl From<ConfigValue> for ConfigValueInfo {
    fn from(v: ConfigValue) -> Self {
        Self {
            name: v.name,
            value: v.value,
            recommended_values: v.recommended_values,
            errors: v.errors,
            visible: v.visible,
        }
    }
}

/// `ConfigInfo`: a key's definition (absent for undeclared keys) and value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigInfo {
    pub definition: Option<ConfigKeyInfo>,
    pub value: Option<ConfigValueInfo>,
}

/// `ConfigInfos`: the body of `PUT /connector-plugins/{plugin}/config/validate`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigInfos {
    pub name: String,
    pub error_count: usize,
    pub groups: Vec<String>,
    pub configs: Vec<ConfigInfo>,
}

impl ConfigInfos {
    /// Builds the entity, counting every error message.
    pub fn new(name: impl Into<String>, groups: Vec<String>, configs: Vec<ConfigInfo>) -> Self {
        let error_count = configs
            .iter()
            .map(|c| c.value.as_ref().map_or(0, |v| v.errors.len()))
            .sum();
        Self {
            name: name.into(),
            error_count,
            groups,
            configs,
        }
    }

    /// Every error message with its key, in order.
    pub fn errors(&self) -> impl Iterator<Item = (&str, &str)> {
        self.configs
            .iter()
            .filter_map(|c| c.value.as_ref())
            .flat_map(|v| v.errors.iter().map(move |e| (v.name.as_str(), e.as_str())))
    }
}
