//! The JSON report, `schema_version` 1: a public contract (additive changes only).
//!
//! Fields and their meaning are defined in DESIGN.md and `docs/json-report.md`. Beyond the
//! DESIGN fields this adds (additively): per-change `mode`, `provider`, `deposed`,
//! `moved_from`, `importing`, `mitigation`, `raw_actions`; top-level `root_causes`, `drift`,
//! `output_changes`, `notes`, `incomplete`, `waivers`, and summary counts of the estate.

use super::Report;
use crate::analysis::Analysis;
use crate::model::Action;
use crate::policy::rule::Severity;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    #[serde(flatten)]
    actions: BTreeMap<&'static str, usize>,
    findings: BTreeMap<&'static str, usize>,
    waived: usize,
    managed_existing: usize,
    managed_destroyed: usize,
    root_causes: usize,
}

pub fn render(r: &Report<'_>) -> String {
    let mut out = Vec::new();
    match write(r, &mut out) {
        Ok(()) => String::from_utf8(out)
            .unwrap_or_else(|e| format!("{{\"error\": \"report is not UTF-8: {e}\"}}\n")),
        Err(e) => format!("{{\"error\": \"cannot serialise report: {e}\"}}\n"),
    }
}

/// Stream the report into `w` (a file or stdout): a large report is never held in memory.
///
/// The layout is `serde_json`'s pretty printer (two-space indent), written by hand at the
/// top level and for `changes`, and by serde for every other value: a mass replacement lists
/// millions of dependents, and writing each pre-escaped address with one copy instead of a
/// dozen small formatter calls is most of the report's cost.
pub fn write(r: &Report<'_>, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let a = r.analysis;
    let e = r.evaluation;
    let mut actions = BTreeMap::new();
    for act in Action::ALL {
        let n = a.summary.counts.get(&act).copied().unwrap_or(0);
        // The seven DESIGN counts are always present; CloudFormation-only ones when used.
        if n > 0 || !matches!(act, Action::Import | Action::Dynamic) {
            actions.insert(act.as_str(), n);
        }
    }
    let findings: BTreeMap<&str, usize> = Severity::ALL
        .into_iter()
        .map(|s| (s.as_str(), e.count(s)))
        .collect();
    let summary = Summary {
        actions,
        findings,
        waived: e.findings.iter().filter(|f| f.waived).count(),
        managed_existing: a.summary.managed_existing,
        managed_destroyed: a.summary.managed_destroyed,
        root_causes: a.summary.root_causes,
    };
    let root_causes: Vec<String> = a
        .root_causes()
        .map(|d| a.node(d.node).display_address())
        .collect();

    // Buffered here, whatever `w` is: every write below is small.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, w);
    let mut top = Object::begin(&mut out, 0)?;
    top.field("schema_version", &SCHEMA_VERSION)?;
    top.field(
        "tool",
        &Tool {
            name: "planguard",
            version: env!("CARGO_PKG_VERSION"),
        },
    )?;
    top.field("verdict", &e.verdict)?;
    top.field("fail_on", &e.fail_on)?;
    top.field("inputs", &a.inputs)?;
    top.field("summary", &summary)?;
    top.key("changes")?;
    write_changes(top.out, a, 1)?;
    top.key("findings")?;
    write_findings(top.out, &e.findings, 1)?;
    top.field("root_causes", &root_causes)?;
    top.field("drift", &a.drift)?;
    top.field("output_changes", &a.outputs)?;
    top.field("notes", &a.notes)?;
    top.field("incomplete", &a.incomplete)?;
    top.field("waivers", &e.waivers)?;
    top.end()?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Every change except no-ops, sorted by address, as an array at nesting `level`.
fn write_changes<W: Write>(out: &mut W, a: &Analysis, level: usize) -> std::io::Result<()> {
    let mut names = QuotedNames::new(a);
    out.write_all(b"[")?;
    let mut first = true;
    for (i, n) in a.nodes_by_address() {
        let Some(c) = n.change.as_ref().filter(|_| n.is_changing()) else {
            continue;
        };
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        indent(out, level + 1)?;
        let d = if n.is_destructive() {
            a.destructive_of(i)
        } else {
            None
        };
        let mut o = Object::begin(out, level + 1)?;
        o.str("address", &n.address)?;
        o.str("type", &n.resource_type)?;
        o.field("mode", &n.mode)?;
        if let Some(p) = &n.provider {
            o.str("provider", p)?;
        }
        if let Some(k) = &n.deposed {
            o.str("deposed", k)?;
        }
        o.field("action", &c.action)?;
        o.strs("raw_actions", &c.raw_actions)?;
        o.field("replace_order", &c.replace_order)?;
        o.field("certainty", &c.certainty)?;
        o.strs("reasons", &c.reasons)?;
        o.strs("forced_by", &c.forced_by)?;
        if let Some(m) = &c.moved_from {
            o.str("moved_from", m)?;
        }
        o.field("importing", &c.importing)?;
        if let Some(m) = &c.mitigation {
            o.str("mitigation", m)?;
        }
        o.key("root_cause")?;
        match d.and_then(|d| d.root_cause) {
            Some(rc) => o.out.write_all(names.quoted(rc)?)?,
            None => o.out.write_all(b"null")?,
        }
        if let Some(d) = d {
            o.key("blast_radius")?;
            let mut b = Object::begin(&mut *o.out, level + 2)?;
            b.key("dependents")?;
            names.write_list(&mut *b.out, d.dependents(a), level + 3)?;
            b.key("changing")?;
            names.write_list(&mut *b.out, d.changing().iter().copied(), level + 3)?;
            b.key("unchanged")?;
            names.write_list(&mut *b.out, d.unchanged().iter().copied(), level + 3)?;
            b.end()?;
        }
        o.end()?;
    }
    close(out, level, !first, b"]")
}

/// The findings as an array at nesting `level`, as serde would write them (a mass
/// replacement has tens of thousands).
fn write_findings<W: Write>(
    out: &mut W,
    findings: &[crate::policy::Finding],
    level: usize,
) -> std::io::Result<()> {
    out.write_all(b"[")?;
    for (k, f) in findings.iter().enumerate() {
        out.write_all(if k == 0 { b"\n" } else { b",\n" })?;
        indent(out, level + 1)?;
        let mut o = Object::begin(out, level + 1)?;
        o.str("rule_id", &f.rule_id)?;
        o.field("severity", &f.severity)?;
        o.key("address")?;
        match &f.address {
            Some(a) => write_str(&mut *o.out, a)?,
            None => o.out.write_all(b"null")?,
        }
        o.str("message", &f.message)?;
        o.field("waived", &f.waived)?;
        if let Some(w) = &f.waiver {
            o.field("waiver", w)?;
        }
        o.end()?;
    }
    close(out, level, !findings.is_empty(), b"]")
}

/// Each node's display address as a JSON string literal, escaped once and reused for every
/// list it appears in.
struct QuotedNames<'a> {
    analysis: &'a Analysis,
    span: Vec<Option<(u32, u32)>>,
    bytes: Vec<u8>,
}

