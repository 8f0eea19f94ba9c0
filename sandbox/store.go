package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// schemaVersion is stored in meta; a database of another version is
// refused rather than misread.
const schemaVersion = "1"

// schema is the whole store. operations is an append-only journal of every
// accepted state change, enough to recompute each client's balance from
// its initial one (see Audit). Money (amount, total) is REAL, points are
// INTEGER. Hold times: created_ms and ended_ms in UNIX milliseconds, until
// in UNIX seconds as on the wire; a hold is active while ended_ms is NULL
// and until is in the future (expiry is lazy: nothing sweeps).
const schema = `
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;
CREATE TABLE levels (
	id           TEXT PRIMARY KEY,
	title        TEXT NOT NULL,
	type         TEXT NOT NULL CHECK (type IN ('cashback', 'discount')),
	percent_bp   INTEGER NOT NULL,
	max_spend_bp INTEGER NOT NULL
) STRICT;
CREATE TABLE points (
	idx INTEGER PRIMARY KEY,
	id  TEXT NOT NULL UNIQUE
) STRICT;
CREATE TABLE clients (
	idx             INTEGER PRIMARY KEY,
	id              TEXT NOT NULL UNIQUE,
	name            TEXT NOT NULL,
	photo           TEXT,
	birthday        TEXT,
	email           TEXT,
	phone           TEXT NOT NULL UNIQUE,
	card            TEXT NOT NULL UNIQUE,
	code            TEXT NOT NULL UNIQUE,
	level           TEXT NOT NULL REFERENCES levels (id),
	initial_balance INTEGER NOT NULL,
	balance         INTEGER NOT NULL
) STRICT;
CREATE TABLE operations (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	at_ms         INTEGER NOT NULL,
	kind          TEXT NOT NULL CHECK (kind IN ('retail', 'hold', 'release', 'recalc')),
	client        TEXT NOT NULL,
	point         TEXT NOT NULL,
	hold          TEXT,
	amount        REAL,
	held          INTEGER NOT NULL,
	spend         INTEGER NOT NULL,
	earn          INTEGER NOT NULL,
	total         REAL,
	balance_after INTEGER NOT NULL
) STRICT;
CREATE INDEX operations_client ON operations (client);
CREATE TABLE holds (
	id         TEXT PRIMARY KEY,
	client     TEXT NOT NULL,
	point      TEXT NOT NULL,
	amount     INTEGER NOT NULL,
	created_ms INTEGER NOT NULL,
	until      INTEGER NOT NULL,
	ended_ms   INTEGER,
	end_reason TEXT CHECK (end_reason IN ('released', 'expired', 'consumed', 'retail')),
	ended_by   INTEGER REFERENCES operations (seq)
) STRICT;
CREATE INDEX holds_open ON holds (client) WHERE ended_ms IS NULL;
`

// Hold end reasons, as stored.
const (
	endReleased = "released"
	endExpired  = "expired"
	endConsumed = "consumed" // listed by a retail (RT5)
	endRetail   = "retail"   // ended by another retail at its point (RT6)
)

// store is the SQLite database. It uses exactly one connection, pinned for
// the store's life: every statement runs under the Server's write mutex,
// so one connection serialises writes by construction (no SQLITE_BUSY
// inside the process), and a ":memory:" database, which SQLite keeps per
// connection, cannot vanish with a pooled connection.
type store struct {
	tmpDir string // the temporary database's directory, removed on close
	db     *sql.DB
	conn   *sql.Conn
	closed bool

	begin, commit, rollback *sql.Stmt
	addBalance, insOp       *sql.Stmt
	insHold, endHold        *sql.Stmt
}

// storeMeta is what the meta table says about the fixtures.
type storeMeta struct {
	seed            int64
	clients, points int
	reused          bool
}

// openStore opens (creating if need be) the database at path, seeding it
// from the config when it is new. ctx bounds the opening only.
func openStore(ctx context.Context, cfg *config) (*store, storeMeta, error) {
	st := &store{}
	file := cfg.db
	if file == "" {
		dir, err := os.MkdirTemp("", "loyalcheck-sandbox-")
		if err != nil {
			return nil, storeMeta{}, fmt.Errorf("temporary database: %w", err)
		}
		st.tmpDir = dir
		file = filepath.Join(dir, "sandbox.db")
	}
	if strings.ContainsRune(file, '?') {
		// The driver would read what follows '?' as connection options.
		return nil, storeMeta{}, fmt.Errorf("database path %q: '?' is not allowed", file)
	}
	meta, err := st.open(ctx, file, cfg)
	if err != nil {
		if strings.Contains(err.Error(), "SQLITE_BUSY") {
			err = fmt.Errorf("in use by another process (another sandbox?): %w", err)
		}
		return nil, storeMeta{}, errors.Join(fmt.Errorf("database %s: %w", st.describe(file), err), st.close())
	}
	return st, meta, nil
}

