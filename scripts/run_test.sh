#!/usr/bin/env bash
# Test of scripts/run.sh with stand-ins for dpkg-query, cmake, ninja and the
# gateway binary (no real build): run.sh must build only the nokv-redis target
# (not every test binary) and start the gateway it built with its flags.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nokv-run-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
FAILURES=0
fail() { echo "FAIL: $*" >&2; FAILURES=$((FAILURES + 1)); }

mkdir -p "$TMP/bin" "$TMP/build/cmd/nokv-redis"
cat >"$TMP/bin/dpkg-query" <<'SH'
#!/usr/bin/env bash
echo "install ok installed"
SH
cat >"$TMP/bin/cmake" <<'SH'
#!/usr/bin/env bash
exit 0
SH
cat >"$TMP/bin/ninja" <<SH
#!/usr/bin/env bash
echo "\$*" >>"$TMP/ninja.args"
SH
cat >"$TMP/build/cmd/nokv-redis/nokv-redis" <<SH
#!/usr/bin/env bash
echo "\$*" >"$TMP/gateway.args"
SH
chmod +x "$TMP"/bin/* "$TMP/build/cmd/nokv-redis/nokv-redis"

# Bounded, on port 0 and a temporary workdir: a run.sh that started some
# other binary must not leave a server behind.
PATH="$TMP/bin:$PATH" BUILD_DIR="$TMP/build" NOKV_ADDR=127.0.0.1:0 NOKV_METRICS=127.0.0.1:0 \
  NOKV_WORKDIR="$TMP/data" timeout 30 bash "$ROOT/scripts/run.sh" --sync-writes >"$TMP/out" 2>&1 ||
  fail "run.sh exited $?: $(cat "$TMP/out")"

# ninja gets "-C DIR -j N TARGETS...": the targets are what follows -j N.
targets=$(sed -E 's/^-C [^ ]+ -j [0-9]+ ?//' "$TMP/ninja.args" 2>/dev/null)
[[ "$(wc -l <"$TMP/ninja.args" 2>/dev/null)" == "1" ]] || fail "ninja ran $(cat "$TMP/ninja.args" 2>/dev/null | wc -l) times"
[[ "$targets" == "nokv-redis" ]] || fail "run.sh built [$targets], want only [nokv-redis]"
grep -q -- "--addr 127.0.0.1:0 --workdir $TMP/data .*--sync-writes" "$TMP/gateway.args" 2>/dev/null ||
  fail "gateway not started with the address and extra flags: $(cat "$TMP/gateway.args" 2>/dev/null)"

[[ $FAILURES -eq 0 ]] || exit 1
echo "run_test: all checks passed"
