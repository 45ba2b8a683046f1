//! Deterministic generator of large, realistic plan documents, shared by the `analyze`
//! benchmark and the `generate_plan` example (`#[path]`-included there), so both measure and
//! hand out exactly the same bytes.
//!
//! Why synthetic: real plans of 100k resources are not publishable, and the benchmark must
//! be reproducible byte for byte. The shape follows `shared/docs/terraform-plan-format.md`
//! (format_version 1.2) and `shared/docs/cloudformation-format.md` §2: nested `for_each`
//! module instances (`module.env["eu-1"].module.app["svc-01"]`), full attribute objects with
//! nested blocks, tags, sensitive values and unknowns, transitive absolute `depends_on` in
//! `prior_state`, and `configuration` references with the prefixes Terraform emits.
//!
//! The estate: root (Route53 zone, KMS key, IAM role, SSM flags) → per environment a network
//! module (VPC → subnets/IGW → EIP → NAT → route tables), a database module (subnet group,
//! security group, RDS, DNS record) and N application modules (S3 logs bucket + policy, SG,
//! ALB → listener/target group, instances → attachments/alarms, DNS record). Resource counts
//! are exact: the remainder is filled with counted SSM parameters at the root.
//!
//! Pure functions, no dependencies: a tiny xorshift RNG, hand-written JSON output into a
//! `String` buffer flushed to any `io::Write` every megabyte.

// Each including target (bench, example) uses a different subset of this module.
#![allow(dead_code)]

use std::io::{self, Write};

// ---------------------------------------------------------------------------------------
// Randomness

/// xorshift64, seeded through splitmix64 so that nearby seeds give unrelated streams.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> XorShift {
        XorShift(splitmix(seed) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform-enough integer in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

fn splitmix(z: u64) -> u64 {
    let mut z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

// ---------------------------------------------------------------------------------------
// Options and results

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Mostly no-op and update, some creates, a few replaces and deletes.
    Typical,
    /// Most environments get a new VPC CIDR: the VPC and nearly everything under it is
    /// replaced, several levels deep.
    MassReplace,
}

impl Scenario {
    pub const ALL: [Scenario; 2] = [Scenario::Typical, Scenario::MassReplace];

    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Typical => "typical",
            Scenario::MassReplace => "mass-replace",
        }
    }

    pub fn parse(s: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct TfOptions {
    /// Resource instances (managed + data) in the estate.
    pub resources: usize,
    pub scenario: Scenario,
    pub seed: u64,
}

/// What a generated document contains, for reports and sanity checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub bytes: u64,
    /// Resource instances in the estate (Terraform) or changes (CloudFormation).
    pub resources: usize,
    /// Entries in `resource_changes` / `Changes`.
    pub changes: usize,
    pub no_op: usize,
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
    pub read: usize,
}

impl Stats {
    pub fn summary(&self) -> String {
        format!(
            "{} bytes, {} resources, {} changes (create {}, update {}, replace {}, delete {}, read {}, no-op {})",
            self.bytes,
            self.resources,
            self.changes,
            self.create,
            self.update,
            self.replace,
            self.delete,
            self.read,
            self.no_op
        )
    }
}

// ---------------------------------------------------------------------------------------
// Output buffer

const FLUSH_AT: usize = 1 << 20;

struct Out<'w> {
    buf: String,
    w: &'w mut dyn Write,
    written: u64,
}

impl<'w> Out<'w> {
    fn new(w: &'w mut dyn Write) -> Out<'w> {
        Out {
            buf: String::with_capacity(FLUSH_AT + (64 << 10)),
            w,
            written: 0,
        }
    }

    fn s(&mut self, x: &str) {
        self.buf.push_str(x);
    }

    fn c(&mut self, ch: char) {
        self.buf.push(ch);
    }

    /// A JSON string literal.
    fn js(&mut self, x: &str) {
        self.buf.push('"');
        self.raw_escaped(x);
        self.buf.push('"');
    }

    fn raw_escaped(&mut self, x: &str) {
        if !x.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
            self.buf.push_str(x);
            return;
        }
        for ch in x.chars() {
            match ch {
                '"' => self.buf.push_str("\\\""),
                '\\' => self.buf.push_str("\\\\"),
                '\n' => self.buf.push_str("\\n"),
                c if (c as u32) < 0x20 => {
                    self.buf.push_str("\\u00");
                    self.hex_digits(c as u64, 2);
                }
                c => self.buf.push(c),
            }
        }
    }

