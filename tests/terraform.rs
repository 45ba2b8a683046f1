//! Terraform plan parsing and analysis on real fixtures and hand-written plans.

use crate::common::{analyze_file, testdata};
use planguard::model::{Action, ReplaceOrder};
use std::collections::BTreeMap;

/// Per-action counts the way the fixture manifest spells them.
fn manifest_counts(a: &planguard::Analysis) -> BTreeMap<&'static str, usize> {
    let mut m: BTreeMap<&'static str, usize> = BTreeMap::new();
    for k in [
        "create",
        "update",
        "delete",
        "replace_delete_create",
        "replace_create_delete",
        "read",
        "no_op",
        "forget",
    ] {
        m.insert(k, 0);
    }
    for n in &a.nodes {
        let Some(c) = &n.change else { continue };
        let key = match (c.action, c.replace_order) {
            (Action::Create, _) => "create",
            (Action::Update, _) => "update",
            (Action::Delete, _) => "delete",
            (Action::Replace, Some(ReplaceOrder::DeleteBeforeCreate)) => "replace_delete_create",
            (Action::Replace, _) => "replace_create_delete",
            (Action::Read, _) => "read",
            (Action::NoOp, _) => "no_op",
            (Action::Forget, _) => "forget",
            (other, _) => panic!("unexpected action {other} in a Terraform plan"),
        };
        *m.entry(key).or_default() += 1;
    }
    m
}

#[test]
fn every_fixture_analyses_with_manifest_counts_or_fails_clearly() {
    let manifest = std::fs::read_to_string(testdata("terraform/MANIFEST.tsv")).expect("manifest");
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (mut analysed, mut refused) = (0, 0);
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        let path = format!("terraform/{}", f[col("path")]);
        let kind = f[col("kind")];
        let result = analyze_file(&path);
        match kind {
            "state" => {
                let err = result
                    .err()
                    .unwrap_or_else(|| panic!("{path}: state accepted as a plan"));
                assert!(
                    err.to_string().contains("state JSON, not a plan"),
                    "{path}: {err}"
                );
                refused += 1;
            }
            k if k.contains("extracted") => {
                let err = result
                    .err()
                    .unwrap_or_else(|| panic!("{path}: wrapped plan accepted"));
                let l = err.located().expect("located");
                assert_eq!(l.code, "planguard::input::wrapped", "{path}");
                assert_eq!((l.line, l.column), (1, 1), "{path}");
                assert!(
                    l.help.as_deref().unwrap_or("").contains("line 2"),
                    "{path}: {l:?}"
                );
                refused += 1;
            }
            _ => {
                let a = result.unwrap_or_else(|e| panic!("{path}: {e:?}"));
                let got = manifest_counts(&a);
                for (k, v) in &got {
                    let want: usize = f[col(k)].parse().expect("count");
                    assert_eq!(*v, want, "{path}: {k}");
                }
                let total: usize = f[col("resource_changes")].parse().expect("total");
                assert_eq!(got.values().sum::<usize>(), total, "{path}: total");
                assert_eq!(
                    a.drift.len(),
                    f[col("resource_drift")].parse::<usize>().expect("drift"),
                    "{path}: drift"
                );
                analysed += 1;
            }
        }
    }
    assert!(analysed >= 110, "only {analysed} fixtures analysed");
    assert_eq!(refused, 6, "the five state files and the wrapped plan");
}

#[test]
fn every_action_reason_is_kept() {
    let a = analyze_file("terraform/handwritten/reasons.json").expect("parses");
    assert_eq!(a.nodes.len(), 16);
    for n in &a.nodes {
        let c = n.change.as_ref().expect("change");
        let reason = n.address.rsplit('.').next().expect("name");
        assert_eq!(c.reasons, [reason], "{}", n.address);
        let expected = if reason.starts_with("replace") {
            Action::Replace
        } else if reason.starts_with("delete") {
            Action::Delete
        } else if reason.starts_with("read") {
            Action::Read
        } else {
            Action::Forget
        };
        assert_eq!(c.action, expected, "{}", n.address);
    }
    // Replacements on request or taint are their own root causes.
    assert_eq!(a.summary.root_causes, 4 + 7);
}

#[test]
fn deposed_object_is_its_own_change_and_has_no_dependents() {
    let a = analyze_file("terraform/handwritten/deposed.json").expect("parses");
    let addrs: Vec<String> = a
        .destructive
        .iter()
        .map(|d| a.node(d.node).display_address())
        .collect();
    assert_eq!(
        addrs,
        ["aws_instance.web", "aws_instance.web (deposed a1b2c3d4)"]
    );
    let current = &a.destructive[0];
    assert_eq!(
        a.node(current.node)
            .change
            .as_ref()
            .expect("c")
            .replace_order,
        Some(ReplaceOrder::CreateBeforeDelete)
    );
    let names: Vec<&str> = current
        .dependents(&a)
        .map(|i| a.node(i).address.as_str())
        .collect();
    assert_eq!(names, ["aws_eip.web"]);
    assert!(
        a.destructive[1].dependent_count() == 0,
        "nothing depends on a deposed leftover"
    );
}

