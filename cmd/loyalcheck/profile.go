package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/pflag"
)

// profileFlags are --cpuprofile and --memprofile of the commands that
// generate load: where the harness's own CPU goes at a high rate is a
// question an SRE asks before trusting its figures (as vegeta's own
// -cpuprofile answers it for vegeta).
type profileFlags struct {
	cpu, mem string
}

func (p *profileFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&p.cpu, "cpuprofile", "", "write a Go CPU profile of loyalcheck itself to this FILE ('go tool pprof FILE')")
	fs.StringVar(&p.mem, "memprofile", "", "write a Go heap profile of loyalcheck itself to this FILE at the end of the run")
}

func (p *profileFlags) check(*pflag.FlagSet) error { return nil }

// start begins the CPU profile; stop ends it and writes the heap profile.
// A profile that cannot be written is the user's mistake, told before the
// run starts (CPU) or after it (heap), never a reason to lose the run.
func (p *profileFlags) start(e *env, cmd string) (stop func(), code int) {
	var cpu *os.File
	if p.cpu != "" {
		f, err := os.Create(p.cpu)
		if err != nil {
			return func() {}, usageErr(e, cmd, "--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return func() {}, usageErr(e, cmd, "--cpuprofile: %v", err)
		}
		cpu = f
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				fmt.Fprintf(e.stderr, "loyalcheck %s: --cpuprofile: %v\n", cmd, err)
			}
		}
		if p.mem != "" {
			if err := writeHeapProfile(p.mem); err != nil {
				fmt.Fprintf(e.stderr, "loyalcheck %s: --memprofile: %v\n", cmd, err)
			}
		}
	}, exitOK
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC() // the heap as it stands, not as of the last collection
	return errors.Join(pprof.WriteHeapProfile(f), f.Close())
}
