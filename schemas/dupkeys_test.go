package schemas

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

func TestDuplicateKey(t *testing.T) {
	tests := []struct {
		doc       string
		path, key string // key "" means no duplicate
	}{
		{`{"success":true,"client":{"id":"a"}}`, "", ""},
		{`{"success":false,"client":"x","success":true}`, "(root)", "success"},
		{`{"success":true,"client":{"id":"a","level":{"type":"cashback","type":"discount"}}}`, "client.level", "type"},
		{`{"a":[{"x":1},{"x":1,"y":2,"x":3}]}`, "a.1", "x"},
		{`[[{"k":1}],{"k":1,"k":2}]`, "1", "k"},
		{`{"a":{"k":1},"b":{"k":1}}`, "", ""}, // the same key in two objects is fine
		{`{"a":[1,2,{"b":[]}],"c":{}}`, "", ""},
		{`{"\u0073uccess":true,"success":false}`, "(root)", "success"}, // escapes decoded before comparing
		{`"just a string"`, "", ""},
		{`{"a":1,"b"`, "", ""},        // not JSON: the schema check reports it
		{`{"a":1,"a"`, "(root)", "a"}, // a duplicate before the syntax error still counts
		{``, "", ""},
		{strings.Repeat("[", 5000) + strings.Repeat("]", 5000), "", ""},
	}
	for _, tt := range tests {
		path, key, ok := duplicateKey([]byte(tt.doc))
		assert.Equal(t, tt.key != "", ok, "%.60s", tt.doc)
		assert.Equal(t, tt.path, path, "%.60s", tt.doc)
		assert.Equal(t, tt.key, key, "%.60s", tt.doc)
	}
}

// A duplicate key fails the body under the schema's top-level rule: G6 for
// a success (whichever value a reader keeps), G4 for an error body.
func TestDuplicateKeyViolation(t *testing.T) {
	v := newValidator(t)
	ok := `{"success":true}`
	require.Empty(t, v.Response(api.EpRelease, 200, []byte(ok)))
	got := v.Response(api.EpRelease, 200, []byte(`{"success":false,"success":true}`))
	assertViolations(t, got, []want{{"(root)", "G6"}}, true)
	assert.Contains(t, got[0].Message, `key "success" appears twice in the object at (root)`)

	got = v.Response(api.EpSearch, 422, []byte(`{"client":"Client not found.","client":"ok"}`))
	assertViolations(t, got, []want{{"(root)", "G4"}}, true)

	// A duplicate deep in an otherwise valid answer.
	search := `{"success":true,"client":{"id":"a1","name":"N","level":{"id":"l","title":"T","percent":10,"type":"cashback","maxSpendPercent":50},"phone":79200000001,"balance":878,"balance":0}}`
	require.Empty(t, v.Response(api.EpSearch, 200, []byte(strings.Replace(search, `,"balance":0`, "", 1))))
	got = v.Response(api.EpSearch, 200, []byte(search))
	assertViolations(t, got, []want{{"(root)", "G6"}}, true)
	assert.Contains(t, got[0].Message, "client")
}

func TestAnswerOverTheCap(t *testing.T) {
	v := newValidator(t)
	ex := &api.Exchange{Endpoint: api.EpRelease, Status: 200, Body: []byte(`{"success":true,"pad":"xxxx`), Truncated: true}
	got := v.Answer(ex)
	assertViolations(t, got, []want{{"(root)", "G6"}}, true)
	assert.Contains(t, got[0].Message, "body longer than the 27 bytes read")
	ex.Status = 500
	assertViolations(t, v.Answer(ex), []want{{"(root)", "G4"}}, true)
	// A whole body is judged as Response judges it.
	ex = &api.Exchange{Endpoint: api.EpRelease, Status: 200, Body: []byte(`{"success":true}`)}
	assert.Empty(t, v.Answer(ex))
}
