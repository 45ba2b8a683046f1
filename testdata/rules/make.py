# Writes testdata/rules/<rule-id>/{fires,silent}_*.json: small plans in the real
# `terraform show -json` / `describe-change-set` shapes, one behaviour each.
# tests/rules.rs asserts each fires_* file makes its rule fire and each silent_* does not.
import json, os
P = "registry.terraform.io/hashicorp/aws"

def rc(addr, typ, actions, reason=None):
    r = {"address": addr, "mode": "managed", "type": typ,
         "name": addr.split("[")[0].split(".")[-1], "provider_name": P,
         "change": {"actions": actions, "before": None if actions == ["create"] else {"id": "x"},
                    "after": None if actions == ["delete"] else {"id": "x"}, "after_unknown": {},
                    "before_sensitive": False, "after_sensitive": False}}
    if reason:
        r["action_reason"] = reason
    return r

def st(addr, typ, deps=()):
    s = {"address": addr, "mode": "managed", "type": typ, "name": addr.split(".")[-1],
         "provider_name": P, "schema_version": 0, "values": {"id": "x"}, "sensitive_values": {}}
    if deps:
        s["depends_on"] = list(deps)
    return s

def plan(changes, state=(), **flags):
    p = {"format_version": "1.2", "terraform_version": "1.9.8", "planned_values": {"root_module": {}},
         "resource_changes": changes, "configuration": {"root_module": {}}}
    if state:
        p["prior_state"] = {"format_version": "1.0", "values": {"root_module": {"resources": list(state)}}}
    p.update({"applyable": True, "complete": True, "errored": False})
    p.update(flags)
    return p

def changeset(changes):
    return {"Changes": [{"Type": "Resource", "ResourceChange": c} for c in changes],
            "ChangeSetName": "review", "ChangeSetId": "arn:aws:cloudformation:eu-west-1:123456789012:changeSet/review/1",
            "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/app/1", "StackName": "app",
            "ExecutionStatus": "AVAILABLE", "Status": "CREATE_COMPLETE", "IncludeNestedStacks": False}

def cfn(action, logical, typ, replacement=None, policy=None):
    c = {"Action": action, "LogicalResourceId": logical, "PhysicalResourceId": logical.lower(),
         "ResourceType": typ, "Scope": [], "Details": []}
    if replacement:
        c["Replacement"] = replacement
        c["Scope"] = ["Properties"]
        c["Details"] = [{"Target": {"Attribute": "Properties", "Name": "BucketName", "RequiresRecreation": "Always"},
                         "Evaluation": "Static", "ChangeSource": "DirectModification"}]
    if policy:
        c["PolicyAction"] = policy
    return c

def write(rule, name, doc):
    os.makedirs(rule, exist_ok=True)
    with open(f"{rule}/{name}.json", "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")

R = ["delete", "create"]
CBD = ["create", "delete"]
why = "replace_because_cannot_update"

write("stateful-resource-destroyed", "fires_db_replaced", plan([rc("aws_db_instance.main", "aws_db_instance", R, why)]))
write("stateful-resource-destroyed", "fires_cfn_bucket_removed", changeset([cfn("Remove", "Assets", "AWS::S3::Bucket")]))
write("stateful-resource-destroyed", "silent_db_updated", plan([rc("aws_db_instance.main", "aws_db_instance", ["update"])]))
write("stateful-resource-destroyed", "silent_instance_replaced", plan([rc("aws_instance.web", "aws_instance", R, why)]))

write("resource-replaced", "fires_replace", plan([rc("aws_instance.web", "aws_instance", R, why)]))
write("resource-replaced", "fires_cfn_replacement", changeset([cfn("Modify", "Assets", "AWS::S3::Bucket", "True")]))
write("resource-replaced", "silent_update", plan([rc("aws_instance.web", "aws_instance", ["update"])]))

write("resource-deleted", "fires_delete", plan([rc("aws_instance.web", "aws_instance", ["delete"], "delete_because_count_index")]))
write("resource-deleted", "silent_forget", plan([rc("aws_instance.web", "aws_instance", ["forget"])]))

mass = [rc(f"aws_instance.n{i}", "aws_instance", R if i < 6 else ["no-op"], why if i < 6 else None) for i in range(8)]
write("mass-destruction", "fires_six_of_eight", plan(mass))
few = [rc(f"aws_instance.n{i}", "aws_instance", R if i < 2 else ["no-op"], why if i < 2 else None) for i in range(10)]
write("mass-destruction", "silent_two_of_ten", plan(few))
write("mass-destruction", "silent_tiny_estate", plan([rc(f"aws_instance.n{i}", "aws_instance", R, why) for i in range(3)]))

