#!/bin/sh
# check-layers: fails if any #include "..." in src/, client/ or bench/ crosses
# the dependency direction below (docs/ARCHITECTURE.md, "Who includes whom"):
#
#   util    -> libc only           loop  -> util        net   -> loop, util
#   codec   -> util                hub   -> util, store/store.h (only)
#   store   -> util                dialect -> hub, codec, net, loop, util
#   cluster -> hub, store, net, loop, util   tls -> net, loop, util
#   server -> everything
#   client/, bench/ -> loop, net, codec, tls, util (+ their own directory)
#
# plus: net/net_private.h is for src/net/ alone. A module may always include
# its own headers. Quoted includes are resolved the way the compiler does with
# -Isrc: a bare name is the includer's own directory, "./" and "../" are
# relative to it, anything else is under src/. Includes that name no Parley
# module (a first path component that is not one) are not ours and ignored.
# A file in a directory with no rule is an error, so new modules get one.
#
# Usage: tools/check-layers.sh   (from anywhere; exit 0 clean, 1 violations)
# Needs only find, sort and awk.

cd "$(dirname "$0")/.." || exit 2

files=$(find src client bench -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | sort)
[ -n "$files" ] || { echo "check-layers: no sources found under src/, client/, bench/" >&2; exit 2; }

# shellcheck disable=SC2086  # word splitting of $files is intended
awk '
BEGIN {
	allowed["util"]    = "util"
	allowed["loop"]    = "loop util"
	allowed["net"]     = "net loop util"
	allowed["codec"]   = "codec util"
	allowed["hub"]     = "hub util store"   # store: store/store.h only, below
	allowed["store"]   = "store util"
	allowed["dialect"] = "dialect hub codec net loop util"
	allowed["cluster"] = "cluster hub store net loop util"
	allowed["tls"]     = "tls net loop util"
	allowed["server"]  = "util loop net codec hub store dialect cluster tls server"
	allowed["client"]  = "client loop net codec tls util"
	allowed["bench"]   = "bench loop net codec tls util"
	for (m in allowed) known[m] = 1
	bad = 0
}

# Removes ".", "" and "dir/.." components.
function normalize(path,    parts, out, n, i, k, s) {
	n = split(path, parts, "/")
	k = 0
	for (i = 1; i <= n; i++) {
		if (parts[i] == "." || parts[i] == "")
			continue
		if (parts[i] == "..") {
			if (k > 0) k--
			continue
		}
		out[++k] = parts[i]
	}
	s = ""
	for (i = 1; i <= k; i++)
		s = s (i > 1 ? "/" : "") out[i]
	return s
}

# The module a repository path belongs to: src/<m>/..., client/..., bench/...
function module_of(path,    parts, n) {
	n = split(path, parts, "/")
	if (parts[1] == "src")
		return n >= 3 ? parts[2] : ""
	if (parts[1] == "client" || parts[1] == "bench")
		return parts[1]
	return ""
}

function rule_text(m,    list, n, i, s) {
	if (m == "server")
		return "server/ may include every module"
	n = split(allowed[m], list, " ")
	s = ""
	for (i = 1; i <= n; i++) {
		if (list[i] == m)
			continue
		s = s (s == "" ? "" : ", ") (list[i] == "store" && m == "hub" ? "store/store.h" : list[i] "/")
	}
	if (s == "")
		s = "libc only"
	return m "/ may include " s " (plus its own headers)"
}

function violation(file, line, inc, why) {
	printf "check-layers: %s:%d: #include \"%s\": %s\n", file, line, inc, why
	bad++
}

FNR == 1 {
	from = module_of(FILENAME)
	dir = FILENAME
	sub(/\/[^\/]*$/, "", dir)
	if (!(from in known)) {
		printf "check-layers: %s: no layering rule for directory \"%s\" (add one to tools/check-layers.sh and docs/ARCHITECTURE.md)\n", FILENAME, dir
		bad++
	}
}

/^[ \t]*#[ \t]*include[ \t]*"/ {
	if (!(from in known))
		next
	inc = $0
	sub(/^[ \t]*#[ \t]*include[ \t]*"/, "", inc)
	sub(/".*$/, "", inc)
	if (inc !~ /\//) {
		path = dir "/" inc
		to = from
	} else if (inc ~ /^\.\.?\//) {
		path = normalize(dir "/" inc)
		to = module_of(path)
	} else {
		path = "src/" normalize(inc)
		split(inc, first, "/")
		to = first[1]
		if (!(to in known))
			next   # not a Parley module: some other library
	}
	if (to == "") {
		violation(FILENAME, FNR, inc, "resolves to " path ", outside every module")
		next
	}
	if (path == "src/net/net_private.h" && from != "net") {
		violation(FILENAME, FNR, inc, "net/net_private.h is private to src/net/")
		next
	}
	if (from == "hub" && to == "store" && path != "src/store/store.h") {
		violation(FILENAME, FNR, inc, "hub/ may include only the interface store/store.h from store/")
		next
	}
	if (to == from)
		next
	if (index(" " allowed[from] " ", " " to " ") == 0) {
		violation(FILENAME, FNR, inc, from "/ must not include " to "/; " rule_text(from))
		next
	}
}

END {
	if (bad) {
		printf "check-layers: %d violation(s) of the include rules in docs/ARCHITECTURE.md ("Who includes whom")\n", bad
		exit 1
	}
}
' $files
