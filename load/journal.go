package load

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"loyalcheck/api"
	"loyalcheck/preflight"
	"loyalcheck/scenarios"
)

// A shard of a distributed run cannot audit the ledger: another shard
// spends on the same clients. It writes its books instead, as a journal
// of JSON lines, one per operation it sent or hold it was granted, and
// the merge audits every shard's journal together through the very
// ledger an in-process run audits (AuditJournals).

// JournalEntry is one line of a journal: an operation or a hold of the
// fixture client searched by Client. Times are the shard's wall clock.
type JournalEntry struct {
	Client string       `json:"client"`
	Op     *JournalOp   `json:"op,omitempty"`
	Hold   *JournalHold `json:"hold,omitempty"`
}

// JournalOp is an operation sent and what became of it.
type JournalOp struct {
	Kind   string    `json:"kind"`   // hold, release, spend or accrue
	Status string    `json:"status"` // pending, accepted, refused or unknown
	Amount float64   `json:"amount"`
	Point  string    `json:"point"`
	HoldID string    `json:"hold_id,omitempty"`
	Sent   time.Time `json:"sent"`
	Done   time.Time `json:"done"`
	Spent  float64   `json:"spent,omitempty"`
	Earned float64   `json:"earned,omitempty"`
}

// JournalHold is a hold the target granted.
type JournalHold struct {
	ID       string    `json:"id"`
	Point    string    `json:"point"`
	Amount   float64   `json:"amount"`
	Sent     time.Time `json:"sent"`
	Accepted time.Time `json:"accepted"`
	Until    time.Time `json:"until"`
}

var (
	opKinds    = [...]string{opHold: "hold", opRelease: "release", opSpend: "spend", opEarn: "accrue"}
	opStatuses = [...]string{opPending: "pending", opAccepted: "accepted", opRefused: "refused", opUnknown: "unknown"}
)

// WriteJournal writes the runner's books as JSON lines, after the last
// Run. Like Audit, it first waits (bounded) for the hold requests still
// running, so their holds are in the journal for the merge to release; a
// hold answered after that is released by its own request.
func (r *Runner) WriteJournal(ctx context.Context, w io.Writer) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditBound)
	r.ledger.flights.Sweep(sctx)
	cancel()
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, a := range r.ledger.accounts {
		a.mu.Lock()
		var err error
		for _, op := range a.ops {
			j := &JournalOp{Kind: opKinds[op.kind], Status: opStatuses[op.status], Amount: op.amount, Point: op.point,
				HoldID: op.holdID, Sent: op.sent, Done: op.done, Spent: op.spent, Earned: op.earned}
			if err = enc.Encode(JournalEntry{Client: a.key, Op: j}); err != nil {
				break
			}
		}
		for _, h := range a.holds {
			if err != nil {
				break
			}
			j := &JournalHold{ID: h.id, Point: h.point, Amount: h.amount, Sent: h.sent, Accepted: h.accepted, Until: h.until}
			err = enc.Encode(JournalEntry{Client: a.key, Hold: j})
		}
		a.mu.Unlock()
		if err != nil {
			return fmt.Errorf("journal: %w", err)
		}
	}
	return bw.Flush()
}

// ReadJournal reads what WriteJournal wrote.
func ReadJournal(rd io.Reader) ([]JournalEntry, error) {
	var out []JournalEntry
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	for {
		var e JournalEntry
		err := dec.Decode(&e)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("journal entry %d: %w", len(out)+1, err)
		}
		if (e.Op == nil) == (e.Hold == nil) || e.Client == "" {
			return nil, fmt.Errorf("journal entry %d: want a client and exactly one of op or hold", len(out)+1)
		}
		out = append(out, e)
	}
}

// AuditJournals is the ledger audit of a run made of several shards: the
// clients' initial balances are pre's (the plan's searches, made before
// any shard ran), the books are every shard's journal together. It
// releases every hold the journals name, searches every client again and
// checks L1-L3, exactly as Runner.Audit does for a run in one process.
func AuditJournals(ctx context.Context, c *api.Client, fx *api.Fixtures, sc *scenarios.Scenario, pre *preflight.Result, journals ...[]JournalEntry) (LedgerReport, error) {
	points := fx.Points
	if len(points) == 0 {
		return LedgerReport{}, fmt.Errorf("fixtures name no point")
	}
	led, err := openLedger(ctx, c, fx, points[0], sc.Clients, pre)
	if err != nil {
		return LedgerReport{}, err
	}
	byKey := map[string]*account{}
	for _, a := range led.accounts {
		byKey[a.key] = a
	}
	for i, j := range journals {
		for _, e := range j {
			a, ok := byKey[e.Client]
			if !ok {
				return LedgerReport{}, fmt.Errorf("journal %d names client %q, which the plan did not search", i, e.Client)
			}
			if e.Op != nil {
				op, err := e.Op.rec()
				if err != nil {
					return LedgerReport{}, fmt.Errorf("journal %d, client %s: %w", i, e.Client, err)
				}
				a.ops = append(a.ops, op)
				continue
			}
			h := e.Hold
			a.holds = append(a.holds, &holdRec{id: h.ID, point: h.Point, amount: h.Amount, sent: h.Sent, accepted: h.Accepted, until: h.Until})
		}
	}
	// Shards interleave in time: the books read in the order the
	// operations were sent, as one process would have booked them.
	for _, a := range led.accounts {
		slices.SortStableFunc(a.ops, func(x, y *opRec) int { return x.sent.Compare(y.sent) })
		slices.SortStableFunc(a.holds, func(x, y *holdRec) int { return x.accepted.Compare(y.accepted) })
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditBound)
	defer cancel()
	return led.audit(actx), nil
}

func (j *JournalOp) rec() (*opRec, error) {
	kind := slices.Index(opKinds[:], j.Kind)
	status := slices.Index(opStatuses[:], j.Status)
	if kind < 0 || status < 0 {
		return nil, fmt.Errorf("operation of kind %q and status %q: unknown", j.Kind, j.Status)
	}
	return &opRec{kind: opKind(kind), status: opStatus(status), amount: j.Amount, point: j.Point, holdID: j.HoldID,
		sent: j.Sent, done: j.Done, spent: j.Spent, earned: j.Earned}, nil
}