func (st *store) describe(file string) string {
	if st.tmpDir != "" {
		return "(temporary)"
	}
	return file
}

func (st *store) open(ctx context.Context, file string, cfg *config) (storeMeta, error) {
	db, err := sql.Open("sqlite", file)
	if err != nil {
		return storeMeta{}, err
	}
	st.db = db
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if st.conn, err = db.Conn(ctx); err != nil {
		return storeMeta{}, err
	}
	memory := file == MemoryDB
	pragmas := []string{"busy_timeout = 1000"}
	if !memory {
		// EXCLUSIVE before WAL: the connection then keeps the file locked
		// for as long as it is open, so a second sandbox on the same file
		// fails at start instead of two processes each trusting their own
		// view of the balances. It also spares the -shm file.
		pragmas = append(pragmas, "locking_mode = EXCLUSIVE", "journal_mode = WAL")
	}
	// NORMAL: a commit survives the process being killed (the WAL is
	// written before COMMIT returns); only a power cut may lose the last
	// transactions, which the sandbox does not promise to survive.
	pragmas = append(pragmas, "synchronous = NORMAL", "foreign_keys = ON")
	for _, p := range pragmas {
		var out sql.NullString
		// Some pragmas answer a row, others none; both are fine.
		if err := st.conn.QueryRowContext(ctx, "PRAGMA "+p).Scan(&out); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return storeMeta{}, fmt.Errorf("PRAGMA %s: %w", p, err)
		}
		if strings.HasPrefix(p, "journal_mode") && !strings.EqualFold(out.String, "wal") {
			return storeMeta{}, fmt.Errorf("PRAGMA %s: got journal mode %q", p, out.String)
		}
	}
	if err := st.prepare(ctx); err != nil {
		return storeMeta{}, err
	}
	var meta storeMeta
	// One transaction creates, seeds and stamps the database, so a crash
	// while seeding leaves an empty file that the next start seeds again.
	// BEGIN IMMEDIATE also takes the write lock that EXCLUSIVE mode then
	// keeps, and fails (after busy_timeout) if another process holds it.
	err = st.tx(func() error {
		var tables int
		if err := st.conn.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table'`).Scan(&tables); err != nil {
			return err
		}
		if tables == 0 {
			meta = storeMeta{seed: cfg.seed, clients: cfg.clients, points: cfg.points}
			if err := st.seed(ctx, meta); err != nil {
				return err
			}
		} else {
			m, err := st.readMeta(ctx)
			if err != nil {
				return err
			}
			meta = m
			meta.reused = true
		}
		// A write, so that EXCLUSIVE mode holds the lock from now on.
		_, err := st.conn.ExecContext(ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES ('opened', ?)`,
			time.Now().UTC().Format(time.RFC3339))
		return err
	})
	if err != nil {
		return storeMeta{}, err
	}
	if err := st.prepareData(ctx); err != nil {
		return storeMeta{}, err
	}
	return meta, nil
}

// prepare prepares the transaction statements, which need no table.
func (st *store) prepare(ctx context.Context) error {
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&st.begin, `BEGIN IMMEDIATE`},
		{&st.commit, `COMMIT`},
		{&st.rollback, `ROLLBACK`},
	} {
		s, err := st.conn.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("prepare %s: %w", p.sql, err)
		}
		*p.dst = s
	}
	return nil
}

// prepareData prepares the statements on tables, once they exist.
func (st *store) prepareData(ctx context.Context) error {
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&st.addBalance, `UPDATE clients SET balance = balance + ? WHERE idx = ?`},
		{&st.insOp, `INSERT INTO operations (at_ms, kind, client, point, hold, amount, held, spend, earn, total, balance_after)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&st.insHold, `INSERT INTO holds (id, client, point, amount, created_ms, until) VALUES (?, ?, ?, ?, ?, ?)`},
		{&st.endHold, `UPDATE holds SET ended_ms = ?, end_reason = ?, ended_by = ? WHERE id = ? AND ended_ms IS NULL`},
	} {
		s, err := st.conn.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		*p.dst = s
	}
	return nil
}

