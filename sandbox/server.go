package sandbox

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"loyalcheck/api"
)

// Server is the reference implementation of the five endpoints over one
// store. Reads (search, recalc) are served from an in-memory mirror of the
// committed state under a read lock; every state change goes through one
// store transaction under a write mutex and reaches the mirror only once
// committed (see write and apply).
type Server struct {
	cfg    config
	faults faultSet
	clock  Clock
	key    []byte
	st     *store
	info   StoreInfo

	// Fixed at New: fixtures and their indexes.
	points   map[string]bool
	clients  []*client
	byID     map[string]*client
	byPhone  map[string]*client
	byCard   map[string]*client
	byCode   map[string]*client
	fixtures *api.Fixtures

	wmu   sync.Mutex       // serialises state changes (store transaction + mirror update)
	mu    sync.RWMutex     // guards balances and holds of the mirror
	holds map[string]*hold // holds not yet ended, by id

	closeOnce sync.Once
	closeErr  error
}

// StoreInfo describes the store a Server runs on.
type StoreInfo struct {
	Seed    int64
	Clients int
	Points  int
	// Reused is true when the database already existed: its stored
	// fixtures and state were kept and WithSeed, WithClients and
	// WithPoints were ignored.
	Reused bool
}

// New opens (or creates and seeds) the store and returns a Server ready to
// serve with Handler.
func New(opts ...Option) (*Server, error) {
	return newServer(context.Background(), opts...)
}

func newServer(ctx context.Context, opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	faults, err := parseFaults(cfg.faults)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	st, meta, err := openStore(ctx, &cfg)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	s := &Server{
		cfg:    cfg,
		faults: faults,
		clock:  cfg.clock,
		key:    []byte(cfg.apiKey),
		st:     st,
		info:   StoreInfo{Seed: meta.seed, Clients: meta.clients, Points: meta.points, Reused: meta.reused},
	}
	sn, err := st.load(ctx)
	if err == nil {
		err = s.mirror(sn)
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("sandbox: %w", err), st.close())
	}
	return s, nil
}

// mirror builds the in-memory state from a snapshot of the store.
func (s *Server) mirror(sn *snapshot) error {
	levels := map[string]*level{}
	for i := range sn.levels {
		levels[sn.levels[i].id] = &sn.levels[i]
	}
	s.points = make(map[string]bool, len(sn.points))
	for _, p := range sn.points {
		s.points[p] = true
	}
	n := len(sn.clients)
	s.clients = make([]*client, 0, n)
	s.byID = make(map[string]*client, n)
	s.byPhone = make(map[string]*client, n)
	s.byCard = make(map[string]*client, n)
	s.byCode = make(map[string]*client, n)
	for _, r := range sn.clients {
		l := levels[r.level]
		if l == nil {
			return fmt.Errorf("client %s: unknown level %s", r.id, r.level)
		}
		phone, err := strconv.ParseInt(r.phone, 10, 64)
		if err != nil {
			return fmt.Errorf("client %s: phone %q: %w", r.id, r.phone, err)
		}
		c := &client{
			idx: r.idx, id: r.id, name: r.name, photo: r.photo, birthday: r.birthday, email: r.email,
			phone: r.phone, phoneNum: phone, card: r.card, code: r.code, level: l,
			initial: r.initial, balance: r.balance,
		}
		s.clients = append(s.clients, c)
		s.byID[c.id] = c
		s.byPhone[c.phone] = c
		s.byCard[c.card] = c
		s.byCode[c.code] = c
	}
	if len(s.clients) == 0 || len(s.points) == 0 {
		return errors.New("store holds no clients or no points")
	}
	s.holds = make(map[string]*hold, len(sn.holds))
	for _, r := range sn.holds {
		c := s.byID[r.client]
		if c == nil {
			return fmt.Errorf("hold %s: unknown client %s", r.id, r.client)
		}
		h := &hold{id: r.id, client: c, point: r.point, amount: r.amount,
			created: time.UnixMilli(r.createdMs), until: r.until}
		c.holds = append(c.holds, h)
		s.holds[h.id] = h
	}
	s.fixtures = fixturesOf(sn.points, s.clients)
	return nil
}

// Handler returns the HTTP handler serving the five endpoints.
func (s *Server) Handler() http.Handler { return s }

// Fixtures returns the points and clients the store holds, in client
// order. The result is the caller's to modify.
func (s *Server) Fixtures() *api.Fixtures {
	f := &api.Fixtures{
		Points:  append([]string(nil), s.fixtures.Points...),
		Clients: append([]api.FixtureClient(nil), s.fixtures.Clients...),
	}
	return f
}

// StoreInfo describes the fixtures the store holds.
func (s *Server) StoreInfo() StoreInfo { return s.info }

// FaultNames returns the faults and quirks the server runs with, sorted.
func (s *Server) FaultNames() []string { return s.faults.names() }

// Close closes the store (removing a temporary database). Requests served
// after Close answer 500. Calling Close again returns the first result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.wmu.Lock()
		defer s.wmu.Unlock()
		s.closeErr = s.st.close()
	})
	return s.closeErr
}

