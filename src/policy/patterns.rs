//! A compiled list of glob patterns (rule `types`, `addresses`, `providers` …).
//!
//! Nearly every pattern in a rule is a plain name (`aws_db_instance`) or uses only `*`
//! (`aws_dx_*`); compiling all of them into a `globset` regex took most of a small plan's
//! policy time (the built-in rules hold ~330 patterns). So plain names go into a hash set,
//! `*`-only patterns are matched here, and only patterns using other glob syntax (`?`,
//! `[…]`, `{a,b}`, `\`, `**`) are handed to `globset`. The meaning is globset's with
//! `literal_separator(false)` either way: `*` is any text, dots and slashes included
//! (a unit test compares the two on every built-in pattern).

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::collections::HashSet;

#[derive(Debug, Clone, Default)]
pub(crate) struct PatternSet {
    exact: HashSet<Box<str>>,
    /// Each `*`-only pattern split at its stars (at least two pieces).
    stars: Vec<Vec<Box<str>>>,
    globs: Option<GlobSet>,
}

/// Characters that make a pattern more than plain text and stars for globset.
fn needs_globset(pattern: &str) -> bool {
    pattern.contains(['?', '[', ']', '{', '}', '\\']) || pattern.contains("**")
}

impl PatternSet {
    /// `None` for an empty list (the field was not given). Errors name the bad pattern.
    pub(crate) fn compile(
        patterns: &[String],
    ) -> Result<Option<PatternSet>, (String, globset::Error)> {
        if patterns.is_empty() {
            return Ok(None);
        }
        let mut set = PatternSet::default();
        let mut globs = GlobSetBuilder::new();
        let mut any_glob = false;
        for p in patterns {
            if needs_globset(p) {
                globs.add(glob(p).map_err(|e| (p.clone(), e))?);
                any_glob = true;
            } else if p.contains('*') {
                set.stars.push(p.split('*').map(Box::from).collect());
            } else {
                set.exact.insert(p.as_str().into());
            }
        }
        if any_glob {
            set.globs = Some(globs.build().map_err(|e| (patterns.join(", "), e))?);
        }
        Ok(Some(set))
    }

    pub(crate) fn is_match(&self, candidate: &str) -> bool {
        self.exact.contains(candidate)
            || self
                .stars
                .iter()
                .any(|pieces| star_match(pieces, candidate))
            || self.globs.as_ref().is_some_and(|g| g.is_match(candidate))
    }
}

/// One glob as the rules compile it: `*` crosses `/` (addresses and types have no paths).
pub(crate) fn glob(pattern: &str) -> Result<globset::Glob, globset::Error> {
    GlobBuilder::new(pattern).literal_separator(false).build()
}

/// Does `s` match the pattern `pieces[0]*pieces[1]*…*pieces[n-1]`? The first piece must be a
/// prefix and the last a suffix (without overlapping); the ones between must occur in order.
/// Taking each middle piece at its leftmost occurrence is enough: it leaves the most room
/// for the rest.
fn star_match(pieces: &[Box<str>], s: &str) -> bool {
    let [first, middles @ .., last] = pieces else {
        // No star at all (not built by `compile`): the text itself.
        return pieces.first().is_some_and(|p| **p == *s);
    };
    let Some(mut middle) = s.strip_prefix(&**first) else {
        return false;
    };
    if middle.len() < last.len() || !middle.ends_with(&**last) {
        return false;
    }
    middle = &middle[..middle.len() - last.len()];
    for piece in middles {
        match middle.find(&**piece) {
            Some(at) => middle = &middle[at + piece.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globset_says(pattern: &str, s: &str) -> bool {
        glob(pattern).unwrap().compile_matcher().is_match(s)
    }

    /// The hand matcher agrees with globset on every built-in pattern, on every resource type
    /// those rules name, and on strings built to trip prefix/suffix overlaps.
    #[test]
    fn agrees_with_globset() {
        let mut patterns: Vec<String> = Vec::new();
        for (_, text) in crate::policy::builtin::BUILTIN_RULES {
            for line in text.lines() {
                if let Some(item) = line.trim().strip_prefix("- ") {
                    patterns.push(item.trim().to_string());
                }
            }
        }
        let stars = patterns.iter().filter(|p| p.contains('*')).count();
        assert!(stars >= 10, "the built-in rules use star patterns");
        patterns.extend(
            [
                "*",
                "**x",
                "a*a",
                "a*b*a",
                "*_*",
                "x*",
                "*x",
                "aws_*_*_app",
                "a*",
                "*ab*ba*",
                "",
                "a.b*",
                "module.*.aws_db_instance.*",
            ]
            .map(String::from),
        );
        let mut candidates: Vec<String> = patterns.iter().map(|p| p.replace('*', "")).collect();
        candidates.extend(patterns.iter().map(|p| p.replace('*', "_x_")));
        candidates.extend(
            [
                "",
                "a",
                "aa",
                "aba",
                "ab",
                "aws_",
                "aws_dx_gateway",
                "azurerm_linux_web_app",
                "azurerm__web_app",
                "azurerm_web_app",
                "AWS::EC2::TransitGatewayAttachment",
                "abba",
                "abab",
                "ba",
                "x",
                "xx",
                "module.a.aws_db_instance.b",
                "a.b/c",
            ]
            .map(String::from),
        );
        let mut compared = 0;
        for p in &patterns {
            if needs_globset(p) {
                continue; // compiled by globset itself: nothing of ours to compare
            }
            let ours = PatternSet::compile(std::slice::from_ref(p))
                .unwrap()
                .unwrap();
            for c in &candidates {
                assert_eq!(
                    ours.is_match(c),
                    globset_says(p, c),
                    "pattern {p:?} on {c:?}"
                );
                compared += 1;
            }
        }
        assert!(compared > 100_000, "{compared}");
    }

    #[test]
    fn mixed_lists_match_any_member() {
        let set = PatternSet::compile(&[
            "aws_s3_bucket".into(),
            "aws_dx_*".into(),
            "AWS::S3::{Bucket,AccessPoint}".into(),
        ])
        .unwrap()
        .unwrap();
        for yes in [
            "aws_s3_bucket",
            "aws_dx_gateway",
            "AWS::S3::Bucket",
            "AWS::S3::AccessPoint",
        ] {
            assert!(set.is_match(yes), "{yes}");
        }
        for no in ["aws_s3_bucket_policy", "aws_dx", "AWS::S3::BucketPolicy"] {
            assert!(!set.is_match(no), "{no}");
        }
        assert!(PatternSet::compile(&[]).unwrap().is_none());
        let bad = PatternSet::compile(&["ok".into(), "aws_[".into()]).unwrap_err();
        assert_eq!(bad.0, "aws_[");
    }
}
