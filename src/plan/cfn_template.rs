//! CloudFormation templates (JSON/YAML with short tags) → dependency edges and policies.
//!
//! Placeholder until the template parser lands.
