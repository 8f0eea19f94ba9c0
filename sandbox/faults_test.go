package sandbox

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

// val reads a JSON number leniently: NaN when v is not one.
func val(v any) float64 {
	n, ok := v.(json.Number)
	if !ok {
		return math.NaN()
	}
	f, err := n.Float64()
	if err != nil {
		return math.NaN()
	}
	return f
}

// cid is client i's id straight from the server, for probes that must not
// depend on search behaving.
func (h *harness) cid(i int) string { return h.srv.clients[i].id }

// stored is client i's stored balance from the audit.
func (h *harness) stored(i int) int64 { return h.audit(i).Balance }

// searchBalance is client i's search balance, NaN when search fails.
func (h *harness) searchBalance(i int, holds ...string) float64 {
	body := map[string]any{"search": h.phone(i), "point": h.point(0)}
	if len(holds) > 0 {
		body["hold"] = holds
	}
	return val(h.post(api.EpSearch, body).obj("client")["balance"])
}

// holdID holds amount of client i at point 0 and returns the hold's id.
func (h *harness) holdID(i int, amount int64) string {
	a := h.post(api.EpHold, map[string]any{"client": h.cid(i), "point": h.point(0), "amount": amount})
	id, _ := a.obj("held")["id"].(string)
	return id
}

func (h *harness) retailBody(i int, amount any, spend any) map[string]any {
	return map[string]any{"client": h.cid(i), "point": h.point(0), "amount": amount, "spend": spend}
}

func (h *harness) recalcOf(i int, amount any) map[string]any {
	return h.post(api.EpRecalc, map[string]any{"client": h.cid(i), "point": h.point(0), "amount": amount}).obj("recalc")
}

func (h *harness) searchOf(i int) map[string]any {
	return h.post(api.EpSearch, map[string]any{"search": h.phone(i), "point": h.point(0)}).obj("client")
}

