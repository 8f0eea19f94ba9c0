package sandbox

import "encoding/json"

// search serves POST /integration/general/client: find a client by phone,
// card or app code (S1-S7).
func (s *Server) search(f map[string]json.RawMessage) (string, obj, *apiError) {
	if e := s.checkUnknown(f, "search", "point", "hold"); e != nil {
		return "", nil, e
	}
	rd := s.reader(f)
	q := rd.str("search")
	point := rd.str("point")
	listed := rd.holdList("hold")
	if rd.err != nil {
		return "", nil, rd.err
	}
	if e := s.checkPoint(point); e != nil {
		return "", nil, e
	}
	c, e := s.clientBySearch(q)
	if e != nil {
		return "", nil, e
	}
	now := s.clock.Now()
	s.mu.RLock()
	a := s.availabilityOf(c, listed, now, s.readView(point))
	s.mu.RUnlock()

	balance := a.available()
	if c.level.discount() {
		balance = 0 // S3: the discount shows in the total, not as points
		if s.faults.has(faultDiscountBalance) {
			balance = a.stored
		}
	}
	return "client", s.customer(c, balance), nil
}

// customer renders a client as search answers it (api.Customer).
func (s *Server) customer(c *client, balance int64) obj {
	o := make(obj, 0, 12)
	if s.faults.has(faultNumericIDs) {
		o = append(o, kv{"id", int64(c.idx + 1)})
	} else {
		o = append(o, kv{"id", c.id})
	}
	o = append(o, kv{"name", c.name})

	// S6: a client without photo, birthday or email has the field left
	// out; the null-optional quirk sends null instead.
	optional := func(key, v string) {
		switch {
		case v != "":
			o = append(o, kv{key, v})
		case s.faults.has(faultNullOptional):
			o = append(o, kv{key, null{}})
		}
	}
	switch {
	case s.faults.has(faultNullOptional):
		o = append(o, kv{"photo", null{}})
	case s.faults.has(faultPhotoNumber) && c.photo != "":
		o = append(o, kv{"photo", int64(100000 + c.idx)})
	default:
		optional("photo", c.photo)
	}
	optional("birthday", c.birthday)

	percent := percentFloat(c.level.bp)
	if s.faults.has(faultPercentOver100) {
		percent = float64(c.level.bp) // hundredths of a percent
	}
	o = append(o, kv{"level", obj{
		{"id", c.level.id},
		{"title", c.level.title},
		{"percent", percent},
		{"type", c.level.typ},
		{"maxSpendPercent", percentFloat(c.level.maxSpend)},
	}})
	o = append(o, kv{"phone", c.phoneNum})
	optional("email", c.email)
	o = append(o, kv{"balance", balance})
	if s.faults.has(faultExtraFields) {
		o = append(o, kv{"cardNumber", c.card}, kv{"code", c.code})
	}
	return o
}