    fn u(&mut self, mut n: u64) {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        loop {
            i -= 1;
            tmp[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        for &b in &tmp[i..] {
            self.buf.push(b as char);
        }
    }

    fn i(&mut self, n: i64) {
        if n < 0 {
            self.buf.push('-');
        }
        self.u(n.unsigned_abs());
    }

    fn hex_digits(&mut self, x: u64, digits: u32) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for k in (0..digits).rev() {
            self.buf.push(HEX[((x >> (4 * k)) & 0xf) as usize] as char);
        }
    }

    fn maybe_flush(&mut self) -> io::Result<()> {
        if self.buf.len() >= FLUSH_AT {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.write_all(self.buf.as_bytes())?;
        self.written += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    fn finish(mut self) -> io::Result<u64> {
        self.flush()?;
        self.w.flush()?;
        Ok(self.written)
    }
}

// ---------------------------------------------------------------------------------------
// Attribute schemas

/// How one attribute value is made up. Values derive from the resource seed and the
/// attribute name, so `before`, `after`, `planned_values` and `prior_state` agree.
#[derive(Clone, Copy)]
enum V {
    /// Constant string.
    S(&'static str),
    /// One of these, chosen by seed (and by variant when the attribute changes on update).
    P(&'static [&'static str]),
    /// `prefix` + 17 hex digits, e.g. `vpc-0a1b…`.
    Id(&'static str),
    /// `arn:aws:SERVICE:REGION:123456789012:RESOURCE<hex>`.
    Arn(&'static str, &'static str),
    /// `<env>-<app>-<suffix>[-<index>]`.
    Name(&'static str),
    /// `<name>-<hex8>.<region>.<suffix>`.
    Dns(&'static str),
    B(bool),
    /// base + (seed % spread).
    I(i64, i64),
    Null,
    /// List of constant strings (possibly empty).
    L(&'static [&'static str]),
    /// List of n ids.
    Ids(&'static str, u8),
    EmptyMap,
    /// Nested block: a list holding one object.
    Blk(&'static [A]),
    /// Constant string map.
    M(&'static [(&'static str, &'static str)]),
    /// `tags` and `tags_all`.
    Tags,
    /// Raw JSON text.
    Json(&'static str),
    Cidr,
    Ip,
    Az,
    /// 40 hex digits (a SHA-1 such as `user_data`).
    Sha1,
    /// A sensitive string: `true` in `*_sensitive`.
    Secret,
}

/// One attribute: name, value recipe, flags.
#[derive(Clone, Copy)]
struct A(&'static str, V, u8);

/// Unknown until apply when the object is created or replaced.
const C: u8 = 1;
/// Changes value on update.
const U: u8 = 2;

const TAGS: A = A("tags", V::Tags, U);

const ZONE: &[A] = &[
    A("arn", V::Arn("route53", "hostedzone/Z"), C),
    A("comment", V::S("Managed by Terraform"), 0),
    A("delegation_set_id", V::S(""), 0),
    A("force_destroy", V::B(false), 0),
    A("id", V::Id("Z"), C),
    A("name", V::S("example.internal"), 0),
    A(
        "name_servers",
        V::L(&[
            "ns-1.awsdns-01.org",
            "ns-2.awsdns-02.co.uk",
            "ns-3.awsdns-03.com",
            "ns-4.awsdns-04.net",
        ]),
        C,
    ),
    A("primary_name_server", V::S("ns-1.awsdns-01.org"), C),
    TAGS,
    A("vpc", V::L(&[]), 0),
    A("zone_id", V::Id("Z"), C),
];

const KMS: &[A] = &[
    A("arn", V::Arn("kms", "key/"), C),
    A("bypass_policy_lockout_safety_check", V::B(false), 0),
    A("custom_key_store_id", V::S(""), 0),
    A("customer_master_key_spec", V::S("SYMMETRIC_DEFAULT"), 0),
    A("deletion_window_in_days", V::I(30, 1), 0),
    A("description", V::S("estate encryption key"), 0),
    A("enable_key_rotation", V::B(true), 0),
    A("id", V::Id(""), C),
    A("is_enabled", V::B(true), 0),
    A("key_id", V::Id(""), C),
    A("key_usage", V::S("ENCRYPT_DECRYPT"), 0),
    A("multi_region", V::B(false), 0),
    A(
        "policy",
        V::Json(
            r#""{\"Statement\":[{\"Action\":\"kms:*\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:root\"},\"Resource\":\"*\",\"Sid\":\"Enable IAM User Permissions\"}],\"Version\":\"2012-10-17\"}""#,
        ),
        0,
    ),
    A("rotation_period_in_days", V::I(365, 1), 0),
    TAGS,
];

const IAM_ROLE: &[A] = &[
    A("arn", V::Arn("iam", "role/ops-"), C),
    A(
        "assume_role_policy",
        V::Json(
            r#""{\"Statement\":[{\"Action\":\"sts:AssumeRole\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"}}],\"Version\":\"2012-10-17\"}""#,
        ),
        0,
    ),
    A("create_date", V::S("2024-03-01T10:00:00Z"), C),
    A("description", V::S("operations role"), 0),
    A("force_detach_policies", V::B(false), 0),
    A("id", V::Name("ops"), C),
    A("inline_policy", V::L(&[]), 0),
    A(
        "managed_policy_arns",
        V::L(&["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
        0,
    ),
    A("max_session_duration", V::I(3600, 1), 0),
    A("name", V::Name("ops"), 0),
    A("name_prefix", V::S(""), 0),
    A("path", V::S("/"), 0),
    A("permissions_boundary", V::S(""), 0),
    TAGS,
    A("unique_id", V::Id("AROA"), C),
];

const SSM: &[A] = &[
    A("allowed_pattern", V::S(""), 0),
    A("arn", V::Arn("ssm", "parameter/flags/"), C),
    A("data_type", V::S("text"), 0),
    A("description", V::S("feature flag"), 0),
    A("id", V::Name("flag"), C),
    A("insecure_value", V::Null, 0),
    A("key_id", V::Arn("kms", "key/"), 0),
    A("name", V::Name("flag"), 0),
    A("overwrite", V::Null, 0),
    TAGS,
    A("tier", V::S("Standard"), 0),
    A("type", V::S("SecureString"), 0),
    A("value", V::Secret, U),
    A("version", V::I(1, 40), C | U),
];

const VPC: &[A] = &[
    A("arn", V::Arn("ec2", "vpc/vpc-"), C),
    A("assign_generated_ipv6_cidr_block", V::B(false), 0),
    A("cidr_block", V::Cidr, 0),
    A("default_network_acl_id", V::Id("acl-"), C),
    A("default_route_table_id", V::Id("rtb-"), C),
    A("default_security_group_id", V::Id("sg-"), C),
    A("dhcp_options_id", V::Id("dopt-"), C),
    A("enable_dns_hostnames", V::B(true), 0),
    A("enable_dns_support", V::B(true), 0),
    A("enable_network_address_usage_metrics", V::B(false), 0),
    A("id", V::Id("vpc-"), C),
    A("instance_tenancy", V::S("default"), 0),
    A("ipv4_ipam_pool_id", V::Null, 0),
    A("ipv4_netmask_length", V::Null, 0),
    A("ipv6_association_id", V::S(""), C),
    A("ipv6_cidr_block", V::S(""), C),
    A("ipv6_cidr_block_network_border_group", V::S(""), C),
    A("ipv6_ipam_pool_id", V::S(""), 0),
    A("ipv6_netmask_length", V::I(0, 1), 0),
    A("main_route_table_id", V::Id("rtb-"), C),
    A("owner_id", V::S("123456789012"), C),
    TAGS,
];

const IGW: &[A] = &[
    A("arn", V::Arn("ec2", "internet-gateway/igw-"), C),
    A("id", V::Id("igw-"), C),
    A("owner_id", V::S("123456789012"), C),
    TAGS,
    A("timeouts", V::Null, 0),
    A("vpc_id", V::Id("vpc-"), 0),
];

const SUBNET: &[A] = &[
    A("arn", V::Arn("ec2", "subnet/subnet-"), C),
    A("assign_ipv6_address_on_creation", V::B(false), 0),
    A("availability_zone", V::Az, 0),
    A("availability_zone_id", V::S("use1-az1"), C),
    A("cidr_block", V::Cidr, 0),
    A("customer_owned_ipv4_pool", V::S(""), 0),
    A("enable_dns64", V::B(false), 0),
    A("enable_lni_at_device_index", V::I(0, 1), 0),
    A(
        "enable_resource_name_dns_a_record_on_launch",
        V::B(false),
        0,
    ),
    A(
        "enable_resource_name_dns_aaaa_record_on_launch",
        V::B(false),
        0,
    ),
    A("id", V::Id("subnet-"), C),
    A("ipv6_cidr_block", V::S(""), 0),
    A("ipv6_cidr_block_association_id", V::S(""), C),
    A("ipv6_native", V::B(false), 0),
    A("map_customer_owned_ip_on_launch", V::B(false), 0),
    A("map_public_ip_on_launch", V::B(false), 0),
    A("outpost_arn", V::S(""), 0),
    A("owner_id", V::S("123456789012"), C),
    A("private_dns_hostname_type_on_launch", V::S("ip-name"), C),
    TAGS,
    A("timeouts", V::Null, 0),
    A("vpc_id", V::Id("vpc-"), 0),
];

const EIP: &[A] = &[
    A("address", V::Null, 0),
    A("allocation_id", V::Id("eipalloc-"), C),
    A("associate_with_private_ip", V::Null, 0),
    A("association_id", V::S(""), C),
    A("carrier_ip", V::S(""), C),
    A("customer_owned_ip", V::S(""), C),
    A("customer_owned_ipv4_pool", V::S(""), 0),
    A("domain", V::S("vpc"), 0),
    A("id", V::Id("eipalloc-"), C),
    A("instance", V::S(""), 0),
    A("network_border_group", V::Az, C),
    A("network_interface", V::S(""), 0),
    A("private_dns", V::Null, C),
    A("private_ip", V::S(""), C),
    A("public_dns", V::Dns("compute.amazonaws.com"), C),
    A("public_ip", V::Ip, C),
    A("public_ipv4_pool", V::S("amazon"), 0),
    TAGS,
    A("timeouts", V::Null, 0),
];

const NAT: &[A] = &[
    A("allocation_id", V::Id("eipalloc-"), 0),
    A("association_id", V::Id("eipassoc-"), C),
    A("connectivity_type", V::S("public"), 0),
    A("id", V::Id("nat-"), C),
    A("network_interface_id", V::Id("eni-"), C),
    A("private_ip", V::Ip, C),
    A("public_ip", V::Ip, C),
    A("secondary_allocation_ids", V::L(&[]), 0),
    A("secondary_private_ip_address_count", V::I(0, 1), 0),
    A("secondary_private_ip_addresses", V::L(&[]), 0),
    A("subnet_id", V::Id("subnet-"), 0),
    TAGS,
    A("timeouts", V::Null, 0),
];

const ROUTE_TABLE: &[A] = &[
    A("arn", V::Arn("ec2", "route-table/rtb-"), C),
    A("id", V::Id("rtb-"), C),
    A("owner_id", V::S("123456789012"), C),
    A("propagating_vgws", V::L(&[]), 0),
    A(
        "route",
        V::Blk(&[
            A("carrier_gateway_id", V::S(""), 0),
            A("cidr_block", V::S("0.0.0.0/0"), 0),
            A("core_network_arn", V::S(""), 0),
            A("destination_prefix_list_id", V::S(""), 0),
            A("egress_only_gateway_id", V::S(""), 0),
            A("gateway_id", V::S(""), 0),
            A("ipv6_cidr_block", V::S(""), 0),
            A("local_gateway_id", V::S(""), 0),
            A("nat_gateway_id", V::Id("nat-"), 0),
            A("network_interface_id", V::S(""), 0),
            A("transit_gateway_id", V::S(""), 0),
            A("vpc_endpoint_id", V::S(""), 0),
            A("vpc_peering_connection_id", V::S(""), 0),
        ]),
        0,
    ),
    TAGS,
    A("timeouts", V::Null, 0),
    A("vpc_id", V::Id("vpc-"), 0),
];

const RT_ASSOC: &[A] = &[
    A("gateway_id", V::S(""), 0),
    A("id", V::Id("rtbassoc-"), C),
    A("route_table_id", V::Id("rtb-"), 0),
    A("subnet_id", V::Id("subnet-"), 0),
    A("timeouts", V::Null, 0),
];

const SG_RULE: &[A] = &[
    A("cidr_blocks", V::L(&["10.0.0.0/8"]), 0),
    A("description", V::S("internal"), 0),
    A("from_port", V::I(443, 1), 0),
    A("ipv6_cidr_blocks", V::L(&[]), 0),
    A("prefix_list_ids", V::L(&[]), 0),
    A("protocol", V::S("tcp"), 0),
    A("security_groups", V::L(&[]), 0),
    A("self", V::B(false), 0),
    A("to_port", V::I(443, 1), 0),
];

const SG: &[A] = &[
    A("arn", V::Arn("ec2", "security-group/sg-"), C),
    A("description", V::S("Managed by Terraform"), 0),
    A("egress", V::Blk(SG_RULE), 0),
    A("id", V::Id("sg-"), C),
    A("ingress", V::Blk(SG_RULE), U),
    A("name", V::Name("sg"), 0),
    A("name_prefix", V::S(""), C),
    A("owner_id", V::S("123456789012"), C),
    A("revoke_rules_on_delete", V::B(false), 0),
    TAGS,
    A("timeouts", V::Null, 0),
    A("vpc_id", V::Id("vpc-"), 0),
];

const DB_SUBNET_GROUP: &[A] = &[
    A("arn", V::Arn("rds", "subgrp:"), C),
    A("description", V::S("Managed by Terraform"), 0),
    A("id", V::Name("db"), C),
    A("name", V::Name("db"), 0),
    A("name_prefix", V::S(""), C),
    A("subnet_ids", V::Ids("subnet-", 3), 0),
    A("supported_network_types", V::L(&["IPV4"]), C),
    TAGS,
    A("vpc_id", V::Id("vpc-"), C),
];

const DB_PARAM_GROUP: &[A] = &[
    A("arn", V::Arn("rds", "pg:"), C),
    A("description", V::S("Managed by Terraform"), 0),
    A("family", V::S("postgres16"), 0),
    A("id", V::Name("pg"), C),
    A("name", V::Name("pg"), 0),
    A("name_prefix", V::S(""), C),
    A(
        "parameter",
        V::Blk(&[
            A("apply_method", V::S("pending-reboot"), 0),
            A("name", V::S("shared_preload_libraries"), 0),
            A(
                "value",
                V::P(&["pg_stat_statements", "pg_stat_statements,auto_explain"]),
                U,
            ),
        ]),
        U,
    ),
    A("skip_destroy", V::B(false), 0),
    TAGS,
];

const DB_INSTANCE: &[A] = &[
    A("address", V::Dns("rds.amazonaws.com"), C),
    A("allocated_storage", V::I(100, 400), U),
    A("allow_major_version_upgrade", V::Null, 0),
    A("apply_immediately", V::B(false), 0),
    A("arn", V::Arn("rds", "db:"), C),
    A("auto_minor_version_upgrade", V::B(true), 0),
    A("availability_zone", V::Az, C),
    A("backup_retention_period", V::I(7, 1), 0),
    A("backup_target", V::S("region"), C),
    A("backup_window", V::S("03:00-04:00"), 0),
    A("blue_green_update", V::L(&[]), 0),
    A("ca_cert_identifier", V::S("rds-ca-rsa2048-g1"), C),
    A("character_set_name", V::S(""), C),
    A("copy_tags_to_snapshot", V::B(true), 0),
    A("db_name", V::S("app"), 0),
    A("db_subnet_group_name", V::Name("db"), 0),
    A("deletion_protection", V::B(false), 0),
    A("domain", V::S(""), 0),
    A(
        "enabled_cloudwatch_logs_exports",
        V::L(&["postgresql", "upgrade"]),
        0,
    ),
    A("endpoint", V::Dns("rds.amazonaws.com:5432"), C),
    A("engine", V::S("postgres"), 0),
    A("engine_version", V::P(&["16.3", "16.4"]), U),
    A("engine_version_actual", V::S("16.3"), C),
    A("final_snapshot_identifier", V::Name("final"), 0),
    A("hosted_zone_id", V::Id("Z"), C),
    A("iam_database_authentication_enabled", V::B(false), 0),
    A("id", V::Id("db-"), C),
    A("identifier", V::Name("db"), 0),
    A(
        "instance_class",
        V::P(&["db.r6g.large", "db.r6g.xlarge"]),
        U,
    ),
    A("iops", V::I(3000, 1), 0),
    A("kms_key_id", V::Arn("kms", "key/"), 0),
    A("latest_restorable_time", V::S("2025-06-01T11:55:00Z"), C),
    A("maintenance_window", V::S("sun:05:00-sun:06:00"), 0),
    A("max_allocated_storage", V::I(1000, 1), 0),
    A("monitoring_interval", V::I(60, 1), 0),
    A("multi_az", V::B(true), 0),
    A("parameter_group_name", V::Name("pg"), 0),
    A("password", V::Secret, 0),
    A("performance_insights_enabled", V::B(true), 0),
    A("port", V::I(5432, 1), 0),
    A("publicly_accessible", V::B(false), 0),
    A("replicas", V::L(&[]), C),
    A("resource_id", V::Id("db-"), C),
    A("skip_final_snapshot", V::B(false), 0),
    A("status", V::S("available"), C),
    A("storage_encrypted", V::B(true), 0),
    A("storage_type", V::S("gp3"), 0),
    TAGS,
    A("timeouts", V::Null, 0),
    A("username", V::S("app_admin"), 0),
    A("vpc_security_group_ids", V::Ids("sg-", 2), 0),
];

const RECORD: &[A] = &[
    A(
        "alias",
        V::Blk(&[
            A("evaluate_target_health", V::B(true), 0),
            A("name", V::Dns("elb.amazonaws.com"), 0),
            A("zone_id", V::Id("Z"), 0),
        ]),
        0,
    ),
    A("allow_overwrite", V::Null, 0),
    A("cidr_routing_policy", V::L(&[]), 0),
    A("failover_routing_policy", V::L(&[]), 0),
    A("fqdn", V::Dns("example.internal"), C),
    A("geolocation_routing_policy", V::L(&[]), 0),
    A("health_check_id", V::S(""), 0),
    A("id", V::Id("Z"), C),
    A("latency_routing_policy", V::L(&[]), 0),
    A("multivalue_answer_routing_policy", V::B(false), 0),
    A("name", V::Name("dns"), 0),
    A("records", V::L(&[]), 0),
    A("set_identifier", V::S(""), 0),
    A("ttl", V::I(0, 1), 0),
    A("type", V::S("A"), 0),
    A("weighted_routing_policy", V::L(&[]), 0),
    A("zone_id", V::Id("Z"), 0),
];

const POLICY_DOC: &[A] = &[
    A("id", V::I(1_000_000_000, 3_000_000_000), C),
    A(
        "json",
        V::Json(
            r#""{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowLogDelivery\",\"Effect\":\"Allow\",\"Action\":\"s3:PutObject\",\"Resource\":\"arn:aws:s3:::logs/*\",\"Principal\":{\"Service\":\"logdelivery.elasticloadbalancing.amazonaws.com\"}}]}""#,
        ),
        C,
    ),
    A(
        "minified_json",
        V::Json(
            r#""{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowLogDelivery\",\"Effect\":\"Allow\",\"Action\":\"s3:PutObject\",\"Resource\":\"arn:aws:s3:::logs/*\"}]}""#,
        ),
        C,
    ),
    A("override_policy_documents", V::Null, 0),
    A("policy_id", V::Null, 0),
    A("source_policy_documents", V::Null, 0),
    A(
        "statement",
        V::Blk(&[
            A("actions", V::L(&["s3:PutObject"]), 0),
            A("condition", V::L(&[]), 0),
            A("effect", V::S("Allow"), 0),
            A("not_actions", V::L(&[]), 0),
            A("not_principals", V::L(&[]), 0),
            A("not_resources", V::L(&[]), 0),
            A("resources", V::L(&["arn:aws:s3:::logs/*"]), 0),
            A("sid", V::S("AllowLogDelivery"), 0),
        ]),
        0,
    ),
    A("version", V::S("2012-10-17"), 0),
];

const BUCKET: &[A] = &[
    A("acceleration_status", V::S(""), C),
    A("acl", V::Null, 0),
    A("arn", V::Arn("s3", "::logs-"), C),
    A("bucket", V::Name("logs"), 0),
    A("bucket_domain_name", V::Dns("s3.amazonaws.com"), C),
    A("bucket_prefix", V::S(""), C),
    A("bucket_regional_domain_name", V::Dns("s3.amazonaws.com"), C),
    A("cors_rule", V::L(&[]), 0),
    A("force_destroy", V::B(false), 0),
    A("grant", V::L(&[]), C),
    A("hosted_zone_id", V::Id("Z"), C),
    A("id", V::Name("logs"), C),
    A("lifecycle_rule", V::L(&[]), 0),
    A("logging", V::L(&[]), 0),
    A("object_lock_enabled", V::B(false), C),
    A("policy", V::S(""), C),
    A("region", V::Az, C),
    A("replication_configuration", V::L(&[]), 0),
    A("request_payer", V::S("BucketOwner"), C),
    A(
        "server_side_encryption_configuration",
        V::Blk(&[A(
            "rule",
            V::Blk(&[
                A(
                    "apply_server_side_encryption_by_default",
                    V::Blk(&[
                        A("kms_master_key_id", V::S(""), 0),
                        A("sse_algorithm", V::S("AES256"), 0),
                    ]),
                    0,
                ),
                A("bucket_key_enabled", V::B(false), 0),
            ]),
            0,
        )]),
        C,
    ),
    TAGS,
    A("timeouts", V::Null, 0),
    A(
        "versioning",
        V::Blk(&[A("enabled", V::B(true), 0), A("mfa_delete", V::B(false), 0)]),
        0,
    ),
    A("website", V::L(&[]), 0),
];

const BUCKET_POLICY: &[A] = &[
    A("bucket", V::Name("logs"), 0),
    A("id", V::Name("logs"), C),
    A(
        "policy",
        V::Json(
            r#""{\"Statement\":[{\"Action\":\"s3:PutObject\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"logdelivery.elasticloadbalancing.amazonaws.com\"},\"Resource\":\"arn:aws:s3:::logs/*\",\"Sid\":\"AllowLogDelivery\"}],\"Version\":\"2012-10-17\"}""#,
        ),
        0,
    ),
];

const LB: &[A] = &[
    A(
        "access_logs",
        V::Blk(&[
            A("bucket", V::Name("logs"), 0),
            A("enabled", V::B(true), 0),
            A("prefix", V::S("alb"), 0),
        ]),
        0,
    ),
    A(
        "arn",
        V::Arn("elasticloadbalancing", "loadbalancer/app/"),
        C,
    ),
    A("arn_suffix", V::Id("app/"), C),
    A("client_keep_alive", V::I(3600, 1), 0),
    A("connection_logs", V::L(&[]), 0),
    A("customer_owned_ipv4_pool", V::S(""), 0),
    A("desync_mitigation_mode", V::S("defensive"), 0),
    A("dns_name", V::Dns("elb.amazonaws.com"), C),
    A("dns_record_client_routing_policy", V::Null, 0),
    A("drop_invalid_header_fields", V::B(true), 0),
    A("enable_cross_zone_load_balancing", V::B(true), 0),
    A("enable_deletion_protection", V::B(false), 0),
    A("enable_http2", V::B(true), 0),
    A(
        "enable_tls_version_and_cipher_suite_headers",
        V::B(false),
        0,
    ),
    A("enable_waf_fail_open", V::B(false), 0),
    A("enable_xff_client_port", V::B(false), 0),
    A("id", V::Arn("elasticloadbalancing", "loadbalancer/app/"), C),
    A("idle_timeout", V::I(60, 1), U),
    A("internal", V::B(true), 0),
    A("ip_address_type", V::S("ipv4"), 0),
    A("load_balancer_type", V::S("application"), 0),
    A("name", V::Name("alb"), 0),
    A("preserve_host_header", V::B(false), 0),
    A("security_groups", V::Ids("sg-", 1), 0),
    A("subnet_mapping", V::L(&[]), C),
    A("subnets", V::Ids("subnet-", 3), 0),
    TAGS,
    A("timeouts", V::Null, 0),
    A("vpc_id", V::Id("vpc-"), C),
    A("xff_header_processing_mode", V::S("append"), 0),
    A("zone_id", V::Id("Z"), C),
];

const TARGET_GROUP: &[A] = &[
    A("arn", V::Arn("elasticloadbalancing", "targetgroup/"), C),
    A("arn_suffix", V::Id("targetgroup/"), C),
    A("connection_termination", V::B(false), 0),
    A("deregistration_delay", V::S("300"), 0),
    A(
        "health_check",
        V::Blk(&[
            A("enabled", V::B(true), 0),
            A("healthy_threshold", V::I(3, 1), 0),
            A("interval", V::I(30, 1), 0),
            A("matcher", V::S("200"), 0),
            A("path", V::S("/healthz"), 0),
            A("port", V::S("traffic-port"), 0),
            A("protocol", V::S("HTTP"), 0),
            A("timeout", V::I(5, 1), 0),
            A("unhealthy_threshold", V::I(3, 1), 0),
        ]),
        U,
    ),
    A("id", V::Arn("elasticloadbalancing", "targetgroup/"), C),
    A("ip_address_type", V::S("ipv4"), 0),
    A("lambda_multi_value_headers_enabled", V::B(false), 0),
    A("load_balancing_algorithm_type", V::S("round_robin"), 0),
    A("name", V::Name("tg"), 0),
    A("port", V::I(8080, 1), 0),
    A("protocol", V::S("HTTP"), 0),
    A("protocol_version", V::S("HTTP1"), 0),
    A("slow_start", V::I(0, 1), 0),
    A(
        "stickiness",
        V::Blk(&[
            A("cookie_duration", V::I(86400, 1), 0),
            A("enabled", V::B(false), 0),
            A("type", V::S("lb_cookie"), 0),
        ]),
        0,
    ),
    TAGS,
    A("target_type", V::S("instance"), 0),
    A("vpc_id", V::Id("vpc-"), 0),
];

const LISTENER: &[A] = &[
    A("alpn_policy", V::Null, 0),
    A("arn", V::Arn("elasticloadbalancing", "listener/app/"), C),
    A("certificate_arn", V::Arn("acm", "certificate/"), 0),
    A(
        "default_action",
        V::Blk(&[
            A("authenticate_cognito", V::L(&[]), 0),
            A("authenticate_oidc", V::L(&[]), 0),
            A("fixed_response", V::L(&[]), 0),
            A("forward", V::L(&[]), 0),
            A("order", V::I(1, 1), C),
            A("redirect", V::L(&[]), 0),
            A(
                "target_group_arn",
                V::Arn("elasticloadbalancing", "targetgroup/"),
                0,
            ),
            A("type", V::S("forward"), 0),
        ]),
        0,
    ),
    A("id", V::Arn("elasticloadbalancing", "listener/app/"), C),
    A(
        "load_balancer_arn",
        V::Arn("elasticloadbalancing", "loadbalancer/app/"),
        0,
    ),
    A("mutual_authentication", V::L(&[]), C),
    A("port", V::I(443, 1), 0),
    A("protocol", V::S("HTTPS"), 0),
    A(
        "ssl_policy",
        V::P(&[
            "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "ELBSecurityPolicy-2016-08",
        ]),
        U,
    ),
    TAGS,
    A("timeouts", V::Null, 0),
];

const INSTANCE: &[A] = &[
    A(
        "ami",
        V::P(&[
            "ami-0c55b159cbfafe1f0",
            "ami-0a1b2c3d4e5f60718",
            "ami-09e67e426f25ce0d7",
        ]),
        U,
    ),
    A("arn", V::Arn("ec2", "instance/i-"), C),
    A("associate_public_ip_address", V::B(false), 0),
    A("availability_zone", V::Az, C),
    A(
        "capacity_reservation_specification",
        V::Blk(&[
            A("capacity_reservation_preference", V::S("open"), 0),
            A("capacity_reservation_target", V::L(&[]), 0),
        ]),
        C,
    ),
    A("cpu_core_count", V::I(1, 4), C),
    A("cpu_threads_per_core", V::I(2, 1), C),
    A("disable_api_termination", V::B(false), 0),
    A("ebs_optimized", V::B(true), 0),
    A(
        "enclave_options",
        V::Blk(&[A("enabled", V::B(false), 0)]),
        C,
    ),
    A("id", V::Id("i-"), C),
    A("instance_initiated_shutdown_behavior", V::S("stop"), C),
    A("instance_state", V::S("running"), C),
    A(
        "instance_type",
        V::P(&["t3.medium", "t3.large", "m6i.large", "c6i.xlarge"]),
        U,
    ),
    A("ipv6_address_count", V::I(0, 1), C),
    A("ipv6_addresses", V::L(&[]), C),
    A(
        "metadata_options",
        V::Blk(&[
            A("http_endpoint", V::S("enabled"), 0),
            A("http_protocol_ipv6", V::S("disabled"), 0),
            A("http_put_response_hop_limit", V::I(2, 1), 0),
            A("http_tokens", V::S("required"), 0),
            A("instance_metadata_tags", V::S("disabled"), 0),
        ]),
        0,
    ),
    A("monitoring", V::B(true), 0),
    A("primary_network_interface_id", V::Id("eni-"), C),
    A("private_dns", V::Dns("compute.internal"), C),
    A("private_ip", V::Ip, C),
    A(
        "root_block_device",
        V::Blk(&[
            A("delete_on_termination", V::B(true), 0),
            A("device_name", V::S("/dev/xvda"), C),
            A("encrypted", V::B(true), 0),
            A("iops", V::I(3000, 1), 0),
            A("kms_key_id", V::Arn("kms", "key/"), 0),
            A("throughput", V::I(125, 1), 0),
            A("volume_id", V::Id("vol-"), C),
            A("volume_size", V::I(20, 80), 0),
            A("volume_type", V::S("gp3"), 0),
        ]),
        0,
    ),
    A("security_groups", V::L(&[]), C),
    A("source_dest_check", V::B(true), 0),
    A("subnet_id", V::Id("subnet-"), 0),
    TAGS,
    A("tenancy", V::S("default"), C),
    A("timeouts", V::Null, 0),
    A("user_data", V::Sha1, U),
    A("user_data_replace_on_change", V::B(false), 0),
    A("volume_tags", V::Null, 0),
    A("vpc_security_group_ids", V::Ids("sg-", 2), 0),
];

const TG_ATTACHMENT: &[A] = &[
    A("availability_zone", V::Null, 0),
    A("id", V::Id("arn:aws:elasticloadbalancing:targetgroup/"), C),
    A("port", V::I(8080, 1), 0),
    A(
        "target_group_arn",
        V::Arn("elasticloadbalancing", "targetgroup/"),
        0,
    ),
    A("target_id", V::Id("i-"), 0),
];

const ALARM: &[A] = &[
    A(
        "alarm_actions",
        V::L(&["arn:aws:sns:us-east-1:123456789012:ops-alerts"]),
        0,
    ),
    A("alarm_name", V::Name("cpu-high"), 0),
    A("arn", V::Arn("cloudwatch", "alarm:"), C),
    A(
        "comparison_operator",
        V::S("GreaterThanOrEqualToThreshold"),
        0,
    ),
    A(
        "dimensions",
        V::M(&[("InstanceId", "i-0a1b2c3d4e5f67890")]),
        0,
    ),
    A("evaluation_periods", V::I(2, 1), 0),
    A("id", V::Name("cpu-high"), C),
    A("metric_name", V::S("CPUUtilization"), 0),
    A("namespace", V::S("AWS/EC2"), 0),
    A("period", V::I(300, 1), 0),
    A("statistic", V::S("Average"), 0),
    TAGS,
    A("threshold", V::I(80, 15), U),
    A("treat_missing_data", V::S("missing"), 0),
];

// ---------------------------------------------------------------------------------------
// Blueprint: the configuration, one entry per config resource

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mk {
    Root,
    Env,
    Net,
    Db,
    App,
}

impl Mk {
    /// Absolute config-address prefix of resources in this module.
    fn config_prefix(self) -> &'static str {
        match self {
            Mk::Root => "",
            Mk::Env => "module.env.",
            Mk::Net => "module.env.module.net.",
            Mk::Db => "module.env.module.db.",
            Mk::App => "module.env.module.app.",
        }
    }
}

/// What a resource does when its environment's VPC is replaced (mass-replace scenario).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cascade {
    NoOp,
    Update,
    Replace,
}

struct Cfg {
    module: Mk,
    data: bool,
    ty: &'static str,
    name: &'static str,
    /// Instances with `count` (0 = no count; 255 = the app's instance count).
    count: u8,
    /// Raw JSON: `count_expression` when counted.
    count_expr: &'static str,
    /// Raw JSON: the `expressions` object.
    exprs: &'static str,
    /// Raw JSON: config `depends_on` list, or "".
    depends_on: &'static str,
    /// Direct dependencies, absolute config addresses (for prior_state `depends_on`).
    deps: &'static [&'static str],
    attrs: &'static [A],
    /// Raw JSON `replace_paths` when the provider forces a replacement.
    force: &'static str,
    cascade: Cascade,
    /// `create_before_destroy`: replaced as `["create","delete"]`.
    cbd: bool,
}

const PER_APP: u8 = 255;
const INSTANCES_PER_APP: u32 = 6;
const APPS_PER_ENV: usize = 20;

macro_rules! net {
    ($s:literal) => {
        concat!("module.env.module.net.", $s)
    };
}
macro_rules! db {
    ($s:literal) => {
        concat!("module.env.module.db.", $s)
    };
}
macro_rules! app {
    ($s:literal) => {
        concat!("module.env.module.app.", $s)
    };
}

const fn cfg(module: Mk, ty: &'static str, name: &'static str, attrs: &'static [A]) -> Cfg {
    Cfg {
        module,
        data: false,
        ty,
        name,
        count: 0,
        count_expr: "",
        exprs: "{}",
        depends_on: "",
        deps: &[],
        attrs,
        force: r#"[["tags","Name"]]"#,
        cascade: Cascade::NoOp,
        cbd: false,
    }
}

const BLUEPRINT: &[Cfg] = &[
    // ---- root
    Cfg {
        exprs: r#"{"comment":{"constant_value":"Managed by Terraform"},"name":{"constant_value":"example.internal"}}"#,
        force: r#"[["name"]]"#,
        ..cfg(Mk::Root, "aws_route53_zone", "main", ZONE)
    },
    Cfg {
        exprs: r#"{"deletion_window_in_days":{"constant_value":30},"description":{"constant_value":"estate encryption key"},"enable_key_rotation":{"constant_value":true}}"#,
        force: r#"[["customer_master_key_spec"]]"#,
        ..cfg(Mk::Root, "aws_kms_key", "main", KMS)
    },
    Cfg {
        exprs: r#"{"assume_role_policy":{},"managed_policy_arns":{"constant_value":["arn:aws:iam::aws:policy/ReadOnlyAccess"]},"name":{"constant_value":"ops"}}"#,
        force: r#"[["name"]]"#,
        ..cfg(Mk::Root, "aws_iam_role", "ops", IAM_ROLE)
    },
    Cfg {
        count: 1, // replaced by the filler count at build time
        count_expr: r#"{"references":["var.flag_count"]}"#,
        exprs: r#"{"key_id":{"references":["aws_kms_key.main.arn","aws_kms_key.main"]},"name":{"references":["count.index"]},"type":{"constant_value":"SecureString"},"value":{"references":["var.flags","count.index"]}}"#,
        deps: &["aws_kms_key.main"],
        force: r#"[["name"]]"#,
        ..cfg(Mk::Root, "aws_ssm_parameter", "flags", SSM)
    },
    // ---- network module
    Cfg {
        exprs: r#"{"cidr_block":{"references":["var.cidr"]},"enable_dns_hostnames":{"constant_value":true},"tags":{"references":["var.name"]}}"#,
        force: r#"[["cidr_block"]]"#,
        cascade: Cascade::Replace,
        ..cfg(Mk::Net, "aws_vpc", "main", VPC)
    },
    Cfg {
        exprs: r#"{"tags":{"references":["var.name"]},"vpc_id":{"references":["aws_vpc.main.id","aws_vpc.main"]}}"#,
        deps: &[net!("aws_vpc.main")],
        force: r#"[["vpc_id"]]"#,
        cascade: Cascade::Update,
        ..cfg(Mk::Net, "aws_internet_gateway", "main", IGW)
    },
    Cfg {
        count: 3,
        count_expr: r#"{"constant_value":3}"#,
        exprs: r#"{"availability_zone":{"references":["data.aws_availability_zones.all.names","data.aws_availability_zones.all","count.index"]},"cidr_block":{"references":["var.cidr","count.index"]},"tags":{"references":["var.name","count.index"]},"vpc_id":{"references":["aws_vpc.main.id","aws_vpc.main"]}}"#,
        deps: &[net!("aws_vpc.main")],
        force: r#"[["vpc_id"]]"#,
        cascade: Cascade::Replace,
        ..cfg(Mk::Net, "aws_subnet", "private", SUBNET)
    },
    Cfg {
        count: 3,
        count_expr: r#"{"constant_value":3}"#,
        exprs: r#"{"cidr_block":{"references":["var.cidr","count.index"]},"map_public_ip_on_launch":{"constant_value":false},"tags":{"references":["var.name","count.index"]},"vpc_id":{"references":["aws_vpc.main.id","aws_vpc.main"]}}"#,
        deps: &[net!("aws_vpc.main")],
        force: r#"[["vpc_id"]]"#,
        cascade: Cascade::Replace,
        ..cfg(Mk::Net, "aws_subnet", "public", SUBNET)
    },
    Cfg {
        exprs: r#"{"domain":{"constant_value":"vpc"},"tags":{"references":["var.name"]}}"#,
        depends_on: r#"["aws_internet_gateway.main"]"#,
        deps: &[net!("aws_internet_gateway.main")],
        ..cfg(Mk::Net, "aws_eip", "nat", EIP)
    },
    Cfg {
        exprs: r#"{"allocation_id":{"references":["aws_eip.nat.id","aws_eip.nat"]},"subnet_id":{"references":["aws_subnet.public[0].id","aws_subnet.public[0]","aws_subnet.public"]},"tags":{"references":["var.name"]}}"#,
        deps: &[net!("aws_eip.nat"), net!("aws_subnet.public")],
        force: r#"[["subnet_id"]]"#,
        cascade: Cascade::Replace,
        ..cfg(Mk::Net, "aws_nat_gateway", "main", NAT)
    },
    Cfg {
        exprs: r#"{"route":{"references":["aws_nat_gateway.main.id","aws_nat_gateway.main"]},"tags":{"references":["var.name"]},"vpc_id":{"references":["aws_vpc.main.id","aws_vpc.main"]}}"#,
        deps: &[net!("aws_vpc.main"), net!("aws_nat_gateway.main")],
        force: r#"[["vpc_id"]]"#,
        cascade: Cascade::Replace,
        ..cfg(Mk::Net, "aws_route_table", "private", ROUTE_TABLE)
    },
    Cfg {
        count: 3,
        count_expr: r#"{"references":["aws_subnet.private"]}"#,
        exprs: r#"{"route_table_id":{"references":["aws_route_table.private.id","aws_route_table.private"]},"subnet_id":{"references":["aws_subnet.private","count.index"]}}"#,
        deps: &[net!("aws_subnet.private"), net!("aws_route_table.private")],
        force: r#"[["subnet_id"]]"#,
        cascade: Cascade::Replace,
        ..cfg(Mk::Net, "aws_route_table_association", "private", RT_ASSOC)
    },
    Cfg {
        exprs: r#"{"description":{"constant_value":"Managed by Terraform"},"ingress":[{"cidr_blocks":{"references":["var.cidr"]},"from_port":{"constant_value":443},"protocol":{"constant_value":"tcp"},"to_port":{"constant_value":443}}],"name":{"references":["var.name"]},"vpc_id":{"references":["aws_vpc.main.id","aws_vpc.main"]}}"#,
        deps: &[net!("aws_vpc.main")],
        force: r#"[["vpc_id"]]"#,
        cascade: Cascade::Replace,
        cbd: true,
        ..cfg(Mk::Net, "aws_security_group", "base", SG)
    },
    // ---- database module
    Cfg {
        exprs: r#"{"name":{"references":["var.name"]},"subnet_ids":{"references":["var.subnet_ids"]}}"#,
        deps: &[net!("aws_subnet.private")],
        cascade: Cascade::Update,
        ..cfg(Mk::Db, "aws_db_subnet_group", "this", DB_SUBNET_GROUP)
    },
    Cfg {
        exprs: r#"{"family":{"constant_value":"postgres16"},"name":{"references":["var.name"]},"parameter":[{"apply_method":{"constant_value":"pending-reboot"},"name":{"constant_value":"shared_preload_libraries"},"value":{"constant_value":"pg_stat_statements"}}]}"#,
        force: r#"[["family"]]"#,
        ..cfg(Mk::Db, "aws_db_parameter_group", "this", DB_PARAM_GROUP)
    },
    Cfg {
        exprs: r#"{"ingress":[{"from_port":{"constant_value":5432},"protocol":{"constant_value":"tcp"},"security_groups":{"references":["var.base_sg_id"]},"to_port":{"constant_value":5432}}],"name":{"references":["var.name"]},"vpc_id":{"references":["var.vpc_id"]}}"#,
        deps: &[net!("aws_vpc.main"), net!("aws_security_group.base")],
        force: r#"[["vpc_id"]]"#,
        cascade: Cascade::Replace,
        cbd: true,
        ..cfg(Mk::Db, "aws_security_group", "db", SG)
    },
    Cfg {
        exprs: r#"{"allocated_storage":{"constant_value":100},"db_subnet_group_name":{"references":["aws_db_subnet_group.this.name","aws_db_subnet_group.this"]},"engine":{"constant_value":"postgres"},"identifier":{"references":["var.name"]},"instance_class":{"constant_value":"db.r6g.large"},"kms_key_id":{"references":["var.kms_key_arn"]},"parameter_group_name":{"references":["aws_db_parameter_group.this.name","aws_db_parameter_group.this"]},"password":{"references":["var.password"]},"storage_encrypted":{"constant_value":true},"username":{"constant_value":"app_admin"},"vpc_security_group_ids":{"references":["aws_security_group.db.id","aws_security_group.db","var.base_sg_id"]}}"#,
        deps: &[
            db!("aws_db_subnet_group.this"),
            db!("aws_db_parameter_group.this"),
            db!("aws_security_group.db"),
            net!("aws_security_group.base"),
            "aws_kms_key.main",
        ],
        force: r#"[["db_subnet_group_name"]]"#,
        cascade: Cascade::Replace,
        ..cfg(Mk::Db, "aws_db_instance", "this", DB_INSTANCE)
    },
    Cfg {
        exprs: r#"{"name":{"references":["var.name"]},"records":{"references":["aws_db_instance.this.address","aws_db_instance.this"]},"ttl":{"constant_value":60},"type":{"constant_value":"CNAME"},"zone_id":{"references":["var.zone_id"]}}"#,
        deps: &[db!("aws_db_instance.this"), "aws_route53_zone.main"],
        force: r#"[["zone_id"]]"#,
        cascade: Cascade::Update,
        ..cfg(Mk::Db, "aws_route53_record", "db", RECORD)
    },
    // ---- application module
    Cfg {
        data: true,
        exprs: r#"{"statement":[{"actions":{"constant_value":["s3:PutObject"]},"principals":[{"identifiers":{"constant_value":["logdelivery.elasticloadbalancing.amazonaws.com"]},"type":{"constant_value":"Service"}}],"resources":{"references":["aws_s3_bucket.logs.arn","aws_s3_bucket.logs"]}}]}"#,
        deps: &[app!("aws_s3_bucket.logs")],
        ..cfg(Mk::App, "aws_iam_policy_document", "logs", POLICY_DOC)
    },
    Cfg {
        exprs: r#"{"bucket":{"references":["var.name"]},"force_destroy":{"constant_value":false},"tags":{"references":["var.name"]}}"#,
        force: r#"[["bucket"]]"#,
        ..cfg(Mk::App, "aws_s3_bucket", "logs", BUCKET)
    },
    Cfg {
        exprs: r#"{"bucket":{"references":["aws_s3_bucket.logs.id","aws_s3_bucket.logs"]},"policy":{"references":["data.aws_iam_policy_document.logs.json","data.aws_iam_policy_document.logs"]}}"#,
        deps: &[
            app!("aws_s3_bucket.logs"),
            app!("data.aws_iam_policy_document.logs"),
        ],
        force: r#"[["bucket"]]"#,
        ..cfg(Mk::App, "aws_s3_bucket_policy", "logs", BUCKET_POLICY)
    },
    Cfg {
        exprs: r#"{"egress":[{"cidr_blocks":{"constant_value":["0.0.0.0/0"]},"from_port":{"constant_value":0},"protocol":{"constant_value":"-1"},"to_port":{"constant_value":0}}],"name":{"references":["var.name"]},"vpc_id":{"references":["var.vpc_id"]}}"#,
        deps: &[net!("aws_vpc.main")],
        force: r#"[["vpc_id"]]"#,
        cascade: Cascade::Replace,
        cbd: true,
        ..cfg(Mk::App, "aws_security_group", "app", SG)
    },
    Cfg {
        exprs: r#"{"access_logs":[{"bucket":{"references":["aws_s3_bucket.logs.id","aws_s3_bucket.logs"]},"enabled":{"constant_value":true},"prefix":{"constant_value":"alb"}}],"internal":{"constant_value":true},"load_balancer_type":{"constant_value":"application"},"name":{"references":["var.name"]},"security_groups":{"references":["aws_security_group.app.id","aws_security_group.app"]},"subnets":{"references":["var.subnet_ids"]}}"#,
        deps: &[
            net!("aws_subnet.private"),
            app!("aws_security_group.app"),
            app!("aws_s3_bucket.logs"),
        ],
        force: r#"[["internal"]]"#,
        cascade: Cascade::Update,
        ..cfg(Mk::App, "aws_lb", "this", LB)
    },
    Cfg {
        exprs: r#"{"health_check":[{"path":{"constant_value":"/healthz"}}],"name":{"references":["var.name"]},"port":{"constant_value":8080},"protocol":{"constant_value":"HTTP"},"vpc_id":{"references":["var.vpc_id"]}}"#,
        deps: &[net!("aws_vpc.main")],
        force: r#"[["vpc_id"]]"#,
        cascade: Cascade::Replace,
        cbd: true,
        ..cfg(Mk::App, "aws_lb_target_group", "this", TARGET_GROUP)
    },
    Cfg {
        exprs: r#"{"certificate_arn":{"references":["var.certificate_arn"]},"default_action":[{"target_group_arn":{"references":["aws_lb_target_group.this.arn","aws_lb_target_group.this"]},"type":{"constant_value":"forward"}}],"load_balancer_arn":{"references":["aws_lb.this.arn","aws_lb.this"]},"port":{"constant_value":443},"protocol":{"constant_value":"HTTPS"}}"#,
        deps: &[app!("aws_lb.this"), app!("aws_lb_target_group.this")],
        cascade: Cascade::Update,
        ..cfg(Mk::App, "aws_lb_listener", "https", LISTENER)
    },
    Cfg {
        count: PER_APP,
        count_expr: r#"{"references":["var.instance_count"]}"#,
        exprs: r#"{"ami":{"references":["var.ami"]},"instance_type":{"references":["var.instance_type"]},"root_block_device":[{"encrypted":{"constant_value":true},"kms_key_id":{"references":["var.kms_key_arn"]},"volume_size":{"constant_value":40}}],"subnet_id":{"references":["var.subnet_ids","count.index"]},"tags":{"references":["var.name","count.index"]},"user_data":{"references":["var.db_endpoint"]},"vpc_security_group_ids":{"references":["aws_security_group.app.id","aws_security_group.app"]}}"#,
        deps: &[
            net!("aws_subnet.private"),
            app!("aws_security_group.app"),
            "aws_kms_key.main",
            db!("aws_db_instance.this"),
        ],
        force: r#"[["subnet_id"]]"#,
        cascade: Cascade::Replace,
        ..cfg(Mk::App, "aws_instance", "web", INSTANCE)
    },
    Cfg {
        count: PER_APP,
        count_expr: r#"{"references":["var.instance_count"]}"#,
        exprs: r#"{"port":{"constant_value":8080},"target_group_arn":{"references":["aws_lb_target_group.this.arn","aws_lb_target_group.this"]},"target_id":{"references":["aws_instance.web","count.index"]}}"#,
        deps: &[app!("aws_lb_target_group.this"), app!("aws_instance.web")],
        force: r#"[["target_id"]]"#,
        cascade: Cascade::Replace,
        ..cfg(
            Mk::App,
            "aws_lb_target_group_attachment",
            "web",
            TG_ATTACHMENT,
        )
    },
    Cfg {
        count: PER_APP,
        count_expr: r#"{"references":["var.instance_count"]}"#,
        exprs: r#"{"alarm_name":{"references":["var.name","count.index"]},"comparison_operator":{"constant_value":"GreaterThanOrEqualToThreshold"},"dimensions":{"references":["aws_instance.web","count.index"]},"evaluation_periods":{"constant_value":2},"metric_name":{"constant_value":"CPUUtilization"},"threshold":{"constant_value":80}}"#,
        deps: &[app!("aws_instance.web")],
        cascade: Cascade::Update,
        ..cfg(Mk::App, "aws_cloudwatch_metric_alarm", "cpu", ALARM)
    },
    Cfg {
        exprs: r#"{"alias":[{"evaluate_target_health":{"constant_value":true},"name":{"references":["aws_lb.this.dns_name","aws_lb.this"]},"zone_id":{"references":["aws_lb.this.zone_id","aws_lb.this"]}}],"name":{"references":["var.name"]},"type":{"constant_value":"A"},"zone_id":{"references":["var.zone_id"]}}"#,
        deps: &[app!("aws_lb.this"), "aws_route53_zone.main"],
        force: r#"[["zone_id"]]"#,
        cascade: Cascade::Update,
        ..cfg(Mk::App, "aws_route53_record", "app", RECORD)
    },
];

/// Raw JSON for the parts of each module's configuration that are not resources.
fn module_config_extra(m: Mk) -> (&'static str, &'static str) {
    // (outputs + variables, after-resources part that is written by the caller)
    match m {
        Mk::Root => (
            r#""outputs":{"vpc_ids":{"expression":{"references":["module.env"]},"description":"VPC id per environment"},"zone_id":{"expression":{"references":["aws_route53_zone.main.zone_id","aws_route53_zone.main"]}}}"#,
            r#""variables":{"db_password":{"description":"master password of every database","sensitive":true},"environments":{"description":"environment name => {cidr, apps}"},"flag_count":{"default":0},"flags":{"default":[],"sensitive":true}}"#,
        ),
        Mk::Env => (
            r#""outputs":{"app_endpoints":{"expression":{"references":["module.app"]}},"db_endpoint":{"expression":{"references":["module.db.endpoint","module.db"]},"sensitive":false},"vpc_id":{"expression":{"references":["module.net.vpc_id","module.net"]}}}"#,
            r#""variables":{"apps":{"description":"app name => settings"},"cidr":{},"db_password":{"sensitive":true},"kms_key_arn":{},"name":{},"zone_id":{}}"#,
        ),
        Mk::Net => (
            r#""outputs":{"base_sg_id":{"expression":{"references":["aws_security_group.base.id","aws_security_group.base"]}},"private_subnet_ids":{"expression":{"references":["aws_subnet.private"]}},"public_subnet_ids":{"expression":{"references":["aws_subnet.public"]}},"vpc_id":{"expression":{"references":["aws_vpc.main.id","aws_vpc.main"]}}}"#,
            r#""variables":{"cidr":{"description":"VPC CIDR"},"name":{}}"#,
        ),
        Mk::Db => (
            r#""outputs":{"endpoint":{"expression":{"references":["aws_db_instance.this.address","aws_db_instance.this"]}}}"#,
            r#""variables":{"base_sg_id":{},"kms_key_arn":{},"name":{},"password":{"sensitive":true},"subnet_ids":{},"vpc_id":{},"zone_id":{}}"#,
        ),
        Mk::App => (
            r#""outputs":{"instance_ids":{"expression":{"references":["aws_instance.web"]}},"lb_dns_name":{"expression":{"references":["aws_lb.this.dns_name","aws_lb.this"]}}}"#,
            r#""variables":{"ami":{"default":"ami-0c55b159cbfafe1f0"},"certificate_arn":{"default":"arn:aws:acm:us-east-1:123456789012:certificate/abc"},"db_endpoint":{},"instance_count":{"default":2},"instance_type":{"default":"t3.medium"},"kms_key_arn":{},"name":{},"subnet_ids":{},"vpc_id":{},"zone_id":{}}"#,
        ),
    }
}

const ENV_CALL: &str = r#""module_calls":{"env":{"source":"./modules/env","expressions":{"apps":{"references":["each.value.apps","each.value"]},"cidr":{"references":["each.value.cidr","each.value"]},"db_password":{"references":["var.db_password"]},"kms_key_arn":{"references":["aws_kms_key.main.arn","aws_kms_key.main"]},"name":{"references":["each.key"]},"zone_id":{"references":["aws_route53_zone.main.zone_id","aws_route53_zone.main"]}},"for_each_expression":{"references":["var.environments"]},"module":"#;

const APP_CALL: &str = r#""app":{"source":"../app","expressions":{"db_endpoint":{"references":["module.db.endpoint","module.db"]},"instance_count":{"references":["each.value.instances","each.value"]},"kms_key_arn":{"references":["var.kms_key_arn"]},"name":{"references":["each.key"]},"subnet_ids":{"references":["module.net.private_subnet_ids","module.net"]},"vpc_id":{"references":["module.net.vpc_id","module.net"]},"zone_id":{"references":["var.zone_id"]}},"for_each_expression":{"references":["var.apps"]},"module":"#;

const DB_CALL: &str = r#""db":{"source":"../db","expressions":{"base_sg_id":{"references":["module.net.base_sg_id","module.net"]},"kms_key_arn":{"references":["var.kms_key_arn"]},"name":{"references":["var.name"]},"password":{"references":["var.db_password"]},"subnet_ids":{"references":["module.net.private_subnet_ids","module.net"]},"vpc_id":{"references":["module.net.vpc_id","module.net"]},"zone_id":{"references":["var.zone_id"]}},"depends_on":["module.net"],"module":"#;

const NET_CALL: &str = r#""net":{"source":"../net","expressions":{"cidr":{"references":["var.cidr"]},"name":{"references":["var.name"]}},"module":"#;

const PROVIDER: &str = "registry.terraform.io/hashicorp/aws";

// ---------------------------------------------------------------------------------------
// The estate: module instances and resource instances

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Act {
    /// Data source read during planning: not in `resource_changes`.
    Quiet,
    NoOp,
    Update,
    Create,
    Read,
    Replace,
    Delete,
}

struct ModInst {
    kind: Mk,
    /// Module instance address, e.g. `module.env["eu-1"].module.net` ("" for root).
    addr: String,
    env: u32,
    app: String,
    children: Vec<u32>,
    res: Vec<u32>,
}

struct Res {
    module: u32,
    cfg: u16,
    index: Option<u32>,
    act: Act,
    reason: Option<&'static str>,
    seed: u64,
}

struct Estate {
    mods: Vec<ModInst>,
    res: Vec<Res>,
    env_keys: Vec<String>,
    flag_count: u32,
    /// Per config resource: the prior_state `depends_on` list, as JSON text (transitive).
    depends_json: Vec<String>,
}

const REGIONS: [(&str, &str); 8] = [
    ("eu", "eu-west-1"),
    ("us", "us-east-1"),
    ("ap", "ap-southeast-2"),
    ("sa", "sa-east-1"),
    ("ca", "ca-central-1"),
    ("me", "me-south-1"),
    ("af", "af-south-1"),
    ("il", "il-central-1"),
];

fn region_of(env: u32) -> &'static str {
    REGIONS[env as usize % REGIONS.len()].1
}

fn app_key(j: usize) -> String {
    // One key per environment has a dot in it: addresses must be tokenized, not split on '.'.
    if j == 1 {
        "api.v2".to_string()
    } else {
        format!("svc-{j:02}")
    }
}

fn count_of(c: &Cfg, flag_count: u32) -> Option<u32> {
    match c.count {
        0 => None,
        PER_APP => Some(INSTANCES_PER_APP),
        _ if c.module == Mk::Root => Some(flag_count),
        n => Some(u32::from(n)),
    }
}

fn per_module_count(m: Mk) -> usize {
    BLUEPRINT
        .iter()
        .filter(|c| c.module == m)
        .map(|c| count_of(c, 0).map_or(1, |n| n as usize))
        .sum()
}

fn transitive_depends() -> Vec<String> {
    let index_of = |addr: &str| {
        BLUEPRINT.iter().position(|c| {
            let p = c.module.config_prefix();
            let rest = match addr.strip_prefix(p) {
                Some(r) => r,
                None => return false,
            };
            let rest = if c.data {
                match rest.strip_prefix("data.") {
                    Some(r) => r,
                    None => return false,
                }
            } else {
                rest
            };
            rest.strip_prefix(c.ty)
                .and_then(|r| r.strip_prefix('.'))
                .is_some_and(|r| r == c.name)
        })
    };
    let abs = |c: &Cfg| {
        format!(
            "{}{}{}.{}",
            c.module.config_prefix(),
            if c.data { "data." } else { "" },
            c.ty,
            c.name
        )
    };
    let mut out = Vec::with_capacity(BLUEPRINT.len());
    for i in 0..BLUEPRINT.len() {
        let mut seen = vec![false; BLUEPRINT.len()];
        let mut stack = vec![i];
        while let Some(k) = stack.pop() {
            for d in BLUEPRINT[k].deps {
                if let Some(j) = index_of(d) {
                    if !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        let mut names: Vec<String> = (0..BLUEPRINT.len())
            .filter(|&j| seen[j])
            .map(|j| abs(&BLUEPRINT[j]))
            .collect();
        names.sort();
        let mut s = String::new();
        if !names.is_empty() {
            s.push('[');
            for (k, n) in names.iter().enumerate() {
                if k > 0 {
                    s.push(',');
                }
                s.push('"');
                s.push_str(n);
                s.push('"');
            }
            s.push(']');
        }
        out.push(s);
    }
    out
}

const REPLACE_REASONS: [&str; 4] = [
    "replace_because_cannot_update",
    "replace_because_tainted",
    "replace_by_request",
    "replace_by_triggers",
];

fn typical_action(rng: &mut XorShift, c: &Cfg) -> (Act, Option<&'static str>) {
    if c.data {
        return (Act::Quiet, None);
    }
    let counted = c.count != 0;
    let r = rng.below(1000);
    if r < 12 {
        let reason = match rng.below(10) {
            0..=5 => REPLACE_REASONS[0],
            6 => REPLACE_REASONS[1],
            7 | 8 => REPLACE_REASONS[3],
            _ => REPLACE_REASONS[2],
        };
        (Act::Replace, Some(reason))
    } else if r < 18 && counted {
        (Act::Delete, Some("delete_because_count_index"))
    } else if r < 30 && counted {
        (Act::Create, None)
    } else if r < 130 {
        (Act::Update, None)
    } else {
        (Act::NoOp, None)
    }
}

fn build_estate(opts: &TfOptions) -> Estate {
    let mut rng = XorShift::new(opts.seed);
    let n = opts.resources.max(1);
    let root_fixed = per_module_count(Mk::Root); // the flags count 0 here
    let env_fixed = per_module_count(Mk::Net) + per_module_count(Mk::Db);
    let per_app = per_module_count(Mk::App);
    let per_env_typical = env_fixed + APPS_PER_ENV * per_app;
    let envs = ((n + per_env_typical / 2) / per_env_typical).max(1);
    let budget = n.saturating_sub(root_fixed + envs * env_fixed);
    let apps_total = (budget / per_app).max(envs);
    let flag_count = budget.saturating_sub(apps_total * per_app) as u32;

    let mut est = Estate {
        mods: Vec::new(),
        res: Vec::with_capacity(n + 64),
        env_keys: Vec::with_capacity(envs),
        flag_count,
        depends_json: transitive_depends(),
    };
    est.mods.push(ModInst {
        kind: Mk::Root,
        addr: String::new(),
        env: 0,
        app: String::new(),
        children: Vec::new(),
        res: Vec::new(),
    });
    let mass = opts.scenario == Scenario::MassReplace;
    add_module_resources(&mut est, &mut rng, 0, false, false);
    for e in 0..envs {
        let (prefix, _) = REGIONS[e % REGIONS.len()];
        let key = format!("{prefix}-{}", e / REGIONS.len() + 1);
        let env_addr = format!("module.env[\"{key}\"]");
        est.env_keys.push(key);
        let env_id = push_module(
            &mut est,
            0,
            Mk::Env,
            env_addr.clone(),
            e as u32,
            String::new(),
        );
        // The first environment always, then most of the others.
        let replaced = mass && (e == 0 || rng.below(100) < 85);
        let cascade = replaced;
        let net = push_module(
            &mut est,
            env_id,
            Mk::Net,
            format!("{env_addr}.module.net"),
            e as u32,
            String::new(),
        );
        add_module_resources(&mut est, &mut rng, net, cascade, false);
        let db = push_module(
            &mut est,
            env_id,
            Mk::Db,
            format!("{env_addr}.module.db"),
            e as u32,
            String::new(),
        );
        add_module_resources(&mut est, &mut rng, db, cascade, false);
        let apps = apps_total / envs + usize::from(e < apps_total % envs);
        for j in 0..apps {
            let key = app_key(j);
            let app = push_module(
                &mut est,
                env_id,
                Mk::App,
                format!("{env_addr}.module.app[\"{key}\"]"),
                e as u32,
                key,
            );
            let new_app = !replaced && rng.below(100) < 2;
            add_module_resources(&mut est, &mut rng, app, cascade, new_app);
        }
    }
    est
}

fn push_module(
    est: &mut Estate,
    parent: u32,
    kind: Mk,
    addr: String,
    env: u32,
    app: String,
) -> u32 {
    let id = est.mods.len() as u32;
    est.mods.push(ModInst {
        kind,
        addr,
        env,
        app,
        children: Vec::new(),
        res: Vec::new(),
    });
    est.mods[parent as usize].children.push(id);
    id
}

fn add_module_resources(
    est: &mut Estate,
    rng: &mut XorShift,
    m: u32,
    cascade: bool,
    new_app: bool,
) {
    let kind = est.mods[m as usize].kind;
    for (ci, c) in BLUEPRINT.iter().enumerate() {
        if c.module != kind {
            continue;
        }
        let count = count_of(c, est.flag_count);
        let instances = count.unwrap_or(1);
        for k in 0..instances {
            let (act, reason) = if new_app {
                if c.data {
                    (Act::Read, Some("read_because_config_unknown"))
                } else {
                    (Act::Create, None)
                }
            } else if cascade {
                if c.data {
                    (Act::Read, Some("read_because_dependency_pending"))
                } else {
                    match c.cascade {
                        Cascade::Replace => (Act::Replace, Some(REPLACE_REASONS[0])),
                        Cascade::Update => (Act::Update, None),
                        Cascade::NoOp => typical_action(rng, c),
                    }
                }
            } else {
                typical_action(rng, c)
            };
            let id = est.res.len() as u32;
            est.res.push(Res {
                module: m,
                cfg: ci as u16,
                index: count.map(|_| k),
                act,
                reason,
                seed: splitmix(rng.next_u64()),
            });
            est.mods[m as usize].res.push(id);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Writing values

struct Ctx<'a> {
    seed: u64,
    region: &'static str,
    env: &'a str,
    app: &'a str,
    suffix_index: Option<u32>,
    variant: u64,
}

/// Which view of an object is being written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    /// All attributes known (before, no-op/update after, state).
    Known,
    /// Create/replace `after`: computed attributes are unknown, so omitted.
    Planned,
}

fn write_values(o: &mut Out, attrs: &[A], cx: &Ctx, view: View) {
    o.c('{');
    let mut first = true;
    for a in attrs {
        if view == View::Planned && a.2 & C != 0 {
            continue;
        }
        if matches!(a.1, V::Tags) {
            for key in ["tags", "tags_all"] {
                if !first {
                    o.c(',');
                }
                first = false;
                o.c('"');
                o.s(key);
                o.s("\":");
                write_tags(o, cx);
            }
            continue;
        }
        if !first {
            o.c(',');
        }
        first = false;
        o.c('"');
        o.s(a.0);
        o.s("\":");
        let variant = if a.2 & U != 0 { cx.variant } else { 0 };
        write_value(o, a, cx, variant, view);
    }
    o.c('}');
}

fn write_name(o: &mut Out, cx: &Ctx, suffix: &str) {
    o.raw_escaped(cx.env);
    if !cx.app.is_empty() {
        o.c('-');
        o.raw_escaped(cx.app);
    }
    o.c('-');
    o.s(suffix);
    if let Some(i) = cx.suffix_index {
        o.c('-');
        o.u(u64::from(i));
    }
}

fn write_value(o: &mut Out, a: &A, cx: &Ctx, variant: u64, view: View) {
    let h = cx.seed ^ fnv(a.0);
    match a.1 {
        V::S(s) => o.js(s),
        V::P(opts) => o.js(opts[((h >> 7).wrapping_add(variant) % opts.len() as u64) as usize]),
        V::Id(prefix) => {
            o.c('"');
            o.s(prefix);
            o.c('0');
            o.hex_digits(splitmix(h), 16);
            o.c('"');
        }
        V::Arn(svc, res) => {
            o.s("\"arn:aws:");
            o.s(svc);
            o.c(':');
            o.s(cx.region);
            o.s(":123456789012:");
            o.s(res);
            o.hex_digits(splitmix(h), 16);
            o.c('"');
        }
        V::Name(suffix) => {
            o.c('"');
            write_name(o, cx, suffix);
            o.c('"');
        }
        V::Dns(suffix) => {
            o.c('"');
            write_name(o, cx, "x");
            o.c('-');
            o.hex_digits(splitmix(h), 8);
            o.c('.');
            o.s(cx.region);
            o.c('.');
            o.s(suffix);
            o.c('"');
        }
        V::B(b) => o.s(if b { "true" } else { "false" }),
        V::I(base, spread) => {
            o.i(base + ((h >> 3).wrapping_add(variant) % spread.max(1) as u64) as i64)
        }
        V::Null => o.s("null"),
        V::L(items) => {
            o.c('[');
            for (k, it) in items.iter().enumerate() {
                if k > 0 {
                    o.c(',');
                }
                o.js(it);
            }
            o.c(']');
        }
        V::Ids(prefix, n) => {
            o.c('[');
            for k in 0..u64::from(n) {
                if k > 0 {
                    o.c(',');
                }
                o.c('"');
                o.s(prefix);
                o.c('0');
                o.hex_digits(splitmix(h.wrapping_add(k)), 16);
                o.c('"');
            }
            o.c(']');
        }
        V::EmptyMap => o.s("{}"),
        V::Blk(inner) => {
            o.c('[');
            let sub = Ctx {
                seed: h,
                region: cx.region,
                env: cx.env,
                app: cx.app,
                suffix_index: cx.suffix_index,
                variant,
            };
            write_values(o, inner, &sub, view);
            o.c(']');
        }
        V::M(pairs) => {
            o.c('{');
            for (k, (key, val)) in pairs.iter().enumerate() {
                if k > 0 {
                    o.c(',');
                }
                o.js(key);
                o.c(':');
                o.js(val);
            }
            o.c('}');
        }
        V::Tags => write_tags(o, cx),
        V::Json(raw) => o.s(raw),
        V::Cidr => {
            o.s("\"10.");
            o.u((h >> 8) & 0xff);
            o.c('.');
            o.u(h & 0xff);
            o.s(".0/24\"");
        }
        V::Ip => {
            o.s("\"10.");
            o.u((h >> 16) & 0xff);
            o.c('.');
            o.u((h >> 8) & 0xff);
            o.c('.');
            o.u(h & 0xff);
            o.c('"');
        }
        V::Az => {
            o.c('"');
            o.s(cx.region);
            o.c((b'a' + (h % 3) as u8) as char);
            o.c('"');
        }
        V::Sha1 => {
            o.c('"');
            o.hex_digits(splitmix(h.wrapping_add(variant)), 16);
            o.hex_digits(splitmix(h ^ 0x55), 16);
            o.hex_digits(splitmix(h ^ 0xaa), 8);
            o.c('"');
        }
        V::Secret => {
            o.c('"');
            o.hex_digits(splitmix(h.wrapping_add(variant)), 16);
            o.c('"');
        }
    }
}

fn write_tags(o: &mut Out, cx: &Ctx) {
    const TEAMS: [&str; 5] = ["platform", "payments", "search", "identity", "data"];
    o.s("{\"Name\":\"");
    write_name(o, cx, "res");
    o.s("\",\"environment\":");
    o.js(cx.env);
    o.s(",\"revision\":\"r");
    o.u(100 + (cx.seed >> 40) % 800 + cx.variant);
    o.s("\",\"team\":\"");
    o.s(TEAMS[(cx.seed % 5) as usize]);
    o.s("\"}");
}

/// `before_sensitive`/`after_sensitive`/`sensitive_values`: `true` at sensitive leaves,
/// empty containers mirroring collections, scalars omitted.
fn write_sensitive_shape(o: &mut Out, attrs: &[A], view: View) {
    o.c('{');
    let mut first = true;
    let mut sep = |o: &mut Out| {
        if !first {
            o.c(',');
        }
        first = false;
    };
    for a in attrs {
        if view == View::Planned && a.2 & C != 0 {
            continue;
        }
        match a.1 {
            V::Secret => {
                sep(o);
                o.c('"');
                o.s(a.0);
                o.s("\":true");
            }
            V::Tags => {
                sep(o);
                o.s("\"tags\":{},\"tags_all\":{}");
            }
            V::EmptyMap | V::M(_) => {
                sep(o);
                o.c('"');
                o.s(a.0);
                o.s("\":{}");
            }
            V::L(items) => {
                sep(o);
                o.c('"');
                o.s(a.0);
                o.s("\":[");
                for k in 0..items.len() {
                    o.s(if k == 0 { "false" } else { ",false" });
                }
                o.c(']');
            }
            V::Ids(_, n) => {
                sep(o);
                o.c('"');
                o.s(a.0);
                o.s("\":[");
                for k in 0..n {
                    o.s(if k == 0 { "false" } else { ",false" });
                }
                o.c(']');
            }
            V::Blk(inner) => {
                sep(o);
                o.c('"');
                o.s(a.0);
                o.s("\":[");
                write_sensitive_shape(o, inner, view);
                o.c(']');
            }
            _ => {}
        }
    }
    o.c('}');
}

/// `after_unknown` of a create/replace: `true` at computed attributes, shapes elsewhere.
fn write_unknown_shape(o: &mut Out, attrs: &[A]) {
    o.c('{');
    let mut first = true;
    for a in attrs {
        let computed = a.2 & C != 0;
        let text: Option<&str> = match (computed, a.1) {
            (true, _) => Some("true"),
            (false, V::Tags) => {
                if !first {
                    o.c(',');
                }
                first = false;
                o.s("\"tags\":{},\"tags_all\":true");
                continue;
            }
            (false, V::Blk(inner)) => {
                if !first {
                    o.c(',');
                }
                first = false;
                o.c('"');
                o.s(a.0);
                o.s("\":[");
                write_unknown_shape(o, inner);
                o.c(']');
                continue;
            }
            (false, V::L(_) | V::Ids(..)) => Some("[]"),
            (false, V::EmptyMap | V::M(_)) => Some("{}"),
            _ => None,
        };
        if let Some(t) = text {
            if !first {
                o.c(',');
            }
            first = false;
            o.c('"');
            o.s(a.0);
            o.s("\":");
            o.s(t);
        }
    }
    o.c('}');
}

// ---------------------------------------------------------------------------------------
// Writing the plan

fn ctx_for<'a>(est: &'a Estate, r: &Res, variant: u64) -> Ctx<'a> {
    let m = &est.mods[r.module as usize];
    Ctx {
        seed: r.seed,
        region: region_of(m.env),
        env: if m.kind == Mk::Root {
            "global"
        } else {
            &est.env_keys[m.env as usize]
        },
        app: &m.app,
        suffix_index: r.index,
        variant,
    }
}

fn write_address(o: &mut Out, est: &Estate, r: &Res) {
    let m = &est.mods[r.module as usize];
    let c = &BLUEPRINT[r.cfg as usize];
    o.c('"');
    if !m.addr.is_empty() {
        o.raw_escaped(&m.addr);
        o.c('.');
    }
    if c.data {
        o.s("data.");
    }
    o.s(c.ty);
    o.c('.');
    o.s(c.name);
    if let Some(i) = r.index {
        o.c('[');
        o.u(u64::from(i));
        o.c(']');
    }
    o.c('"');
}

/// Common head of a resource object: address … provider_name.
fn write_resource_head(o: &mut Out, est: &Estate, r: &Res, with_module_address: bool) {
    let m = &est.mods[r.module as usize];
    let c = &BLUEPRINT[r.cfg as usize];
    o.s("{\"address\":");
    write_address(o, est, r);
    if with_module_address && !m.addr.is_empty() {
        o.s(",\"module_address\":");
        o.js(&m.addr);
    }
    o.s(if c.data {
        ",\"mode\":\"data\",\"type\":\""
    } else {
        ",\"mode\":\"managed\",\"type\":\""
    });
    o.s(c.ty);
    o.s("\",\"name\":\"");
    o.s(c.name);
    o.c('"');
    if let Some(i) = r.index {
        o.s(",\"index\":");
        o.u(u64::from(i));
    }
    o.s(",\"provider_name\":\"");
    o.s(PROVIDER);
    o.c('"');
}

fn write_resource_change(o: &mut Out, est: &Estate, r: &Res, stats: &mut Stats) {
    let c = &BLUEPRINT[r.cfg as usize];
    write_resource_head(o, est, r, true);
    let before = ctx_for(est, r, 0);
    let after = ctx_for(est, r, 1);
    o.s(",\"change\":{\"actions\":");
    let (actions, has_before, after_view) = match r.act {
        // Quiet data sources are skipped by the caller.
        Act::NoOp | Act::Quiet => (r#"["no-op"]"#, true, Some((View::Known, &before))),
        Act::Update => (r#"["update"]"#, true, Some((View::Known, &after))),
        Act::Create => (r#"["create"]"#, false, Some((View::Planned, &after))),
        Act::Read => (r#"["read"]"#, false, Some((View::Planned, &before))),
        Act::Replace if c.cbd => (
            r#"["create","delete"]"#,
            true,
            Some((View::Planned, &after)),
        ),
        Act::Replace => (
            r#"["delete","create"]"#,
            true,
            Some((View::Planned, &after)),
        ),
        Act::Delete => (r#"["delete"]"#, true, None),
    };
    match r.act {
        Act::NoOp | Act::Quiet => stats.no_op += 1,
        Act::Update => stats.update += 1,
        Act::Create => stats.create += 1,
        Act::Read => stats.read += 1,
        Act::Replace => stats.replace += 1,
        Act::Delete => stats.delete += 1,
    }
    stats.changes += 1;
    o.s(actions);
    o.s(",\"before\":");
    if has_before {
        write_values(o, c.attrs, &before, View::Known);
    } else {
        o.s("null");
    }
    o.s(",\"after\":");
    match after_view {
        Some((view, cx)) => write_values(o, c.attrs, cx, view),
        None => o.s("null"),
    }
    o.s(",\"after_unknown\":");
    match after_view {
        Some((View::Planned, _)) => write_unknown_shape(o, c.attrs),
        _ => o.s("{}"),
    }
    o.s(",\"before_sensitive\":");
    if has_before {
        write_sensitive_shape(o, c.attrs, View::Known);
    } else {
        o.s("false");
    }
    o.s(",\"after_sensitive\":");
    match after_view {
        Some((view, _)) => write_sensitive_shape(o, c.attrs, view),
        None => o.s("false"),
    }
    if r.act == Act::Replace && r.reason == Some(REPLACE_REASONS[0]) {
        o.s(",\"replace_paths\":");
        o.s(c.force);
    }
    o.c('}');
    if let Some(reason) = r.reason {
        o.s(",\"action_reason\":\"");
        o.s(reason);
        o.c('"');
    }
    o.c('}');
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Planned,
    Prior,
}

fn in_section(r: &Res, s: Section) -> bool {
    match s {
        Section::Planned => r.act != Act::Delete,
        Section::Prior => {
            // Not yet applied: new objects and data sources of new modules.
            r.act != Act::Create
                && (r.act != Act::Read || r.reason != Some("read_because_config_unknown"))
        }
    }
}

fn module_has_any(est: &Estate, m: u32, s: Section) -> bool {
    let mi = &est.mods[m as usize];
    mi.res.iter().any(|&r| in_section(&est.res[r as usize], s))
        || mi.children.iter().any(|&c| module_has_any(est, c, s))
}

fn write_values_module(o: &mut Out, est: &Estate, m: u32, s: Section) -> io::Result<()> {
    let mi = &est.mods[m as usize];
    o.c('{');
    let mut first = true;
    let mut any = false;
    for &ri in &mi.res {
        let r = &est.res[ri as usize];
        if !in_section(r, s) {
            continue;
        }
        let c = &BLUEPRINT[r.cfg as usize];
        o.s(if any { "," } else { "\"resources\":[" });
        any = true;
        write_resource_head(o, est, r, false);
        o.s(",\"schema_version\":");
        o.s(if c.ty == "aws_instance" || c.ty == "aws_db_instance" {
            "1"
        } else {
            "0"
        });
        o.s(",\"values\":");
        let (cx, view) = match (s, r.act) {
            (Section::Planned, Act::Update) => (ctx_for(est, r, 1), View::Known),
            (Section::Planned, Act::Create | Act::Replace | Act::Read) => {
                (ctx_for(est, r, 1), View::Planned)
            }
            _ => (ctx_for(est, r, 0), View::Known),
        };
        write_values(o, c.attrs, &cx, view);
        o.s(",\"sensitive_values\":");
        write_sensitive_shape(o, c.attrs, view);
        if s == Section::Prior {
            let deps = &est.depends_json[r.cfg as usize];
            if !deps.is_empty() {
                o.s(",\"depends_on\":");
                o.s(deps);
            }
        }
        o.c('}');
        o.maybe_flush()?;
    }
    if any {
        o.c(']');
        first = false;
    }
    if !mi.addr.is_empty() {
        if !first {
            o.c(',');
        }
        first = false;
        o.s("\"address\":");
        o.js(&mi.addr);
    }
    let mut open = false;
    for &ch in &mi.children {
        if !module_has_any(est, ch, s) {
            continue;
        }
        if !open {
            if !first {
                o.c(',');
            }
            o.s("\"child_modules\":[");
            open = true;
        } else {
            o.c(',');
        }
        write_values_module(o, est, ch, s)?;
    }
    if open {
        o.c(']');
    }
    o.c('}');
    Ok(())
}

fn write_config_module(o: &mut Out, m: Mk) {
    let (outputs, variables) = module_config_extra(m);
    o.c('{');
    o.s(outputs);
    let mut first = true;
    for c in BLUEPRINT.iter().filter(|c| c.module == m) {
        o.s(if first { ",\"resources\":[" } else { "," });
        first = false;
        o.s("{\"address\":\"");
        if c.data {
            o.s("data.");
        }
        o.s(c.ty);
        o.c('.');
        o.s(c.name);
        o.s(if c.data {
            "\",\"mode\":\"data\",\"type\":\""
        } else {
            "\",\"mode\":\"managed\",\"type\":\""
        });
        o.s(c.ty);
        o.s("\",\"name\":\"");
        o.s(c.name);
        o.s("\",\"provider_config_key\":\"aws\",\"expressions\":");
        o.s(c.exprs);
        o.s(",\"schema_version\":0");
        if c.count != 0 {
            o.s(",\"count_expression\":");
            o.s(c.count_expr);
        }
        if !c.depends_on.is_empty() {
            o.s(",\"depends_on\":");
            o.s(c.depends_on);
        }
        o.c('}');
    }
    if !first {
        o.c(']');
    }
    match m {
        Mk::Root => {
            o.c(',');
            o.s(ENV_CALL);
            write_config_module(o, Mk::Env);
            o.s("}}");
        }
        Mk::Env => {
            o.s(",\"module_calls\":{");
            o.s(APP_CALL);
            write_config_module(o, Mk::App);
            o.s("},");
            o.s(DB_CALL);
            write_config_module(o, Mk::Db);
            o.s("},");
            o.s(NET_CALL);
            write_config_module(o, Mk::Net);
            o.s("}}");
        }
        _ => {}
    }
    o.c(',');
    o.s(variables);
    o.c('}');
}

/// Write a Terraform plan (`terraform show -json` shape, format 1.2) to `w`.
pub fn write_terraform_plan(w: &mut dyn Write, opts: &TfOptions) -> io::Result<Stats> {
    let est = build_estate(opts);
    let mut stats = Stats {
        resources: est.res.len(),
        ..Stats::default()
    };
    let mass = opts.scenario == Scenario::MassReplace;
    let mut o = Out::new(w);
    o.s("{\"format_version\":\"1.2\",\"terraform_version\":\"1.9.8\",\"variables\":{\"db_password\":{\"value\":\"not-a-real-password\"},\"environments\":{\"value\":{");
    for (e, key) in est.env_keys.iter().enumerate() {
        if e > 0 {
            o.c(',');
        }
        o.js(key);
        o.s(":{\"apps\":{");
        let env_mod = est.mods[0].children[e] as usize;
        let mut first = true;
        for &ch in &est.mods[env_mod].children {
            let chm = &est.mods[ch as usize];
            if chm.kind != Mk::App {
                continue;
            }
            if !first {
                o.c(',');
            }
            first = false;
            o.js(&chm.app);
            o.s(":{\"instances\":");
            o.u(u64::from(INSTANCES_PER_APP));
            o.c('}');
        }
        o.s("},\"cidr\":\"10.");
        o.u(e as u64 % 256);
        o.s(".0.0/16\"}");
        o.maybe_flush()?;
    }
    o.s("}},\"flag_count\":{\"value\":");
    o.u(u64::from(est.flag_count));
    o.s("},\"flags\":{\"value\":[]}}");

    // planned_values
    o.s(",\"planned_values\":{\"outputs\":{\"vpc_ids\":{\"sensitive\":false},\"zone_id\":{\"sensitive\":false,\"type\":\"string\",\"value\":\"Z0123456789ABCDEFGHIJ\"}},\"root_module\":");
    write_values_module(&mut o, &est, 0, Section::Planned)?;
    o.c('}');

    // resource_changes
    o.s(",\"resource_changes\":[");
    let mut first = true;
    for r in &est.res {
        if r.act == Act::Quiet {
            continue;
        }
        if !first {
            o.c(',');
        }
        first = false;
        write_resource_change(&mut o, &est, r, &mut stats);
        o.maybe_flush()?;
    }
    o.c(']');

    // output_changes
    o.s(",\"output_changes\":{\"vpc_ids\":{\"actions\":[\"");
    o.s(if mass { "update" } else { "no-op" });
    o.s("\"],\"before\":{},\"after\":");
    o.s(if mass {
        "null,\"after_unknown\":true"
    } else {
        "{},\"after_unknown\":false"
    });
    o.s(",\"before_sensitive\":false,\"after_sensitive\":false},\"zone_id\":{\"actions\":[\"no-op\"],\"before\":\"Z0123456789ABCDEFGHIJ\",\"after\":\"Z0123456789ABCDEFGHIJ\",\"after_unknown\":false,\"before_sensitive\":false,\"after_sensitive\":false}}");

    // prior_state
    o.s(",\"prior_state\":{\"format_version\":\"1.0\",\"terraform_version\":\"1.9.8\",\"values\":{\"outputs\":{\"vpc_ids\":{\"sensitive\":false,\"value\":{},\"type\":[\"object\",{}]},\"zone_id\":{\"sensitive\":false,\"value\":\"Z0123456789ABCDEFGHIJ\",\"type\":\"string\"}},\"root_module\":");
    write_values_module(&mut o, &est, 0, Section::Prior)?;
    o.s("}}");

    // configuration
    o.s(",\"configuration\":{\"provider_config\":{\"aws\":{\"name\":\"aws\",\"full_name\":\"");
    o.s(PROVIDER);
    o.s("\",\"version_constraint\":\"~> 5.0\",\"expressions\":{\"region\":{\"constant_value\":\"us-east-1\"}}}},\"root_module\":");
    write_config_module(&mut o, Mk::Root);
    o.c('}');

    o.s(",\"timestamp\":\"2025-06-01T12:00:00Z\",\"applyable\":true,\"complete\":true,\"errored\":false}\n");
    stats.bytes = o.finish()?;
    Ok(stats)
}

/// The plan as a `String` (tests and small sizes).
pub fn terraform_plan_string(opts: &TfOptions) -> String {
    let mut v = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_terraform_plan(&mut v, opts);
    String::from_utf8(v).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// CloudFormation: `describe-change-set` output and the deployed ("before") template

#[derive(Debug, Clone, Copy)]
pub struct CfnOptions {
    /// Entries in `Changes`.
    pub changes: usize,
    pub seed: u64,
}

/// One group of resources: a VPC and what lives in it, 15 resources.
const GROUP: [(&str, &str, &str); 15] = [
    ("Vpc", "AWS::EC2::VPC", "vpc-0"),
    ("SubnetA", "AWS::EC2::Subnet", "subnet-0"),
    ("SubnetB", "AWS::EC2::Subnet", "subnet-0"),
    ("Sg", "AWS::EC2::SecurityGroup", "sg-0"),
    (
        "Lb",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/lb/",
    ),
    (
        "Tg",
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/",
    ),
    (
        "Listener",
        "AWS::ElasticLoadBalancingV2::Listener",
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lb/",
    ),
    ("Inst0", "AWS::EC2::Instance", "i-0"),
    ("Inst1", "AWS::EC2::Instance", "i-0"),
    ("Inst2", "AWS::EC2::Instance", "i-0"),
    ("DbSubnets", "AWS::RDS::DBSubnetGroup", "dbsubnets-"),
    ("Db", "AWS::RDS::DBInstance", "db-"),
    ("Record", "AWS::Route53::RecordSet", "rec-"),
    (
        "Queue",
        "AWS::SQS::Queue",
        "https://sqs.us-east-1.amazonaws.com/123456789012/q-",
    ),
    ("Alarm", "AWS::CloudWatch::Alarm", "alarm-"),
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum GroupMode {
    /// New CIDR: the VPC is replaced and the replacement cascades through references.
    Replace,
    /// The group left the template.
    Remove,
    /// A new group.
    Add,
    /// A few in-place modifications.
    Light,
}

/// Group modes, shared by the change-set and template writers so they agree.
fn cfn_groups(opts: &CfnOptions) -> Vec<(GroupMode, usize)> {
    let mut rng = XorShift::new(opts.seed ^ 0xCF);
    let mut out = Vec::new();
    let mut left = opts.changes;
    while left > 0 {
        let mode = match rng.below(100) {
            0..=24 => GroupMode::Replace,
            25..=32 => GroupMode::Remove,
            33..=40 => GroupMode::Add,
            _ => GroupMode::Light,
        };
        let n = group_changes(mode).len().min(left);
        left -= n;
        out.push((mode, n));
    }
    out
}

/// (member index, Action, Replacement, details) for each change of a group.
type Detail = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

fn group_changes(
    mode: GroupMode,
) -> Vec<(usize, &'static str, Option<&'static str>, &'static [Detail])> {
    // Detail = (Name, RequiresRecreation, Evaluation, ChangeSource, CausingEntity member)
    const VPC: &[Detail] = &[("CidrBlock", "Always", "Static", "DirectModification", None)];
    const SUBNET: &[Detail] = &[
        ("VpcId", "Always", "Dynamic", "DirectModification", None),
        (
            "VpcId",
            "Always",
            "Static",
            "ResourceReference",
            Some("Vpc"),
        ),
    ];
    const SG: &[Detail] = &[(
        "VpcId",
        "Always",
        "Static",
        "ResourceReference",
        Some("Vpc"),
    )];
    const LB: &[Detail] = &[
        (
            "Subnets",
            "Never",
            "Static",
            "ResourceReference",
            Some("SubnetA"),
        ),
        (
            "SecurityGroups",
            "Never",
            "Static",
            "ResourceAttribute",
            Some("Sg.GroupId"),
        ),
    ];
    const TG: &[Detail] = &[(
        "VpcId",
        "Always",
        "Static",
        "ResourceReference",
        Some("Vpc"),
    )];
    const LISTENER: &[Detail] = &[(
        "DefaultActions",
        "Never",
        "Static",
        "ResourceReference",
        Some("Tg"),
    )];
    const INST: &[Detail] = &[
        (
            "SubnetId",
            "Always",
            "Static",
            "ResourceReference",
            Some("SubnetA"),
        ),
        (
            "SecurityGroupIds",
            "Conditionally",
            "Dynamic",
            "ResourceAttribute",
            Some("Sg.GroupId"),
        ),
    ];
    const DBSUB: &[Detail] = &[(
        "SubnetIds",
        "Conditionally",
        "Dynamic",
        "ResourceReference",
        Some("SubnetA"),
    )];
    const DB: &[Detail] = &[
        (
            "DBSubnetGroupName",
            "Conditionally",
            "Dynamic",
            "ResourceReference",
            Some("DbSubnets"),
        ),
        (
            "VPCSecurityGroups",
            "Never",
            "Static",
            "ResourceAttribute",
            Some("Sg.GroupId"),
        ),
    ];
    const RECORD: &[Detail] = &[(
        "AliasTarget",
        "Never",
        "Static",
        "ResourceAttribute",
        Some("Lb.DNSName"),
    )];
    const TAGS: &[Detail] = &[("Tags", "Never", "Static", "DirectModification", None)];
    const THRESHOLD: &[Detail] = &[("Threshold", "Never", "Static", "DirectModification", None)];
    const VISIBILITY: &[Detail] = &[(
        "VisibilityTimeout",
        "Never",
        "Static",
        "DirectModification",
        None,
    )];
    match mode {
        GroupMode::Replace => vec![
            (0, "Modify", Some("True"), VPC),
            (1, "Modify", Some("True"), SUBNET),
            (2, "Modify", Some("True"), SUBNET),
            (3, "Modify", Some("True"), SG),
            (4, "Modify", Some("False"), LB),
            (5, "Modify", Some("True"), TG),
            (6, "Modify", Some("False"), LISTENER),
            (7, "Modify", Some("True"), INST),
            (8, "Modify", Some("True"), INST),
            (9, "Modify", Some("True"), INST),
            (10, "Modify", Some("Conditional"), DBSUB),
            (11, "Modify", Some("Conditional"), DB),
            (12, "Modify", Some("False"), RECORD),
        ],
        GroupMode::Remove => (0..GROUP.len())
            .map(|i| (i, "Remove", None, &[] as &[Detail]))
            .collect(),
        GroupMode::Add => (0..GROUP.len())
            .map(|i| (i, "Add", None, &[] as &[Detail]))
            .collect(),
        GroupMode::Light => vec![
            (7, "Modify", Some("False"), TAGS),
            (13, "Modify", Some("False"), VISIBILITY),
            (14, "Modify", Some("False"), THRESHOLD),
        ],
    }
}

fn lid(o: &mut Out, g: usize, base: &str) {
    o.c('G');
    o.u(g as u64);
    o.s(base);
}

fn policy_action(base: &str, action: &str, replacement: Option<&str>) -> Option<&'static str> {
    match (action, replacement) {
        ("Remove", _) => Some(match base {
            "Db" => "Snapshot",
            "Queue" => "Retain",
            _ => "Delete",
        }),
        ("Modify", Some("True" | "Conditional")) => Some(if base == "Db" {
            "ReplaceAndSnapshot"
        } else {
            "ReplaceAndDelete"
        }),
        _ => None,
    }
}

/// Write `aws cloudformation describe-change-set --output json` for a synthetic estate.
pub fn write_cfn_change_set(w: &mut dyn Write, opts: &CfnOptions) -> io::Result<Stats> {
    let groups = cfn_groups(opts);
    let mut stats = Stats::default();
    let mut o = Out::new(w);
    o.s(r#"{"ChangeSetName":"planguard-bench","ChangeSetId":"arn:aws:cloudformation:us-east-1:123456789012:changeSet/planguard-bench/0b1c2d3e-0000-4000-8000-000000000001","StackId":"arn:aws:cloudformation:us-east-1:123456789012:stack/bench-estate/0b1c2d3e-0000-4000-8000-000000000002","StackName":"bench-estate","Description":"synthetic change set for the planguard benchmark","Parameters":[{"ParameterKey":"HostedZoneId","ParameterValue":"Z0123456789ABCDEFGHIJ"},{"ParameterKey":"ImageId","ParameterValue":"ami-0c55b159cbfafe1f0"}],"CreationTime":"2025-06-01T12:00:00.000000+00:00","ExecutionStatus":"AVAILABLE","Status":"CREATE_COMPLETE","NotificationARNs":[],"RollbackConfiguration":{},"Capabilities":["CAPABILITY_IAM"],"Tags":[],"Changes":["#);
    let mut first = true;
    for (g, &(mode, n)) in groups.iter().enumerate() {
        for &(mi, action, replacement, details) in group_changes(mode).iter().take(n) {
            let (base, ty, phys) = GROUP[mi];
            if !first {
                o.c(',');
            }
            first = false;
            o.s(r#"{"Type":"Resource","ResourceChange":{"Action":""#);
            o.s(action);
            o.s(r#"","LogicalResourceId":""#);
            lid(&mut o, g, base);
            o.c('"');
            if action != "Add" {
                o.s(r#","PhysicalResourceId":""#);
                o.s(phys);
                o.hex_digits(splitmix((g * 31 + mi) as u64), 16);
                o.c('"');
            }
            o.s(r#","ResourceType":""#);
            o.s(ty);
            o.c('"');
            if let Some(rep) = replacement {
                o.s(r#","Replacement":""#);
                o.s(rep);
                o.c('"');
            }
            if let Some(pa) = policy_action(base, action, replacement) {
                o.s(r#","PolicyAction":""#);
                o.s(pa);
                o.c('"');
            }
            o.s(r#","Scope":["#);
            if !details.is_empty() {
                o.s(r#""Properties""#);
            }
            o.s(r#"],"Details":["#);
            for (k, &(name, rr, eval, source, causing)) in details.iter().enumerate() {
                if k > 0 {
                    o.c(',');
                }
                o.s(r#"{"Target":{"Attribute":"Properties","Name":""#);
                o.s(name);
                o.s(r#"","RequiresRecreation":""#);
                o.s(rr);
                o.s(r#""},"Evaluation":""#);
                o.s(eval);
                o.s(r#"","ChangeSource":""#);
                o.s(source);
                o.c('"');
                if let Some(c) = causing {
                    o.s(r#","CausingEntity":""#);
                    lid(&mut o, g, c);
                    o.c('"');
                }
                o.c('}');
            }
            o.s("]}}");
            stats.changes += 1;
            match (action, replacement) {
                ("Add", _) => stats.create += 1,
                ("Remove", _) => stats.delete += 1,
                (_, Some("True" | "Conditional")) => stats.replace += 1,
                _ => stats.update += 1,
            }
            o.maybe_flush()?;
        }
    }
    o.s("],\"IncludeNestedStacks\":false}\n");
    stats.resources = stats.changes;
    stats.bytes = o.finish()?;
    Ok(stats)
}

/// Write the deployed template of the same estate (every group except the added ones):
/// `Ref`, `Fn::GetAtt`, `Fn::Sub` and `DependsOn` edges.
pub fn write_cfn_template(w: &mut dyn Write, opts: &CfnOptions) -> io::Result<u64> {
    let groups = cfn_groups(opts);
    let mut o = Out::new(w);
    o.s(r#"{"AWSTemplateFormatVersion":"2010-09-09","Description":"synthetic estate for the planguard benchmark","Parameters":{"HostedZoneId":{"Type":"AWS::Route53::HostedZone::Id"},"ImageId":{"Type":"AWS::EC2::Image::Id","Default":"ami-0c55b159cbfafe1f0"}},"Resources":{"#);
    let mut first = true;
    for (g, &(mode, _)) in groups.iter().enumerate() {
        if mode == GroupMode::Add {
            continue;
        }
        for (base, ty, _) in GROUP {
            if !first {
                o.c(',');
            }
            first = false;
            o.c('"');
            lid(&mut o, g, base);
            o.s(r#"":{"Type":""#);
            o.s(ty);
            o.s(r#"","Properties":"#);
            let r = |o: &mut Out, b: &str| {
                o.s(r#"{"Ref":""#);
                lid(o, g, b);
                o.s(r#""}"#);
            };
            let ga = |o: &mut Out, b: &str, attr: &str| {
                o.s(r#"{"Fn::GetAtt":[""#);
                lid(o, g, b);
                o.s(r#"",""#);
                o.s(attr);
                o.s(r#""]}"#);
            };
            match base {
                "Vpc" => {
                    o.s(r#"{"CidrBlock":"10."#);
                    o.u(g as u64 % 256);
                    o.s(r#".0.0/16","EnableDnsHostnames":true,"EnableDnsSupport":true,"Tags":[{"Key":"Name","Value":{"Fn::Sub":"${AWS::StackName}-vpc"}}]}"#);
                }
                "SubnetA" | "SubnetB" => {
                    o.s(r#"{"VpcId":"#);
                    r(&mut o, "Vpc");
                    o.s(r#","CidrBlock":"10."#);
                    o.u(g as u64 % 256);
                    o.s(if base == "SubnetA" {
                        ".1.0/24\""
                    } else {
                        ".2.0/24\""
                    });
                    o.s(r#","AvailabilityZone":{"Fn::Select":[0,{"Fn::GetAZs":""}]}}"#);
                }
                "Sg" => {
                    o.s(r#"{"GroupDescription":"app traffic","VpcId":"#);
                    r(&mut o, "Vpc");
                    o.s(r#","SecurityGroupIngress":[{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"CidrIp":"10.0.0.0/8"}]}"#);
                }
                "Lb" => {
                    o.s(r#"{"Type":"application","Scheme":"internal","Subnets":["#);
                    r(&mut o, "SubnetA");
                    o.c(',');
                    r(&mut o, "SubnetB");
                    o.s(r#"],"SecurityGroups":["#);
                    ga(&mut o, "Sg", "GroupId");
                    o.s("]}");
                }
                "Tg" => {
                    o.s(r#"{"Port":8080,"Protocol":"HTTP","VpcId":"#);
                    r(&mut o, "Vpc");
                    o.s(r#","Targets":["#);
                    for k in 0..3 {
                        if k > 0 {
                            o.c(',');
                        }
                        o.s(r#"{"Id":"#);
                        r(&mut o, ["Inst0", "Inst1", "Inst2"][k]);
                        o.c('}');
                    }
                    o.s("]}");
                }
                "Listener" => {
                    o.s(r#"{"LoadBalancerArn":"#);
                    r(&mut o, "Lb");
                    o.s(r#","Port":443,"Protocol":"HTTPS","DefaultActions":[{"Type":"forward","TargetGroupArn":"#);
                    r(&mut o, "Tg");
                    o.s("}]}");
                }
                "Inst0" | "Inst1" | "Inst2" => {
                    o.s(r#"{"ImageId":{"Ref":"ImageId"},"InstanceType":"t3.medium","SubnetId":"#);
                    r(&mut o, "SubnetA");
                    o.s(r#","SecurityGroupIds":["#);
                    ga(&mut o, "Sg", "GroupId");
                    o.s(r##"],"UserData":{"Fn::Base64":{"Fn::Sub":"#!/bin/sh\necho DB=${G"##);
                    o.u(g as u64);
                    o.s(r#"Db.Endpoint.Address} > /etc/app.env\n"}}}"#);
                }
                "DbSubnets" => {
                    o.s(r#"{"DBSubnetGroupDescription":"db","SubnetIds":["#);
                    r(&mut o, "SubnetA");
                    o.c(',');
                    r(&mut o, "SubnetB");
                    o.s("]}");
                }
                "Db" => {
                    o.s(r#"{"Engine":"postgres","DBInstanceClass":"db.r6g.large","AllocatedStorage":"100","DBSubnetGroupName":"#);
                    r(&mut o, "DbSubnets");
                    o.s(r#","VPCSecurityGroups":["#);
                    ga(&mut o, "Sg", "GroupId");
                    o.s(r#"],"MasterUsername":"app_admin","ManageMasterUserPassword":true}"#);
                }
                "Record" => {
                    o.s(r#"{"HostedZoneId":{"Ref":"HostedZoneId"},"Name":{"Fn::Sub":"g"#);
                    o.u(g as u64);
                    o.s(r#".example.internal."},"Type":"A","AliasTarget":{"DNSName":"#);
                    ga(&mut o, "Lb", "DNSName");
                    o.s(r#","HostedZoneId":"#);
                    ga(&mut o, "Lb", "CanonicalHostedZoneID");
                    o.s("}}");
                }
                "Queue" => o.s(r#"{"VisibilityTimeout":60,"MessageRetentionPeriod":345600}"#),
                _ => {
                    o.s(r#"{"Namespace":"AWS/SQS","MetricName":"ApproximateAgeOfOldestMessage","Statistic":"Maximum","Period":300,"EvaluationPeriods":2,"Threshold":600,"ComparisonOperator":"GreaterThanThreshold","Dimensions":[{"Name":"QueueName","Value":"#);
                    ga(&mut o, "Queue", "QueueName");
                    o.s("}]}");
                }
            }
            match base {
                "Db" => o.s(r#","DeletionPolicy":"Snapshot","UpdateReplacePolicy":"Snapshot""#),
                "Queue" => o.s(r#","DeletionPolicy":"Retain""#),
                "Record" => {
                    o.s(r#","DependsOn":[""#);
                    lid(&mut o, g, "Listener");
                    o.s(r#""]"#);
                }
                _ => {}
            }
            o.c('}');
            o.maybe_flush()?;
        }
    }
    o.s("}}\n");
    o.finish()
}
