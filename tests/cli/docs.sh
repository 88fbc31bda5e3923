#!/bin/sh
# docs.sh - the docs' examples run: every "$ dyno ..." line in a ```console
# block of README.md and docs/*.md runs and exits 0 (or the code given as
# "# exit N" at its end), and code the docs quote from a file with
# "<!-- file: PATH -->" is that file, verbatim.
. "$TOP_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 1
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
	# Quoted files: the block after the marker must equal the file.
	# (POSIX awk only: Debian's default awk is mawk.)
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
