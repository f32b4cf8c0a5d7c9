#!/usr/bin/env bash
# The tree and .clang-format agree: one KTAP case per tracked C source or
# header, "not ok" with the first lines of the diff when clang-format would
# change the file.  Output: KTAP version 1, one suite "format".
#
#   tests/host/test_format.sh          (from the repository root)
#   CLANG_FORMAT=clang-format-15 ...   another clang-format binary
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
tool=${CLANG_FORMAT:-clang-format}

echo "KTAP version 1"
echo "1..1"
if ! command -v "$tool" >/dev/null 2>&1; then
	echo "# format: $tool not found"
	echo "not ok 1 format"
	exit 1
fi

# Files git tracks, plus new ones it does not ignore: what a commit would hold.
mapfile -t files < <(git ls-files --cached --others --exclude-standard \
	-- '*.c' '*.h' | sort -u)
echo "    KTAP version 1"
echo "    # Subtest: format"
echo "    1..${#files[@]}"
n=0 bad=0
for f in "${files[@]}"; do
	n=$((n + 1))
	if [ ! -f "$f" ]; then
		echo "    ok $n $f # SKIP deleted"
		continue
	fi
	if d=$("$tool" --style=file "$f" | diff -u "$f" - | head -n 12) &&
		[ -z "$d" ]; then
		echo "    ok $n $f"
	else
		bad=$((bad + 1))
		printf '%s\n' "$d" | sed 's/^/    # /'
		echo "    not ok $n $f"
	fi
done
if [ "$bad" = 0 ]; then
	echo "ok 1 format"
else
	echo "# format: $bad files differ from clang-format; run 'make format'"
	echo "not ok 1 format"
	exit 1
fi
