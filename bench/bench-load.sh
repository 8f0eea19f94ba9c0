#!/usr/bin/env bash
# bench-load: the project's load benchmark. loyalcheck and raw `vegeta
# attack` run one after the other on the same machine against the same
# target (the sandbox, in its own process, on loopback), so every ratio
# compares like with like; absolute figures on a shared machine are noise.
#
#   cpu      CPU time (user+sys) per request of a search-only run at $RATE,
#            loyalcheck with every response validated and with none, against
#            vegeta sending the same search.
#   ladder   the strict maximum rate of each: a rung per rate in $RUNGS, a
#            fresh sandbox per rung, $RUNG_DURATION per rung. A rung passes
#            when nothing was dropped, the achieved rate is >= 95% of the
#            asked one and no request failed. CPU per request is compared on
#            the rungs both pass.
#   checkout CPU per session of the checkout scenario at $CHECKOUT_RATE.
#   rss      peak RSS of loyalcheck over a long search-only run
#            ($RSS_RATE for $RSS_DURATION: 600k requests by default).
#
# BEFORE=path/to/an/older/loyalcheck adds it as a third generator to every
# part, side by side in the same run (a before/after table).
#   make bench-load
#   PARTS="ladder" RUNGS="4500 6000" ROUNDS=2 bench/bench-load.sh
#   BEFORE=/tmp/loyalcheck-main bench/bench-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PARTS=${PARTS:-cpu ladder checkout rss}
RATE=${RATE:-1000}
DURATION=${DURATION:-20s}
ROUNDS=${ROUNDS:-2}
RUNGS=${RUNGS:-3000 4500 6000 7500}
RUNG_DURATION=${RUNG_DURATION:-10s}
CHECKOUT_RATE=${CHECKOUT_RATE:-200}
CHECKOUT_DURATION=${CHECKOUT_DURATION:-10s}
RSS_RATE=${RSS_RATE:-5000}
RSS_DURATION=${RSS_DURATION:-120s}
BEFORE=${BEFORE:-}
export PATH="/usr/local/go/bin:$PATH"
work=$(mktemp -d)
sandbox_pid=
trap 'stop_sandbox; rm -rf "$work"' EXIT

go build -o "$work/loyalcheck" ./cmd/loyalcheck
GOBIN="$work" go install github.com/tsenart/vegeta/v12@v12.13.0
# The sandbox always comes from this tree, so only the generators differ.
sandbox_bin="$work/loyalcheck"
gens="vegeta loyalcheck"
if [ -n "$BEFORE" ]; then
	cp "$BEFORE" "$work/before"
	gens="vegeta loyalcheck before"
fi

export LOYALCHECK_APIKEY=${LOYALCHECK_APIKEY:-bench-key-0123456789}
key=$LOYALCHECK_APIKEY

# start_sandbox: a fresh sandbox (new database) in its own process; sets
# url and writes vegeta's targets file for the first fixture client.
start_sandbox() {
	stop_sandbox
	rm -f "$work"/sandbox.db* "$work/sandbox.out"
	"$sandbox_bin" sandbox --addr 127.0.0.1:0 --db "$work/sandbox.db" --fixtures-out "$work/fixtures.json" >"$work/sandbox.out" 2>"$work/sandbox.err" &
	sandbox_pid=$!
	for _ in $(seq 100); do grep -q '^listening on ' "$work/sandbox.out" 2>/dev/null && break; sleep 0.1; done
	url=$(sed -n 's/^listening on //p' "$work/sandbox.out")
	[ -n "$url" ] || { cat "$work/sandbox.err"; exit 1; }
	python3 - "$work/fixtures.json" "$work/body.json" <<-'PY'
		import json, sys
		fx = json.load(open(sys.argv[1]))
		open(sys.argv[2], "w").write(json.dumps({"search": fx["clients"][0]["phone"], "point": fx["points"][0]}, separators=(",", ":")))
	PY
	printf 'POST %s/integration/general/client\napikey: %s\nContent-Type: application/json\nAccept: application/json\n@%s\n' \
		"$url" "$key" "$work/body.json" >"$work/targets.txt"
}
stop_sandbox() {
	if [ -n "$sandbox_pid" ]; then
		kill "$sandbox_pid" 2>/dev/null || true
		wait "$sandbox_pid" 2>/dev/null || true
		sandbox_pid=
	fi
}

