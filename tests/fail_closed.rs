//! Fail-closed matrix: inputs that must never pass silently, through the real binary.
//!
//! Each row is a document, the exact exit code (`2` could not analyse, `1` blocked by a
//! finding: both stop a pipeline) and a substring of the message. stderr (NO_COLOR, no
//! wrapping, relative paths) is snapshotted with insta so a change in a diagnostic is
//! reviewed. Decisions recorded here:
//! * a configuration reference to a resource that is not in the plan is harmless (nothing
//!   to destroy, no edge) and passes;
//! * a `prior_state` `depends_on` naming an address that is not in the plan is reported as a
//!   stale-dependency note; it cannot hide a destruction (the missing object is not in the
//!   plan, so nothing destroys it), so it does not block either;
//! * a lost change list (`resource_changes` null/missing while the prior state holds managed
//!   resources; `Changes` missing from a CREATE_COMPLETE change set) blocks as incomplete.

use crate::common::{planguard, testdata};

struct Row {
    name: &'static str,
    file: &'static str,
    body: String,
    exit: i32,
    /// Must appear in stderr (exit 2) or stdout (exit 0/1).
    says: &'static str,
}

fn tf(resource_changes: &str, extra: &str) -> String {
    format!(r#"{{"format_version":"1.2","resource_changes":{resource_changes}{extra}}}"#)
}

const DB: &str = r#"{"address":"aws_db_instance.main","mode":"managed","type":"aws_db_instance","name":"main","change":{"actions":["delete"]}}"#;
const STATE_DB: &str = r#","prior_state":{"values":{"root_module":{"resources":[{"address":"aws_db_instance.main","mode":"managed","type":"aws_db_instance"}]}}}"#;

fn change_set(status: &str, changes: &str) -> String {
    format!(r#"{{"ChangeSetId":"arn:cs","StackName":"s","Status":"{status}"{changes}}}"#)
}

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(testdata(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn rows() -> Vec<Row> {
    let remove = r#","Changes":[{"Type":"Resource","ResourceChange":{"Action":"Remove","LogicalResourceId":"Db","ResourceType":"AWS::RDS::DBInstance"}}]"#;
    let plan = fixture("terraform/real/tfreveal-advanced-replaces.json");
    vec![
        Row {
            name: "unknown_action",
            file: "plan.json",
            body: tf(&format!("[{}]", DB.replace("\"delete\"", "\"destroy\"")), STATE_DB),
            exit: 2,
            says: "unknown actions [\"destroy\"]",
        },
        Row {
            name: "unknown_major_format_version",
            file: "plan.json",
            body: r#"{"format_version":"2.0","resource_changes":[]}"#.into(),
            exit: 2,
            says: "major version 2 is unknown",
        },
        Row {
            name: "errored_plan",
            file: "plan.json",
            body: tf(&format!("[{DB}]"), r#","errored":true"#),
            exit: 1,
            says: "errored: true",
        },
        Row {
            name: "incomplete_plan",
            file: "plan.json",
            body: tf("[]", r#","complete":false"#),
            exit: 1,
            says: "complete: false",
        },
        Row {
            name: "failed_change_set",
            file: "cs.json",
            body: change_set("FAILED", r#","StatusReason":"Template error: instance of Fn::GetAtt references undefined resource X""#),
            exit: 1,
            says: "the change set FAILED",
        },
        Row {
            name: "truncated_json",
            file: "plan.json",
            body: plan[..plan.len() / 2].to_string(),
            exit: 2,
            says: "the JSON ends early",
        },
        Row {
            name: "empty_file",
            file: "plan.json",
            body: String::new(),
            exit: 2,
            says: "the input is empty",
        },
        Row {
            name: "state_file_instead_of_plan",
            file: "terraform.tfstate",
            body: fixture("terraform/show-json-state/basic/state.json"),
            exit: 2,
            says: "this is Terraform state JSON, not a plan",
        },
        Row {
            name: "duplicate_address",
            file: "plan.json",
            body: tf(&format!("[{DB},{}]", DB.replace("delete", "no-op")), ""),
            exit: 2,
            says: "appears twice in resource_changes",
        },
        Row {
            name: "config_reference_to_unknown_resource_is_harmless",
            file: "plan.json",
            body: tf(
                r#"[{"address":"aws_instance.app","mode":"managed","type":"aws_instance","name":"app","change":{"actions":["update"]}}]"#,
                r#","configuration":{"root_module":{"resources":[{"address":"aws_instance.app","mode":"managed","type":"aws_instance","name":"app","expressions":{"subnet_id":{"references":["aws_subnet.gone.id","aws_subnet.gone"]}}}]}}"#,
            ),
            exit: 0,
            says: "PASS",
        },
        Row {
            name: "stale_state_dependency_is_noted",
            file: "plan.json",
            body: tf(
                r#"[{"address":"aws_instance.app","mode":"managed","type":"aws_instance","name":"app","change":{"actions":["update"]}}]"#,
                r#","prior_state":{"values":{"root_module":{"resources":[{"address":"aws_instance.app","mode":"managed","type":"aws_instance","depends_on":["aws_subnet.gone"]}]}}}"#,
            ),
            exit: 0,
            says: "aws_subnet.gone",
        },
        Row {
            name: "stale_dependency_does_not_hide_a_delete",
            file: "plan.json",
            body: tf(
                &format!("[{DB}]"),
                r#","prior_state":{"values":{"root_module":{"resources":[{"address":"aws_db_instance.main","mode":"managed","type":"aws_db_instance","depends_on":["aws_subnet.gone"]}]}}}"#,
            ),
            exit: 1,
            says: "aws_db_instance.main",
        },
        Row {
            name: "unknown_cfn_action",
            file: "cs.json",
            body: change_set("CREATE_COMPLETE", &remove.replace("Remove", "Delete")),
            exit: 2,
            says: "unknown variant `Delete`",
        },
        Row {
            name: "unknown_cfn_replacement",
            file: "cs.json",
            body: change_set(
                "CREATE_COMPLETE",
                &remove.replace(r#""Action":"Remove""#, r#""Action":"Modify","Replacement":"Maybe""#),
            ),
            exit: 2,
            says: "unknown variant `Maybe`",
        },
        Row {
            name: "plan_wrapped_in_ci_logs",
            file: "plan.json",
            body: fixture("terraform/real/infracost-wrapper-noise.json"),
            exit: 2,
            says: "the file starts with log output",
        },
        Row {
            name: "ui_event_stream",
            file: "plan.json",
            body: r#"{"@level":"info","@message":"Terraform 1.9.0","type":"version"}"#.into(),
            exit: 2,
            says: "UI event stream",
        },
        Row {
            name: "lost_resource_changes",
            file: "plan.json",
            body: tf("null", STATE_DB),
            exit: 1,
            says: "has no `resource_changes`",
        },
        Row {
            name: "lost_cfn_changes",
            file: "cs.json",
            body: change_set("CREATE_COMPLETE", ""),
            exit: 1,
            says: "has no `Changes` list",
        },
        Row {
            name: "yaml_change_set_cut_mid_line",
            file: "cs.yaml",
            body: "ChangeSetId: arn:cs\nStatus: CREATE_COMPLETE\nChanges:\n- Type: Resource\n  ResourceChange:\n    Action: Remove\n    LogicalResourceId: Db\n    ResourceType: AWS::RDS::DBInst".into(),
            exit: 2,
            says: "does not end with a line break",
        },
        Row {
            name: "template_given_as_the_plan",
            file: "template.json",
            body: r#"{"Resources":{"B":{"Type":"AWS::S3::Bucket"}}}"#.into(),
            exit: 2,
            says: "this is a CloudFormation template, not a change set or plan",
        },
        Row {
            name: "cfn_remove_blocks",
            file: "cs.json",
            body: change_set("CREATE_COMPLETE", remove),
            exit: 1,
            says: "Db",
        },
    ]
}

#[test]
fn nothing_that_could_hide_a_destruction_passes_silently() {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"/tmp/\.tmp[A-Za-z0-9]+", "[TMP]");
    settings.set_snapshot_suffix("");
    for row in rows() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join(row.file), &row.body).unwrap_or_else(|e| panic!("{e}"));
        let out = planguard()
            .current_dir(dir.path())
            .args(["check", "--no-config", row.file])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(row.exit),
            "{}: stdout {stdout}\nstderr {stderr}",
            row.name
        );
        let haystack = if row.exit == 2 { &stderr } else { &stdout };
        assert!(
            haystack.contains(row.says),
            "{}: expected {:?} in\n{haystack}",
            row.name,
            row.says
        );
        if row.exit == 2 {
            assert!(
                stdout.is_empty(),
                "{}: a report despite the error",
                row.name
            );
        }
        settings.bind(|| {
            insta::assert_snapshot!(
                format!("fail_closed_{}", row.name),
                format!("exit: {}\n--- stderr ---\n{stderr}", row.exit)
            );
        });
    }
}