impl<'a> QuotedNames<'a> {
    fn new(analysis: &'a Analysis) -> QuotedNames<'a> {
        QuotedNames {
            analysis,
            span: vec![None; analysis.nodes.len()],
            bytes: Vec::new(),
        }
    }

    fn quoted(&mut self, i: u32) -> std::io::Result<&[u8]> {
        let (start, len) = match self.span[i as usize] {
            Some(s) => s,
            None => {
                let start = self.bytes.len();
                let n = self.analysis.node(i);
                match &n.deposed {
                    None => write_str(&mut self.bytes, &n.address)?,
                    Some(_) => write_str(&mut self.bytes, &n.display_address())?,
                }
                let s = (start as u32, (self.bytes.len() - start) as u32);
                self.span[i as usize] = Some(s);
                s
            }
        };
        Ok(&self.bytes[start as usize..(start + len) as usize])
    }

    /// An array of node addresses at nesting `level`.
    fn write_list<W: Write>(
        &mut self,
        out: &mut W,
        nodes: impl Iterator<Item = u32>,
        level: usize,
    ) -> std::io::Result<()> {
        let mut separator = b",\n".to_vec();
        separator.extend(std::iter::repeat_n(b' ', 2 * (level + 1)));
        out.write_all(b"[")?;
        let mut first = true;
        for i in nodes {
            out.write_all(if first { &separator[1..] } else { &separator })?;
            first = false;
            out.write_all(self.quoted(i)?)?;
        }
        close(out, level, !first, b"]")
    }
}

/// End an array or object at nesting `level`: on its own line if it has members, as the
/// pretty printer does (`[]`, `{}` when empty).
fn close<W: ?Sized + Write>(
    out: &mut W,
    level: usize,
    has_members: bool,
    bracket: &[u8],
) -> std::io::Result<()> {
    if has_members {
        out.write_all(b"\n")?;
        indent(out, level)?;
    }
    out.write_all(bracket)
}

fn indent<W: ?Sized + Write>(out: &mut W, level: usize) -> std::io::Result<()> {
    const SPACES: &[u8; 32] = b"                                ";
    let mut n = 2 * level;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.write_all(&SPACES[..k])?;
        n -= k;
    }
    Ok(())
}

