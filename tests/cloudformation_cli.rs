//! CloudFormation through the real binary (`--format json`): input forms (JSON/YAML, pages,
//! nested change sets), templates found or given, and the blast radius on real templates.

use crate::common::{planguard, testdata};
use serde_json::Value;
use std::path::{Path, PathBuf};

const CS: &str = "cloudformation/changesets";
const TPL: &str = "cloudformation/templates";

/// Run `planguard <args> --no-config --format json`; the exit code and the parsed report.
fn run(args: &[&str]) -> (i32, Value) {
    let out = planguard()
        .args(args)
        .args(["--no-config", "--format", "json"])
        .output()
        .expect("planguard runs");
    let code = out.status.code().expect("exit code");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: exit {code}, not a JSON report ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, report)
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn cs(name: &str) -> PathBuf {
    testdata(&format!("{CS}/{name}"))
}

fn tpl(name: &str) -> PathBuf {
    testdata(&format!("{TPL}/{name}"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn addresses(report: &Value) -> Vec<String> {
    report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["address"].as_str().expect("address").to_string())
        .collect()
}

fn change<'a>(report: &'a Value, address: &str) -> &'a Value {
    report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("no change {address}: {:?}", addresses(report)))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

fn dependents(report: &Value, address: &str) -> Vec<String> {
    strings(&change(report, address)["blast_radius"]["dependents"])
}

fn note_kinds(report: &Value) -> Vec<String> {
    report["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .map(|n| n["kind"].as_str().expect("kind").to_string())
        .collect()
}

fn incomplete_kinds(report: &Value) -> Vec<String> {
    report["incomplete"]
        .as_array()
        .expect("incomplete")
        .iter()
        .map(|n| n["kind"].as_str().expect("kind").to_string())
        .collect()
}

fn rule_ids(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule_id"].as_str().expect("rule_id").to_string())
        .collect()
}

#[test]
fn cfn_cli_yaml_change_set_reports_like_json() {
    // A replacement with its dependent, and the template beside it (copied along, so both
    // forms find it the same way).
    let base = "ls-change-set-fn-get-attr--immutable-property-update-causes-resource-replacement";
    let dir = tempfile::tempdir().expect("tmp");
    let json_text = read(&cs(&format!("{base}--cs2.json")));
    let template = format!("{base}.template.after.json");
    write(&dir.path().join(&template), &read(&cs(&template)));
    let json = dir.path().join(format!("{base}--cs2.json"));
    write(&json, &json_text);
    let value: Value = serde_json::from_str(&json_text).expect("json");
    let yaml = dir.path().join(format!("{base}--cs2.yaml"));
    write(&yaml, &serde_yaml::to_string(&value).expect("yaml"));

    let (code_j, j) = run(&["check", p(&json)]);
    let (code_y, y) = run(&["check", p(&yaml)]);
    assert_eq!(code_j, code_y);
    assert_eq!(addresses(&j), ["Topic1", "Topic2"]);
    assert_eq!(j["summary"], y["summary"]);
    assert_eq!(addresses(&j), addresses(&y));
    // Whole changes (actions, reasons, blast radius) and the rest of the verdict agree.
    assert_eq!(j["changes"], y["changes"]);
    assert_eq!(j["root_causes"], y["root_causes"]);
    assert_eq!(j["verdict"], y["verdict"]);
    assert_eq!(note_kinds(&j), note_kinds(&y));
    assert!(!note_kinds(&y).contains(&"partial_graph".to_string()));
    assert_eq!(dependents(&y, "Topic1"), ["Topic2"]);
    assert_eq!(y["inputs"][0]["format"], "cloudformation-changeset");
}

/// Split a change set's `Changes` into `n` pages linked by `NextToken` (all but the last).
fn split_pages(text: &str, n: usize) -> Vec<String> {
    let v: Value = serde_json::from_str(text).expect("json");
    let changes = v["Changes"].as_array().expect("Changes").clone();
    assert!(changes.len() >= n, "too few changes to split");
    let per = changes.len().div_ceil(n);
    let chunks: Vec<_> = changes.chunks(per).collect();
    assert_eq!(chunks.len(), n);
    chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| {
            let mut page = v.clone();
            page["Changes"] = Value::Array(chunk.to_vec());
            if i + 1 < n {
                page["NextToken"] = Value::String(format!("token-{i}"));
            }
            serde_json::to_string_pretty(&page).expect("json")
        })
        .collect()
}