#[test]
fn forget_pairs_destroy_nothing() {
    let a = analyze_file("terraform/handwritten/forget.json").expect("parses");
    assert!(a.destructive.is_empty());
    assert_eq!(a.summary.counts.get(&Action::Forget), Some(&3));
    let raw: Vec<Vec<String>> = a
        .nodes
        .iter()
        .map(|n| n.change.as_ref().expect("c").raw_actions.clone())
        .collect();
    assert!(raw.contains(&vec!["forget".to_string(), "create".to_string()]));
}

#[test]
fn import_is_flagged_on_the_change() {
    let a = analyze_file("terraform/handwritten/import.json").expect("parses");
    assert!(a
        .nodes
        .iter()
        .all(|n| n.change.as_ref().expect("c").importing));
    assert!(a.destructive.is_empty());
}

#[test]
fn moved_address_normalises_prior_state_dependencies() {
    let a = analyze_file("terraform/handwritten/moved.json").expect("parses");
    let vpc = &a.destructive[0];
    let n = a.node(vpc.node);
    assert_eq!(n.address, "aws_vpc.primary");
    assert_eq!(
        n.change.as_ref().expect("c").moved_from.as_deref(),
        Some("aws_vpc.main")
    );
    let dependents: Vec<&str> = vpc
        .dependents(&a)
        .map(|i| a.node(i).address.as_str())
        .collect();
    assert_eq!(
        dependents,
        ["aws_subnet.a"],
        "depends_on aws_vpc.main must follow the move"
    );
    assert_eq!(vpc.unchanged().len(), 1);
    assert!(
        a.notes.iter().any(|n| n.message.contains("local.vpc_id")),
        "unresolved local is reported"
    );
}

#[test]
fn create_before_destroy_keeps_its_order_and_dependents() {
    let a = analyze_file("terraform/handwritten/create-before-destroy.json").expect("parses");
    let d = &a.destructive[0];
    let c = a.node(d.node).change.as_ref().expect("c");
    assert_eq!(c.replace_order, Some(ReplaceOrder::CreateBeforeDelete));
    assert_eq!(c.forced_by, ["image_id"]);
    let dependents: Vec<&str> = d
        .changing()
        .iter()
        .map(|&i| a.node(i).address.as_str())
        .collect();
    assert_eq!(dependents, ["aws_autoscaling_group.app"]);
}

