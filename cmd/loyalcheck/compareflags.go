package main

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"loyalcheck/compare"
	"loyalcheck/reports"
	"loyalcheck/reports/record"
)

// compareFlags are the comparison's options shared by compare and accept
// (--baseline), checked in parseFlags like every shared group.
type compareFlags struct {
	exprs      []string
	confidence float64
	force      bool

	thresholds []compare.Threshold // set by check
}

func (c *compareFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&c.exprs, "max-regression", nil, "bound of a metric's growth, METRIC[(STEP)]+VALUE (repeatable; see above)")
	fs.Float64Var(&c.confidence, "confidence", compare.DefaultConfidence*100, "confidence level of the significance tests, in percent (50 to 99.99)")
	fs.BoolVar(&c.force, "force", false, "compare runs of different scenarios anyway (with a warning)")
}

func (c *compareFlags) check(*pflag.FlagSet) error {
	ts, err := compare.ParseThresholds(c.exprs)
	if err != nil {
		return fmt.Errorf("--%w", err)
	}
	if !(c.confidence >= 50 && c.confidence <= 99.99) {
		return fmt.Errorf("--confidence %g: want 50 to 99.99 (percent)", c.confidence)
	}
	c.thresholds = ts
	return nil
}

// compare judges newer against base; runs of different scenarios are an
// error unless --force.
func (c *compareFlags) compare(base, newer reports.ComparedRun) (*reports.Comparison, error) {
	res, err := compare.Compare(base.Run, newer.Run, compare.WithConfidence(c.confidence/100),
		compare.WithThresholds(c.thresholds...), compare.WithForce(c.force))
	if errors.Is(err, compare.ErrUnlike) {
		return nil, fmt.Errorf("%w (--force compares them anyway)", err)
	}
	if err != nil {
		return nil, err
	}
	return &reports.Comparison{Base: base, New: newer, Result: res, Made: nowUTC()}, nil
}

// comparedRun reads one side of a comparison from a run directory or
// run.json (reports.ComparedRecord reads the record).
func comparedRun(path string) (reports.ComparedRun, *record.Record, error) {
	rec, err := record.Read(path)
	if err != nil {
		return reports.ComparedRun{}, nil, err
	}
	side, err := reports.ComparedRecord(path, rec)
	return side, rec, err
}
