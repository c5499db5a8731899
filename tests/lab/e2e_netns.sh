# tests/lab/e2e_netns.sh: what the namespace lab e2e tests share, sourced
# after a script has made sure it runs under bash and set E2E_NAME: the
# re-exec into a fresh `unshare -n` (a failure under CI=true, else a skip),
# TAP helpers, the ecsprobe binary, tests/lab/lab.sh, and a work directory
# $W removed at exit with the lab's veth pair.
set -u
export LC_ALL=C

me=$(readlink -f "$0")
here=$(dirname "$me")

# ---------------------------------------------------------------- namespace
if [ -z "${EP_E2E_IN_NETNS:-}" ]; then
	why=
	if [ "$(id -u)" != 0 ]; then
		why="needs root for network namespaces and raw sockets"
	elif ! unshare -n true 2>/dev/null; then
		why="unshare -n failed (no network namespace support)"
	fi
	if [ -n "$why" ]; then
		if [ "${CI:-}" = true ]; then
			echo "1..1"
			echo "not ok 1 - e2e setup: $why"
			echo "Bail out! $why (CI must not skip this test)"
			exit 1
		fi
		echo "1..0 # SKIP $why"
		exit 0
	fi
	export EP_E2E_IN_NETNS=1
	exec unshare -n -- /bin/bash "$me" "$@"
	echo "Bail out! cannot exec unshare -n"
	exit 1
fi

# ---------------------------------------------------------------- TAP helpers
tap_n=0
tap_fail=0
ok()     { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_fail=$((tap_fail + 1)); echo "not ok $tap_n - $*"; }
diag()   { sed -e 's/^/# /'; }
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
bail() {
	echo "Bail out! $*"
	exit 1
}
same_file() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1"
		echo "expected $(wc -l < "$2") lines, got $(wc -l < "$3"); diff expected got (first 40 lines):" | diag
		diff "$2" "$3" | head -n 40 | diag
	fi
}

# ---------------------------------------------------------------- tools
for t in jq nft ip awk timeout nsenter unshare; do
	command -v "$t" >/dev/null 2>&1 || bail "$t is not installed"
done
find_ecsprobe() {
	local c
	if [ -n "${ECSPROBE:-}" ]; then
		echo "$ECSPROBE"
		return
	fi
	for c in ${abs_top_builddir:+"$abs_top_builddir/ecsprobe"} "$here/../../ecsprobe"; do
		if [ -x "$c" ]; then
			echo "$c"
			return
		fi
	done
	echo "${abs_top_builddir:-$here/../..}/ecsprobe"
}
ECSPROBE=$(find_ecsprobe)
[ -x "$ECSPROBE" ] || bail "ecsprobe binary not found or not executable: $ECSPROBE (set ECSPROBE)"

. "$here/../lab/lab.sh" || bail "cannot source $here/../lab/lab.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/ecsprobe-$E2E_NAME.XXXXXX") || bail "mktemp failed"
LAB_DIR=$W/lab
mkdir -p "$LAB_DIR"
cleanup() {
	[ -n "${scan_pid:-}" ] && kill -KILL "$scan_pid" 2>/dev/null
	lab_veth_down
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "# work directory kept: $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SEED=${LAB_SEED:-20240611}
