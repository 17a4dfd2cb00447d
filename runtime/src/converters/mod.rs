//! Converters (filled in by the converter work).
