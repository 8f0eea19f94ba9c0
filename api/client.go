package api

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults of a Client.
const (
	DefaultTimeout = 10 * time.Second
	DefaultMaxBody = 1 << 20
	// DefaultMaxConns bounds idle keep-alive connections to the target; a
	// load run keeps about as many requests in flight as it has sessions.
	DefaultMaxConns = 512
)

// Client calls the loyalty API. It is safe for concurrent use. Every call
// returns the Exchange (what was sent and what came back, verbatim) next to
// the decoded answer, because a checker must judge what the server actually
// sent: decoding alone would hide a wrongly typed field.
type Client struct {
	base     string
	key      string
	timeout  time.Duration
	maxBody  int64
	maxConns int
	// initialConns and connGrowth pace the connections (conns.go).
	initialConns int
	connGrowth   time.Duration
	gate         *gate
	dials        *dialPacer
	answers      map[Endpoint]*answerMemo // read-only once built
	urls         map[Endpoint]string      // read-only once built
	header       http.Header
	tls          *tls.Config
	tr           *http.Transport
	hc           *http.Client
	// readOnly refuses hold, release and retail before anything is sent.
	readOnly bool
	// red redacts the key from what the target sends, where it comes in.
	red *Redactor
}

// Option configures a Client.
type Option func(*Client)

// WithAPIKey sets the value of the apikey header (G2).
func WithAPIKey(key string) Option { return func(c *Client) { c.key = key } }

// WithTimeout bounds each request, from sending to the last byte read.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithMaxBody caps how many bytes of a response body are read (after
// any Content-Encoding is undone, so a gzip bomb is cut too): a longer
// body is an answer cut at the cap, marked Truncated, for the caller to
// judge; the target cannot exhaust memory.
func WithMaxBody(n int64) Option { return func(c *Client) { c.maxBody = n } }

// WithMaxConns bounds the connections to the target, and so the requests
// on the wire at once (default DefaultMaxConns); more wait for a
// connection (see WithConnPacing).
func WithMaxConns(n int) Option { return func(c *Client) { c.maxConns = n } }

// WithTLSConfig sets how the client verifies an https target and which
// certificate it presents (see LoadTLSConfig). Verification cannot be
// turned off: InsecureSkipVerify in cfg is refused by NewClient.
func WithTLSConfig(cfg *tls.Config) Option { return func(c *Client) { c.tls = cfg } }

// WithReadOnly makes the client refuse every call that may change the
// target (hold, release, retail) with ErrReadOnly, before sending it: the
// last line of defence of --read-only, whatever the caller does.
func WithReadOnly(on bool) Option { return func(c *Client) { c.readOnly = on } }

// ErrReadOnly is returned by a read-only client asked to send a hold,
// release or retail.
var ErrReadOnly = errors.New("not sent: read-only (only search and recalc are allowed)")

// ReadOnly reports whether the client refuses hold, release and retail.
func (c *Client) ReadOnly() bool { return c.readOnly }

// NewClient returns a client for the API served at baseURL (scheme, host
// and an optional path prefix, e.g. http://127.0.0.1:8080). The client
// never follows a redirect: the apikey header would go along to wherever
// the target points, so a 3xx is returned as the answer.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	// url.Parse's own messages ("first path segment in URL cannot contain
	// colon" for host:port) describe the parser, not the mistake: a
	// missing scheme.
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		shown := baseURL
		if err == nil {
			shown = u.Redacted()
		}
		return nil, fmt.Errorf("target %q: target must be an http(s) URL with a host, e.g. http://127.0.0.1:8080", shown)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		// The base URL goes into every report: no secret may ride in it.
		return nil, fmt.Errorf("target %s: give a plain base URL without credentials, query or fragment (the apikey belongs in %s)", u.Redacted(), APIKeyEnv)
	}
	c := &Client{
		base:         strings.TrimRight(baseURL, "/"),
		timeout:      DefaultTimeout,
		maxBody:      DefaultMaxBody,
		maxConns:     DefaultMaxConns,
		initialConns: DefaultInitialConns,
		connGrowth:   DefaultConnGrowth,
	}
	for _, o := range opts {
		o(c)
	}
	if c.tls != nil && c.tls.InsecureSkipVerify {
		return nil, errors.New("api: certificate verification cannot be turned off")
	}
	if c.maxConns < 1 {
		return nil, fmt.Errorf("api: the connection cap must be at least 1, not %d", c.maxConns)
	}
	c.red = NewRedactor(c.key)
	// Every request's headers, cloned per request (one copy, not a Set
	// per header).
	c.header = http.Header{}
	c.header.Set("Content-Type", "application/json")
	c.header.Set("Accept", "application/json")
	c.header.Set("apikey", c.key)
	c.answers, c.urls = map[Endpoint]*answerMemo{}, map[Endpoint]string{}
	for _, ep := range Endpoints() {
		c.answers[ep] = newAnswerMemo()
		c.urls[ep] = c.base + ep.Path()
	}
	c.gate = newGate(c.initialConns, c.maxConns, c.connGrowth)
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	c.dials = newDialPacer(dialer.DialContext, c.initialConns, c.connGrowth)
	c.tr = newTransport(c.maxConns, c.tls, c.dials.DialContext)
	c.hc = &http.Client{Transport: c.tr, CheckRedirect: refuseRedirect}
	return c, nil
}