# run GEN SCENARIO RATE DURATION [loyalcheck flags...]: one run of GEN
# against the running sandbox; prints one line of JSON: requests, sessions,
# asked and achieved rate, dropped, errors, p99 (ms), cpu (s), rss (KB).
run() {
	local gen=$1 scenario=$2 rate=$3 dur=$4
	shift 4
	local out="$work/out-$gen"
	rm -rf "$out" "$work/vegeta.bin"
	if [ "$gen" = vegeta ]; then
		/usr/bin/time -f '%U %S %M' -o "$work/time" "$work/vegeta" attack -rate "$rate/1s" -duration "$dur" \
			-targets "$work/targets.txt" -output "$work/vegeta.bin" >/dev/null 2>"$work/cmd.err" || { cat "$work/cmd.err" >&2; return 1; }
		"$work/vegeta" report -type json "$work/vegeta.bin" >"$work/vegeta.json"
		python3 - "$work/vegeta.json" "$work/time" "$rate" <<-'PY'
			import json, sys
			r = json.load(open(sys.argv[1])); u, s, m = open(sys.argv[2]).read().split()[-3:]
			n = r["requests"]; errs = n - round(r["success"] * n)
			print(json.dumps({"requests": n, "sessions": n, "asked": float(sys.argv[3]), "achieved": r["rate"],
				"dropped": 0, "errors": errs, "p99": r["latencies"]["99th"] / 1e6, "cpu": float(u) + float(s), "rss": int(m)}))
		PY
		return
	fi
	local bin="$work/loyalcheck"
	[ "$gen" = before ] && bin="$work/before"
	# Exit 1 is a verdict (a breached threshold), not a failed run.
	/usr/bin/time -f '%U %S %M' -o "$work/time" "$bin" load --target "$url" --fixtures "$work/fixtures.json" \
		--scenario "$scenario" --rate "$rate/1s" --duration "$dur" --out "$out" "$@" >/dev/null 2>"$work/cmd.err" || [ -f "$out/summary.json" ] || { cat "$work/cmd.err" >&2; return 1; }
	python3 - "$out/summary.json" "$work/time" <<-'PY'
		import json, sys
		s = json.load(open(sys.argv[1])); u, c, m = open(sys.argv[2]).read().split()[-3:]
		ss = s["sessions"]
		# Every request counts: the sessions' steps plus the ledger's
		# searches before and after the run.
		n = sum(st["requests"] for st in s["steps"]) + 2 * s["ledger"]["clients"]
		errs = sum(st["unexpected"] for st in s["steps"]) + ss["failed"]
		print(json.dumps({"requests": n, "sessions": ss["completed"], "asked": s["asked_rate"], "achieved": s["achieved_rate"],
			"dropped": ss["dropped"], "errors": errs, "p99": s["session"]["latency"]["p99_ms"], "cpu": float(u) + float(c), "rss": int(m)}))
	PY
}

results="$work/results.jsonl"
: >"$results"
# measure PART GEN ROUND RUNG -- RUN-ARGS...: one run, kept for the tables.
measure() {
	local part=$1 gen=$2 round=$3 rung=$4 m
	shift 5
	m=$(run "$@") || { echo "bench-load: $part $gen at $rung failed" >&2; exit 1; }
	printf '{"part":"%s","gen":"%s","round":%s,"rung":%s,"m":%s}\n' "$part" "$gen" "$round" "$rung" "$m" >>"$results"
}

# sweep PART TAG ROUNDS RATES VEGETA SCENARIO DURATION [flags...]: every
# generator (raw vegeta too when VEGETA is yes; the flags go to loyalcheck)
# at every rate, ROUNDS times, each run on a fresh sandbox; TAG names a
# variant of loyalcheck (its flags) in the tables.
sweep() {
	local part=$1 tag=$2 rounds=$3 rates=$4 with_vegeta=$5 scenario=$6 dur=$7 round rate g
	shift 7
	for round in $(seq "$rounds"); do
		for rate in $rates; do
			for g in $gens; do
				[ "$g" = vegeta ] && { [ "$with_vegeta" = yes ] || continue; }
				start_sandbox
				measure "$part" "$g$tag" "$round" "$rate" -- "$g" "$scenario" "$rate" "$dur" "$@"
			done
		done
	done
}

for part in $PARTS; do
	case $part in
	cpu)
		echo "== cpu: search-only at $RATE/s for $DURATION, $ROUNDS round(s)" >&2
		sweep cpu "" "$ROUNDS" "$RATE" yes bench/search-only.yaml "$DURATION" --validate all
		sweep cpu -novalidate "$ROUNDS" "$RATE" no bench/search-only.yaml "$DURATION" --validate none
		;;
	ladder)
		echo "== ladder: rungs $RUNGS, $RUNG_DURATION each, fresh sandbox per rung, $ROUNDS round(s)" >&2
		sweep ladder "" "$ROUNDS" "$RUNGS" yes bench/search-only.yaml "$RUNG_DURATION" --max-in-flight 2000
		;;
	checkout)
		echo "== checkout: $CHECKOUT_RATE sessions/s for $CHECKOUT_DURATION, $ROUNDS round(s)" >&2
		sweep checkout "" "$ROUNDS" "$CHECKOUT_RATE" no checkout "$CHECKOUT_DURATION"
		;;
	rss)
		echo "== rss: search-only at $RSS_RATE/s for $RSS_DURATION" >&2
		sweep rss "" 1 "$RSS_RATE" no bench/search-only.yaml "$RSS_DURATION" --max-in-flight 2000
		;;
	*)
		echo "unknown part $part (cpu, ladder, checkout, rss)" >&2
		exit 2
		;;
	esac
