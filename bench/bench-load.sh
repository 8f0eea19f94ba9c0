#!/usr/bin/env bash
# bench-load: CPU time (user+sys) per request of `loyalcheck load`, with
# response validation on and off, against raw `vegeta attack` at the same
# rate on the same single-endpoint target (the sandbox, in its own process,
# on loopback). The three generators run one after another in one go, so
# the ratios compare like with like on this machine.
#   RATE=1000 DURATION=20s bench/bench-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${RATE:-1000}
DURATION=${DURATION:-20s}
ROUNDS=${ROUNDS:-1}
export PATH="/usr/local/go/bin:$PATH"
work=$(mktemp -d)
trap 'kill $sandbox_pid 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/loyalcheck" ./cmd/loyalcheck
GOBIN="$work" go install github.com/tsenart/vegeta/v12@v12.13.0

key=${LOYALCHECK_APIKEY:-bench-key}
export LOYALCHECK_APIKEY=$key
"$work/loyalcheck" sandbox --addr 127.0.0.1:0 --db "$work/sandbox.db" --fixtures-out "$work/fixtures.json" >"$work/sandbox.out" 2>"$work/sandbox.err" &
sandbox_pid=$!
for _ in $(seq 100); do grep -q '^listening on ' "$work/sandbox.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$work/sandbox.out")
[ -n "$url" ] || { cat "$work/sandbox.err"; exit 1; }

# vegeta's targets: the same search loyalcheck sends, on the first client.
point=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["points"][0])' "$work/fixtures.json")
phone=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["clients"][0]["phone"])' "$work/fixtures.json")
printf '{"search":"%s","point":"%s"}' "$phone" "$point" >"$work/body.json"
cat >"$work/targets.txt" <<TARGETS
POST $url/integration/general/client
apikey: $key
Content-Type: application/json
Accept: application/json
@$work/body.json
TARGETS

# cpu CMD...: runs CMD and prints its user+sys CPU seconds.
cpu() {
	/usr/bin/time -f '%U %S' -o "$work/time" "$@" >/dev/null 2>"$work/cmd.err" || { cat "$work/cmd.err"; return 1; }
	awk '{printf "%.3f", $1 + $2}' "$work/time"
}

printf '%-28s %10s %10s %14s\n' generator requests cpu_s cpu_us_per_req
declare -A per
for round in $(seq "$ROUNDS"); do
	c=$(cpu "$work/vegeta" attack -rate "$RATE/1s" -duration "$DURATION" -targets "$work/targets.txt" -output "$work/vegeta.bin")
	n=$("$work/vegeta" report -type json "$work/vegeta.bin" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
	per[vegeta]+="$(awk -v c="$c" -v n="$n" 'BEGIN{printf "%.2f ", c/n*1e6}')"
	printf '%-28s %10d %10s %14s\n' "vegeta attack" "$n" "$c" "$(awk -v c="$c" -v n="$n" 'BEGIN{printf "%.2f", c/n*1e6}')"
	for v in all none; do
		c=$(cpu "$work/loyalcheck" load --target "$url" --fixtures "$work/fixtures.json" --scenario bench/search-only.yaml \
			--rate "$RATE/1s" --duration "$DURATION" --validate "$v" --out "$work/lc-$v")
		# Every request counts: the sessions' steps plus the ledger's
		# searches before and after the run.
		n=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(sum(m["requests"] for m in s["steps"]) + 2*s["ledger"]["clients"])' "$work/lc-$v/summary.json")
		per[$v]+="$(awk -v c="$c" -v n="$n" 'BEGIN{printf "%.2f ", c/n*1e6}')"
		printf '%-28s %10d %10s %14s\n' "loyalcheck load --validate $v" "$n" "$c" "$(awk -v c="$c" -v n="$n" 'BEGIN{printf "%.2f", c/n*1e6}')"
	done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
v=$(echo "${per[vegeta]}" | median); a=$(echo "${per[all]}" | median); n=$(echo "${per[none]}" | median)
echo
awk -v v="$v" -v a="$a" -v n="$n" 'BEGIN{
	printf "ratio, validation on  (all responses): %.2fx raw vegeta\n", a/v
	printf "ratio, validation off:                 %.2fx raw vegeta\n", n/v
}'
