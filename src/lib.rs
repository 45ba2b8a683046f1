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
/// Two cores: while the main thread parses and analyses, a second one parses large plans'
/// `prior_state` ahead (see [`plan::terraform::Prefetch`]) and then hashes the inputs (for
/// the report and plan-pinned waivers); the hashes are filled in once both are done.
pub fn analyze(sources: &[plan::Source], templates: &[plan::Source]) -> Result<Analysis> {
    analyze_with(sources, templates, plan::PREFETCH_MIN_BYTES)
}

fn analyze_with(
    sources: &[plan::Source],
    templates: &[plan::Source],
    prefetch_min_bytes: usize,
) -> Result<Analysis> {
    let prefetch = plan::background_work(sources, prefetch_min_bytes);
    let mut analysis = std::thread::scope(|scope| {
        let helper = scope.spawn(|| {
            for p in prefetch.iter().flatten() {
                p.run();
            }
            for s in sources.iter().chain(templates) {
                s.sha256();
            }
        });
        let analysis =
            plan::parse_all_with(sources, templates, &prefetch).map(analysis::analyze_plans);
        // Joined explicitly: the scope's own wait ends with the closure, before the thread
        // has run its thread-local destructors (LeakSanitizer reported that as a leak).
        if let Err(panic) = helper.join() {
            std::panic::resume_unwind(panic);
        }
        analysis
    })?;
    plan::fill_hashes(&mut analysis.inputs, sources);
    Ok(analysis)
}

#[cfg(test)]
mod tests {
    /// Large plans take the two-thread path; the fixtures are small, so force it and check
    /// it reports exactly what the one-thread path reports.
    #[test]
    fn prefetching_analysis_reports_the_same_as_the_sequential_one() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut checked = 0;
        for rel in [
            "examples/vpc-replace/plan.json",
            "testdata/terraform/real/tfreveal-advanced-replaces.json",
            "testdata/terraform/handwritten/module-for-each.json",
        ] {
            let path = dir.join(rel);
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let src = crate::plan::Source::from_text(rel, text);
            let report = |a: &crate::Analysis| {
                let policy = crate::policy::Policy::builtin().unwrap();
                let e = crate::policy::evaluate(a, &policy);
                crate::report::json::render(&crate::report::Report {
                    analysis: a,
                    evaluation: &e,
                })
            };
            let sequential = super::analyze_with(std::slice::from_ref(&src), &[], usize::MAX);
            let prefetched = super::analyze_with(std::slice::from_ref(&src), &[], 0);
            assert_eq!(
                report(&sequential.unwrap()),
                report(&prefetched.unwrap()),
                "{rel}"
            );
            checked += 1;
        }
        assert_eq!(checked, 3, "fixtures missing");
    }
}

pub mod policy;
pub mod report;
pub mod source_map;

/// Predict a CloudFormation change set from the deployed and the new template, and analyse it.
pub fn analyze_template_diff(before: &plan::Source, after: &plan::Source) -> Result<Analysis> {
    let predicted = plan::cfn_diff::diff_templates(before, after)?;
    Ok(analysis::analyze_plans(vec![predicted]))
}
