package promexport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// CheckAddr refuses an address the metrics server must not listen on. A
// host is required: ":9464" would listen on every interface and expose the
// run to the network unasked; 127.0.0.1:9464 (or localhost) serves this
// machine only, and a non-loopback host is taken as the user's explicit
// choice.
func CheckAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: want HOST:PORT, e.g. 127.0.0.1:9464", addr)
	}
	if host == "" {
		return fmt.Errorf("%q: give a host: 127.0.0.1%s serves this machine only; an address of another interface exposes the metrics to its network", addr, addr)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		return fmt.Errorf("%q: port %q is not a number from 0 to 65535", addr, port)
	}
	return nil
}

// Loopback tells whether addr's host is this machine only.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Server serves an Exporter's metrics at /metrics until Close.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// Listen checks addr, binds it at once (so a port in use is an error
// before any run starts) and serves x at /metrics.
func Listen(addr string, x *Exporter) (*Server, error) {
	if err := CheckAddr(addr); err != nil {
		return nil, err
	}
	// net's error names the address: "listen tcp ADDR: bind: address
	// already in use".
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", x.Handler())
	s := &Server{
		srv: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 10 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       time.Minute,
		},
		ln:   ln,
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Addr is the address the server listens on (the port chosen for :0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close lets scrapes under way finish (bounded by ctx) and stops serving.
func (s *Server) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = s.srv.Close()
	}
	<-s.done
	return err
}
