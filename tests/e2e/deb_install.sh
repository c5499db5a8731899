#!/bin/bash
# The Debian package, as a new user gets it: dpkg-buildpackage -us -uc -b on
# a copy of the source tree, lintian, then `apt-get install ./ecsprobe_*.deb`
# in a brand-new minimal Debian 12 root (debootstrap --variant=minbase,
# cached in /var/tmp/ecsprobe-fresh-root.tar like ../shared/tools/
# fresh-root-ci.sh; built here when the cache is missing), whose apt sources
# are Debian's only.  Every file `make install` installs must be in the
# package, and the demo runs from the installed files in a network namespace
# of its own (loopback only).  Needs root (debootstrap, chroot, mounts).  TAP.
set -u
SRC=${top_srcdir:-.}
CACHE=${EP_FRESH_ROOT_CACHE:-/var/tmp/ecsprobe-fresh-root.tar}
skip_or_fail() {
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - $1 (CI must not skip)"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}
[ "$(id -u)" = 0 ] || skip_or_fail "needs root: builds a Debian 12 root and installs the package into it"
for t in dpkg-buildpackage dh lintian debootstrap git; do
	command -v $t >/dev/null || skip_or_fail "needs $t (apt-get install dpkg-dev debhelper lintian debootstrap git)"
done
git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1 || skip_or_fail "$SRC is not a git checkout (the package is built from its files)"

W=$(mktemp -d /var/tmp/ecsprobe-deb.XXXXXX)
root=$W/root
cleanup() {
	for m in dev/pts dev sys proc; do umount -l "$root/$m" 2>/dev/null; done
	rm -rf --one-file-system "$W"
}
trap cleanup EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
	[ $# -gt 1 ] && [ -s "$2" ] && tail -n "${3:-15}" "$2" | sed 's/^/# /'
}
bail() {
	echo "Bail out! $1"
	[ $# -gt 1 ] && [ -s "$2" ] && tail -n 20 "$2" | sed 's/^/# /'
	exit 1
}
echo "1..9"

# 1. build, from the files git knows (committed or not, not ignored): what a clone has
mkdir -p "$W/build/ecsprobe"
(cd "$SRC" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -xf - -C "$W/build/ecsprobe"
# a clean environment, as a user's shell has: nothing of the calling make's
# (MAKEFLAGS, its jobserver) or of the test harness's variables
if (cd "$W/build/ecsprobe" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$W" LANG=C.UTF-8 \
	DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b builds $(cd "$W/build" && ls ecsprobe_*.deb) (dh, autoreconf, the unit tests)"
else
	grep -E '^(FAIL|ERROR): ' "$W/build.log" | sed 's/^/# /'
	bail "dpkg-buildpackage failed" "$W/build.log"
fi
deb=$(ls "$W"/build/ecsprobe_*_*.deb)

# 2. lintian: no error, warning or info tag that debian/ecsprobe.lintian-overrides does not justify
lintian -I --pedantic "$W"/build/ecsprobe_*.changes >"$W/lintian.log" 2>&1
if grep -qE '^[EWIPX]: ' "$W/lintian.log"; then
	nok "lintian -I --pedantic has tags" "$W/lintian.log"
else
	ok "lintian -I --pedantic: no tag (the overrides' are justified in debian/ecsprobe.lintian-overrides)"
fi

# 3. the package holds every file make install installs (the build tree is still configured for /usr)
make -C "$W/build/ecsprobe" install DESTDIR="$W/mi" >"$W/mi.log" 2>&1 || bail "make install DESTDIR failed" "$W/mi.log"
(cd "$W/mi" && find . ! -type d | sed -e 's|^\./|/|' -e 's|^/usr/share/man/\(.*\)$|/usr/share/man/\1.gz|' | LC_ALL=C sort) >"$W/mi.list"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|' | LC_ALL=C sort >"$W/deb.list"
missing=$(LC_ALL=C comm -23 "$W/mi.list" "$W/deb.list")
if [ -z "$missing" ] && [ -s "$W/mi.list" ]; then
	ok "the package holds all $(wc -l <"$W/mi.list") files make install installs ($(grep -c completion "$W/mi.list") shell completion files among them)"
else
	printf '%s\n' "$missing" >"$W/missing"
	nok "files make install installs that the package lacks" "$W/missing"
fi

# 4. a fresh Debian 12 root, apt sources Debian's only
if [ ! -f "$CACHE" ]; then
	mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
	mirror=${mirror:-$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)}
	b=$(mktemp -d /var/tmp/ecsprobe-debootstrap.XXXXXX)
	debootstrap --variant=minbase --include=ca-certificates,git bookworm "$b" ${mirror:+"$mirror"} >"$W/debootstrap.log" 2>&1 ||
		bail "debootstrap failed" "$W/debootstrap.log"
	tar -cf "$CACHE.tmp$$" -C "$b" . && mv "$CACHE.tmp$$" "$CACHE"
	rm -rf --one-file-system "$b"
fi
mkdir "$root"
tar -xf "$CACHE" -C "$root"
chmod 755 "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
for m in proc sys dev dev/pts; do mount --bind "/$m" "$root/$m"; done
in_root() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
cat "$root"/etc/apt/sources.list "$root"/etc/apt/sources.list.d/* 2>/dev/null | grep -vE '^[[:space:]]*(#|$)' >"$W/sources"
if [ -s "$W/sources" ] && ! grep -qvE '^deb(-src)? +[^ ]+/debian(-security)? ' "$W/sources" && [ -z "$(in_root dpkg-query -W -f '${Package}\n' ecsprobe 2>/dev/null)" ]; then
	ok "a fresh minbase Debian 12 root without ecsprobe, apt sources Debian's only: $(tr '\n' ';' <"$W/sources")"
else
	nok "the fresh root's apt sources or packages" "$W/sources"
fi

# 5. apt-get install ./ecsprobe_*.deb: it and its dependencies, from those sources
cp "$deb" "$root/tmp/"
if in_root apt-get update -qq >"$W/apt.log" 2>&1 &&
	in_root apt-get install -y --no-install-recommends "/tmp/$(basename "$deb")" >>"$W/apt.log" 2>&1; then
	ok "apt-get install ./$(basename "$deb") in the fresh root ($(grep -cE '^(Get|Unpacking) ' "$W/apt.log") downloads and unpacks)"
else
	nok "apt-get install of the package" "$W/apt.log"
fi

# 6. the installed files: the binary runs, man page, units, probes, schemas, deploy examples, the demo
want="/usr/bin/ecsprobe /usr/share/man/man1/ecsprobe.1.gz /lib/systemd/system/ecsprobe-verify.service
/lib/systemd/system/ecsprobe-verify.timer /usr/share/ecsprobe/probes/dns.probe
/usr/share/ecsprobe/data/schema/finding.schema.json /usr/share/ecsprobe/data/intent.example.json
/usr/share/ecsprobe/data/deploy/kubernetes-verify-shards.yaml /usr/share/ecsprobe/data/demo/verify.sh
/usr/libexec/ecsprobe/ep_listen"
absent=
for f in $want; do [ -e "$root$f" ] || absent="$absent $f"; done
# the root has no source tree: the probes it lists come from /usr/share/ecsprobe/probes
in_root ecsprobe probes --json >"$W/probes.out" 2>&1
nprobes=$(find "$SRC/probes" -name '*.probe' -exec grep -c '^probe ' {} + | awk -F: '{ s += $NF } END { print s + 0 }')
if [ -z "$absent" ] && in_root ecsprobe version >"$W/version.out" 2>&1 &&
	[ "$(grep -c '"name"' "$W/probes.out")" = "$nprobes" ] && [ "$nprobes" -gt 0 ]; then
	ok "installed: $(tr '\n' ' ' <"$W/version.out")runs; man page, units, schemas, deploy examples, demo; ecsprobe probes loads all $nprobes payloads from /usr/share/ecsprobe/probes"
else
	echo "absent:$absent" >>"$W/probes.out"
	nok "installed files" "$W/probes.out"
fi

# 7. the installed units pass systemd-analyze security at <= 2.0 (the host's systemd reads them from the root)
if systemd-analyze security --offline=true --root="$root" ecsprobe-verify.service >"$W/sec.log" 2>&1 ||
	grep -q 'Overall exposure level' "$W/sec.log"; then
	score=$(sed -n 's/.*Overall exposure level for ecsprobe-verify.service: \([0-9.]*\).*/\1/p' "$W/sec.log")
	if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
		ok "systemd-analyze security on the installed unit: $score"
	else
		nok "systemd-analyze security on the installed unit: '$score'" "$W/sec.log"
	fi
else
	nok "systemd-analyze security --root failed" "$W/sec.log"
fi

# 8-9. the demo from the installed files, in a network namespace of its own (its probes
# stay on that loopback); python3-botocore (the package's Suggests) for the fake AWS
in_root apt-get install -y --no-install-recommends python3-botocore >"$W/apt2.log" 2>&1 ||
	nok "apt-get install python3-botocore (the demo's fake AWS)" "$W/apt2.log"
unshare -n sh -c 'ip link set lo up 2>/dev/null || exit 9; exec "$@"' sh \
	chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	sh -c 'mkdir -p /tmp/demo && cd /tmp/demo && sh /usr/share/ecsprobe/data/demo/verify.sh ecsprobe /usr/libexec/ecsprobe/ep_listen /usr/share/ecsprobe' \
	>"$W/demo.out" 2>&1
st=$?
if [ $st = 0 ] && grep -q "^verify: 7 findings (4 at or above high)" "$W/demo.out" &&
	grep -q "critical unexpected_open      127.0.10.4 tcp/8443" "$W/demo.out"; then
	ok "the demo runs from /usr/share/ecsprobe/data/demo with the installed ecsprobe: $(grep '^verify:' "$W/demo.out")"
else
	nok "the installed demo (exit $st)" "$W/demo.out"
fi
if [ "$(grep -c '"type":"finding"' "$root/tmp/demo/demo.ndjson" 2>/dev/null)" = 7 ]; then
	ok "the installed demo wrote its 7 findings to demo.ndjson"
else
	nok "the installed demo's demo.ndjson"
fi
[ $fails = 0 ]