// probes: for each fault and quirk, a check that reports whether the
// server shows that deviation. TestFaults runs each on a server with the
// fault on (it must deviate) and on a correct one (it must not), so every
// fault is shown to change exactly the behaviour it claims.
func probes() map[string]func(h *harness) bool {
	unknownSearch := func(h *harness) answer {
		return h.post(api.EpSearch, map[string]any{"search": "00000000000", "point": h.point(0)})
	}
	return map[string]func(h *harness) bool{
		// quirks
		"auth-401": func(h *harness) bool {
			a := h.do(http.MethodPost, api.EpRelease.Path(), `{"id":"x"}`, "wrong")
			_, hasKey := a.body["apikey"]
			return a.status == 401 && hasKey
		},
		"clamp-duration": func(h *harness) bool {
			a := h.post(api.EpHold, map[string]any{"client": h.cid(cRich), "point": h.point(0), "amount": 1, "duration": 45})
			return a.status == 200 && val(a.obj("held")["until"]) == float64(t0.Unix()+1800)
		},
		"coerce-strings": func(h *harness) bool {
			a := h.post(api.EpRecalc, map[string]any{"client": h.cid(cRich), "point": h.point(0), "amount": "100"})
			b := h.post(api.EpSearch, map[string]any{"search": raw(h.phone(cRich)), "point": h.point(0)})
			return a.status == 200 && b.status == 200
		},
		"error-success-false": func(h *harness) bool {
			a := unknownSearch(h)
			return a.status == 422 && a.body["success"] == false
		},
		"extra-fields": func(h *harness) bool {
			c := h.searchOf(cRich)
			_, extra := c["extra"]
			return extra
		},
		"null-optional": func(h *harness) bool {
			c := h.searchOf(cBare)
			v, has := c["email"]
			return has && v == nil
		},
		"round-nearest": func(h *harness) bool {
			return val(h.recalcOf(cRich, 105)["earn"]) == 11 // 10.5
		},

		// faults
		"accept-zero-amount": func(h *harness) bool {
			return h.post(api.EpRetail, h.retailBody(cRich, 0, 0)).status == 200
		},
		"accrue-lost": func(h *harness) bool {
			a := h.post(api.EpRetail, h.retailBody(cRich, 100, 0))
			return val(a.obj("retail")["earn"]) == 10 && h.stored(cRich) == 5000
		},
		"bad-input-side-effect": func(h *harness) bool {
			a := h.post(api.EpRetail, h.retailBody(cRich, 100, "ten"))
			return a.status == 422 && h.stored(cRich) != 5000
		},
		"bad-json-500": func(h *harness) bool {
			return h.post(api.EpSearch, `{"search":`).status == 500
		},
		"card-not-found": func(h *harness) bool {
			return h.post(api.EpSearch, map[string]any{"search": h.fx.Clients[cRich].Card, "point": h.point(0)}).status == 422
		},
		"code-other-client": func(h *harness) bool {
			a := h.post(api.EpSearch, map[string]any{"search": h.fx.Clients[cRich].Code, "point": h.point(0)})
			return a.obj("client")["id"] != h.cid(cRich)
		},
		"discount-balance": func(h *harness) bool {
			return h.searchBalance(cDiscount) != 0
		},
		"discount-earn": func(h *harness) bool {
			return val(h.recalcOf(cDiscount, 100)["earn"]) != 0
		},
		"discount-spend": func(h *harness) bool {
			return h.post(api.EpRetail, h.retailBody(cDiscount, 100, 1)).status == 200
		},
		"discount-spend-field": func(h *harness) bool {
			return val(h.post(api.EpRetail, h.retailBody(cDiscount, 100, 0)).obj("retail")["spend"]) > 0
		},
		"earn-wrong": func(h *harness) bool {
			return val(h.recalcOf(cRich, 100)["earn"]) != 10
		},
		"error-400": func(h *harness) bool {
			return unknownSearch(h).status == 400
		},
		"error-extra": func(h *harness) bool {
			_, has := unknownSearch(h).body["code"]
			return has
		},
		"error-text": func(h *harness) bool {
			_, ok := api.ParseErrorBody(unknownSearch(h).raw)
			return !ok
		},
		"get-allowed": func(h *harness) bool {
			body := map[string]any{"search": h.phone(cRich), "point": h.point(0)}
			return h.do(http.MethodGet, api.EpSearch.Path(), body, api.SandboxAPIKey).status == 200
		},
		"hold-amount": func(h *harness) bool {
			a := h.post(api.EpHold, map[string]any{"client": h.cid(cRich), "point": h.point(0), "amount": 10})
			return val(a.obj("held")["amount"]) != 10
		},
		"hold-never-expires": func(h *harness) bool {
			h.holdID(cRich, 100)
			h.clock.Advance(11 * time.Minute)
			return h.searchBalance(cRich) == 4900
		},
		"hold-no-max": func(h *harness) bool {
			a := h.post(api.EpHold, map[string]any{"client": h.cid(cRich), "point": h.point(0), "amount": 1, "duration": 60})
			return a.status == 200 && val(a.obj("held")["until"]) == float64(t0.Unix()+3600)
		},
		"hold-overdraw": func(h *harness) bool {
			return h.post(api.EpHold, map[string]any{"client": h.cid(cRich), "point": h.point(0), "amount": 5001}).status == 200
		},
		"hold-until-ms": func(h *harness) bool {
			a := h.post(api.EpHold, map[string]any{"client": h.cid(cRich), "point": h.point(0), "amount": 1})
			return val(a.obj("held")["until"]) != float64(t0.Unix()+600)
		},
		"holds-ignored": func(h *harness) bool {
			h.holdID(cRich, 100)
			return h.searchBalance(cRich) == 5000
		},
		"holds-per-point": func(h *harness) bool {
			h.post(api.EpHold, map[string]any{"client": h.cid(cRich), "point": h.point(1), "amount": 100})
			return h.searchBalance(cRich) == 5000
		},
		"ignore-apikey": func(h *harness) bool {
			return h.do(http.MethodPost, api.EpRelease.Path(), `{"id":"x"}`, "").status == 200
		},
		"listed-hold-ignored": func(h *harness) bool {
			id := h.holdID(cRich, 100)
			return h.searchBalance(cRich, id) == 4900
		},
		"listed-hold-kept": func(h *harness) bool {
			id := h.holdID(cRich, 100)
			h.post(api.EpRetail, merge(h.retailBody(cRich, 100, 0), map[string]any{"hold": []string{id}}))
			return h.searchBalance(cRich) == 5010-100
		},
		"negative-spend": func(h *harness) bool {
			return h.post(api.EpRetail, h.retailBody(cRich, 100, -10)).status == 200
		},
		"no-success": func(h *harness) bool {
			_, has := h.post(api.EpRelease, map[string]any{"id": "x"}).body["success"]
			return !has
		},
		"numeric-ids": func(h *harness) bool {
			_, isString := h.searchOf(cRich)["id"].(string)
			return !isString
		},
		"percent-over-100": func(h *harness) bool {
			level, _ := h.searchOf(cRich)["level"].(map[string]any)
			return val(level["percent"]) > 100
		},
		"photo-number": func(h *harness) bool {
			_, isNumber := h.searchOf(cRich)["photo"].(json.Number)
			return isNumber
		},
		"racy-debit": func(h *harness) bool {
			// Clients spend everything recalc allows at once, 16 times
			// over: more than one acceptance is an overdraw.
			for _, c := range []int{cRich, cSilver, cBare} {
				var accepted sync.WaitGroup
				var mu sync.Mutex
				n := 0
				start := make(chan struct{})
				spend := val(h.recalcOf(c, 100000)["spend"])
				for range 16 {
					accepted.Add(1)
					go func() {
						defer accepted.Done()
						<-start
						if h.post(api.EpRetail, h.retailBody(c, 100000, spend)).status == 200 {
							mu.Lock()
							n++
							mu.Unlock()
						}
					}()
				}
				close(start)
				accepted.Wait()
				if n > 1 {
					return true
				}
			}
			return false
		},
		"recalc-amount": func(h *harness) bool {
			return val(h.recalcOf(cRich, 100)["amount"]) != 100
		},
		"recalc-ignore-balance": func(h *harness) bool {
			return val(h.recalcOf(cZero, 100)["spend"]) != 0
		},
		"recalc-side-effect": func(h *harness) bool {
			h.recalcOf(cRich, 100)
			return h.stored(cRich) != 5000
		},
		"recalc-spend-low": func(h *harness) bool {
			return val(h.recalcOf(cRich, 100)["spend"]) != 100
		},
		"recalc-zero-amount": func(h *harness) bool {
			return h.post(api.EpRecalc, map[string]any{"client": h.cid(cRich), "point": h.point(0), "amount": 0}).status == 200
		},
		"refused-side-effect": func(h *harness) bool {
			a := h.post(api.EpRetail, h.retailBody(cRich, 100, 101))
			return a.status == 422 && h.stored(cRich) != 5000
		},
		"reject-unknown-fields": func(h *harness) bool {
			return h.post(api.EpRelease, map[string]any{"id": "x", "comment": "hi"}).status == 422
		},
		"release-ignores-apikey": func(h *harness) bool {
			search := map[string]any{"search": h.phone(cRich), "point": h.point(0)}
			return h.do(http.MethodPost, api.EpRelease.Path(), `{"id":"x"}`, "").status == 200 &&
				h.do(http.MethodPost, api.EpSearch.Path(), search, "").status != 200
		},
		"release-noop": func(h *harness) bool {
			id := h.holdID(cRich, 100)
			h.post(api.EpRelease, map[string]any{"id": id})
			return h.searchBalance(cRich) == 4900
		},
		"release-unknown-422": func(h *harness) bool {
			return h.post(api.EpRelease, map[string]any{"id": "6592a940273c9184bbed945a"}).status == 422
		},
		"release-wrong-path": func(h *harness) bool {
			return h.post(api.EpRelease, map[string]any{"id": "x"}).status == 404
		},
		"retail-ends-all-holds": func(h *harness) bool {
			h.post(api.EpHold, map[string]any{"client": h.cid(cRich), "point": h.point(1), "amount": 100})
			h.post(api.EpRetail, h.retailBody(cRich, 100, 0))
			return h.searchBalance(cRich) == 5010
		},
		"retail-ignores-balance": func(h *harness) bool {
			return h.post(api.EpRetail, h.retailBody(cBare, 10000, 1001)).status == 200
		},
		"retail-keeps-holds": func(h *harness) bool {
			h.holdID(cRich, 100)
			h.post(api.EpRetail, h.retailBody(cRich, 100, 0))
			return h.searchBalance(cRich) == 5010-100
		},
		"spend-and-earn": func(h *harness) bool {
			_, has := h.post(api.EpRetail, h.retailBody(cRich, 100, 10)).obj("retail")["earn"]
			return has
		},
		"spend-message": func(h *harness) bool {
			a := h.post(api.EpRetail, h.retailBody(cRich, 100, 101))
			return a.status == 422 && a.body["spend"] != "Spend can't be more 100"
		},
		"total-wrong": func(h *harness) bool {
			return val(h.post(api.EpRetail, h.retailBody(cRich, 100, 10)).obj("retail")["total"]) != 90
		},
		"unknown-client-404": func(h *harness) bool {
			return unknownSearch(h).status == 404
		},
		"unknown-number-key": func(h *harness) bool {
			_, has := unknownSearch(h).body["search"]
			text := h.post(api.EpSearch, map[string]any{"search": "no-such-code", "point": h.point(0)})
			_, textOK := text.body["client"]
			return has && textOK
		},
		"unknown-point-ok": func(h *harness) bool {
			return h.post(api.EpSearch, map[string]any{"search": h.phone(cRich), "point": "nowhere"}).status == 200
		},
	}
}

