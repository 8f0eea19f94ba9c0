#!/usr/bin/env bash
# compare-noise: how often `loyalcheck compare` flags two runs of the same
# build (false regressions), or, with DELAY, how often it catches a slower
# one. Each pair is two `loyalcheck load` runs one after the other against
# the embedded sandbox (NEW's with --sandbox-delay $DELAY when set), then
# `loyalcheck compare BASE NEW`; exit 1 is a flagged pair. With DELAY, a
# pair also counts as caught when a metric of the delayed endpoint itself
# regressed (a flag elsewhere may be the machine's noise).
#   bench/compare-noise.sh                       # 10 same-build pairs
#   PAIRS=5 DELAY=recalc=8ms bench/compare-noise.sh
# Extra compare flags go in COMPARE_FLAGS, e.g. "--confidence 99.9".
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS=${PAIRS:-10}
SCENARIO=${SCENARIO:-checkout}
RATE=${RATE:-40/1s}
DURATION=${DURATION:-10s}
DELAY=${DELAY:-}
COMPARE_FLAGS=${COMPARE_FLAGS:-}
export PATH="/usr/local/go/bin:$PATH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/loyalcheck" ./cmd/loyalcheck
delay=()
[ -n "$DELAY" ] && delay=(--sandbox-delay "$DELAY")

echo "scenario $SCENARIO, $RATE for $DURATION, NEW delay: ${DELAY:-none}, $PAIRS pairs"
flagged=0
caught=0
for i in $(seq "$PAIRS"); do
	# A load's own SLO verdict does not matter here: its run.json does.
	"$work/loyalcheck" load --scenario "$SCENARIO" --rate "$RATE" --duration "$DURATION" --out "$work/$i/base" >/dev/null 2>&1 || true
	"$work/loyalcheck" load --scenario "$SCENARIO" --rate "$RATE" --duration "$DURATION" "${delay[@]}" --out "$work/$i/new" >/dev/null 2>&1 || true
	code=0
	# shellcheck disable=SC2086
	"$work/loyalcheck" compare "$work/$i/base" "$work/$i/new" $COMPARE_FLAGS >"$work/$i/compare.txt" 2>&1 || code=$?
	case $code in
	0) echo "pair $i: not flagged" ;;
	1)
		flagged=$((flagged + 1))
		echo "pair $i: FLAGGED"
		sed -n 's/^  - /    /p' "$work/$i/compare.txt" | cut -c1-160
		if [ -n "$DELAY" ] && grep -q "^  - p[0-9.]*(${DELAY%%=*})" "$work/$i/compare.txt"; then caught=$((caught + 1)); fi
		;;
	*) echo "pair $i: compare failed (exit $code)"; cat "$work/$i/compare.txt"; exit 2 ;;
	esac
done
echo "flagged: $flagged of $PAIRS pairs"
[ -z "$DELAY" ] || echo "caught on ${DELAY%%=*}: $caught of $PAIRS pairs"
