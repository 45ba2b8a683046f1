# Writes the hand-written plans in this folder (real `terraform show -json` shape, format 1.2).
# Each covers something the real fixtures lack; tests/terraform.rs asserts exact results.
import json
P = "registry.terraform.io/hashicorp/aws"

def rc(addr, typ, actions, reason=None, mod=None, index=None, deposed=None, prev=None, importing=None, paths=None, mode="managed"):
    name = addr.split("[")[0].split(".")[-1]
    r = {"address": addr}
    if prev: r["previous_address"] = prev
    if mod: r["module_address"] = mod
    r.update({"mode": mode, "type": typ, "name": name})
    if index is not None: r["index"] = index
    r["provider_name"] = P
    if deposed: r["deposed"] = deposed
    ch = {"actions": actions, "before": None if actions in (["create"], ["read"]) else {"id": "x"},
          "after": None if "delete" in actions and "create" not in actions else {"id": "x"},
          "after_unknown": {}, "before_sensitive": False, "after_sensitive": False}
    if paths: ch["replace_paths"] = paths
    if importing: ch["importing"] = {"id": importing}
    r["change"] = ch
    if reason: r["action_reason"] = reason
    return r

def st(addr, typ, deps=(), deposed=None, mode="managed"):
    s = {"address": addr, "mode": mode, "type": typ, "name": addr.split("[")[0].split(".")[-1],
         "provider_name": P, "schema_version": 0, "values": {"id": "x"}, "sensitive_values": {}}
    if deps: s["depends_on"] = list(deps)
    if deposed: s["deposed_key"] = deposed
    return s

def plan(changes, state=(), config=None, **extra):
    p = {"format_version": "1.2", "terraform_version": "1.9.8", "planned_values": {"root_module": {}},
         "resource_changes": changes}
    if state:
        p["prior_state"] = {"format_version": "1.0", "terraform_version": "1.9.8",
                            "values": {"root_module": {"resources": list(state)}}}
    p["configuration"] = config or {"root_module": {}}
    p.update({"applyable": True, "complete": True, "errored": False})
    p.update(extra)
    return p

def write(name, p):
    with open(name, "w") as f:
        json.dump(p, f, indent=2)
        f.write("\n")

# Every action_reason, each with the action Terraform/OpenTofu pairs it with.
reasons = [
    ("replace_because_tainted", ["delete", "create"]),
    ("replace_because_cannot_update", ["delete", "create"]),
    ("replace_by_request", ["create", "delete"]),
    ("replace_by_triggers", ["delete", "create"]),
    ("delete_because_no_resource_config", ["delete"]),
    ("delete_because_wrong_repetition", ["delete"]),
    ("delete_because_count_index", ["delete"]),
    ("delete_because_each_key", ["delete"]),
    ("delete_because_no_module", ["delete"]),
    ("delete_because_no_move_target", ["delete"]),
    ("read_because_config_unknown", ["read"]),
    ("read_because_dependency_pending", ["read"]),
    ("read_because_check_nested", ["read"]),
    ("delete_because_enabled_false", ["delete"]),
    ("forgot_because_lifecycle_destroy_in_state", ["forget"]),
    ("forgot_because_lifecycle_destroy_in_config", ["forget"]),
]
changes = []
for r, a in reasons:
    mode = "data" if a == ["read"] else "managed"
    addr = ("data." if mode == "data" else "") + "null_resource." + r
    changes.append(rc(addr, "null_resource", a, reason=r, mode=mode))
write("reasons.json", plan(changes))

# Deposed object: an interrupted create_before_destroy left one behind.
write("deposed.json", plan(
    [rc("aws_instance.web", "aws_instance", ["create", "delete"], reason="replace_because_tainted"),
     rc("aws_instance.web", "aws_instance", ["delete"], deposed="a1b2c3d4"),
     rc("aws_eip.web", "aws_eip", ["update"])],
    state=[st("aws_instance.web", "aws_instance"), st("aws_instance.web", "aws_instance", deposed="a1b2c3d4"),
           st("aws_eip.web", "aws_eip", deps=["aws_instance.web"])]))

# Forget: removed blocks with destroy = false, and the replace-with-forget pairs.
write("forget.json", plan(
    [rc("aws_s3_bucket.logs", "aws_s3_bucket", ["forget"], reason="forgot_because_lifecycle_destroy_in_config"),
     rc("aws_instance.tf", "aws_instance", ["create", "forget"], reason="replace_because_tainted"),
     rc("aws_instance.tofu", "aws_instance", ["forget", "create"], reason="replace_because_tainted")],
    state=[st("aws_s3_bucket.logs", "aws_s3_bucket"), st("aws_instance.tf", "aws_instance"),
           st("aws_instance.tofu", "aws_instance")]))

# Import: plain import (no-op) and import with an update.
write("import.json", plan(
    [rc("aws_s3_bucket.imported", "aws_s3_bucket", ["no-op"], importing="my-bucket"),
     rc("aws_iam_role.imported", "aws_iam_role", ["update"], importing="my-role")]))