// TestFaults: each fault and quirk changes the behaviour it claims, and a
// correct server does not show it.
func TestFaults(t *testing.T) {
	ps := probes()
	for _, f := range Faults() {
		probe, ok := ps[f.Name]
		if !assert.True(t, ok, "no probe for %s", f.Name) {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			assert.True(t, probe(newHarness(t, WithFaults(f.Name))), "%s on: the deviation is not observable", f.Name)
			assert.False(t, probe(newHarness(t)), "%s off: a correct server shows the deviation", f.Name)
		})
	}
	for name := range ps {
		assert.True(t, slices.Contains(faultNames(), name), "probe for unknown fault %s", name)
	}
}

func faultNames() []string {
	var names []string
	for _, f := range Faults() {
		names = append(names, f.Name)
	}
	return names
}

// TestFaultCatalogue: every fault constant is described once, names are
// unique and sorted, and rules exist in the catalogue of SPEC rules.
func TestFaultCatalogue(t *testing.T) {
	seen := map[fault]bool{}
	for _, d := range catalogue() {
		assert.False(t, seen[d.f], "fault %d twice", d.f)
		seen[d.f] = true
		assert.Regexp(t, `^[a-z0-9]+(-[a-z0-9]+)*$`, d.info.Name)
		assert.NotEmpty(t, d.info.Rules, d.info.Name)
		assert.NotEmpty(t, d.info.Description, d.info.Name)
		for _, r := range d.info.Rules {
			_, ok := api.RuleByID(r)
			assert.True(t, ok, "%s names unknown rule %s", d.info.Name, r)
		}
	}
	assert.Len(t, seen, int(numFaults))
	names := faultNames()
	assert.True(t, sort.StringsAreSorted(names))
	for i := 1; i < len(names); i++ {
		assert.NotEqual(t, names[i-1], names[i])
	}
	// Every rule of SPEC.md is broken by at least one fault or quirk.
	covered := map[string]bool{}
	for _, f := range Faults() {
		for _, r := range f.Rules {
			covered[r] = true
		}
	}
	for _, r := range api.Rules() {
		assert.True(t, covered[r.ID], "no fault breaks %s", r.ID)
	}
}

func TestUnknownFault(t *testing.T) {
	_, err := New(WithDB(MemoryDB), WithFaults("no-such-fault"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no-such-fault")
	assert.True(t, strings.Contains(err.Error(), "racy-debit"), "lists the known faults: %v", err)
}
