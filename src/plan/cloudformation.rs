//! AWS CloudFormation change sets (`describe-change-set` output) → neutral model.
//!
//! Placeholder until the CloudFormation parser lands: refuses every change set with exit 2,
//! so no change set ever passes unread.

use crate::error::{Error, Located, Result};
use crate::model::Plan;
use crate::plan::Source;

/// Parse change sets given together (pages of one change set are merged; nested change sets
/// are linked to their parent) with the templates that describe their stacks.
pub fn parse_change_sets(change_sets: &[&Source], _templates: &[&Source]) -> Result<Vec<Plan>> {
    let first = change_sets.first().map_or("-", |s| s.path.as_str());
    Err(Error::input(Located::whole_file(
        "planguard::input::unsupported",
        first,
        "CloudFormation change sets are not supported by this build yet",
    )))
}
