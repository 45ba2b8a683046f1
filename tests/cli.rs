//! The real binary: exit codes, messages, flags.

use crate::common::planguard;

const EXAMPLE: &str = "examples/vpc-replace/plan.json";

#[test]
fn bundled_example_blocks_with_exit_1() {
    let out = planguard()
        .args(["check", "--no-config", EXAMPLE])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("planguard: FAIL"), "{text}");
    assert!(
        text.contains("module.network.aws_vpc.main replace"),
        "{text}"
    );
    assert!(text.contains("module.db.aws_db_instance.main"), "{text}");
}

#[test]
fn fail_on_critical_still_blocks_the_database_and_info_passes_nothing() {
    let out = planguard()
        .args([
            "check",
            "--no-config",
            "--fail-on",
            "critical",
            "--format",
            "json",
            EXAMPLE,
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["verdict"], "fail");
    assert_eq!(v["fail_on"], "critical");
}

#[test]
fn a_plan_without_destruction_passes() {
    let out = planguard()
        .args([
            "check",
            "--no-config",
            "testdata/terraform/show-json/basic-create/plan.json",
        ])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn stdin_is_read_with_dash() {
    let plan = std::fs::read(crate::common::testdata(
        "terraform/real/tfreveal-advanced-replaces.json",
    ))
    .expect("read");
    let out = planguard()
        .args(["check", "--no-config", "--format", "json", "-"])
        .write_stdin(plan)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["inputs"][0]["path"], "-");
}

#[test]
fn output_file_gets_the_report() {
    let dir = tempfile::tempdir().expect("tmp");
    let report = dir.path().join("r.json");
    let out = planguard()
        .args(["check", "--no-config", "--format", "json", "-o"])
        .arg(&report)
        .arg(EXAMPLE)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("written")).expect("json");
    assert_eq!(v["schema_version"], 1);
}

#[test]
fn malformed_inputs_exit_2_with_location() {
    let dir = tempfile::tempdir().expect("tmp");
    let cases: Vec<(&str, String, &str)> = vec![
        ("truncated.json", "{\"format_version\": \"1.2\", \"resource_changes\": [".into(), "truncated"),
        ("notjson.json", "{ this is not json }".into(), "not valid JSON"),
        ("empty.json", String::new(), "empty"),
        (
            "major.json",
            r#"{"format_version": "2.0", "resource_changes": []}"#.into(),
            "major version 2 is unknown",
        ),
        (
            "action.json",
            r#"{"format_version": "1.2", "resource_changes": [{"address": "a.b", "mode": "managed", "type": "a", "name": "b", "change": {"actions": ["destroy"]}}]}"#.into(),
            "unknown actions [\"destroy\"]",
        ),
        (
            "dup.json",
            r#"{"format_version": "1.2", "resource_changes": [{"address": "a.b", "type": "a", "change": {"actions": ["delete"]}}, {"address": "a.b", "type": "a", "change": {"actions": ["no-op"]}}]}"#.into(),
            "appears twice",
        ),
        ("other.json", r#"{"hello": "world"}"#.into(), "no `format_version`"),
    ];
    for (name, body, expect) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, body).expect("write");
        let out = planguard()
            .args(["check", "--no-config"])
            .arg(&p)
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(expect), "{name}: {err}");
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}

#[test]
fn errored_plan_blocks() {
    let out = planguard()
        .args([
            "check",
            "--no-config",
            "testdata/terraform/show-json/plan-error/plan.json",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("plan-incomplete"), "{text}");
    assert!(text.contains("errored: true"), "{text}");
}

#[test]
fn directory_and_missing_file_exit_2() {
    for arg in ["testdata", "testdata/does-not-exist.json"] {
        let out = planguard()
            .args(["check", "--no-config", arg])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{arg}");
    }
}

#[test]
fn binary_plan_without_terraform_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("tfplan");
    std::fs::write(&p, b"PK\x03\x04binary").expect("write");
    let out = planguard()
        .env("PATH", dir.path())
        .args(["check", "--no-config"])
        .arg(&p)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither terraform nor tofu"));
}

#[cfg(unix)]
#[test]
fn binary_plan_is_shown_with_terraform_bin() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("tfplan");
    std::fs::write(&p, b"PK\x03\x04binary").expect("write");
    let fake = dir.path().join("terraform");
    let plan = crate::common::testdata("terraform/real/tf-plan-format-delete-create.json");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\n[ \"$1 $2\" = \"show -json\" ] || exit 9\ncat '{}'\n",
            plan.display()
        ),
    )
    .expect("write");
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = planguard()
        .args([
            "check",
            "--no-config",
            "--format",
            "json",
            "--terraform-bin",
        ])
        .arg(&fake)
        .arg(&p)
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["summary"]["replace"], 1);
}

#[test]
fn rules_list_and_explain() {
    let out = planguard()
        .args(["rules", "list", "--no-config"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for id in [
        "stateful-resource-destroyed",
        "mass-destruction",
        "plan-incomplete",
        "large-blast-radius",
    ] {
        assert!(text.contains(id), "{id}");
    }
    let out = planguard()
        .args(["rules", "explain", "mass-destruction", "--no-config"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&out.stdout).contains("recreate the environment"));
    let out = planguard()
        .args(["rules", "explain", "nope", "--no-config"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

/// The README shows real output: keep it so.
#[test]
fn readme_shows_the_real_output_of_the_bundled_example() {
    let out = planguard()
        .args(["check", "--no-config", EXAMPLE])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let head = text
        .split("\nAlso destroyed")
        .next()
        .expect("head")
        .trim_end();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    assert!(
        readme.contains(head),
        "README.md's example output is stale; paste:\n{head}"
    );
}

/// `planguard hook` through the real binary: Claude Code event on stdin, plain mode, and a
/// broken config that must block (exit 2), never allow.
#[test]
fn hook_subcommand_answers_agents_and_fails_closed_on_bad_config() {
    let dir = tempfile::tempdir().expect("tmp");
    let event = r#"{"session_id":"s","transcript_path":"/tmp/t","cwd":"/repo","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"cd infra && terraform apply -auto-approve"}}"#;
    let out = planguard()
        .current_dir(dir.path())
        .arg("hook")
        .write_stdin(event)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("Claude Code JSON");
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
    let safe = r#"{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"terraform plan -out=tfplan"}}"#;
    let out = planguard()
        .current_dir(dir.path())
        .arg("hook")
        .write_stdin(safe)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stdout.is_empty(),
        "no decision: Claude Code asks as usual"
    );

    let out = planguard()
        .current_dir(dir.path())
        .args(["hook", "--command", "terraform destroy"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let out = planguard()
        .current_dir(dir.path())
        .args(["hook", "--command", "terraform plan"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));

    std::fs::write(
        dir.path().join(".planguard.yaml"),
        "hook:\n  allow_destory: true\n",
    )
    .expect("write");
    let out = planguard()
        .current_dir(dir.path())
        .arg("hook")
        .write_stdin(event)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "a broken config blocks");
}
