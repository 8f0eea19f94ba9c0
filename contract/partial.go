package contract

import (
	"fmt"
	"net/http"
	"strings"
)

// A check that judges a rule over many calls (every fixture client, every
// error trigger) must not pass on the few that answered. Each call it
// could not use is evidence of its own: a broken answer breaks the rule
// for that answer, and the check's rule is verified on the rest only, so
// an unverified skip says on how much it was not.

// lostCall is a call a check could not use, and what it was.
type lostCall struct {
	what string
	r    *reply
}

// answerRule is the rule a broken answer to a valid call breaks: G4 for
// an unexpected status (every error is a 422), G6 for a 200 without its
// payload; "" when the target is not to blame for it (no answer, which
// the run cannot tell from the network's fault, or a 4xx refusal, which a
// wrong fixture explains).
func answerRule(r *reply) string {
	switch st := r.Status(); {
	case r.Err != nil || r.Ex == nil:
		return ""
	case st == http.StatusOK:
		return "G6"
	case st >= 400 && st < 500:
		return ""
	}
	return "G4"
}

// lostWhy says in a few words how a call was lost, for the counts.
func lostWhy(r *reply) string {
	if r.Err != nil || r.Ex == nil {
		return "no answer"
	}
	if r.OK() {
		return "HTTP 200 without a usable payload"
	}
	return fmt.Sprintf("HTTP %d", r.Status())
}

// partial records what the calls lost leave open of the check's rule: one
// breach per rule their broken answers break (the first as evidence, the
// rest counted), and, when any was lost, an unverified skip saying how
// many of total (described by of) got no usable answer and how. A rule
// judged on part of its scope is thereby never a clean pass.
func (t *T) partial(of string, total int, lost []lostCall) {
	t.partialOf(of, total, lost, true)
}

// partialOf is partial; blame false records only the skip (the breaches
// were recorded already).
func (t *T) partialOf(of string, total int, lost []lostCall, blame bool) {
	if len(lost) == 0 {
		return
	}
	type group struct {
		first lostCall
		n     int
	}
	var rules []string
	broken := map[string]*group{}
	var whys []string
	count := map[string]int{}
	for _, l := range lost {
		w := lostWhy(l.r)
		if count[w] == 0 {
			whys = append(whys, w)
		}
		count[w]++
		rule := answerRule(l.r)
		if rule == "" || !blame {
			continue
		}
		if g, ok := broken[rule]; ok {
			g.n++
			continue
		}
		broken[rule] = &group{first: l, n: 1}
		rules = append(rules, rule)
	}
	for _, rule := range rules {
		g := broken[rule]
		more := ""
		if g.n > 1 {
			more = fmt.Sprintf(" (and %d more such answers)", g.n-1)
		}
		t.breachOn(rule, g.first.r.Ex, fmt.Sprintf("%s: %s%s", g.first.what, g.first.r.Describe(), more))
	}
	parts := make([]string, len(whys))
	for i, w := range whys {
		parts[i] = fmt.Sprintf("%d %s", count[w], w)
	}
	t.Skip("%d of %d %s got no usable answer (%s): %s is unverified on them",
		len(lost), total, of, strings.Join(parts, ", "), t.ch.rule)
}

// partialDiscovery records what the fixture clients role discovery could
// not search leave open of a rule judged over the clients it found. Their
// broken answers are blamed once a run, by the first check to see them:
// one cause, one failure.
func (t *T) partialDiscovery() {
	t.s.mu.Lock()
	blame := !t.s.lostBlamed
	t.s.lostBlamed = true
	t.s.mu.Unlock()
	t.partialOf("fixture client searches", t.s.roles.searched, t.s.roles.lost, blame)
}