// ServeHTTP routes a request: path (404), method (405), apikey (G2/G3),
// body (B1), then the endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		// A bug must still answer; never take the connection down.
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.writeError(w, internalError(fmt.Errorf("panic: %v", v)))
		}
	}()
	ep, ok := s.route(r.URL.Path)
	if !ok {
		s.writeError(w, &apiError{status: http.StatusNotFound, field: "path", msg: "Not found."})
		return
	}
	if r.Method != http.MethodPost && !(r.Method == http.MethodGet && s.faults.has(faultGetAllowed)) {
		w.Header().Set("Allow", http.MethodPost)
		s.writeError(w, &apiError{status: http.StatusMethodNotAllowed, field: "method",
			msg: "Method " + r.Method + " not allowed; use POST."})
		return
	}
	if e := s.authorize(r); e != nil && !(ep == api.EpRelease && s.faults.has(faultReleaseIgnoresAPIKey)) {
		s.writeError(w, e)
		return
	}
	if d := s.cfg.delays[ep]; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	fields, e := s.readBody(w, r)
	if e != nil {
		s.writeError(w, e)
		return
	}
	var (
		key     string
		payload obj
	)
	switch ep {
	case api.EpSearch:
		key, payload, e = s.search(fields)
	case api.EpRecalc:
		key, payload, e = s.recalc(fields)
	case api.EpHold:
		key, payload, e = s.hold(fields)
	case api.EpRelease:
		key, payload, e = s.release(fields)
	case api.EpRetail:
		key, payload, e = s.retail(fields)
	}
	if e != nil {
		s.writeError(w, e)
		return
	}
	s.writeOK(w, key, payload)
}

// releaseWrongPath is where the release-wrong-path fault serves release.
const releaseWrongPath = "/integration/general/bonuses/unhold"

func (s *Server) route(path string) (api.Endpoint, bool) {
	if s.faults.has(faultReleaseWrongPath) {
		switch path {
		case api.EpRelease.Path():
			return "", false
		case releaseWrongPath:
			return api.EpRelease, true
		}
	}
	return api.EndpointForPath(path)
}

// authorize checks the apikey header (G2): a missing or wrong key is
// refused before anything else is looked at (G3).
func (s *Server) authorize(r *http.Request) *apiError {
	if s.faults.has(faultIgnoreAPIKey) {
		return nil
	}
	got := r.Header.Get("apikey")
	if got != "" && subtle.ConstantTimeCompare([]byte(got), s.key) == 1 {
		return nil
	}
	e := refuse("apikey", "Invalid apikey.")
	if s.faults.has(faultAuth401) {
		e.status = http.StatusUnauthorized
	}
	return e
}

// checkPoint refuses an unknown point (S2).
func (s *Server) checkPoint(point string) *apiError {
	if s.points[point] || s.faults.has(faultUnknownPointOK) {
		return nil
	}
	return refuse("point", api.MsgPointNotFound)
}

func (s *Server) clientNotFound() *apiError {
	e := refuse("client", api.MsgClientNotFound)
	if s.faults.has(faultUnknownClient404) {
		e.status = http.StatusNotFound
	}
	return e
}

// clientByID finds the client a request names by id (S1).
func (s *Server) clientByID(id string) (*client, *apiError) {
	if c := s.byID[id]; c != nil {
		return c, nil
	}
	if s.faults.has(faultNumericIDs) {
		// The numeric ids that fault's search hands out.
		if n, err := strconv.Atoi(id); err == nil && n >= 1 && n <= len(s.clients) {
			return s.clients[n-1], nil
		}
	}
	return nil, s.clientNotFound()
}

// clientBySearch finds a client by phone, card number or app code (S5).
func (s *Server) clientBySearch(q string) (*client, *apiError) {
	if c := s.byPhone[q]; c != nil {
		return c, nil
	}
	if c := s.byCard[q]; c != nil && !s.faults.has(faultCardNotFound) {
		return c, nil
	}
	if c := s.byCode[q]; c != nil {
		if s.faults.has(faultCodeOtherClient) {
			c = s.clients[(c.idx+1)%len(s.clients)]
		}
		return c, nil
	}
	if s.faults.has(faultUnknownNumberKey) && q != "" && strings.Trim(q, "0123456789") == "" {
		return nil, refuse("search", api.MsgClientNotFound)
	}
	return nil, s.clientNotFound()
}

// clientField reads the client field; the numeric-ids fault also takes
// the number its search hands out.
func (s *Server) clientField(rd *reader) string {
	if s.faults.has(faultNumericIDs) && rd.err == nil {
		if raw, ok := rd.field("client"); ok && jsonKind(raw) == '0' {
			return string(raw)
		}
	}
	return rd.str("client")
}

// clientAt finishes reading such a request, refusing in the order every
// endpoint does: the first field error, an unknown point (S2), then an
// unknown client (S1).
func (s *Server) clientAt(rd *reader, id, point string) (*client, *apiError) {
	if rd.err != nil {
		return nil, rd.err
	}
	if e := s.checkPoint(point); e != nil {
		return nil, e
	}
	return s.clientByID(id)
}
