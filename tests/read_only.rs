//! Read-only guarantee: planguard reads plans, templates, rules and config and writes
//! nothing but its report (`--output`). Fixtures are copied into a temporary tree, made
//! read-only, and every command runs with that tree as its working directory; a snapshot of
//! every path (kind, size, mtime, SHA-256) before and after must be identical. Tests may run
//! as root, where permissions do not stop a write: the snapshot is the real check.

use crate::common::{format_name, planguard, testdata, ALL_FORMATS};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

type Snapshot = BTreeMap<PathBuf, (bool, u64, std::time::SystemTime, String)>;

fn snapshot(root: &Path) -> Snapshot {
    let mut out = Snapshot::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read_dir").flatten() {
            let p = e.path();
            let md = std::fs::symlink_metadata(&p).expect("metadata");
            let mtime = md.modified().expect("mtime");
            let rel = p.strip_prefix(root).expect("prefix").to_path_buf();
            if md.is_dir() {
                out.insert(rel, (true, 0, mtime, String::new()));
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).expect("read");
                let sha = format!("{:x}", Sha256::digest(&bytes));
                out.insert(rel, (false, md.len(), mtime, sha));
            }
        }
    }
    let md = std::fs::metadata(root).expect("root");
    out.insert(
        PathBuf::new(),
        (true, 0, md.modified().expect("mtime"), String::new()),
    );
    out
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
    std::fs::copy(from, to).expect("copy");
}

#[cfg(unix)]
fn set_read_only(root: &Path, read_only: bool) {
    use std::os::unix::fs::PermissionsExt;
    let mut paths = vec![root.to_path_buf()];
    let mut i = 0;
    while i < paths.len() {
        if paths[i].is_dir() {
            for e in std::fs::read_dir(&paths[i]).expect("read_dir").flatten() {
                paths.push(e.path());
            }
        }
        i += 1;
    }
    // Files first, directories last (deepest first) so the walk above stays possible.
    paths.reverse();
    for p in paths {
        let dir = p.is_dir();
        let mode = match (dir, read_only) {
            (true, true) => 0o555,
            (false, true) => 0o444,
            (true, false) => 0o755,
            (false, false) => 0o644,
        };
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
}

#[cfg(unix)]
#[test]
fn no_command_writes_anything_but_its_output_file() {
    let tree = tempfile::tempdir().expect("tmp");
    let out_dir = tempfile::tempdir().expect("tmp");
    let root = tree.path();
    let cfn = "cloudformation/changesets/awsdocs-samples--replacement-multi";
    copy(
        &PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/vpc-replace/plan.json"
        )),
        &root.join("plan.json"),
    );
    copy(
        &testdata(&format!("{cfn}.json")),
        &root.join("cs/change-set.json"),
    );
    copy(
        &testdata(&format!("{cfn}.template.before.json")),
        &root.join("cs/change-set.template.json"),
    );
    copy(
        &testdata("cloudformation/templates/cfn101-changesets/bucket.before.yaml"),
        &root.join("t/before.yaml"),
    );
    copy(
        &testdata("cloudformation/templates/cfn101-changesets/bucket.after.yaml"),
        &root.join("t/after.yaml"),
    );
    let rule = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/rules/mass-destruction.yaml"
    ));
    copy(&rule, &root.join("rules/mass-destruction.yaml"));
    std::fs::write(root.join(".planguard.yaml"), "fail_on: high\n").expect("config");

    set_read_only(root, true);
    let before = snapshot(root);
    let report = out_dir.path().join("report.out");
    let mut runs: Vec<Vec<String>> = Vec::new();
    for f in ALL_FORMATS {
        let name = format_name(*f).to_string();
        for input in [
            &["check", "plan.json"][..],
            &["check", "cs/change-set.json"][..],
        ] {
            let mut a: Vec<String> = input.iter().map(|s| s.to_string()).collect();
            a.extend(["--format".into(), name.clone()]);
            runs.push(a.clone());
            a.extend(["--output".into(), report.display().to_string()]);
            runs.push(a);
        }
        runs.push(
            ["diff", "t/before.yaml", "t/after.yaml", "--format", &name]
                .map(String::from)
                .to_vec(),
        );
        runs.push(
            [
                "check",
                "--before",
                "t/before.yaml",
                "--after",
                "t/after.yaml",
                "--format",
                &name,
            ]
            .map(String::from)
            .to_vec(),
        );
    }
    runs.push(
        ["check", "plan.json", "--rules", "rules"]
            .map(String::from)
            .to_vec(),
    );
    runs.push(["rules", "list"].map(String::from).to_vec());
    runs.push(
        ["rules", "list", "--rules", "rules"]
            .map(String::from)
            .to_vec(),
    );
    runs.push(
        ["rules", "explain", "mass-destruction"]
            .map(String::from)
            .to_vec(),
    );
    runs.push(["rules", "validate", "rules"].map(String::from).to_vec());
    runs.push(["check", "missing.json"].map(String::from).to_vec());
    for args in &runs {
        let out = planguard()
            .current_dir(root)
            .args(args)
            .output()
            .expect("runs");
        let code = out.status.code();
        let expect_2 = args.iter().any(|a| a == "missing.json");
        assert!(
            if expect_2 {
                code == Some(2)
            } else {
                matches!(code, Some(0 | 1))
            },
            "{args:?}: {code:?} {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let after = snapshot(root);
    set_read_only(root, false);
    assert_eq!(before.len(), after.len(), "files appeared or vanished");
    for (path, was) in &before {
        assert_eq!(Some(was), after.get(path), "{} changed", path.display());
    }
    assert!(report.is_file(), "the --output file was written");
    assert!(runs.len() >= 14);
}