// tx runs fn inside one write transaction: committed if fn returns nil,
// rolled back otherwise. The caller holds the Server's write mutex.
func (st *store) tx(fn func() error) error {
	if _, err := st.begin.Exec(); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(); err != nil {
		if _, rerr := st.rollback.Exec(); rerr != nil {
			return errors.Join(err, fmt.Errorf("rollback: %w", rerr))
		}
		return err
	}
	if _, err := st.commit.Exec(); err != nil {
		if _, rerr := st.rollback.Exec(); rerr != nil {
			return errors.Join(fmt.Errorf("commit: %w", err), fmt.Errorf("rollback: %w", rerr))
		}
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (st *store) seed(ctx context.Context, meta storeMeta) error {
	if _, err := st.conn.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	ds := generate(meta.seed, meta.clients, meta.points)
	exec := func(q string, rows func(stmt *sql.Stmt) error) error {
		stmt, err := st.conn.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		defer stmt.Close()
		return rows(stmt)
	}
	err := exec(`INSERT INTO meta (key, value) VALUES (?, ?)`, func(stmt *sql.Stmt) error {
		for _, kv := range [][2]string{
			{"schema", schemaVersion},
			{"seed", strconv.FormatInt(meta.seed, 10)},
			{"clients", strconv.Itoa(meta.clients)},
			{"points", strconv.Itoa(meta.points)},
			{"created", time.Now().UTC().Format(time.RFC3339)},
		} {
			if _, err := stmt.ExecContext(ctx, kv[0], kv[1]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("seeding meta: %w", err)
	}
	err = exec(`INSERT INTO levels (id, title, type, percent_bp, max_spend_bp) VALUES (?, ?, ?, ?, ?)`, func(stmt *sql.Stmt) error {
		for _, l := range ds.levels {
			if _, err := stmt.ExecContext(ctx, l.id, l.title, l.typ, l.bp, l.maxSpend); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("seeding levels: %w", err)
	}
	err = exec(`INSERT INTO points (idx, id) VALUES (?, ?)`, func(stmt *sql.Stmt) error {
		for i, p := range ds.points {
			if _, err := stmt.ExecContext(ctx, i, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("seeding points: %w", err)
	}
	err = exec(`INSERT INTO clients (idx, id, name, photo, birthday, email, phone, card, code, level, initial_balance, balance)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, func(stmt *sql.Stmt) error {
		for _, c := range ds.clients {
			if _, err := stmt.ExecContext(ctx, c.idx, c.id, c.name, nullable(c.photo), nullable(c.birthday), nullable(c.email),
				c.phone, c.card, c.code, c.level, c.initial, c.balance); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("seeding clients: %w", err)
	}
	return nil
}

func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func (st *store) readMeta(ctx context.Context) (storeMeta, error) {
	rows, err := st.conn.QueryContext(ctx, `SELECT key, value FROM meta`)
	if err != nil {
		return storeMeta{}, fmt.Errorf("not a loyalcheck sandbox database: %w", err)
	}
	defer rows.Close()
	kv := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return storeMeta{}, err
		}
		kv[k] = v
	}
	if err := rows.Err(); err != nil {
		return storeMeta{}, err
	}
	if kv["schema"] != schemaVersion {
		return storeMeta{}, fmt.Errorf("schema version %q, want %q", kv["schema"], schemaVersion)
	}
	var m storeMeta
	var e1, e2, e3 error
	m.seed, e1 = strconv.ParseInt(kv["seed"], 10, 64)
	m.clients, e2 = strconv.Atoi(kv["clients"])
	m.points, e3 = strconv.Atoi(kv["points"])
	if err := errors.Join(e1, e2, e3); err != nil {
		return storeMeta{}, fmt.Errorf("meta: %w", err)
	}
	return m, nil
}

// holdRow is a hold as stored.
type holdRow struct {
	id, client, point string
	amount            int64
	createdMs, until  int64
}

// snapshot is the whole state a Server mirrors: fixtures, balances and
// the holds not yet ended.
type snapshot struct {
	levels  []level
	points  []string
	clients []clientRow
	holds   []holdRow
}

// load reads the state the server mirrors.
func (st *store) load(ctx context.Context) (*snapshot, error) {
	var sn snapshot
	err := st.query(ctx, `SELECT id, title, type, percent_bp, max_spend_bp FROM levels ORDER BY id`, func(r *sql.Rows) error {
		var l level
		if err := r.Scan(&l.id, &l.title, &l.typ, &l.bp, &l.maxSpend); err != nil {
			return err
		}
		sn.levels = append(sn.levels, l)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loading levels: %w", err)
	}
	err = st.query(ctx, `SELECT id FROM points ORDER BY idx`, func(r *sql.Rows) error {
		var p string
		if err := r.Scan(&p); err != nil {
			return err
		}
		sn.points = append(sn.points, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loading points: %w", err)
	}
	err = st.query(ctx, `SELECT idx, id, name, photo, birthday, email, phone, card, code, level, initial_balance, balance
		FROM clients ORDER BY idx`, func(r *sql.Rows) error {
		var c clientRow
		var photo, birthday, email sql.NullString
		if err := r.Scan(&c.idx, &c.id, &c.name, &photo, &birthday, &email, &c.phone, &c.card, &c.code,
			&c.level, &c.initial, &c.balance); err != nil {
			return err
		}
		c.photo, c.birthday, c.email = photo.String, birthday.String, email.String
		sn.clients = append(sn.clients, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loading clients: %w", err)
	}
	err = st.query(ctx, `SELECT id, client, point, amount, created_ms, until FROM holds WHERE ended_ms IS NULL ORDER BY created_ms, id`,
		func(r *sql.Rows) error {
			var h holdRow
			if err := r.Scan(&h.id, &h.client, &h.point, &h.amount, &h.createdMs, &h.until); err != nil {
				return err
			}
			sn.holds = append(sn.holds, h)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("loading holds: %w", err)
	}
	return &sn, nil
}

func (st *store) query(ctx context.Context, q string, row func(*sql.Rows) error, args ...any) error {
	rows, err := st.conn.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// close closes the database and removes a temporary one.
func (st *store) close() error {
	st.closed = true
	var errs []error
	for _, s := range []*sql.Stmt{st.begin, st.commit, st.rollback, st.addBalance, st.insOp, st.insHold, st.endHold} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	if st.conn != nil {
		errs = append(errs, st.conn.Close())
	}
	if st.db != nil {
		errs = append(errs, st.db.Close())
	}
	if st.tmpDir != "" {
		errs = append(errs, os.RemoveAll(st.tmpDir))
	}
	return errors.Join(errs...)
}

// The writes of a change; each runs inside tx.

func (st *store) writeBalance(idx int, delta int64) error {
	if _, err := st.addBalance.Exec(delta, idx); err != nil {
		return fmt.Errorf("balance: %w", err)
	}
	return nil
}

// writeOp appends op to the journal and returns its sequence number.
func (st *store) writeOp(op *Operation) (int64, error) {
	var hold sql.NullString
	if op.Hold != "" {
		hold = sql.NullString{String: op.Hold, Valid: true}
	}
	var amount, total sql.NullFloat64
	if op.Kind == OpRetail || op.Kind == OpRecalc {
		amount = sql.NullFloat64{Float64: op.Amount, Valid: true}
	}
	if op.Kind == OpRetail {
		total = sql.NullFloat64{Float64: op.Total, Valid: true}
	}
	res, err := st.insOp.Exec(op.At.UnixMilli(), op.Kind, op.Client, op.Point, hold, amount,
		op.Held, op.Spend, op.Earn, total, op.BalanceAfter)
	if err != nil {
		return 0, fmt.Errorf("journal: %w", err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("journal: %w", err)
	}
	return seq, nil
}

func (st *store) writeHold(h *hold) error {
	if _, err := st.insHold.Exec(h.id, h.client.id, h.point, h.amount, h.created.UnixMilli(), h.until); err != nil {
		return fmt.Errorf("hold: %w", err)
	}
	return nil
}

func (st *store) writeHoldEnd(e holdEnd, seq int64) error {
	by := sql.NullInt64{Int64: seq, Valid: seq > 0}
	if _, err := st.endHold.Exec(e.at.UnixMilli(), e.reason, by, e.h.id); err != nil {
		return fmt.Errorf("ending hold: %w", err)
	}
	return nil
}