/// A JSON string literal, escaped exactly as serde_json escapes it. Almost no string in a
/// report needs escaping: checking that 16 bytes at a time and copying the string once is
/// several times faster than serde_json's byte-by-byte loop, which stays the path (and so
/// decides every escape) for strings that do.
fn write_str<W: ?Sized + Write>(out: &mut W, s: &str) -> std::io::Result<()> {
    if needs_escape(s.as_bytes()) {
        return serde_json::to_writer(out, s).map_err(std::io::Error::other);
    }
    out.write_all(b"\"")?;
    out.write_all(s.as_bytes())?;
    out.write_all(b"\"")
}

/// Does `bytes` hold a byte serde_json escapes (`"`, `\\`, control characters)? Eight bytes
/// at a time with word arithmetic (the strings are short: a byte loop or SIMD setup would
/// cost more than the check).
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // A byte of `w` is below 0x20, or equal to '"' or '\\': the classic "has byte less than
    // n" and "has zero byte" tricks. Exact: no false positives or negatives.
    let special = |w: u64| {
        let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
        (below_space | zero(quote) | zero(backslash)) != 0
    };
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        if special(u64::from_ne_bytes(word)) {
            return true;
        }
    }
    // The tail, padded with a byte that needs no escape.
    let tail = chunks.remainder();
    let mut word = [b'a'; 8];
    word[..tail.len()].copy_from_slice(tail);
    special(u64::from_ne_bytes(word))
}

/// A list of strings at nesting `level`, laid out as the pretty printer lays it out.
fn write_str_list<'s, W: ?Sized + Write>(
    out: &mut W,
    items: impl IntoIterator<Item = &'s str>,
    level: usize,
) -> std::io::Result<()> {
    out.write_all(b"[")?;
    let mut first = true;
    for item in items {
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        indent(out, level + 1)?;
        write_str(out, item)?;
    }
    close(out, level, !first, b"]")
}

/// A JSON object written key by key at nesting `level`, laid out as serde_json's pretty
/// printer lays it out.
struct Object<'w, W: Write> {
    out: &'w mut W,
    level: usize,
    first: bool,
}

impl<'w, W: Write> Object<'w, W> {
    fn begin(out: &'w mut W, level: usize) -> std::io::Result<Object<'w, W>> {
        out.write_all(b"{")?;
        Ok(Object {
            out,
            level,
            first: true,
        })
    }

    fn key(&mut self, key: &str) -> std::io::Result<()> {
        self.out
            .write_all(if self.first { b"\n" } else { b",\n" })?;
        self.first = false;
        indent(self.out, self.level + 1)?;
        // Keys are the report's own field names: nothing to escape.
        debug_assert!(!needs_escape(key.as_bytes()), "{key}");
        self.out.write_all(b"\"")?;
        self.out.write_all(key.as_bytes())?;
        self.out.write_all(b"\": ")
    }

    fn str(&mut self, key: &str, value: &str) -> std::io::Result<()> {
        self.key(key)?;
        write_str(self.out, value)
    }

    fn strs(&mut self, key: &str, values: &[String]) -> std::io::Result<()> {
        self.key(key)?;
        write_str_list(self.out, values.iter().map(String::as_str), self.level + 1)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> std::io::Result<()> {
        self.key(key)?;
        let formatter = Indented {
            level: self.level + 1,
            has_value: false,
        };
        let mut ser = serde_json::Serializer::with_formatter(&mut *self.out, formatter);
        value.serialize(&mut ser).map_err(std::io::Error::other)
    }

    fn end(self) -> std::io::Result<()> {
        close(self.out, self.level, !self.first, b"}")
    }
}

/// `serde_json::ser::PrettyFormatter`, starting at a given nesting level (its own always
/// starts at 0), so a value written inside a hand-written object is indented as the pretty
/// printer would indent it.
struct Indented {
    level: usize,
    has_value: bool,
}

impl Indented {
    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level -= 1;
        close(w, self.level, self.has_value, bracket)
    }

    fn next_line<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        indent(w, self.level)
    }
}

