package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"time"

	"loyalcheck/api"
	"loyalcheck/sandbox"
	"loyalcheck/schemas"
)

// exchange is one request and the sandbox's answer, as example data.
type exchange struct {
	request  any
	status   int
	response any
}

// examples are each endpoint's success and refusal exchange.
type examples map[api.Endpoint][2]exchange // [0] the 200, [1] the 422

// exampleTime is the sandbox clock's reading while the examples are taken:
// a hold's until and id derive from it, so the document does not change
// from one generation to the next.
var exampleTime = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// exampleHoldID stands for the hold id the sandbox answered: the sandbox
// draws 64 random bits per hold (ids stay unique across restarts), which
// would make the document change at every generation. It has the same
// shape, its first 8 hex digits the creation time as the sandbox's.
var exampleHoldID = fmt.Sprintf("%08x%016x", exampleTime.Unix(), 1)

// holdIDShape is what a sandbox hold id looks like.
var holdIDShape = regexp.MustCompile(`^[0-9a-f]{24}$`)

// takeExamples runs the calls of a checkout against an in-process sandbox
// with the default seed and fixtures (what 'loyalcheck sandbox' serves) on
// a stopped clock, one success and one refusal per endpoint.
func takeExamples(ctx context.Context) (examples, error) {
	srv, err := sandbox.New(sandbox.WithDB(sandbox.MemoryDB), sandbox.WithSeed(sandbox.DefaultSeed),
		sandbox.WithClients(sandbox.DefaultClients), sandbox.WithPoints(sandbox.DefaultPoints),
		sandbox.WithClock(sandbox.NewManualClock(exampleTime)))
	if err != nil {
		return nil, fmt.Errorf("examples: %w", err)
	}
	ex, err := takeFrom(ctx, srv)
	return ex, errors.Join(err, srv.Close())
}

func takeFrom(ctx context.Context, srv *sandbox.Server) (examples, error) {
	fx := srv.Fixtures()
	var who *api.FixtureClient
	for i := range fx.Clients {
		if fx.Clients[i].Type == api.TypeCashback && fx.Clients[i].Phone != "" {
			who = &fx.Clients[i]
			break
		}
	}
	if who == nil {
		return nil, errors.New("examples: the sandbox has no cashback client with a phone")
	}
	point := fx.Points[0]
	out := examples{}
	call := func(ep api.Endpoint, req any, want int, dst any) (exchange, error) {
		body, err := json.Marshal(req)
		if err != nil {
			return exchange{}, err
		}
		r := httptest.NewRequestWithContext(ctx, http.MethodPost, ep.Path(), bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("apikey", api.SandboxAPIKey)
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, r)
		if w.Code != want {
			return exchange{}, fmt.Errorf("examples: %s answered %d, want %d: %s", ep, w.Code, want, w.Body.Bytes())
		}
		if dst != nil {
			if err := json.Unmarshal(w.Body.Bytes(), dst); err != nil {
				return exchange{}, fmt.Errorf("examples: %s: %w", ep, err)
			}
		}
		reqData, err := schemas.DecodeData(body)
		if err != nil {
			return exchange{}, err
		}
		respData, err := schemas.DecodeData(w.Body.Bytes())
		if err != nil {
			return exchange{}, fmt.Errorf("examples: %s: %w", ep, err)
		}
		return exchange{request: reqData, status: w.Code, response: respData}, nil
	}
	pair := func(ep api.Endpoint, ok, refused any, dst any) error {
		good, err := call(ep, ok, http.StatusOK, dst)
		if err != nil {
			return err
		}
		bad, err := call(ep, refused, http.StatusUnprocessableEntity, nil)
		if err != nil {
			return err
		}
		out[ep] = [2]exchange{good, bad}
		return nil
	}

	var found api.SearchResponse
	if err := pair(api.EpSearch,
		api.SearchRequest{Search: who.Phone, Point: point},
		api.SearchRequest{Search: "79200000000", Point: point}, // no fixture phone: S1
		&found); err != nil {
		return nil, err
	}
	id := found.Client.ID
	const amount = 1000
	var quote api.RecalcResponse
	if err := pair(api.EpRecalc,
		api.RecalcRequest{Client: id, Point: point, Amount: amount},
		api.RecalcRequest{Client: id, Point: point, Amount: 0}, // C7
		&quote); err != nil {
		return nil, err
	}
	var held api.HoldResponse
	minutes, tooLong := 10, 31
	half := math.Floor(quote.Recalc.Spend / 2) // points are whole
	if err := pair(api.EpHold,
		api.HoldRequest{Client: id, Point: point, Amount: half, Duration: &minutes},
		api.HoldRequest{Client: id, Point: point, Amount: half, Duration: &tooLong}, // H3
		&held); err != nil {
		return nil, err
	}
	holdID := held.Held.ID
	if !holdIDShape.MatchString(holdID) {
		return nil, fmt.Errorf("examples: hold id %q is not 24 hex digits", holdID)
	}
	if err := pair(api.EpRetail,
		api.RetailRequest{Client: id, Point: point, Amount: amount, Spend: quote.Recalc.Spend, Hold: []string{holdID}},
		api.RetailRequest{Client: id, Point: point, Amount: amount, Spend: quote.Recalc.Spend + 1}, // RT1
		nil); err != nil {
		return nil, err
	}
	if err := pair(api.EpRelease,
		api.ReleaseRequest{ID: holdID}, // consumed by the retail: still a success (H7)
		map[string]any{"id": 1},        // not a string (G8)
		nil); err != nil {
		return nil, err
	}
	for ep, p := range out {
		for i := range p {
			p[i].request = replaceString(p[i].request, holdID, exampleHoldID)
			p[i].response = replaceString(p[i].response, holdID, exampleHoldID)
		}
		out[ep] = p
	}
	return out, nil
}

// replaceString replaces every string equal to old in JSON data.
func replaceString(v any, old, repl string) any {
	switch x := v.(type) {
	case string:
		if x == old {
			return repl
		}
	case map[string]any:
		for k, e := range x {
			x[k] = replaceString(e, old, repl)
		}
	case []any:
		for i, e := range x {
			x[i] = replaceString(e, old, repl)
		}
	}
	return v
}
