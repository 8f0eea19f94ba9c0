package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"loyalcheck/distributed"
)

const k8sHelp = `
Print the Kubernetes manifests of a planned run ('loyalcheck plan'): a
ConfigMap with the plan, its scenario and fixtures; a ReadWriteMany
PersistentVolumeClaim for the results (unless --shared-claim names one);
an Indexed Job (completionMode Indexed, completions = parallelism = the
plan's shards) whose pods each run one shard ('loyalcheck load --plan ...',
the shard number from JOB_COMPLETION_INDEX); and a Job that runs
'loyalcheck merge' on the results once every shard has written them.

The apikey comes from the Secret --secret (key apikey) through a
secretKeyRef, never from the manifests: create it first with
  kubectl create secret generic loyalcheck-apikey --from-literal=apikey=...
Plan with a --start-in long enough to pull the image and start every pod.

  loyalcheck k8s --plan run/plan.json --image registry/loyalcheck:v1 | kubectl apply -f -`

// k8sFlags are the k8s command's flags.
type k8sFlags struct {
	plan string
	opts distributed.K8sOptions
}

func (k *k8sFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&k.plan, "plan", "", "the run's plan.json ('loyalcheck plan')")
	fs.StringVar(&k.opts.Image, "image", "", "container image of loyalcheck (see the Dockerfile)")
	fs.StringVar(&k.opts.Namespace, "namespace", "", "namespace of every object (default: kubectl's)")
	fs.StringVar(&k.opts.Name, "name", "loyalcheck", "prefix of every object's name")
	fs.StringVar(&k.opts.SharedClaim, "shared-claim", "", "existing ReadWriteMany PersistentVolumeClaim for the results (default: the manifests claim one)")
	fs.StringVar(&k.opts.Secret, "secret", "", "Secret holding the apikey under the key apikey (default: NAME-apikey)")
}

func (k *k8sFlags) check(*pflag.FlagSet) error {
	switch {
	case k.plan == "":
		return fmt.Errorf("--plan FILE is required")
	case k.opts.Image == "":
		return fmt.Errorf("--image is required")
	}
	return nil
}

func runK8s(_ context.Context, e *env, args []string) int {
	var kf k8sFlags
	fs := newFlags(e, "k8s", "--plan DIR/plan.json --image IMAGE [flags]", k8sHelp, noArgs{}, &kf)
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	b, err := os.ReadFile(kf.plan)
	if err != nil {
		return usageErr(e, "k8s", "plan: %v", err)
	}
	p, err := distributed.Decode(b)
	if err != nil {
		return usageErr(e, "k8s", "%v", err)
	}
	out, err := distributed.K8s(p, b, kf.opts)
	if err != nil {
		return usageErr(e, "k8s", "%v", err)
	}
	if _, err := e.stdout.Write(out); err != nil {
		return exitFail
	}
	return exitOK
}