// refuseRedirect makes a 3xx the answer: Go's client drops only
// Authorization and Cookie when a redirect leaves the host, never the
// custom apikey header.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// newTransport returns an HTTP transport tuned for many concurrent
// keep-alive requests to one host.
func newTransport(maxConns int, tc *tls.Config, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Transport {
	if tc != nil {
		tc = tc.Clone()
	}
	return &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         dial,
		TLSClientConfig:     tc,
		MaxIdleConns:        maxConns,
		MaxIdleConnsPerHost: maxConns,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 5 * time.Second,
	}
}

// Timeout is how long a call waits for its answer unless told otherwise.
func (c *Client) Timeout() time.Duration { return c.timeout }

// CloseIdleConnections closes the keep-alive connections the client
// holds, e.g. before an embedded sandbox shuts down (which waits for them).
func (c *Client) CloseIdleConnections() { c.tr.CloseIdleConnections() }

// URL returns the endpoint's URL at the target (the five endpoints' are
// built once, not per request).
func (c *Client) URL(ep Endpoint) string {
	if u, ok := c.urls[ep]; ok {
		return u
	}
	return c.base + ep.Path()
}

// BaseURL returns the target's base URL.
func (c *Client) BaseURL() string { return c.base }

// Redactor returns the redactor of the client's apikey, for callers that
// read answers of the target by other means.
func (c *Client) Redactor() *Redactor { return c.red }

// Exchange is one request and its answer, verbatim but for the apikey: a
// target that echoes the key gets it redacted from Body (see Redactor),
// so the exchange can go into evidence and reports as it is.
type Exchange struct {
	Endpoint Endpoint      `json:"endpoint"`
	URL      string        `json:"url"`
	Request  []byte        `json:"-"`
	Status   int           `json:"status"`
	Body     []byte        `json:"-"`
	Start    time.Time     `json:"start"`
	Latency  time.Duration `json:"latency"`
	// KeySent says which apikey header went out: "configured", "none" or
	// "other" (a deliberately wrong key); never the key itself.
	KeySent string `json:"key_sent"`
	// Method is set when the request was not a POST (a raw probe).
	Method string `json:"method,omitempty"`
	// Redirect is the host a 3xx answer pointed to (its Location resolved
	// against the request URL), or "(no Location)"; the redirect was not
	// followed.
	Redirect string `json:"redirect,omitempty"`
	// Truncated says the body was longer than the client's cap: Body holds
	// its first bytes only.
	Truncated bool `json:"truncated,omitempty"`
}

// IsRedirect reports a 3xx answer.
func (ex *Exchange) IsRedirect() bool { return ex.Status >= 300 && ex.Status < 400 }

// CallOption changes one call.
type CallOption func(*call)

type call struct {
	key     string
	keySet  bool
	noKey   bool
	method  string
	timeout time.Duration
}

// WithoutKey sends the request with no apikey header (G3 checks).
func WithoutKey() CallOption { return func(c *call) { c.noKey = true } }

// WithKey sends key instead of the configured apikey (G3 checks).
func WithKey(key string) CallOption { return func(c *call) { c.key, c.keySet = key, true } }

// WithMethod sends the request with another HTTP method than POST (G1
// checks that the endpoints are POST only).
func WithMethod(m string) CallOption { return func(c *call) { c.method = m } }