#[test]
fn cfn_cli_pages_merge_and_a_missing_last_page_blocks() {
    // Eleven changes, a passing verdict as one file: the missing page must turn it to a block.
    let text = read(&cs(
        "ls-resources-cdk--cdk-bootstrap-redeploy-v28--describe-change-set.json",
    ));
    let dir = tempfile::tempdir().expect("tmp");
    let whole = dir.path().join("whole.json");
    write(&whole, &text);
    let pages: Vec<PathBuf> = split_pages(&text, 2)
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let path = dir.path().join(format!("page{i}.json"));
            write(&path, t);
            path
        })
        .collect();

    let (code_w, w) = run(&["check", p(&whole)]);
    assert_eq!(code_w, 0, "{w}");
    assert_eq!(addresses(&w).len(), 11);
    let (code_m, m) = run(&["check", p(&pages[0]), p(&pages[1])]);
    assert_eq!(code_m, code_w);
    assert_eq!(m["summary"], w["summary"]);
    assert_eq!(m["changes"], w["changes"]);
    assert_eq!(m["verdict"], "pass");
    assert!(incomplete_kinds(&m).is_empty(), "{}", m["incomplete"]);
    // Given in the other order: the same.
    let (_, r) = run(&["check", p(&pages[1]), p(&pages[0])]);
    assert_eq!(r["changes"], w["changes"]);
    assert!(incomplete_kinds(&r).is_empty());

    // The first page alone (it has a NextToken): never a quiet pass.
    let (code_1, one) = run(&["check", p(&pages[0])]);
    assert_eq!(code_1, 1, "{one}");
    assert_eq!(one["verdict"], "fail");
    assert_eq!(incomplete_kinds(&one), ["changeset_pages_missing"]);
    assert!(rule_ids(&one).contains(&"plan-incomplete".to_string()));
    assert!(addresses(&one).len() < 11);
}

#[test]
fn cfn_cli_root_and_nested_change_sets() {
    let root = cs("awsdocs-nested--root.json");
    let child = cs("awsdocs-nested--child.json");
    for args in [
        ["check", p(&root), p(&child)],
        ["check", p(&child), p(&root)],
    ] {
        let (code, r) = run(&args);
        assert_eq!(code, 0, "{r}");
        assert_eq!(addresses(&r), ["ChildStack", "ChildStack/function"]);
        assert_eq!(change(&r, "ChildStack/function")["action"], "update");
        assert!(incomplete_kinds(&r).is_empty(), "{}", r["incomplete"]);
        assert_eq!(r["inputs"][0]["path"], p(&root));
    }
    // The root alone: the child's changes are unknown, so it is blocked.
    let (code, r) = run(&["check", p(&root)]);
    assert_eq!(code, 1, "{r}");
    assert_eq!(r["verdict"], "fail");
    assert_eq!(addresses(&r), ["ChildStack"]);
    assert_eq!(incomplete_kinds(&r), ["nested_changeset_missing"]);
    assert_eq!(rule_ids(&r), ["plan-incomplete"]);
}

#[test]
fn cfn_cli_template_beside_missing_or_given() {
    // A, B, C are deleted; B refs A and C refs B only in the template, never in the change set.
    let base = "ls-api-stacks--stack-deletion-order-A-B-C";
    let file = cs(&format!("{base}--cs2.json"));
    let template = cs(&format!("{base}.template.after.json"));

    let (_, beside) = run(&["check", p(&file)]);
    assert!(!note_kinds(&beside).contains(&"partial_graph".to_string()));
    assert_eq!(dependents(&beside, "A"), ["B", "C"]);
    assert_eq!(dependents(&beside, "B"), ["C"]);

    let dir = tempfile::tempdir().expect("tmp");
    let alone = dir.path().join(format!("{base}--cs2.json"));
    write(&alone, &read(&file));
    let (_, partial) = run(&["check", p(&alone)]);
    assert_eq!(addresses(&partial), addresses(&beside));
    assert!(dependents(&partial, "A").is_empty(), "{partial}");
    let notes = partial["notes"].as_array().expect("notes");
    let note = notes
        .iter()
        .find(|n| n["kind"] == "partial_graph")
        .unwrap_or_else(|| panic!("no partial_graph note: {notes:?}"));
    let message = note["message"].as_str().expect("message");
    assert!(
        message.contains("only has the change set's own hints") && message.contains("--template"),
        "{message}"
    );
    assert!(message.contains(p(&alone)), "{message}");

    // --template restores the edges.
    let (_, given) = run(&["check", p(&alone), "--template", p(&template)]);
    assert!(!note_kinds(&given).contains(&"partial_graph".to_string()));
    assert_eq!(given["changes"], beside["changes"]);
    assert_eq!(given["summary"], beside["summary"]);
}

