package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AuditRow is one client's ledger as the store holds it.
type AuditRow struct {
	Index   int    // position in Fixtures().Clients
	Client  string // client id
	Type    string // level type
	Initial int64  // balance at seeding
	Spent   int64  // sum of spends in the journal
	Earned  int64  // sum of earns in the journal
	Balance int64  // stored balance
	Held    int64  // points in holds active at the clock's now
	Holds   int    // number of active holds
	Ops     int    // retail operations in the journal
}

// Consistent reports whether the stored balance is what the journal says
// it should be: Initial - Spent + Earned (L1, from the store's side).
func (r AuditRow) Consistent() bool { return r.Balance == r.Initial-r.Spent+r.Earned }

// errClosed is returned by store reads after Close.
var errClosed = errors.New("sandbox: closed")

// Audit reads every client's ledger from the store, in client order. Run
// between requests, it shows exactly what the accepted operations did;
// tests use it to check balances against the journal and the answers.
// A fault that lies in its answer without changing the store (accrue-lost,
// hold-amount) shows only from outside.
func (s *Server) Audit(ctx context.Context) ([]AuditRow, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.st.closed {
		return nil, errClosed
	}
	now := s.clock.Now().Unix()
	if s.faults.has(faultHoldNeverExpires) {
		now = -1 << 62 // then every hold not ended is active
	}
	var rows []AuditRow
	err := s.st.query(ctx, `
		SELECT c.idx, c.id, l.type, c.initial_balance, c.balance,
			coalesce(o.spent, 0), coalesce(o.earned, 0), coalesce(o.ops, 0),
			coalesce(h.held, 0), coalesce(h.n, 0)
		FROM clients c
		JOIN levels l ON l.id = c.level
		LEFT JOIN (SELECT client, sum(spend) AS spent, sum(earn) AS earned, sum(kind = 'retail') AS ops
			FROM operations GROUP BY client) o ON o.client = c.id
		LEFT JOIN (SELECT client, sum(amount) AS held, count(*) AS n
			FROM holds WHERE ended_ms IS NULL AND until > ? GROUP BY client) h ON h.client = c.id
		ORDER BY c.idx`,
		func(r *sql.Rows) error {
			var a AuditRow
			if err := r.Scan(&a.Index, &a.Client, &a.Type, &a.Initial, &a.Balance,
				&a.Spent, &a.Earned, &a.Ops, &a.Held, &a.Holds); err != nil {
				return err
			}
			rows = append(rows, a)
			return nil
		}, now)
	if err != nil {
		return nil, fmt.Errorf("sandbox: audit: %w", err)
	}
	return rows, nil
}

// Operations returns the whole journal in order, for tests and ledger
// debugging.
func (s *Server) Operations(ctx context.Context) ([]Operation, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.st.closed {
		return nil, errClosed
	}
	var ops []Operation
	err := s.st.query(ctx, `
		SELECT seq, at_ms, kind, client, point, coalesce(hold, ''), coalesce(amount, 0),
			held, spend, earn, coalesce(total, 0), balance_after
		FROM operations ORDER BY seq`,
		func(r *sql.Rows) error {
			var op Operation
			var at int64
			if err := r.Scan(&op.Seq, &at, &op.Kind, &op.Client, &op.Point, &op.Hold, &op.Amount,
				&op.Held, &op.Spend, &op.Earn, &op.Total, &op.BalanceAfter); err != nil {
				return err
			}
			op.At = time.UnixMilli(at)
			ops = append(ops, op)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("sandbox: operations: %w", err)
	}
	return ops, nil
}
