//! planguard reads an infrastructure change plan before it is applied and says, with
//! evidence, what it will destroy and what else goes down with it.
//!
//! The pipeline (see `DESIGN.md` in the shared folder and `docs/` here):
//! [`plan`] parses inputs into the neutral [`model`]; [`graph`] builds who-depends-on-whom;
//! [`analysis`] finds destructive changes, their blast radius and root causes; [`policy`]
//! judges them with rules, config and waivers; [`report`] renders the result. The library
//! never prints and never exits: the binary (`main.rs`) is a thin shell around it.

pub mod error;
pub mod guard_plan;
pub mod hook;
pub mod model;
pub mod plan;

pub use error::{Error, Result};
pub mod analysis;
pub mod graph;
pub mod id_hash;

pub use analysis::Analysis;

/// Parse every input and analyse them together: the whole pipeline up to policy.
///
/// Inputs are hashed (for the report and plan-pinned waivers) on a second thread while they
/// are parsed: on a 450 MB plan that is a third of a second off the critical path.
pub fn analyze(sources: &[plan::Source], templates: &[plan::Source]) -> Result<Analysis> {
    // The second core: section prefetches first (the main parse will wait for them), then
    // the hashes the report needs.
    // The analysis runs while the hashing may still be going on; the hashes are filled in
    // when both are done.
    let prefetch = plan::background_work(sources);
    let mut analysis = std::thread::scope(|scope| {
        scope.spawn(|| {
            for p in prefetch.iter().flatten() {
                p.run();
            }
            for s in sources.iter().chain(templates) {
                s.sha256();
            }
        });
        plan::parse_all_with(sources, templates, &prefetch).map(analysis::analyze_plans)
    })?;
    plan::fill_hashes(&mut analysis.inputs, sources);
    Ok(analysis)
}
pub mod policy;
pub mod report;
pub mod source_map;

/// Predict a CloudFormation change set from the deployed and the new template, and analyse it.
pub fn analyze_template_diff(before: &plan::Source, after: &plan::Source) -> Result<Analysis> {
    let predicted = plan::cfn_diff::diff_templates(before, after)?;
    Ok(analysis::analyze_plans(vec![predicted]))
}