#[test]
fn module_for_each_pairs_instances_and_follows_outputs_and_variables() {
    let a = analyze_file("terraform/handwritten/module-for-each.json").expect("parses");
    let vpc = a
        .destructive
        .iter()
        .find(|d| a.node(d.node).address == r#"module.env["blue"].aws_vpc.this"#)
        .expect("blue vpc destroyed");
    let names =
        |v: &[u32]| -> Vec<String> { v.iter().map(|&i| a.node(i).address.clone()).collect() };
    assert_eq!(
        names(&vpc.dependents(&a).collect::<Vec<_>>()),
        [
            "aws_instance.bastion",
            "aws_route53_record.api",
            r#"module.env["blue"].aws_subnet.this"#,
            r#"module.env["blue"].module.peering.aws_vpc_peering_connection.this"#,
        ]
    );
    assert_eq!(names(vpc.unchanged()), ["aws_instance.bastion"]);
    assert!(vpc.root_cause.is_none());
    assert_eq!(
        vpc.explains, 2,
        "the blue subnet and peering are explained by the VPC"
    );
    // The green subnet depends on the green VPC only.
    let green_subnet = a
        .nodes
        .iter()
        .position(|n| n.address == r#"module.env["green"].aws_subnet.this"#)
        .expect("green subnet") as u32;
    let deps: Vec<String> = a
        .graph
        .dependencies(green_subnet)
        .map(|i| a.node(i).address.clone())
        .collect();
    assert_eq!(deps, [r#"module.env["green"].aws_vpc.this"#]);
}

#[test]
fn errored_plan_is_reported_incomplete() {
    let a = analyze_file("terraform/real/tf-gatekeeper-tf114-modules.json").expect("parses");
    let kinds: Vec<&str> = a.incomplete.iter().map(|i| i.kind.as_str()).collect();
    assert_eq!(kinds, ["errored", "incomplete"]);
}

#[test]
fn redacted_plan_says_its_graph_is_partial() {
    let a = analyze_file("terraform/cloud-redacted/plan-json-full.redacted.json").expect("parses");
    assert_eq!(
        a.inputs[0].format,
        planguard::model::InputFormat::TerraformRedactedPlan
    );
    assert!(a
        .notes
        .iter()
        .any(|n| n.kind == planguard::model::NoteKind::PartialGraph));
}

#[test]
fn drift_without_addresses_is_rebuilt_and_kept_apart() {
    let a = analyze_file("terraform/real/tfcompliance-522-deletes-drift.json").expect("parses");
    assert_eq!(a.drift.len(), 15);
    assert!(a.drift.iter().all(|d| d.address.contains('.')));
    // Drift never shows up as a change.
    assert_eq!(a.summary.counts.values().sum::<usize>(), 15);
}

#[test]
fn prior_state_depends_on_gives_blast_radius_in_real_destroy_plan() {
    let a = analyze_file("terraform/real/tirith-s3-destroy-modules.json").expect("parses");
    let pet = a
        .destructive
        .iter()
        .find(|d| a.node(d.node).address == "random_pet.this")
        .expect("random_pet destroyed");
    let names: Vec<&str> = pet
        .dependents(&a)
        .map(|i| a.node(i).address.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "module.s3_bucket.aws_s3_bucket.this[0]",
            "module.s3_bucket.aws_s3_bucket_public_access_block.this[0]",
            "null_resource.remove_and_upload_to_s3",
        ]
    );
}

#[test]
fn opentofu_ephemeral_resources_are_read_and_never_destructive() {
    let plan = r#"{"format_version": "1.2", "terraform_version": "1.9.0",
        "planned_values": {"root_module": {}},
        "resource_changes": [
          {"address": "ephemeral.random_password.db", "mode": "ephemeral", "type": "random_password",
           "name": "db", "provider_name": "registry.opentofu.org/hashicorp/random",
           "change": {"actions": ["create"], "before": null, "after": null}},
          {"address": "aws_instance.web", "mode": "managed", "type": "aws_instance", "name": "web",
           "change": {"actions": ["no-op"]}}],
        "configuration": {"root_module": {}}}"#;
    let a = planguard::analyze(
        &[planguard::plan::Source::from_text("tofu.json", plan)],
        &[],
    )
    .expect("parses");
    let eph = a
        .nodes
        .iter()
        .find(|n| n.address.starts_with("ephemeral."))
        .expect("kept");
    assert_eq!(eph.mode, planguard::model::Mode::Ephemeral);
    assert!(a.destructive.is_empty());
    // An unknown mode is refused, not guessed.
    let bad = plan.replace(r#""mode": "ephemeral""#, r#""mode": "transient""#);
    let Err(err) = planguard::analyze(&[planguard::plan::Source::from_text("bad.json", bad)], &[])
    else {
        panic!("an unknown mode must be refused");
    };
    assert!(err.to_string().contains("unknown mode"), "{err}");
}

#[test]
fn several_inputs_make_one_report_and_colliding_addresses_get_their_input_prefix() {
    let a = planguard::analyze(
        &[
            crate::common::source("terraform/real/tfreveal-advanced-replaces.json"),
            crate::common::source("terraform/real/tf-plan-format-delete-create.json"),
        ],
        &[],
    )
    .expect("parses");
    assert_eq!(a.inputs.len(), 2);
    // Distinct addresses: kept as they are.
    assert!(a.nodes.iter().all(|n| !n.address.contains("::")));
    // The same plan twice: every address collides, so each is prefixed by its input.
    let twice = planguard::analyze(
        &[
            planguard::plan::Source::from_text(
                "prod/plan.json",
                std::fs::read_to_string(testdata(
                    "terraform/real/tf-plan-format-delete-create.json",
                ))
                .expect("read"),
            ),
            planguard::plan::Source::from_text(
                "staging/plan.json",
                std::fs::read_to_string(testdata(
                    "terraform/real/tf-plan-format-delete-create.json",
                ))
                .expect("read"),
            ),
        ],
        &[],
    )
    .expect("parses");
    let addrs: Vec<String> = twice
        .destructive
        .iter()
        .map(|d| twice.node(d.node).address.clone())
        .collect();
    assert_eq!(addrs.len(), 2);
    assert!(
        addrs[0].starts_with("prod/plan.json::") && addrs[1].starts_with("staging/plan.json::"),
        "{addrs:?}"
    );
}

/// Pairing deletes with creates (missing `moved` blocks) is hash lookups, not a product:
/// 20,000 deletes and 20,000 creates of one type pair up in one pass.
#[test]
fn many_deletes_and_creates_pair_without_a_quadratic_search() {
    let mut changes = Vec::new();
    for i in 0..20_000 {
        changes.push(format!(r#"{{"address":"aws_instance.web[{i}]","type":"aws_instance","change":{{"actions":["delete"]}},"action_reason":"delete_because_wrong_repetition"}}"#));
        changes.push(format!(r#"{{"address":"aws_instance.web[\"k{i}\"]","type":"aws_instance","change":{{"actions":["create"]}}}}"#));
    }
    let plan = format!(
        r#"{{"format_version":"1.2","resource_changes":[{}],"configuration":{{"root_module":{{}}}}}}"#,
        changes.join(",")
    );
    let a = planguard::analyze(
        &[planguard::plan::Source::from_text("many.json", plan)],
        &[],
    )
    .expect("parses");
    let paired = a
        .nodes
        .iter()
        .filter(|n| {
            n.change
                .as_ref()
                .is_some_and(|c| c.move_candidate.is_some())
        })
        .count();
    assert_eq!(paired, 20_000);
}