// WithCallTimeout bounds this call by d instead of the client's timeout:
// a write whose answer may carry a hold id is worth waiting for longer
// than a measurement would.
func WithCallTimeout(d time.Duration) CallOption { return func(c *call) { c.timeout = d } }

// TransportError is a request that got no HTTP answer: the target is
// unreachable, the call timed out, or the body could not be read.
type TransportError struct {
	Endpoint Endpoint
	Err      error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s: %v%s", e.Endpoint, e.Err, tlsHint(e.Err))
}
func (e *TransportError) Unwrap() error { return e.Err }

// ErrBodyTooLarge is wrapped by a DecodeError when a 200 answer's body is
// longer than the client's cap.
var ErrBodyTooLarge = errors.New("response body too large")

// Do sends body to the endpoint and returns the exchange. A non-nil error
// is always a *TransportError: no answer came. Any HTTP status, 3xx and
// 5xx included, is an answer and comes back with a nil error for the
// caller to judge; so is a body over the cap (Exchange.Truncated). A write
// refused by a read-only client is a *TransportError wrapping ErrReadOnly.
func (c *Client) Do(ctx context.Context, ep Endpoint, body []byte, opts ...CallOption) (*Exchange, error) {
	var o call
	for _, f := range opts {
		f(&o)
	}
	ex := &Exchange{Endpoint: ep, URL: c.URL(ep), Request: body, KeySent: "configured"}
	if c.readOnly && (ep.Writes() || !ep.Valid()) {
		return ex, &TransportError{Endpoint: ep, Err: ErrReadOnly}
	}
	method := http.MethodPost
	if o.method != "" && o.method != method {
		method, ex.Method = o.method, o.method
	}
	timeout := c.timeout
	if o.timeout > 0 {
		timeout = o.timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, ex.URL, bytes.NewReader(body))
	if err != nil {
		return ex, &TransportError{Endpoint: ep, Err: err}
	}
	req.Header = c.header.Clone()
	switch {
	case o.noKey:
		ex.KeySent = "none"
		req.Header.Del("apikey")
	case o.keySet:
		ex.KeySent = "other"
		req.Header.Set("apikey", o.key)
	}
	// The request's time starts before it waits for a connection: the wait
	// is part of what it took to get an answer.
	ex.Start = time.Now()
	if err := c.gate.acquire(ctx); err != nil {
		ex.Latency = time.Since(ex.Start)
		return ex, &TransportError{Endpoint: ep, Err: err}
	}
	defer c.gate.release()
	resp, err := c.hc.Do(req)
	if err != nil {
		ex.Latency = time.Since(ex.Start)
		return ex, &TransportError{Endpoint: ep, Err: c.red.Err(scrubURLError(err))}
	}
	defer resp.Body.Close()
	ex.Status = resp.StatusCode
	if ex.IsRedirect() {
		ex.Redirect = "(no Location)"
		if loc, err := resp.Location(); err == nil {
			ex.Redirect = c.red.Text(loc.Host) // a hostile target may put the key in it
		}
	}
	ex.Body, ex.Truncated, err = readCapped(resp.Body, c.maxBody)
	ex.Latency = time.Since(ex.Start)
	// Redacted here, where the answer enters the product, so judging,
	// evidence and every message built from it see the same text.
	ex.Body = c.red.Body(ex.Body)
	if err != nil {
		return ex, &TransportError{Endpoint: ep, Err: c.red.Err(err)}
	}
	return ex, nil
}

// scrubURLError drops the *url.Error wrapper, whose message repeats the
// method and URL that the TransportError already names.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// readCapped reads at most max bytes; truncated says there was more, which
// is not read (the connection is dropped rather than drained).
func readCapped(r io.Reader, max int64) (b []byte, truncated bool, err error) {
	b, err = io.ReadAll(io.LimitReader(r, max+1))
	if int64(len(b)) > max {
		return b[:max], true, nil
	}
	if err != nil {
		return b, false, fmt.Errorf("reading body: %w", err)
	}
	return b, false, nil
}

// StatusError is an answer other than 200: Fields holds the error body's
// field -> message pairs when it has that shape (G4).
type StatusError struct {
	Endpoint Endpoint
	Status   int
	Fields   map[string]string
	Body     []byte
	// Redirect is the host a 3xx pointed to (not followed).
	Redirect string
}