/// `planguard diff REAL EDITED`, the edited copy written to a temp dir.
fn diff_edited(rel: &str, edit: impl Fn(&str) -> String) -> (i32, Value) {
    let before = tpl(rel);
    let text = read(&before);
    let edited = edit(&text);
    assert_ne!(edited, text, "the edit changed nothing");
    let dir = tempfile::tempdir().expect("tmp");
    let name = Path::new(rel).file_name().expect("file name");
    let after = dir.path().join(name);
    write(&after, &edited);
    run(&["diff", p(&before), p(&after)])
}

#[test]
fn cfn_cli_depends_on_only_dependent_is_in_the_blast_radius() {
    // RestApiDeployment reaches TestResourceGet only through `DependsOn`; RestApiStage refs
    // the deployment. A new HttpMethod replaces the method.
    let (_, r) = diff_edited("act-webapp/webapp.yaml", |t| {
        let start = t.find("  TestResourceGet:").expect("TestResourceGet");
        let at = start + t[start..].find("HttpMethod: GET").expect("GET");
        format!(
            "{}HttpMethod: POST{}",
            &t[..at],
            &t[at + "HttpMethod: GET".len()..]
        )
    });
    assert_eq!(addresses(&r), ["TestResourceGet"]);
    let c = change(&r, "TestResourceGet");
    assert_eq!(c["action"], "replace");
    assert_eq!(c["certainty"], "certain");
    assert_eq!(strings(&c["forced_by"]), ["Properties.HttpMethod"]);
    assert_eq!(
        dependents(&r, "TestResourceGet"),
        ["RestApiDeployment", "RestApiStage"]
    );
    assert_eq!(
        strings(&c["blast_radius"]["unchanged"]),
        ["RestApiDeployment", "RestApiStage"]
    );
    assert_eq!(r["root_causes"], serde_json::json!(["TestResourceGet"]));

    // The VPC of act-vpc: its CIDR comes from a mapping. The public route depends on the
    // gateway attachment through `DependsOn` (and on the VPC through its route table).
    let (_, r) = diff_edited("act-vpc/vpc-nat-private-subnet.yaml", |t| {
        t.replacen("10.0.0.0/16", "10.1.0.0/16", 1)
    });
    assert_eq!(change(&r, "VPC")["action"], "replace");
    let deps = dependents(&r, "VPC");
    for d in ["GatewayToInternet", "PublicRoute", "PublicSubnet0"] {
        assert!(deps.contains(&d.to_string()), "{d} not in {deps:?}");
    }
}

const NESTED_ROOT: &str = r#"{"ChangeSetId": "arn:aws:cloudformation:us-east-1:123456789012:changeSet/root/1",
  "StackName": "grand", "Status": "CREATE_COMPLETE", "IncludeNestedStacks": true,
  "Changes": [{"Type": "Resource", "ResourceChange": {"Action": "Modify",
    "LogicalResourceId": "myImportingStack", "ResourceType": "AWS::CloudFormation::Stack",
    "Replacement": "False",
    "ChangeSetId": "arn:aws:cloudformation:us-east-1:123456789012:changeSet/parent/2"}}]}"#;
