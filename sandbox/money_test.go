package sandbox

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMoneyArithmetic(t *testing.T) {
	cases := []struct {
		tok            string
		bp             int64
		floor, nearest int64
	}{
		{"100", 1000, 10, 10},
		{"105", 1000, 10, 11},
		{"0.57", 10000, 0, 1},
		{"57", 10000, 57, 57},
		{"14.29", 700, 1, 1},
		{"0.29", 10000, 0, 0},
		{"1e2", 3000, 30, 30},
		{"33.33", 3000, 9, 10},
		{"-105", 1000, -11, -10},
	}
	for _, c := range cases {
		m, ok := parseMoney([]byte(c.tok))
		require.True(t, ok, c.tok)
		assert.Equal(t, c.floor, floorInt(m.percentOf(c.bp)), "floor %s x %d", c.tok, c.bp)
		assert.Equal(t, c.nearest, nearestInt(m.percentOf(c.bp)), "nearest %s x %d", c.tok, c.bp)
	}
	m, _ := parseMoney([]byte("100.555"))
	assert.Equal(t, 70.56, round2(m.minus(30)))
	m, _ = parseMoney([]byte("0.1"))
	assert.Equal(t, 0.1, round2(m.r))
	_, ok := parseMoney([]byte("1" + string(make([]byte, 100))))
	assert.False(t, ok)
	m, ok = parseMoney([]byte("1e400"))
	assert.True(t, ok)
	assert.True(t, math.IsInf(m.f, 1))
}

// TestAppendJSON: the hand-written encoder writes what encoding/json
// would, for the values answers carry.
func TestAppendJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	floats := []float64{0, 1, -1, 0.1, 0.5, 100.55, 1e9, 1e-7, 1e21, 123456789.123, 5e-324, math.MaxFloat64, -0.000001}
	for range 1000 {
		floats = append(floats, math.Round(rng.Float64()*1e6)/100, rng.NormFloat64()*math.Pow(10, float64(rng.IntN(40)-20)))
	}
	for _, f := range floats {
		want, err := json.Marshal(f)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(appendFloat(nil, f)), "%v", f)
	}
	strs := []string{"", "plain", `quote " and \ backslash`, "ctl \x00\x01\x1f\t\n\r", "ИВАН", "emoji 🙂", "bad \xff utf8", "<html>&"}
	for _, s := range strs {
		var back string
		require.NoError(t, json.Unmarshal(appendString(nil, s), &back), "%q", s)
		var want string
		b, _ := json.Marshal(s)
		require.NoError(t, json.Unmarshal(b, &want))
		assert.Equal(t, want, back, "%q", s)
	}
	o := obj{{"a", int64(1)}, {"b", obj{{"c", null{}}, {"d", true}, {"e", 2}}}, {"f", 1.5}, {"g", "x"}}
	assert.JSONEq(t, `{"a":1,"b":{"c":null,"d":true,"e":2},"f":1.5,"g":"x"}`, string(appendJSON(nil, o)))
	assert.Panics(t, func() { appendJSON(nil, []int{1}) })
}
