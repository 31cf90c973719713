#!/bin/sh
# scripts/srcpkg.sh - sourced, not run: Debian source packages and the
# static libraries built from them, shared by scripts/build-static.sh
# (make static: BearSSL for musl-gcc) and scripts/cross.sh (BearSSL and
# musl for each router CPU with Debian's cross compilers).
#
#   srcpkg_tree PKG DIR       apt-get source PKG into DIR (once); prints
#                             the unpacked tree (DIR/PKG-VERSION)
#   bearssl_lib SRC CC AR OPT OUTDIR
#                             OUTDIR/libbearssl.a from the tree SRC,
#                             every file compiled with "CC OPT"; rebuilt
#                             only when CC, OPT or a source changed
#
# Needs dpkg-dev (dpkg-source, for apt-get source).  The caller may define
# msg and fail; JOBS is the number of compilers run at once.

command -v msg >/dev/null 2>&1 || msg() { echo "  $*"; }
command -v fail >/dev/null 2>&1 || fail() { echo "srcpkg: $*" >&2; exit 1; }
JOBS=${JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}

# deb-src for the suite the machine runs, mirroring its deb entries for that
# suite (one-line .list files and deb822 .sources files alike).
add_deb_src() {
	local_suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$local_suite" ] || fail "cannot tell the Debian suite (/etc/os-release)"
	list=/etc/apt/sources.list.d/etherws-src.list
	msg "APT     adding deb-src lines for $local_suite to $list"
	{
		echo "# added by etherws scripts/srcpkg.sh for apt-get source"
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			[ "$f" = "$list" ] && continue
			awk -v s="$local_suite" '
			    $1 == "deb" {
				i = 2; opt = ""
				if ($2 ~ /^\[/) {
					while (i <= NF && $i !~ /\]$/) { opt = opt $i " "; i++ }
					opt = opt $i " "; i++
				}
				if ($(i + 1) != s) next
				line = "deb-src " opt $i " " s
				for (j = i + 2; j <= NF && $j !~ /^#/; j++) line = line " " $j
				print line
			    }' "$f"
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			# deb822 stanzas: Types/URIs/Suites/Components/Signed-By
			awk -v s="$local_suite" '
			    function flush() {
				if (types ~ /(^| )deb( |$)/ && enabled != "no" &&
				    (" " suites " ") ~ (" " s " "))
					for (k = 1; k <= nu; k++)
						print "deb-src " (sb != "" ? "[signed-by=" sb "] " : "") \
						    u[k] " " s " " comps
				types = suites = comps = sb = enabled = ""; nu = 0
			    }
			    /^[ \t]*#/ { next }
			    /^[ \t]*$/ { flush(); next }
			    {
				key = tolower($1); sub(/:$/, "", key)
				val = $0; sub(/^[^:]*:[ \t]*/, "", val)
				if (key == "types") types = val
				else if (key == "uris") nu = split(val, u, /[ \t]+/)
				else if (key == "suites") suites = val
				else if (key == "components") comps = val
				else if (key == "signed-by") sb = val
				else if (key == "enabled") enabled = tolower(val)
			    }
			    END { flush() }' "$f"
		done
	} >"$list.tmp"
	if ! grep -q '^deb-src' "$list.tmp"; then
		rm -f "$list.tmp"
		fail "no deb line for suite $local_suite to mirror; add a deb-src line by hand"
	fi
	mv "$list.tmp" "$list"
	apt-get update -qq || fail "apt-get update failed"
}

srcpkg_tree() {
	_pkg=$1 _dir=$2
	_tree=$(ls -d "$_dir/$_pkg"-*/ 2>/dev/null | head -n 1 || true)
	if [ -n "$_tree" ] && [ -f "$_tree/.etherws-complete" ]; then
		echo "${_tree%/}"
		return 0
	fi
	command -v dpkg-source >/dev/null 2>&1 ||
	    fail "dpkg-source not found (apt-get source needs it): apt-get install dpkg-dev"
	if ! apt-get source --print-uris "$_pkg" >/dev/null 2>&1; then
		add_deb_src >&2
	fi
	msg "APT     apt-get source $_pkg (into $_dir)" >&2
	rm -rf "$_dir"
	mkdir -p "$_dir"
	(cd "$_dir" && apt-get source -qq "$_pkg" >/dev/null) ||
	    fail "apt-get source $_pkg failed"
	_tree=$(ls -d "$_dir/$_pkg"-*/ 2>/dev/null | head -n 1 || true)
	[ -n "$_tree" ] || fail "apt-get source $_pkg unpacked nothing in $_dir"
	: >"$_tree/.etherws-complete"
	echo "${_tree%/}"
}

bearssl_lib() {
	_src=$1 _cc=$2 _ar=$3 _opt=$4 _out=$5
	_lib="$_out/libbearssl.a"
	_stamp="$_src $_cc $_opt"
	if [ -f "$_lib" ] && [ "$(cat "$_out/stamp" 2>/dev/null)" = "$_stamp" ] &&
	    [ -z "$(find "$_src/src" "$_src/inc" -newer "$_lib" -name '*.[ch]' | head -n 1)" ]; then
		return 0
	fi
	msg "CC      BearSSL ($(find "$_src/src" -name '*.c' | wc -l) files, $_cc) from $_src"
	rm -rf "$_out"
	mkdir -p "$_out/obj"
	# one object per source file, named after its path under src/
	find "$_src/src" -name '*.c' | sort | while read -r c; do
		rel=${c#"$_src"/src/}
		echo "$c $_out/obj/$(echo "$rel" | tr / _ | sed 's/\.c$/.o/')"
	done >"$_out/files"
	# shellcheck disable=SC2086
	xargs -P "$JOBS" -n 2 sh -c "$_cc $_opt -I'$_src/inc' -I'$_src/src' -c -o \"\$2\" \"\$1\" || exit 255" sh \
	    <"$_out/files" || fail "compiling BearSSL failed"
	$_ar rcs "$_lib.tmp" "$_out"/obj/*.o
	mv "$_lib.tmp" "$_lib"
	echo "$_stamp" >"$_out/stamp"
}
