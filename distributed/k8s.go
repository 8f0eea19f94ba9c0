package distributed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"go.yaml.in/yaml/v3"
)

// The Kubernetes manifests of a planned run, written as plain structs
// with the API's field names: the product needs no Kubernetes library to
// print them, and the tests decode them strictly into k8s.io/api's types.

// K8sOptions are what the manifests need besides the plan.
type K8sOptions struct {
	Image     string
	Namespace string
	// Name prefixes every object (default loyalcheck).
	Name string
	// SharedClaim is an existing ReadWriteMany PersistentVolumeClaim for
	// the results; when empty the manifests claim one (Name-results).
	SharedClaim string
	// Secret holds the apikey under the key apikey (default
	// Name-apikey); the manifests only ever refer to it.
	Secret string
}

// In the pods: the plan, scenario and fixtures from the ConfigMap, the
// run directory on the shared volume.
const (
	podPlanDir = "/etc/loyalcheck"
	podRunDir  = "/results"
	// podUser is the distroless "nonroot" user, the Dockerfile's.
	podUser = 65532
)

var k8sName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// K8s returns the manifests of a planned run as a YAML stream: a
// ConfigMap with the plan (planJSON as plan.json holds it), its scenario
// and fixtures; a ReadWriteMany claim for the results unless SharedClaim
// names one; an Indexed Job of Shards pods, each running its shard; and a
// Job running the merge, which waits for the shards itself.
func K8s(p *Plan, planJSON []byte, o K8sOptions) ([]byte, error) {
	if o.Image == "" {
		return nil, fmt.Errorf("an image is required")
	}
	if o.Name == "" {
		o.Name = "loyalcheck"
	}
	if o.Secret == "" {
		o.Secret = o.Name + "-apikey"
	}
	for _, n := range []string{o.Name, o.Namespace, o.SharedClaim, o.Secret} {
		if n != "" && (len(n) > 52 || !k8sName.MatchString(n)) {
			return nil, fmt.Errorf("%q: want a Kubernetes name (lower-case letters, digits and '-', at most 52)", n)
		}
	}
	fixtures, err := json.MarshalIndent(p.Fixtures, "", "  ")
	if err != nil {
		return nil, err
	}
	claim := o.SharedClaim
	var objs []any
	cm := object{APIVersion: "v1", Kind: "ConfigMap", Metadata: o.meta(o.Name + "-plan"),
		Data: map[string]string{PlanFile: string(planJSON), "scenario.yaml": p.ScenarioSource, "fixtures.json": string(fixtures) + "\n"}}
	objs = append(objs, cm)
	if claim == "" {
		claim = o.Name + "-results"
		objs = append(objs, object{APIVersion: "v1", Kind: "PersistentVolumeClaim", Metadata: o.meta(claim),
			Spec: &pvcSpec{AccessModes: []string{"ReadWriteMany"}, Resources: resources{Requests: map[string]string{"storage": "1Gi"}}}})
	}
	n := int32(p.Shards)
	plan := podPlanDir + "/" + PlanFile
	shards := o.job(o.Name+"-shards", "shard", claim, []string{"load", "--plan", plan, "--out", podRunDir})
	shards.Spec.(*jobSpec).CompletionMode = "Indexed"
	shards.Spec.(*jobSpec).Completions = &n
	shards.Spec.(*jobSpec).Parallelism = &n
	objs = append(objs, shards)
	// The merge waits for the shards: from now until the plan's start,
	// the run, and as long again for slow writers.
	wait := time.Duration(p.Duration)*2 + 10*time.Minute
	objs = append(objs, o.job(o.Name+"-merge", "merge", claim, []string{"merge", podRunDir, "--plan", plan, "--color", "never", "--wait", wait.String()}))

	var buf bytes.Buffer
	for _, obj := range objs {
		buf.WriteString("---\n")
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(obj); err != nil {
			return nil, err
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

func (o K8sOptions) meta(name string) metadata {
	return metadata{Name: name, Namespace: o.Namespace, Labels: map[string]string{"app.kubernetes.io/name": "loyalcheck", "app.kubernetes.io/instance": o.Name}}
}

// job is a Job of pods running loyalcheck args, the apikey from the
// Secret, the plan from the ConfigMap, the results on the claim.
func (o K8sOptions) job(name, component, claim string, args []string) object {
	zero := int32(0)
	nonRoot, no, yes := true, false, true
	user := int64(podUser)
	ttl := int32(86400)
	return object{APIVersion: "batch/v1", Kind: "Job", Metadata: o.meta(name), Spec: &jobSpec{
		// A shard run again would start after the plan's start time and
		// refuse; a merge run again would audit twice. Neither retries.
		BackoffLimit:            &zero,
		TTLSecondsAfterFinished: &ttl,
		Template: podTemplate{
			Metadata: metadata{Labels: map[string]string{"app.kubernetes.io/name": "loyalcheck", "app.kubernetes.io/instance": o.Name, "app.kubernetes.io/component": component}},
			Spec: podSpec{
				RestartPolicy:   "Never",
				SecurityContext: podSecurity{RunAsNonRoot: &nonRoot, RunAsUser: &user, RunAsGroup: &user, FSGroup: &user},
				Containers: []container{{
					Name:  component,
					Image: o.Image,
					Args:  args,
					Env: []envVar{{Name: "LOYALCHECK_APIKEY", ValueFrom: &envSource{
						SecretKeyRef: &secretKeyRef{Name: o.Secret, Key: "apikey"}}}},
					Resources: resources{Requests: map[string]string{"cpu": "1", "memory": "256Mi"}, Limits: map[string]string{"memory": "1Gi"}},
					SecurityContext: &containerSecurity{AllowPrivilegeEscalation: &no, ReadOnlyRootFilesystem: &yes,
						Capabilities: &capabilities{Drop: []string{"ALL"}}},
					VolumeMounts: []volumeMount{{Name: "plan", MountPath: podPlanDir, ReadOnly: true}, {Name: "results", MountPath: podRunDir}},
				}},
				Volumes: []volume{
					{Name: "plan", ConfigMap: &configMapVolume{Name: o.Name + "-plan"}},
					{Name: "results", PersistentVolumeClaim: &claimVolume{ClaimName: claim}},
				},
			},
		},
	}}
}

type object struct {
	APIVersion string            `yaml:"apiVersion"`
	Kind       string            `yaml:"kind"`
	Metadata   metadata          `yaml:"metadata"`
	Data       map[string]string `yaml:"data,omitempty"`
	Spec       any               `yaml:"spec,omitempty"`
}

type metadata struct {
	Name      string            `yaml:"name,omitempty"`
	Namespace string            `yaml:"namespace,omitempty"`
	Labels    map[string]string `yaml:"labels,omitempty"`
}

type pvcSpec struct {
	AccessModes []string  `yaml:"accessModes"`
	Resources   resources `yaml:"resources"`
}

type resources struct {
	Requests map[string]string `yaml:"requests,omitempty"`
	Limits   map[string]string `yaml:"limits,omitempty"`
}

type jobSpec struct {
	CompletionMode          string      `yaml:"completionMode,omitempty"`
	Completions             *int32      `yaml:"completions,omitempty"`
	Parallelism             *int32      `yaml:"parallelism,omitempty"`
	BackoffLimit            *int32      `yaml:"backoffLimit"`
	TTLSecondsAfterFinished *int32      `yaml:"ttlSecondsAfterFinished,omitempty"`
	Template                podTemplate `yaml:"template"`
}

type podTemplate struct {
	Metadata metadata `yaml:"metadata"`
	Spec     podSpec  `yaml:"spec"`
}

type podSpec struct {
	RestartPolicy   string      `yaml:"restartPolicy"`
	SecurityContext podSecurity `yaml:"securityContext"`
	Containers      []container `yaml:"containers"`
	Volumes         []volume    `yaml:"volumes"`
}

type podSecurity struct {
	RunAsNonRoot *bool  `yaml:"runAsNonRoot"`
	RunAsUser    *int64 `yaml:"runAsUser"`
	RunAsGroup   *int64 `yaml:"runAsGroup"`
	FSGroup      *int64 `yaml:"fsGroup"`
}

type container struct {
	Name            string             `yaml:"name"`
	Image           string             `yaml:"image"`
	Args            []string           `yaml:"args"`
	Env             []envVar           `yaml:"env"`
	Resources       resources          `yaml:"resources"`
	SecurityContext *containerSecurity `yaml:"securityContext"`
	VolumeMounts    []volumeMount      `yaml:"volumeMounts"`
}

type envVar struct {
	Name      string     `yaml:"name"`
	ValueFrom *envSource `yaml:"valueFrom"`
}

type envSource struct {
	SecretKeyRef *secretKeyRef `yaml:"secretKeyRef"`
}

type secretKeyRef struct {
	Name string `yaml:"name"`
	Key  string `yaml:"key"`
}

type containerSecurity struct {
	AllowPrivilegeEscalation *bool         `yaml:"allowPrivilegeEscalation"`
	ReadOnlyRootFilesystem   *bool         `yaml:"readOnlyRootFilesystem"`
	Capabilities             *capabilities `yaml:"capabilities"`
}

type capabilities struct {
	Drop []string `yaml:"drop"`
}

type volumeMount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
	ReadOnly  bool   `yaml:"readOnly,omitempty"`
}

type volume struct {
	Name                  string           `yaml:"name"`
	ConfigMap             *configMapVolume `yaml:"configMap,omitempty"`
	PersistentVolumeClaim *claimVolume     `yaml:"persistentVolumeClaim,omitempty"`
}

type configMapVolume struct {
	Name string `yaml:"name"`
}

type claimVolume struct {
	ClaimName string `yaml:"claimName"`
}