const NESTED_PARENT: &str = r#"{"ChangeSetId": "arn:aws:cloudformation:us-east-1:123456789012:changeSet/parent/2",
  "ParentChangeSetId": "arn:aws:cloudformation:us-east-1:123456789012:changeSet/root/1",
  "StackName": "grand-myImportingStack-X", "Status": "CREATE_COMPLETE", "IncludeNestedStacks": true,
  "Changes": [{"Type": "Resource", "ResourceChange": {"Action": "Modify",
    "LogicalResourceId": "myStackWithParams", "ResourceType": "AWS::CloudFormation::Stack",
    "Replacement": "False",
    "ChangeSetId": "arn:aws:cloudformation:us-east-1:123456789012:changeSet/child/3"}}]}"#;
const NESTED_CHILD: &str = r#"{"ChangeSetId": "arn:aws:cloudformation:us-east-1:123456789012:changeSet/child/3",
  "ParentChangeSetId": "arn:aws:cloudformation:us-east-1:123456789012:changeSet/parent/2",
  "RootChangeSetId": "arn:aws:cloudformation:us-east-1:123456789012:changeSet/root/1",
  "StackName": "grand-myImportingStack-X-myStackWithParams-Y", "Status": "CREATE_COMPLETE",
  "Changes": [{"Type": "Resource", "ResourceChange": {"Action": "Modify",
    "LogicalResourceId": "Bucket", "ResourceType": "AWS::S3::Bucket", "Replacement": "True",
    "PolicyAction": "ReplaceAndDelete",
    "Details": [{"Target": {"Attribute": "Properties", "Name": "BucketName",
      "RequiresRecreation": "Always"}, "Evaluation": "Static",
      "ChangeSource": "ParameterReference", "CausingEntity": "NameForBucketToCreate"}]}}]}"#;

#[test]
fn cfn_cli_three_level_nested_outputs_reach_the_grandparent() {
    // grandparent.parameter reads parent's output, which reads parent.parameter, which reads
    // the child's output `BucketArn` = the bucket's Arn.
    let dir = tempfile::tempdir().expect("tmp");
    let mut files = Vec::new();
    for (name, text) in [
        ("root.json", NESTED_ROOT),
        ("parent.json", NESTED_PARENT),
        ("child.json", NESTED_CHILD),
    ] {
        let path = dir.path().join(name);
        write(&path, text);
        files.push(path);
    }
    let templates = [
        tpl("localstack-nested/nested_grand_parent.yaml"),
        tpl("localstack-nested/nested_parent.yaml"),
        tpl("localstack-nested/nested_child.yaml"),
    ];
    // Change sets and templates each in two orders.
    for (cs_order, t_order) in [([0, 1, 2], [0, 1, 2]), ([2, 0, 1], [2, 1, 0])] {
        let mut args = vec!["check"];
        args.extend(cs_order.iter().map(|&i| p(&files[i])));
        for &i in &t_order {
            args.extend(["--template", p(&templates[i])]);
        }
        let (code, r) = run(&args);
        assert_eq!(code, 1, "{r}");
        assert_eq!(
            addresses(&r),
            [
                "myImportingStack",
                "myImportingStack/myStackWithParams",
                "myImportingStack/myStackWithParams/Bucket"
            ]
        );
        let bucket = "myImportingStack/myStackWithParams/Bucket";
        assert_eq!(change(&r, bucket)["action"], "replace");
        assert_eq!(
            dependents(&r, bucket),
            ["myImportingStack/parameter", "parameter"]
        );
        assert_eq!(
            strings(&change(&r, bucket)["blast_radius"]["unchanged"]),
            ["myImportingStack/parameter", "parameter"]
        );
        assert_eq!(r["root_causes"], serde_json::json!([bucket]));
        assert!(incomplete_kinds(&r).is_empty(), "{}", r["incomplete"]);
        assert!(
            !note_kinds(&r).contains(&"partial_graph".to_string()),
            "{}",
            r["notes"]
        );
    }

    // Without the child change set: incomplete, and still blocked.
    let (code, r) = run(&[
        "check",
        p(&files[0]),
        p(&files[1]),
        "--template",
        p(&templates[0]),
        "--template",
        p(&templates[1]),
        "--template",
        p(&templates[2]),
    ]);
    assert_eq!(code, 1, "{r}");
    assert_eq!(incomplete_kinds(&r), ["nested_changeset_missing"]);
}

