//! The plugin registry: every connector, transform, predicate and converter under its Java class
//! name and its aliases.
//!
//! Lookups accept what a Kafka Connect worker accepts: the fully-qualified Java class name, the
//! simple class name, and the simple name without its plugin-type suffix (`JsonConverter` →
//! `Json`) when that is unambiguous, plus Strait's own short names.

use crate::error::{ConnectError, Result};
use crate::plugin::{Converter, HeaderConverter, Predicate, SourceConnector, Transformation};

/// The kind of a plugin, as `/connector-plugins` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PluginKind {
    Source,
    Sink,
    Transformation,
    Predicate,
    Converter,
    HeaderConverter,
}

impl PluginKind {
    /// The lower-case name of `PluginInfo.type`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::Sink => "sink",
            Self::Transformation => "transformation",
            Self::Predicate => "predicate",
            Self::Converter => "converter",
            Self::HeaderConverter => "header_converter",
        }
    }

    /// What Kafka calls the plugin interface in "Failed to find any class that implements ...".
    fn interface(self) -> &'static str {
        match self {
            Self::Source | Self::Sink => "Connector",
            Self::Transformation => "Transformation",
            Self::Predicate => "Predicate",
            Self::Converter => "Converter",
            Self::HeaderConverter => "HeaderConverter",
        }
    }

    /// The suffix Kafka strips from simple class names to form short aliases.
    fn suffix(self) -> &'static str {
        match self {
            Self::Source | Self::Sink => "Connector",
            Self::Transformation => "Transformation",
            Self::Predicate => "Predicate",
            Self::Converter | Self::HeaderConverter => "Converter",
        }
    }
}

/// How to create a plugin instance.
#[derive(Clone, Copy)]
pub enum PluginFactory {
    Source(fn() -> Box<dyn SourceConnector>),
    Transformation(fn() -> Box<dyn Transformation>),
    Predicate(fn() -> Box<dyn Predicate>),
    Converter(fn() -> Box<dyn Converter>),
    HeaderConverter(fn() -> Box<dyn HeaderConverter>),
}

impl PluginFactory {
    /// The kind of plugin this factory creates.
    pub fn kind(&self) -> PluginKind {
        match self {
            Self::Source(_) => PluginKind::Source,
            Self::Transformation(_) => PluginKind::Transformation,
            Self::Predicate(_) => PluginKind::Predicate,
            Self::Converter(_) => PluginKind::Converter,
            Self::HeaderConverter(_) => PluginKind::HeaderConverter,
        }
    }
}

/// One registered plugin.
#[derive(Clone)]
pub struct PluginDesc {
    /// The Java class name users already have in their configs (shown as `class`).
    pub class: &'static str,
    /// Strait's own names for it.
    pub aliases: &'static [&'static str],
    /// Version shown by `/connector-plugins`.
    pub version: &'static str,
    /// Creates an instance.
    pub factory: PluginFactory,
}

impl PluginDesc {
    /// The plugin's kind.
    pub fn kind(&self) -> PluginKind {
        self.factory.kind()
    }

    fn simple_name(&self) -> &'static str {
        self.class.rsplit(['.', '$']).next().unwrap_or(self.class)
    }

    fn short_name(&self) -> Option<&'static str> {
        let simple = self.simple_name();
        simple
            .strip_suffix(self.kind().suffix())
            .filter(|s| !s.is_empty())
    }
}

impl std::fmt::Debug for PluginDesc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginDesc")
            .field("class", &self.class)
            .field("kind", &self.kind())
            .finish()
    }
}

/// Every plugin the worker can instantiate.
#[derive(Clone, Debug, Default)]
pub struct PluginRegistry {
    plugins: Vec<PluginDesc>,
}

