package record

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A reason loses the names of the checks that gave it, so that rules left
// out for one reason share a note.
func TestWithoutChecks(t *testing.T) {
	assert.Equal(t, "partly not in scope: needs --slow; x", withoutChecks("partly not in scope: h6-expiry: needs --slow; h6-other: x"))
	assert.Equal(t, "a: b", withoutChecks("s3-x: a: b"), "only the check's name goes")
}
