#!/usr/bin/env bash
# Seed each fuzz target's corpus from the test fixtures (idempotent). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")"
td=../testdata
c=corpus
mkdir -p "$c"/{terraform_plan,terraform_sections,cfn_change_set,cfn_template,cfn_template_diff,pipeline}
copy() { # dest file...
  local dest=$1; shift
  for f in "$@"; do cp -f "$f" "$c/$dest/$(echo "$f" | sed 's#^\.\./testdata/##; s#/#__#g')"; done
}
copy terraform_plan $(find $td/terraform -name '*.json' -o -name '*.tfstate')
copy terraform_sections $(find $td/terraform -name '*.json' -o -name '*.tfstate')
copy cfn_change_set $(find $td/cloudformation/changesets -name '*.json' ! -name '*.template.*')
copy cfn_template $(find $td/cloudformation -name '*.yaml' -o -name '*.template.*.json') \
  $(find $td/cloudformation/templates -name '*.json')
copy pipeline $(find $td/terraform -name '*.json' | head -60) \
  $(find $td/cloudformation/changesets -name '*.json' ! -name '*.template.*' | head -60)
# Template pairs: before NUL after.
for b in $(find $td/cloudformation -name '*.template.before.*' -o -name '*.before.yaml'); do
  a=$(echo "$b" | sed 's/before/after/')
  [ -f "$a" ] || continue
  { cat "$b"; printf '\0'; cat "$a"; } > "$c/cfn_template_diff/$(basename "$b")"
done
for d in "$c"/*; do echo "$d: $(ls "$d" | wc -l) files"; done
