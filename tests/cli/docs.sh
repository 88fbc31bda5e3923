#!/bin/sh
# docs.sh - the docs' examples run:
# - every "$ dyno ..." line in a ```console block of README.md and
#   docs/*.md runs in a temp directory (where suites/ is the source tree's
#   suites/, as at the top of a checkout) and exits 0, or the code given as
#   "# exit N" at its end;
# - every ```lua block of README.md and docs/*.md is a suite: it is written to a file and
#   run with `dyno --plugin-dir $TOP_BUILDDIR/tests/plugins run FILE`, and
#   exits 0, or N when the line right before the ```lua line is
#   "<!-- exit N -->".  The blocks of one page share a directory, written
#   before any runs, so a block can require() a module that another block
#   of the page defines: "<!-- lua: NAME.lua -->" right before the ```lua
#   line names that block's file (it is still run, and must exit 0);
# - code the docs quote from a file with "<!-- file: PATH -->" is that
#   file, verbatim.
# POSIX awk only: Debian's default awk is mawk.
. "$TOP_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 1
ln -s "$TOP_SRCDIR/suites" "$TMP/suites"
for doc in "$TOP_SRCDIR"/README.md "$TOP_SRCDIR"/docs/*.md; do
	name=${doc#"$TOP_SRCDIR"/}
	awk '/^```console/{c=1; next} /^```/{c=0} c && /^\$ dyno /{print substr($0, 3)}' \
		"$doc" >"$TMP/cmds"
	while IFS= read -r line; do
		want=0
		case $line in *"# exit "*) want=${line##*# exit }; line=${line%%# exit*};; esac
		cmd="\"\$DYNO\"${line#dyno}"
		eval "$cmd" >"$TMP/out" 2>"$TMP/err" </dev/null
		rc=$?
		if [ "$rc" -eq "$want" ]; then ok "$name: $line"; else
			ko "$name: $line (exit $rc, wanted $want)"; head -3 "$TMP/err"; fi
	done <"$TMP/cmds"

	# Lua examples: one file per ```lua block, then run each.
	lua="$TMP/lua-$(echo "$name" | tr '/.' '__')"
	mkdir "$lua" || exit 1
	awk -v dir="$lua" '
		/^```lua[ \t]*$/ && !c {
			n++; c = 1; want = 0; file = "example-" n ".lua"
			if (prev ~ /^<!-- exit [0-9]+ -->$/) {
				want = prev
				sub(/^<!-- exit /, "", want); sub(/ -->$/, "", want)
			} else if (prev ~ /^<!-- lua: [A-Za-z0-9_]+\.lua -->$/) {
				file = prev
				sub(/^<!-- lua: /, "", file); sub(/ -->$/, "", file)
			}
			print n, NR, want, file > (dir "/map")
			printf "" > (dir "/" file)
			prev = $0; next
		}
		c && /^```/ { c = 0; close(dir "/" file); prev = $0; next }
		c { print > (dir "/" file) }
		{ prev = $0 }' "$doc"
	if [ -f "$lua/map" ]; then
		cd "$lua" || exit 1
		while read -r n at want file; do
			"$DYNO" --plugin-dir "$TOP_BUILDDIR/tests/plugins" run "$file" \
				>"$TMP/out" 2>"$TMP/err" </dev/null
			rc=$?
			if [ "$rc" -eq "$want" ]; then
				ok "$name: lua example at line $at (exit $rc)"
			else
				ko "$name: lua example at line $at (exit $rc, wanted $want)"
				grep -v '^dyno: warning: ' "$TMP/err" | head -3
				grep -A3 '^script error' "$TMP/out" | head -4
			fi
		done <"$lua/map"
		cd "$TMP" || exit 1
	fi

	# Quoted files: the block after the marker must equal the file.
	rm -f "$TMP"/q_*
	awk -v dir="$TMP" '
		/^<!-- file: / { n++; path = $3; getline; c = 1;
			print n, path > (dir "/q_map"); next }
		c && /^```/ { c = 0; next }
		c { print > (dir "/q_" n) }' "$doc"
	if [ -f "$TMP/q_map" ]; then
		while read -r n src; do
			if cmp -s "$TMP/q_$n" "$TOP_SRCDIR/$src"; then
				ok "$name quotes $src verbatim"
			else
				ko "$name quotes $src verbatim"
				diff "$TMP/q_$n" "$TOP_SRCDIR/$src" | head -5
			fi
		done <"$TMP/q_map"
		rm -f "$TMP/q_map"
	fi
done
finish
