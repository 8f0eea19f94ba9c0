// Package sandbox is the reference implementation of the loyalty
// "general integration" REST API (SPEC.md): the five endpoints over a
// SQLite store, with deterministic fixtures, an injectable clock, and
// named faults that each break one rule, so checkers can be shown to
// catch them.
//
// A Sandbox serves a Server on a loopback port; commands use one as their
// default target and `loyalcheck sandbox` runs one standalone.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"loyalcheck/api"
)

// shutdownGrace bounds how long Close waits for requests in flight.
const shutdownGrace = 5 * time.Second

// Sandbox is a Server listening on a TCP port.
type Sandbox struct {
	srv   *Server
	hs    *http.Server
	url   string
	done  chan struct{} // closed when Serve has returned
	serve error         // Serve's error, once done

	closeOnce sync.Once
	closeErr  error

	// conns tracks connections that have not sent a request yet: net/http's
	// Shutdown waits up to 5 s for such a connection to become idle, and a
	// client's transport often dials one it never uses.
	mu    sync.Mutex
	fresh map[net.Conn]struct{}
	// clients were made by Client; Close closes their idle connections.
	clients []*api.Client
}

// Start opens the store, listens on the configured address and serves in
// the background until Close. ctx bounds the start only: cancelling it
// later does not stop the sandbox, so a command can still query it while
// it winds down after an interrupt.
func Start(ctx context.Context, opts ...Option) (*Sandbox, error) {
	srv, err := newServer(ctx, opts...)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", srv.cfg.addr)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("sandbox: listen: %w", err), srv.Close())
	}
	sb := &Sandbox{
		srv: srv,
		hs: &http.Server{
			Handler:           srv,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			MaxHeaderBytes:    64 << 10,
			// net/http's own complaints (bad TLS hellos, accept
			// hiccups) would otherwise land on the host command's
			// stderr, in the middle of its report.
			ErrorLog: log.New(io.Discard, "", 0),
		},
		url:   "http://" + ln.Addr().String(),
		done:  make(chan struct{}),
		fresh: map[net.Conn]struct{}{},
	}
	sb.hs.ConnState = sb.track
	go func() {
		defer close(sb.done)
		if err := sb.hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			sb.serve = err
		}
	}()
	return sb, nil
}

func (sb *Sandbox) track(c net.Conn, st http.ConnState) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if st == http.StateNew {
		sb.fresh[c] = struct{}{}
	} else {
		delete(sb.fresh, c)
	}
}

// closeFresh closes connections that never sent a request: nothing is in
// flight on them, so Shutdown need not wait for them.
func (sb *Sandbox) closeFresh() {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	for c := range sb.fresh {
		c.Close()
		delete(sb.fresh, c)
	}
}

// URL returns the base URL, http://127.0.0.1:PORT.
func (sb *Sandbox) URL() string { return sb.url }

// Client returns a client of the sandbox, as httptest.Server.Client does
// for a test server: built by api.NewClient (so it refuses redirects and
// bounds bodies like every client the product builds), sending the
// sandbox's apikey unless opts set another. Close closes the client's idle
// connections before shutting down, so no caller has to remember that a
// keep-alive connection would otherwise outlive the sandbox.
func (sb *Sandbox) Client(opts ...api.Option) (*api.Client, error) {
	c, err := api.NewClient(sb.url, append([]api.Option{api.WithAPIKey(sb.srv.cfg.apiKey)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("sandbox client: %w", err)
	}
	sb.mu.Lock()
	defer sb.mu.Unlock()
	sb.clients = append(sb.clients, c)
	return c, nil
}

// closeClients closes the idle connections of the clients Client made.
func (sb *Sandbox) closeClients() {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	for _, c := range sb.clients {
		c.CloseIdleConnections()
	}
}

// Fixtures returns the points and clients the sandbox holds.
func (sb *Sandbox) Fixtures() *api.Fixtures { return sb.srv.Fixtures() }

// Server returns the sandbox's Server (for Audit, StoreInfo, ...).
func (sb *Sandbox) Server() *Server { return sb.srv }

// Done is closed when the sandbox stops serving, by Close or by a failure
// of its listener (see Err).
func (sb *Sandbox) Done() <-chan struct{} { return sb.done }

// Err returns why the sandbox stopped serving other than Close, once Done
// is closed; nil before.
func (sb *Sandbox) Err() error {
	select {
	case <-sb.done:
		return sb.serve
	default:
		return nil
	}
}

// Close closes the idle connections of its clients, stops accepting
// connections, waits (a few seconds at most) for requests in flight, then
// closes the store and removes a temporary database. Calling it again
// returns the first result.
func (sb *Sandbox) Close() error {
	sb.closeOnce.Do(func() {
		sb.closeClients()
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		res := make(chan error, 1)
		go func() { res <- sb.hs.Shutdown(ctx) }()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var err error
	wait:
		for {
			select {
			case err = <-res:
				break wait
			case <-tick.C:
				sb.closeFresh()
			}
		}
		if err != nil {
			err = errors.Join(fmt.Errorf("sandbox: shutdown: %w", err), sb.hs.Close())
		}
		<-sb.done
		sb.closeErr = errors.Join(err, sb.srv.Close())
	})
	return sb.closeErr
}
