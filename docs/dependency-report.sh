#!/usr/bin/env bash
# What each published module pulls in at runtime: prints the table "What each module pulls in" of docs/building.md.
#   docs/dependency-report.sh           print the table
#   docs/dependency-report.sh --check   fail if docs/building.md's table differs (CI runs this)
#   docs/dependency-report.sh --write   put the table in docs/building.md
# Needs the modules installed first: mvn -B install -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
modules=(vm-core vm-testkit vm-aws vm-openstack vm-stratuslab vm-cloudstack vm-store-postgresql)

mvn -B -q -Dstyle.color=never dependency:list -pl "$(IFS=,; echo "${modules[*]}")" -DincludeScope=runtime \
  -DoutputAbsoluteArtifactFilename=true -DoutputFile=target/runtime-dependencies.txt >/dev/null

table() {
  echo "| module | Flotilla modules it brings | other jars | their size | the largest |"
  echo "|---|---|---:|---:|---|"
  for m in "${modules[@]}"; do
    # lines: "   group:artifact:jar:version:scope:/path/to.jar -- module name"
    grep -E '^ +[^ :]+:[^ :]+:jar:' "$m/target/runtime-dependencies.txt" | sed 's/ -- module.*//' \
      | while IFS=: read -r group artifact _ version _ path; do
          printf '%s %s %s %s\n' "$group" "$artifact" "$version" "$(stat -c %s "$path")"
        done \
      | sort -k4,4nr \
      | awk -v m="$m" '
          $1 == "dev.flotilla" { own = own (own ? ", " : "") $2; next }
          { n++; bytes += $4; if (n <= 3) big = big (big ? ", " : "") $2 " " $3 " (" kb($4) ")" }
          function kb(b) { return b >= 1048576 ? sprintf("%.1f MB", b / 1048576) : sprintf("%d KB", (b + 1023) / 1024) }
          END { printf "| %s | %s | %d | %s | %s |\n", m, own ? own : "-", n, kb(bytes), big }'
  done
}

case "${1:-}" in
  --check)
    expected=$(table)
    actual=$(sed -n '/<!-- dependency-report -->/,/<!-- \/dependency-report -->/p' docs/building.md | sed '1d;$d')
    if [ "$expected" != "$actual" ]; then
      echo "docs/building.md's dependency table is out of date; run docs/dependency-report.sh --write. The build pulls in:" >&2
      echo "$expected" >&2
      exit 1
    fi
    echo "docs/building.md's dependency table is current." ;;
  --write)
    expected=$(table)
    awk -v table="$expected" '
      /<!-- \/dependency-report -->/ { print table; skip = 0 }
      !skip { print }
      /<!-- dependency-report -->/ { skip = 1 }' docs/building.md > docs/building.md.tmp && mv docs/building.md.tmp docs/building.md ;;
  *) table ;;
esac
