package sandbox

import (
	"sort"
	"time"
)

// ActiveHold is a hold that still holds points: neither released, nor
// consumed by a retail, nor expired.
type ActiveHold struct {
	ID     string
	Client string // client id
	Point  string
	Amount int64
	Until  time.Time
}

// ActiveHolds lists the holds active at the server's clock, by id. Tests
// use it to prove a client of the API left nothing held behind.
func (s *Server) ActiveHolds() []ActiveHold {
	now := s.clock.Now()
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []ActiveHold
	for _, h := range s.holds {
		if s.active(h, now) {
			out = append(out, ActiveHold{ID: h.id, Client: h.client.id, Point: h.point, Amount: h.amount, Until: time.Unix(h.until, 0)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Balances returns every client's stored balance by client id: holds do
// not lower it (search does that).
func (s *Server) Balances() map[string]int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]int64, len(s.clients))
	for _, c := range s.clients {
		out[c.id] = c.balance
	}
	return out
}