func (e *StatusError) Error() string {
	if e.Redirect != "" {
		return fmt.Sprintf("%s: HTTP %d redirect to %s (not followed)", e.Endpoint, e.Status, e.Redirect)
	}
	if len(e.Fields) > 0 {
		parts := make([]string, 0, len(e.Fields))
		for _, k := range sortedKeys(e.Fields) {
			parts = append(parts, k+": "+e.Fields[k])
		}
		return fmt.Sprintf("%s: HTTP %d: %s", e.Endpoint, e.Status, strings.Join(parts, "; "))
	}
	return fmt.Sprintf("%s: HTTP %d: %s", e.Endpoint, e.Status, Snippet(e.Body, 120))
}

// RefusesKey reports whether the answer is the target refusing the apikey
// (401, 403, or an error body naming the apikey field).
func (e *StatusError) RefusesKey() bool {
	return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden || e.Has("apikey")
}

// Has reports whether the error body names field.
func (e *StatusError) Has(field string) bool { _, ok := e.Fields[field]; return ok }

// DecodeError is a 200 answer whose body does not decode into the
// endpoint's response type.
type DecodeError struct {
	Endpoint Endpoint
	Err      error
	Body     []byte
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("%s: undecodable 200 answer: %v", e.Endpoint, e.Err)
}
func (e *DecodeError) Unwrap() error { return e.Err }

// Mistyped reports a 200 answer that decoded but for a mistyped field:
// encoding/json fills every other field, so the answer is still usable.
func Mistyped(err error) bool {
	var de *DecodeError
	var te *json.UnmarshalTypeError
	return errors.As(err, &de) && errors.As(de.Err, &te)
}

// send marshals req, sends it and returns the exchange of a 200 answer
// ready to decode; any other answer is a *StatusError, a body over the
// cap a *DecodeError.
func (c *Client) send(ctx context.Context, ep Endpoint, req any, opts ...CallOption) (*Exchange, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("%s: encoding request: %w", ep, err)
	}
	ex, err := c.Do(ctx, ep, body, opts...)
	if err != nil {
		return ex, err
	}
	if ex.Status != http.StatusOK {
		var fields map[string]string
		if !ex.Truncated {
			fields, _ = ParseErrorBody(ex.Body)
		}
		return ex, &StatusError{Endpoint: ep, Status: ex.Status, Fields: fields, Body: ex.Body, Redirect: ex.Redirect}
	}
	if ex.Truncated {
		return ex, &DecodeError{Endpoint: ep, Err: fmt.Errorf("%w: over %d bytes", ErrBodyTooLarge, c.maxBody), Body: ex.Body}
	}
	return ex, nil
}

// callAs sends req and decodes a 200 answer into a T.
func callAs[T any](ctx context.Context, c *Client, ep Endpoint, req any, opts []CallOption) (*T, *Exchange, error) {
	var r T
	ex, err := c.send(ctx, ep, req, opts...)
	if err != nil {
		return &r, ex, err
	}
	if err := decodeAnswer(c.answers[ep], ex.Body, &r); err != nil {
		return &r, ex, &DecodeError{Endpoint: ep, Err: err, Body: ex.Body}
	}
	return &r, ex, nil
}

// Search finds a client by phone, card or app code.
func (c *Client) Search(ctx context.Context, req SearchRequest, opts ...CallOption) (*SearchResponse, *Exchange, error) {
	return callAs[SearchResponse](ctx, c, EpSearch, req, opts)
}

// Recalc previews an operation.
func (c *Client) Recalc(ctx context.Context, req RecalcRequest, opts ...CallOption) (*RecalcResponse, *Exchange, error) {
	return callAs[RecalcResponse](ctx, c, EpRecalc, req, opts)
}

// Hold holds points of a client.
func (c *Client) Hold(ctx context.Context, req HoldRequest, opts ...CallOption) (*HoldResponse, *Exchange, error) {
	return callAs[HoldResponse](ctx, c, EpHold, req, opts)
}

// Release ends a hold.
func (c *Client) Release(ctx context.Context, req ReleaseRequest, opts ...CallOption) (*ReleaseResponse, *Exchange, error) {
	return callAs[ReleaseResponse](ctx, c, EpRelease, req, opts)
}

// Retail creates an operation: a spend, or an accrual when Spend is 0.
func (c *Client) Retail(ctx context.Context, req RetailRequest, opts ...CallOption) (*RetailResponse, *Exchange, error) {
	return callAs[RetailResponse](ctx, c, EpRetail, req, opts)
}