impl PluginRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a plugin.
    pub fn add(&mut self, desc: PluginDesc) -> &mut Self {
        self.plugins.push(desc);
        self
    }

    /// All plugins in registration order.
    pub fn all(&self) -> &[PluginDesc] {
        &self.plugins
    }

    /// The plugins of one kind.
    pub fn of_kind(&self, kind: PluginKind) -> impl Iterator<Item = &PluginDesc> {
        self.plugins.iter().filter(move |p| p.kind() == kind)
    }

    /// Finds a plugin of one of `kinds` by class name or alias.
    pub fn find(&self, kinds: &[PluginKind], name: &str) -> Option<&PluginDesc> {
        let name = name.trim();
        let candidates = || self.plugins.iter().filter(|p| kinds.contains(&p.kind()));
        if let Some(p) = candidates().find(|p| p.class == name || p.aliases.contains(&name)) {
            return Some(p);
        }
        let unique = |f: &dyn Fn(&PluginDesc) -> bool| {
            let mut it = candidates().filter(|p| f(p));
            match (it.next(), it.next()) {
                (Some(p), None) => Some(p),
                _ => None,
            }
        };
        unique(&|p| p.simple_name() == name).or_else(|| unique(&|p| p.short_name() == Some(name)))
    }

    fn not_found(&self, kind: PluginKind, name: &str) -> ConnectError {
        let available: Vec<&str> = self.of_kind(kind).map(|p| p.class).collect();
        ConnectError::config(
            "class",
            format!(
                "Failed to find any class that implements {} and which name matches {}, available {}s are: {}",
                kind.interface(),
                name,
                kind.name().replace('_', " "),
                available.join(", ")
            ),
        )
    }

    /// Creates a source connector.
    ///
    /// # Errors
    /// A config error listing what is available when no source connector matches.
    pub fn source_connector(&self, name: &str) -> Result<(&PluginDesc, Box<dyn SourceConnector>)> {
        match self.find(&[PluginKind::Source], name) {
            Some(
                p @ PluginDesc {
                    factory: PluginFactory::Source(f),
                    ..
                },
            ) => Ok((p, f())),
            _ => Err(self.not_found(PluginKind::Source, name)),
        }
    }

    /// Creates a transformation.
    ///
    /// # Errors
    /// A config error when no transformation matches.
    pub fn transformation(&self, name: &str) -> Result<Box<dyn Transformation>> {
        match self.find(&[PluginKind::Transformation], name) {
            Some(PluginDesc {
                factory: PluginFactory::Transformation(f),
                ..
            }) => Ok(f()),
            _ => Err(self.not_found(PluginKind::Transformation, name)),
        }
    }

    /// Creates a predicate.
    ///
    /// # Errors
    /// A config error when no predicate matches.
    pub fn predicate(&self, name: &str) -> Result<Box<dyn Predicate>> {
        match self.find(&[PluginKind::Predicate], name) {
            Some(PluginDesc {
                factory: PluginFactory::Predicate(f),
                ..
            }) => Ok(f()),
            _ => Err(self.not_found(PluginKind::Predicate, name)),
        }
    }

    /// Creates a converter.
    ///
    /// # Errors
    /// A config error when no converter matches.
    pub fn converter(&self, name: &str) -> Result<Box<dyn Converter>> {
        match self.find(&[PluginKind::Converter], name) {
            Some(PluginDesc {
                factory: PluginFactory::Converter(f),
                ..
            }) => Ok(f()),
            _ => Err(self.not_found(PluginKind::Converter, name)),
        }
    }

    /// Creates a header converter.
    ///
    /// # Errors
    /// A config error when no header converter matches.
    pub fn header_converter(&self, name: &str) -> Result<Box<dyn HeaderConverter>> {
        match self.find(&[PluginKind::HeaderConverter], name) {
            Some(PluginDesc {
                factory: PluginFactory::HeaderConverter(f),
                ..
            }) => Ok(f()),
            _ => Err(self.not_found(PluginKind::HeaderConverter, name)),
        }
    }
}
