//! Fuzz the CloudFormation template reader (JSON, YAML with short tags) and its graph.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planguard::plan::cfn_template::{add_template_graph, parse_template, GraphBuilder, PlacedStack};
use planguard::plan::Source;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = Source::from_bytes("fuzz.yaml", data.to_vec()) else {
        return;
    };
    if let Ok(t) = parse_template(&src) {
        let mut b = GraphBuilder::default();
        add_template_graph(
            &mut b,
            &[PlacedStack {
                prefix: String::new(),
                template: Some(&t),
                parent: None,
            }],
        );
    }
});