#[test]
fn cfn_cli_export_import_reaches_the_importing_stack() {
    // The cluster stack's `ClusterName` output exports `!Ref ECSCluster`; the service stack
    // `!ImportValue`s it into `Service.Cluster`.
    let dir = tempfile::tempdir().expect("tmp");
    let change_set = dir.path().join("cluster.json");
    write(
        &change_set,
        r#"{"ChangeSetId": "arn:aws:cloudformation:us-east-1:123456789012:changeSet/cluster/1",
          "StackName": "cluster-private-vpc", "Status": "CREATE_COMPLETE",
          "Changes": [{"Type": "Resource", "ResourceChange": {"Action": "Modify",
            "LogicalResourceId": "ECSCluster", "ResourceType": "AWS::ECS::Cluster",
            "Replacement": "True", "PolicyAction": "ReplaceAndDelete",
            "Details": [{"Target": {"Attribute": "Properties", "Name": "ClusterName",
              "RequiresRecreation": "Always"}, "Evaluation": "Static",
              "ChangeSource": "DirectModification"}]}}]}"#,
    );
    for ext in ["yaml", "json"] {
        let cluster = tpl(&format!("act-ecs-fargate/cluster-private-vpc.{ext}"));
        let service = tpl(&format!(
            "act-ecs-fargate/service-private-subnet-public-service.{ext}"
        ));
        let (_, r) = run(&[
            "check",
            p(&change_set),
            "--template",
            p(&cluster),
            "--template",
            p(&service),
        ]);
        assert_eq!(addresses(&r), ["ECSCluster"]);
        assert_eq!(
            dependents(&r, "ECSCluster"),
            ["service-private-subnet-public-service::Service"],
            "{ext}"
        );
        assert_eq!(
            strings(&change(&r, "ECSCluster")["blast_radius"]["unchanged"]),
            ["service-private-subnet-public-service::Service"]
        );
        assert!(r["notes"]
            .as_array()
            .expect("notes")
            .iter()
            .any(|n| n["kind"] == "info"
                && n["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("linked by Export/ImportValue"))));

        // Without the importing stack's template, the other stack is not seen.
        let (_, alone) = run(&["check", p(&change_set), "--template", p(&cluster)]);
        assert!(dependents(&alone, "ECSCluster").is_empty());
    }
}

#[test]
fn cfn_cli_nested_child_alone_says_the_parents_are_not_seen() {
    // The child's template is given, so no "no template" note: the parent stacks reading the
    // bucket's output are still unseen, and the report must say so.
    let dir = tempfile::tempdir().expect("tmp");
    let child = dir.path().join("child.json");
    write(&child, NESTED_CHILD);
    let template = tpl("localstack-nested/nested_child.yaml");
    let (_, r) = run(&["check", p(&child), "--template", p(&template)]);
    assert_eq!(addresses(&r), ["Bucket"]);
    assert!(dependents(&r, "Bucket").is_empty());
    let notes = r["notes"].as_array().expect("notes");
    assert!(
        notes.iter().any(|n| n["kind"] == "partial_graph"
            && n["message"]
                .as_str()
                .is_some_and(|m| m.contains("parent change set was not given"))),
        "{notes:?}"
    );
    // The real documentation example, alone.
    let (_, r) = run(&["check", p(&cs("awsdocs-nested--child.json"))]);
    assert!(r["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .any(|n| n["message"]
            .as_str()
            .is_some_and(|m| m.contains("parent change set was not given"))));
}

/// A JSON template that names a key twice is refused: readers keep one copy silently, which
/// could hide a resource or a DeletionPolicy (YAML refuses duplicates too).
#[test]
fn cfn_cli_duplicate_keys_in_a_json_template_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let before =
        r#"{"Resources": {"Data": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"}}}"#;
    let after = r#"{"Resources": {"Data": {"Type": "AWS::S3::Bucket"}, "Data": {"Type": "AWS::SQS::Queue"}}}"#;
    std::fs::write(dir.path().join("before.json"), before).expect("write");
    std::fs::write(dir.path().join("after.json"), after).expect("write");
    let out = crate::common::planguard()
        .arg("diff")
        .arg("--no-config")
        .arg(dir.path().join("before.json"))
        .arg(dir.path().join("after.json"))
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("duplicate key `Data`"), "{err}");
    assert!(err.contains("after.json:1:"), "located: {err}");
}