done
stop_sandbox

python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def per_req(m): return m["cpu"] / m["requests"] * 1e6 if m["requests"] else float("nan")
def passes(m): return m["dropped"] == 0 and m["errors"] == 0 and m["achieved"] >= 0.95 * m["asked"]
def med(xs): return statistics.median(xs) if xs else float("nan")
gens = []
for r in rows:
    if r["gen"] not in gens: gens.append(r["gen"])

def table(part, title, cols):
    """Prints the rows of a part, one column per (header, width, format);
    a negative width aligns left. Returns the part's rows."""
    rs = [r for r in rows if r["part"] == part]
    if rs:
        print(f"\n## {title}")
        print(" ".join(f"{h:<{-w}}" if w < 0 else f"{h:>{w}}" for h, w, _ in cols))
        for r in rs:
            print(" ".join(f"{f(r, r['m']):<{-w}}" if w < 0 else f"{f(r, r['m']):>{w}}" for _, w, f in cols))
    return rs

gen = ("generator", -22, lambda r, m: r["gen"])
rnd = ("round", 5, lambda r, m: str(r["round"]))
rss_mb = ("rss_MB", 6, lambda r, m: f'{m["rss"] / 1024:.1f}')

cpu = table("cpu", "cpu: search-only, CPU per request", [gen, rnd,
    ("requests", 9, lambda r, m: str(m["requests"])), ("cpu_s", 7, lambda r, m: f'{m["cpu"]:.2f}'),
    ("us/req", 7, lambda r, m: f"{per_req(m):.1f}"), ("p99_ms", 8, lambda r, m: f'{m["p99"]:.2f}')])
if cpu:
    base = med([per_req(r["m"]) for r in cpu if r["gen"] == "vegeta"])
    for g in gens:
        xs = [per_req(r["m"]) for r in cpu if r["gen"] == g]
        if g != "vegeta" and xs:
            print(f"ratio {g:22} {med(xs) / base:.2f}x vegeta (median over rounds)")

lad = table("ladder", "ladder: strict maximum rate (0 dropped, >= 95% achieved, no errors)", [
    ("rung", 6, lambda r, m: str(r["rung"])), rnd, gen, ("pass", 4, lambda r, m: "yes" if passes(m) else "NO"),
    ("achieved", 9, lambda r, m: f'{m["achieved"]:.1f}'), ("dropped", 7, lambda r, m: str(m["dropped"])),
    ("errors", 6, lambda r, m: str(m["errors"])), ("p99_ms", 9, lambda r, m: f'{m["p99"]:.2f}'),
    ("us/req", 7, lambda r, m: f"{per_req(m):.1f}"), rss_mb])
if lad:
    by = {(r["rung"], r["round"], r["gen"]): r["m"] for r in lad}
    keys = sorted({(k[0], k[1]) for k in by})
    ran = [g for g in gens if any(k[2] == g for k in by)]
    for g in ran:
        passed = [f"{k[0]}/s (round {k[1]})" for k in keys if k + (g,) in by and passes(by[k + (g,)])]
        print(f'{g}: passed {", ".join(passed) or "no rung"}')
    for g in [g for g in ran if g != "vegeta"]:
        both = [k for k in keys if k + ("vegeta",) in by and passes(by[k + ("vegeta",)])]
        missed = [k for k in both if not (k + (g,) in by and passes(by[k + (g,)]))]
        ratios = [per_req(by[k + (g,)]) / per_req(by[k + ("vegeta",)]) for k in both if k not in missed]
        print(f"{g}: rungs missed that vegeta passed: {len(missed)} {missed}; CPU/request on rungs both passed: {med(ratios):.2f}x vegeta (median of {len(ratios)})")

table("checkout", "checkout: CPU per session", [gen, rnd,
    ("sessions", 8, lambda r, m: str(m["sessions"])), ("cpu_s", 7, lambda r, m: f'{m["cpu"]:.2f}'),
    ("us/session", 10, lambda r, m: f'{m["cpu"] / max(m["sessions"], 1) * 1e6:.1f}'), rss_mb])

table("rss", "rss: peak RSS over a long run", [gen,
    ("requests", 9, lambda r, m: str(m["requests"])), ("dropped", 7, lambda r, m: str(m["dropped"])),
    ("errors", 6, lambda r, m: str(m["errors"])), rss_mb])
PY