impl serde_json::ser::Formatter for Indented {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.next_line(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.next_line(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Inner {
        empty: Vec<u32>,
        nested: Vec<Vec<&'static str>>,
        map: BTreeMap<&'static str, Option<u32>>,
    }

    #[derive(Serialize)]
    struct Sample {
        name: &'static str,
        quoted: &'static str,
        inner: Inner,
        empty_object: BTreeMap<String, u32>,
        list: Vec<Inner>,
    }

    fn sample() -> Sample {
        let inner = || Inner {
            empty: vec![],
            nested: vec![vec![], vec!["a", "b"]],
            map: [("x", Some(1)), ("y", None)].into_iter().collect(),
        };
        Sample {
            name: "planguard",
            quoted: "module.app[\"a\\b\"]\n",
            inner: inner(),
            empty_object: BTreeMap::new(),
            list: vec![inner(), inner()],
        }
    }

    /// The hand-written layout must be byte for byte what serde_json's pretty printer writes.
    #[test]
    fn hand_written_objects_match_the_pretty_printer() {
        let s = sample();
        let mut out = Vec::new();
        let mut o = Object::begin(&mut out, 0).unwrap();
        o.field("name", &s.name).unwrap();
        o.field("quoted", &s.quoted).unwrap();
        o.field("inner", &s.inner).unwrap();
        o.field("empty_object", &s.empty_object).unwrap();
        o.key("list").unwrap();
        // A nested level written by hand too.
        let mut inner = Object::begin(&mut *o.out, 1).unwrap();
        inner.field("empty", &s.inner.empty).unwrap();
        inner.end().unwrap();
        o.end().unwrap();
        let got = String::from_utf8(out).unwrap();

        #[derive(Serialize)]
        struct Expected<'a> {
            name: &'a str,
            quoted: &'a str,
            inner: &'a Inner,
            empty_object: &'a BTreeMap<String, u32>,
            list: BTreeMap<&'a str, &'a Vec<u32>>,
        }
        let expected = serde_json::to_string_pretty(&Expected {
            name: s.name,
            quoted: s.quoted,
            inner: &s.inner,
            empty_object: &s.empty_object,
            list: [("empty", &s.inner.empty)].into_iter().collect(),
        })
        .unwrap();
        assert_eq!(got, expected);
    }

    /// The fast path copies a string only when serde_json would not change it: every byte
    /// serde escapes, at every position of a 16-byte chunk and in the tail.
    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut cases: Vec<String> = vec![
            String::new(),
            "plain".into(),
            "module.app[\"api.v2\"].aws_s3_bucket.b".into(),
            "tab\there, é, 日本, 🚀, \u{7f}".into(),
            "back\\slash".into(),
        ];
        for special in ['"', '\\', '\n', '\u{0}', '\u{1f}'] {
            for len in [1, 15, 16, 17, 31, 32, 33] {
                for at in [0, len / 2, len - 1] {
                    let mut s: Vec<char> = "abcdefghijklmnopqrstuvwxyz0123456789"
                        .chars()
                        .cycle()
                        .take(len)
                        .collect();
                    s[at] = special;
                    cases.push(s.into_iter().collect());
                }
            }
        }
        // Every byte value at every position of a word and of the padded tail (non-UTF-8
        // bytes only reach `needs_escape`, which works on bytes).
        for len in 1..=17 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut bytes = vec![b'x'; len];
                    bytes[at] = b;
                    let expected = b < 0x20 || b == b'"' || b == b'\\';
                    assert_eq!(
                        needs_escape(&bytes),
                        expected,
                        "byte {b:#x} at {at} of {len}"
                    );
                }
            }
        }
        for case in &cases {
            let mut ours = Vec::new();
            write_str(&mut ours, case).unwrap();
            assert_eq!(ours, serde_json::to_vec(case).unwrap(), "{case:?}");
        }
    }

    #[test]
    fn empty_objects_match_the_pretty_printer() {
        let mut out = Vec::new();
        Object::begin(&mut out, 0).unwrap().end().unwrap();
        let empty: BTreeMap<String, u32> = BTreeMap::new();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string_pretty(&empty).unwrap()
        );
    }

    /// Findings are written by hand; serde's derive is the reference, so a field added to
    /// `Finding` and not to `write_findings` fails here.
    #[test]
    fn hand_written_findings_match_serde() {
        use crate::policy::{Finding, WaivedBy};
        let finding = |address: Option<&str>, waiver: Option<WaivedBy>| Finding {
            rule_id: "resource-replaced".into(),
            severity: Severity::High,
            address: address.map(String::from),
            node: None,
            message: "aws_vpc.main \"quoted\" will be replaced".into(),
            waived: waiver.is_some(),
            waiver: waiver.map(Box::new),
        };
        let waiver = WaivedBy {
            reason: "migration window".into(),
            approved_by: "ops".into(),
            expires: "2027-01-01".into(),
        };
        for findings in [
            vec![],
            vec![
                finding(Some("aws_vpc.main"), None),
                finding(None, None),
                finding(Some("module.x[\"a\"].aws_db_instance.d"), Some(waiver)),
            ],
        ] {
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            let mut o = Object::begin(&mut ours, 0).unwrap();
            o.key("findings").unwrap();
            write_findings(&mut *o.out, &findings, 1).unwrap();
            o.end().unwrap();
            let mut o = Object::begin(&mut theirs, 0).unwrap();
            o.field("findings", &findings).unwrap();
            o.end().unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(theirs).unwrap()
            );
        }
    }
}
