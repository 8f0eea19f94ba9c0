package sandbox

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	"loyalcheck/api"
)

// level is a loyalty level. Percents are kept in hundredths of a percent
// (basis points) so the arithmetic on them is exact.
type level struct {
	id       string
	title    string
	typ      string // api.TypeCashback or api.TypeDiscount
	bp       int64  // percent x 100
	maxSpend int64  // maxSpendPercent x 100
}

func (l *level) discount() bool { return l.typ == api.TypeDiscount }

// The fixed set of levels. Their ids do not depend on the seed so that a
// level is recognisable across sandboxes.
const (
	lvBronze = iota
	lvSilver
	lvGold
	lvDiscount5
	lvDiscount10
)

func fixedLevels() []level {
	return []level{
		lvBronze:     {"64b000000000000000000b01", "Бронза", api.TypeCashback, 500, 3000},
		lvSilver:     {"64b000000000000000000b02", "Серебро", api.TypeCashback, 700, 5000},
		lvGold:       {"64b000000000000000000b03", "Золото", api.TypeCashback, 1000, 10000},
		lvDiscount5:  {"64b000000000000000000d05", "Скидка 5%", api.TypeDiscount, 500, 0},
		lvDiscount10: {"64b000000000000000000d10", "Скидка 10%", api.TypeDiscount, 1000, 0},
	}
}

// clientRow is a client as stored: identity, level and initial balance.
type clientRow struct {
	idx      int
	id       string
	name     string
	photo    string // "" when the client has none (S6)
	birthday string
	email    string
	phone    string // 11 digits, 7920XXXXXXX
	card     string // 13 digits
	code     string // 6 characters, always with a letter
	level    string // level id
	initial  int64  // initial balance in points
	balance  int64  // stored balance in points
}

// dataset is everything a new database is seeded with.
type dataset struct {
	levels  []level
	points  []string
	clients []clientRow
}

// role fixes the level, balance and optional fields of one of the first
// clients, so that even a sandbox with a handful of clients has every
// kind of client whatever the seed.
type role struct {
	level   int
	balance int64
	bare    bool // no photo, birthday or email
}

func fixedRoles() []role {
	return []role{
		{lvGold, 5000, false},      // 0: rich cashback client, spends up to 100% of a receipt
		{lvSilver, 0, false},       // 1: cashback client with nothing to spend
		{lvDiscount10, 700, false}, // 2: discount client; stored balance nonzero, shown as 0 (S3)
		{lvBronze, 1000, true},     // 3: cashback client without photo, birthday, email
		{lvSilver, 2500, false},    // 4: another cashback client with points
		{lvDiscount5, 300, true},   // 5: discount client without optional fields
	}
}

// firstNames are upper-case Russian names, as in the vendor's example
// ("ИВАН"), so clients exercise non-ASCII JSON.
func firstNames() []string {
	return []string{
		"ИВАН", "МАРИЯ", "АЛЕКСЕЙ", "ОЛЬГА", "ДМИТРИЙ", "АННА", "СЕРГЕЙ", "ЕЛЕНА",
		"НИКОЛАЙ", "ТАТЬЯНА", "АНДРЕЙ", "НАТАЛЬЯ", "ПАВЕЛ", "ИРИНА", "МИХАИЛ", "СВЕТЛАНА",
	}
}

const codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// generate builds the fixtures of a new database from seed alone.
func generate(seed int64, nClients, nPoints int) dataset {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6c6f79616c636b)) // "loyalck"
	used := map[string]bool{}
	unique := func(gen func() string) string {
		for {
			s := gen()
			if !used[s] {
				used[s] = true
				return s
			}
		}
	}
	hexID := func() string {
		var b [12]byte
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		return hex.EncodeToString(b[:])
	}
	digits := func(prefix string, n int) func() string {
		return func() string {
			b := []byte(prefix)
			for range n {
				b = append(b, byte('0'+rng.IntN(10)))
			}
			return string(b)
		}
	}
	code := func() string {
		b := make([]byte, 6)
		for i := range b {
			b[i] = codeAlphabet[rng.IntN(len(codeAlphabet))]
		}
		b[rng.IntN(len(b))] = codeAlphabet[rng.IntN(24)] // a letter, so no code is all digits
		return string(b)
	}

	names := firstNames()
	ds := dataset{levels: fixedLevels()}
	for _, l := range ds.levels {
		used[l.id] = true
	}
	for range nPoints {
		ds.points = append(ds.points, unique(hexID))
	}
	roles := fixedRoles()
	born0 := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range nClients {
		var r role
		if i < len(roles) {
			r = roles[i]
		} else {
			r = randomRole(rng)
		}
		c := clientRow{
			idx:     i,
			id:      unique(hexID),
			name:    names[rng.IntN(len(names))],
			phone:   unique(digits("7920", 7)),
			card:    unique(digits("2", 12)),
			code:    unique(code),
			level:   ds.levels[r.level].id,
			initial: r.balance,
			balance: r.balance,
		}
		born := born0.AddDate(0, 0, rng.IntN(56*365))
		if !r.bare {
			c.photo = fmt.Sprintf("https://sandbox.loyalcheck.invalid/photo/%s.jpeg", c.id)
			c.birthday = born.Format(time.DateOnly)
			c.email = fmt.Sprintf("client%d@example.org", i)
		}
		ds.clients = append(ds.clients, c)
	}
	return ds
}

// randomRole draws a client past the fixed ones: about 15% discount
// clients, 5% cashback clients with a zero balance, 5% without optional
// fields.
func randomRole(rng *rand.Rand) role {
	r := role{bare: rng.IntN(100) < 5}
	switch p := rng.IntN(100); {
	case p < 15:
		r.level = lvDiscount5 + rng.IntN(2)
		r.balance = 100 + rng.Int64N(901)
	default:
		r.level = rng.IntN(3)
		if rng.IntN(100) >= 5 {
			r.balance = 1 + rng.Int64N(5000)
		}
	}
	return r
}

// fixtures renders the stored points and clients in the harness's format.
func fixturesOf(points []string, clients []*client) *api.Fixtures {
	f := &api.Fixtures{Points: append([]string(nil), points...)}
	for _, c := range clients {
		f.Clients = append(f.Clients, api.FixtureClient{Phone: c.phone, Card: c.card, Code: c.code, Type: c.level.typ})
	}
	return f
}
