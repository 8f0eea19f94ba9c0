package load

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText renders the summary as a terminal table: sessions, per-step
// metrics, violations, contention and the ledger verdict.
func (s *Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s  pacer %s  duration %s", s.Scenario, s.Pacer, s.Duration)
	if s.Interrupted {
		b.WriteString("  (interrupted)")
	}
	b.WriteString("\n")
	ss := s.Sessions
	fmt.Fprintf(&b, "sessions: %d scheduled, %d started, %d dropped, %d failed, %d aborted; rate asked %.1f/s, achieved %.1f/s; %.1f requests/s\n",
		ss.Scheduled, ss.Started, ss.Dropped, ss.Failed, ss.Aborted, s.AskedRate, s.AchievedRate, s.RequestRate)
	fmt.Fprintf(&b, "validated %d responses (%.0f%%)\n\n", s.Validation.Validated, s.Validation.Fraction*100)

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\trequests\trate/s\tsuccess\trefused\terrors\tviol\tp50\tp90\tp95\tp99\tp99.9\tmax\t")
	rows := append(append([]StepMetrics{}, s.Steps...), s.Session)
	for _, m := range rows {
		l := m.Latency
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.2f%%\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", m.Name, m.Requests, m.Rate, m.Success*100,
			m.Refused, m.Unexpected, m.Violations, short(l.P50), short(l.P90), short(l.P95), short(l.P99), short(l.P999), short(l.Max))
	}
	tw.Flush()

	for _, m := range rows {
		for i, e := range m.Errors {
			if i == 0 {
				fmt.Fprintf(&b, "\nerrors in %s:\n", m.Name)
			}
			if i == 5 {
				fmt.Fprintf(&b, "  ... %d more kinds\n", len(m.Errors)-5)
				break
			}
			fmt.Fprintf(&b, "  %6d  %s\n", e.Count, e.Error)
		}
	}
	if len(s.Violations) > 0 {
		b.WriteString("\ncontract violations under load:\n")
		for _, v := range s.Violations {
			fmt.Fprintf(&b, "  %-7s %-4s %6d  e.g. %s\n", v.Step, v.Rule, v.Count, v.Example)
		}
	}
	if c := s.Contention; c != nil {
		fmt.Fprintf(&b, "\ncontention on %d hot clients: holds %d accepted / %d refused; spends %d accepted / %d refused\n",
			c.HotClients, c.HoldsAccepted, c.HoldsRefused, c.SpendsAccepted, c.SpendsRefused)
		for i := range c.Hot {
			fmt.Fprintf(&b, "  %-7s p50 hot %s vs rest %s; p99 hot %s vs rest %s\n", c.Hot[i].Step,
				short(c.Hot[i].Latency.P50), short(c.Cold[i].Latency.P50), short(c.Hot[i].Latency.P99), short(c.Cold[i].Latency.P99))
		}
	}
	l := s.Ledger
	b.WriteString("\n")
	switch {
	case l.Skipped != "":
		fmt.Fprintf(&b, "ledger: not checked: %s\n", l.Skipped)
	case len(l.Findings) == 0:
		fmt.Fprintf(&b, "ledger: OK - %d clients audited, %d touched; spent %s, earned %s, %d holds, %d released; no point lost or double-spent (L1-L3)\n",
			l.Clients, l.Touched, num(l.Spent), num(l.Earned), l.Holds, l.Released)
	default:
		fmt.Fprintf(&b, "ledger: %d findings over %d clients:\n", len(l.Findings), l.Clients)
		for _, f := range l.Findings {
			fmt.Fprintf(&b, "  %s %s client %s: %s\n", strings.ToUpper(f.Status), f.Rule, f.Client, f.Message)
		}
	}
	if l.Uncertain > 0 {
		fmt.Fprintf(&b, "ledger: %d state-changing requests got no answer; the audit allowed for them\n", l.Uncertain)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func short(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0fµs", float64(d)/1e3)
}