# Moved: the VPC was renamed with a `moved` block; the subnet's prior_state depends_on still
# names the old address and must follow the move. The VPC is then replaced.
write("moved.json", plan(
    [rc("aws_vpc.primary", "aws_vpc", ["delete", "create"], reason="replace_because_cannot_update",
        prev="aws_vpc.main", paths=[["cidr_block"]]),
     rc("aws_subnet.a", "aws_subnet", ["no-op"])],
    state=[st("aws_vpc.primary", "aws_vpc"), st("aws_subnet.a", "aws_subnet", deps=["aws_vpc.main"])],
    config={"root_module": {"resources": [
        {"address": "aws_vpc.primary", "mode": "managed", "type": "aws_vpc", "name": "primary",
         "provider_config_key": "aws", "expressions": {"cidr_block": {"constant_value": "10.1.0.0/16"}}, "schema_version": 1},
        {"address": "aws_subnet.a", "mode": "managed", "type": "aws_subnet", "name": "a",
         "provider_config_key": "aws", "expressions": {"vpc_id": {"references": ["local.vpc_id"]}}, "schema_version": 1}]}}))

# create_before_destroy: replace in create-first order, with a dependent that only updates.
write("create-before-destroy.json", plan(
    [rc("aws_launch_template.app", "aws_launch_template", ["create", "delete"], reason="replace_because_cannot_update",
        paths=[["image_id"]]),
     rc("aws_autoscaling_group.app", "aws_autoscaling_group", ["update"])],
    state=[st("aws_launch_template.app", "aws_launch_template"),
           st("aws_autoscaling_group.app", "aws_autoscaling_group", deps=["aws_launch_template.app"])],
    config={"root_module": {"resources": [
        {"address": "aws_autoscaling_group.app", "mode": "managed", "type": "aws_autoscaling_group", "name": "app",
         "provider_config_key": "aws", "expressions": {"launch_template": [{"id": {"references": ["aws_launch_template.app.id", "aws_launch_template.app"]}}]}, "schema_version": 0},
        {"address": "aws_launch_template.app", "mode": "managed", "type": "aws_launch_template", "name": "app",
         "provider_config_key": "aws", "expressions": {"image_id": {"constant_value": "ami-2"}}, "schema_version": 0}]}}))

# Module for_each with references through outputs and variables, no prior state (new edges
# must come from configuration alone). module.env["blue"]'s VPC is replaced: its subnet in the
# same module instance depends on it, the "green" subnet does not; the root DNS record reads
# module.env (all instances) through an output; the peering connection takes the VPC id
# through a variable of a nested module.
env_module = {
    "outputs": {"vpc_id": {"expression": {"references": ["aws_vpc.this.id", "aws_vpc.this"]}},
                "subnet_id": {"expression": {"references": ["aws_subnet.this.id", "aws_subnet.this"]}}},
    "resources": [
        {"address": "aws_subnet.this", "mode": "managed", "type": "aws_subnet", "name": "this", "provider_config_key": "aws",
         "expressions": {"vpc_id": {"references": ["aws_vpc.this.id", "aws_vpc.this"]}}, "schema_version": 1},
        {"address": "aws_vpc.this", "mode": "managed", "type": "aws_vpc", "name": "this", "provider_config_key": "aws",
         "expressions": {"cidr_block": {"references": ["var.cidr"]}}, "schema_version": 1}],
    "module_calls": {"peering": {"source": "./peering", "expressions": {"vpc_id": {"references": ["aws_vpc.this.id", "aws_vpc.this"]}},
        "module": {"resources": [
            {"address": "aws_vpc_peering_connection.this", "mode": "managed", "type": "aws_vpc_peering_connection", "name": "this",
             "provider_config_key": "aws", "expressions": {"vpc_id": {"references": ["var.vpc_id"]}}, "schema_version": 0}],
            "variables": {"vpc_id": {}}}}},
    "variables": {"cidr": {}}}
config = {"root_module": {
    "resources": [{"address": "aws_route53_record.api", "mode": "managed", "type": "aws_route53_record", "name": "api",
                   "provider_config_key": "aws", "expressions": {"records": {"references": ["module.env", ]}}, "schema_version": 2},
                  {"address": "aws_instance.bastion", "mode": "managed", "type": "aws_instance", "name": "bastion",
                   "provider_config_key": "aws", "expressions": {"subnet_id": {"references": ['module.env["green"].subnet_id', "module.env.subnet_id", "module.env"]}}, "schema_version": 1}],
    "module_calls": {"env": {"source": "./env", "for_each_expression": {"references": ["local.envs"]},
                             "expressions": {"cidr": {"references": ["each.value"]}}, "module": env_module}}}}
m = lambda k: f'module.env["{k}"]'
write("module-for-each.json", plan(
    [rc(f'{m("blue")}.aws_vpc.this', "aws_vpc", ["delete", "create"], reason="replace_because_cannot_update", mod=m("blue"), paths=[["cidr_block"]]),
     rc(f'{m("blue")}.aws_subnet.this', "aws_subnet", ["delete", "create"], reason="replace_because_cannot_update", mod=m("blue"), paths=[["vpc_id"]]),
     rc(f'{m("blue")}.module.peering.aws_vpc_peering_connection.this', "aws_vpc_peering_connection", ["delete", "create"], reason="replace_because_cannot_update", mod=f'{m("blue")}.module.peering', paths=[["vpc_id"]]),
     rc(f'{m("green")}.aws_vpc.this', "aws_vpc", ["no-op"], mod=m("green")),
     rc(f'{m("green")}.aws_subnet.this', "aws_subnet", ["no-op"], mod=m("green")),
     rc(f'{m("green")}.module.peering.aws_vpc_peering_connection.this', "aws_vpc_peering_connection", ["no-op"], mod=f'{m("green")}.module.peering'),
     rc("aws_route53_record.api", "aws_route53_record", ["update"]),
     rc("aws_instance.bastion", "aws_instance", ["no-op"])],
    config=config))
