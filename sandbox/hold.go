package sandbox

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"time"
)

// newHoldID returns an id shaped like the vendor's (a MongoDB ObjectId: 24
// hex digits, the first 8 the creation time) with 64 random bits, so ids
// stay unique across restarts without a counter in the store.
func newHoldID(now time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[:4], uint32(now.Unix()))
	rand.Read(b[4:]) //nolint:errcheck // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// MsgNotEnough is the sandbox's message for a hold over the available
// balance (H4); the vendor's page gives none.
const MsgNotEnough = "Not enough bonuses."

// hold serves POST /integration/general/bonuses/hold: hold points of a
// client for duration minutes (H1-H4).
func (s *Server) hold(f map[string]json.RawMessage) (string, obj, *apiError) {
	rd, id, point, e := s.clientRequest(f, "amount", "duration")
	if e != nil {
		return "", nil, e
	}
	amount, given := rd.points("amount")
	if rd.err == nil {
		switch {
		case !given:
			rd.err = refuse("amount", "Amount is required.")
		case amount <= 0:
			rd.err = refuse("amount", "Amount must be greater than 0.")
		}
	}
	duration, given := rd.points("duration")
	if rd.err == nil {
		switch {
		case !given:
			duration = defDuration
		case duration <= 0:
			rd.err = refuse("duration", "Duration must be at least 1.")
		case duration > maxDuration && s.faults.has(faultClampDuration):
			duration = maxDuration
		case duration > maxDuration && !s.faults.has(faultHoldNoMax):
			rd.err = refusef("duration", "Duration can't be more %d", maxDuration)
		}
	}
	c, e := s.clientAt(rd, id, point)
	if e != nil {
		return "", nil, e
	}

	var h *hold
	e = s.write(true, func(now time.Time) (*change, *apiError) {
		avail := s.availabilityOf(c, nil, now, holdView{}).available()
		if c.level.discount() {
			avail = 0 // S3: a discount client has no points to hold
		}
		if amount > avail && !s.faults.has(faultHoldOverdraw) {
			return nil, refuse("amount", MsgNotEnough)
		}
		h = &hold{
			id:      newHoldID(now),
			client:  c,
			point:   point,
			amount:  amount,
			created: now,
			until:   now.Unix() + duration*60, // no time.Duration: hold-no-max allows 1e9 minutes
		}
		return &change{c: c, newHold: h, ends: s.expiredHolds(c, now), op: &Operation{
			Kind: OpHold, Client: c.id, Point: point, Hold: h.id, Held: amount,
		}}, nil
	})
	if e != nil {
		return "", nil, e
	}

	until := h.until
	if s.faults.has(faultHoldUntilMs) {
		until *= 1000
	}
	held := h.amount
	if s.faults.has(faultHoldAmount) {
		held *= 2
	}
	return "held", obj{{"id", h.id}, {"until", until}, {"amount", held}}, nil
}

// release serves POST /integration/general/bonuses/release: end a hold.
// It succeeds whatever the id names, even nothing (H7).
func (s *Server) release(f map[string]json.RawMessage) (string, obj, *apiError) {
	if e := s.checkUnknown(f, "id"); e != nil {
		return "", nil, e
	}
	rd := s.reader(f)
	id := rd.str("id")
	if rd.err != nil {
		return "", nil, rd.err
	}
	e := s.write(false, func(now time.Time) (*change, *apiError) {
		notFound := func() *apiError {
			if s.faults.has(faultReleaseUnknown422) {
				return refuse("id", "Hold not found.")
			}
			return nil
		}
		h := s.holds[id]
		switch {
		case h == nil:
			return nil, notFound()
		case !s.active(h, now):
			// Expired already: record it as such, release nothing.
			return &change{c: h.client, ends: []holdEnd{{h, endExpired, time.Unix(h.until, 0)}}}, notFound()
		case s.faults.has(faultReleaseNoop):
			return nil, nil
		}
		return &change{c: h.client, ends: []holdEnd{{h, endReleased, now}}, op: &Operation{
			Kind: OpRelease, Client: h.client.id, Point: h.point, Hold: h.id, Held: h.amount,
		}}, nil
	})
	if e != nil {
		return "", nil, e
	}
	return "", nil, nil
}