deps = [st(f"aws_instance.n{i}", "aws_instance", ["aws_vpc.main"]) for i in range(12)]
write("large-blast-radius", "fires_twelve_dependents",
      plan([rc("aws_vpc.main", "aws_vpc", R, why)] + [rc(f"aws_instance.n{i}", "aws_instance", ["no-op"]) for i in range(12)],
           [st("aws_vpc.main", "aws_vpc")] + deps))
write("large-blast-radius", "silent_three_dependents",
      plan([rc("aws_vpc.main", "aws_vpc", R, why)] + [rc(f"aws_instance.n{i}", "aws_instance", ["no-op"]) for i in range(3)],
           [st("aws_vpc.main", "aws_vpc")] + deps[:3]))

write("plan-incomplete", "fires_errored", plan([rc("aws_instance.web", "aws_instance", ["create"])], errored=True, applyable=False))
write("plan-incomplete", "fires_not_complete", plan([rc("aws_instance.web", "aws_instance", ["create"])], complete=False))
failed = changeset([])
failed.update({"Status": "FAILED", "StatusReason": "Template error: instance of Fn::GetAtt references undefined resource X"})
write("plan-incomplete", "fires_cfn_failed", failed)
write("plan-incomplete", "silent_complete", plan([rc("aws_instance.web", "aws_instance", ["create"])]))

write("identity-destroyed", "fires_role_replaced", plan([rc("aws_iam_role.app", "aws_iam_role", R, why)]))
write("identity-destroyed", "fires_cfn_key_removed", changeset([cfn("Remove", "DataKey", "AWS::KMS::Key")]))
write("identity-destroyed", "silent_role_updated", plan([rc("aws_iam_role.app", "aws_iam_role", ["update"])]))

write("network-foundation-destroyed", "fires_subnet_with_dependents",
      plan([rc("aws_subnet.a", "aws_subnet", R, why), rc("aws_instance.web", "aws_instance", ["no-op"])],
           [st("aws_subnet.a", "aws_subnet"), st("aws_instance.web", "aws_instance", ["aws_subnet.a"])]))
write("network-foundation-destroyed", "silent_vpc_updated", plan([rc("aws_vpc.main", "aws_vpc", ["update"])]))

write("possible-missing-moved-block", "fires_rename",
      plan([rc("aws_s3_bucket.logs", "aws_s3_bucket", ["delete"], "delete_because_no_resource_config"),
            rc("aws_s3_bucket.log_archive", "aws_s3_bucket", ["create"])]))
write("possible-missing-moved-block", "fires_count_to_for_each",
      plan([rc("aws_instance.web[0]", "aws_instance", ["delete"], "delete_because_wrong_repetition"),
            rc('aws_instance.web["blue"]', "aws_instance", ["create"])]))
write("possible-missing-moved-block", "fires_module_rename",
      plan([rc("module.database.aws_db_instance.main", "aws_db_instance", ["delete"], "delete_because_no_module"),
            rc("module.db.aws_db_instance.main", "aws_db_instance", ["create"])]))
write("possible-missing-moved-block", "silent_unrelated_types",
      plan([rc("aws_s3_bucket.logs", "aws_s3_bucket", ["delete"], "delete_because_no_resource_config"),
            rc("aws_sqs_queue.jobs", "aws_sqs_queue", ["create"])]))
write("possible-missing-moved-block", "silent_different_module_and_name",
      plan([rc("module.a.aws_instance.web", "aws_instance", ["delete"], "delete_because_no_resource_config"),
            rc("module.b.aws_instance.worker", "aws_instance", ["create"])]))

write("removed-from-configuration", "fires_block_removed",
      plan([rc("aws_sqs_queue.jobs", "aws_sqs_queue", ["delete"], "delete_because_no_resource_config")]))
write("removed-from-configuration", "fires_module_removed",
      plan([rc("module.old.aws_instance.web", "aws_instance", ["delete"], "delete_because_no_module")]))
write("removed-from-configuration", "silent_count_scaled_down",
      plan([rc("aws_instance.web[2]", "aws_instance", ["delete"], "delete_because_count_index")]))

write("replace-requested", "fires_by_request", plan([rc("aws_instance.web", "aws_instance", R, "replace_by_request")]))
write("replace-requested", "fires_tainted", plan([rc("aws_instance.web", "aws_instance", R, "replace_because_tainted")]))
write("replace-requested", "silent_provider_required", plan([rc("aws_instance.web", "aws_instance", R, why)]))

write("destroy-before-create-downtime", "fires_instance_destroy_first", plan([rc("aws_instance.web", "aws_instance", R, why)]))
write("destroy-before-create-downtime", "silent_create_before_destroy", plan([rc("aws_instance.web", "aws_instance", CBD, why)]))
write("destroy-before-create-downtime", "silent_not_serving", plan([rc("aws_iam_policy.p", "aws_iam_policy", R, why)]))
