package distributed

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"

	"loyalcheck/api"
	"loyalcheck/scenarios"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fixedPlan is a plan as 'loyalcheck plan' writes it, on a stopped clock.
func fixedPlan(t *testing.T) (*Plan, []byte) {
	t.Helper()
	src, ok := scenarios.Source("hold-contention")
	require.True(t, ok)
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	p := &Plan{
		Version: Version, Shards: 3, Created: at, Start: at.Add(30 * time.Second),
		Target: "https://loyalty.example.com", Timeout: Duration(5 * time.Second),
		Scenario: "hold-contention", ScenarioSource: string(src),
		Fixtures:  api.Fixtures{Points: []string{"p1", "p2"}, Clients: []api.FixtureClient{{Phone: "79200000001", Type: "cashback"}, {Card: "c2"}}},
		LoadFlags: []string{"--scenario=hold-contention", "--rate=300/1s", "--duration=2m0s"},
		Rate:      "300/1s", Duration: Duration(2 * time.Minute), SLO: []string{"violations==0", "errors<1%"}, Seed: 1,
		Point: "p1",
		Clients: []Client{
			{Key: "79200000001", Found: true, ID: "a1", Type: "cashback", MaxSpendPercent: 50, Balance: 5000},
			{Key: "c2", Found: false},
		},
	}
	require.NoError(t, p.Check())
	b, err := p.Encode()
	require.NoError(t, err)
	return p, b
}

// strict decodes one YAML document into v as the API server would,
// refusing any field v's type does not have.
func strict(t *testing.T, doc []byte, v any) {
	t.Helper()
	j, err := k8syaml.ToJSON(doc)
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(v), "%s", doc)
}

func documents(t *testing.T, stream []byte) [][]byte {
	t.Helper()
	r := k8syaml.NewYAMLReader(bufioReader(stream))
	var docs [][]byte
	for {
		d, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		require.NoError(t, err)
		if len(bytes.TrimSpace(d)) > 0 && strings.TrimSpace(string(d)) != "---" {
			docs = append(docs, d)
		}
	}
}

// The manifests decode strictly into Kubernetes' own types, with every
// field a run needs; the golden file shows them whole.
func TestK8sManifests(t *testing.T) {
	p, planJSON := fixedPlan(t)
	out, err := K8s(p, planJSON, K8sOptions{Image: "registry.example.com/loyalcheck:v1", Namespace: "load"})
	require.NoError(t, err)
	golden := filepath.Join("testdata", "k8s.golden.yaml")
	if *update {
		require.NoError(t, os.WriteFile(golden, out, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(out), "run 'go test ./distributed -run TestK8sManifests -update' after a deliberate change")

	docs := documents(t, out)
	require.Len(t, docs, 4)
	var cm corev1.ConfigMap
	var pvc corev1.PersistentVolumeClaim
	var shards, merge batchv1.Job
	strict(t, docs[0], &cm)
	strict(t, docs[1], &pvc)
	strict(t, docs[2], &shards)
	strict(t, docs[3], &merge)

	assert.Equal(t, "ConfigMap", cm.Kind)
	assert.Equal(t, string(planJSON), cm.Data[PlanFile])
	back, err := Decode([]byte(cm.Data[PlanFile]))
	require.NoError(t, err)
	assert.Equal(t, p.Start, back.Start)
	assert.Equal(t, p.ScenarioSource, cm.Data["scenario.yaml"])
	var fx api.Fixtures
	require.NoError(t, json.Unmarshal([]byte(cm.Data["fixtures.json"]), &fx))
	assert.Equal(t, p.Fixtures, fx)

	assert.Equal(t, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}, pvc.Spec.AccessModes)
	assert.False(t, pvc.Spec.Resources.Requests.Storage().IsZero())

	require.NotNil(t, shards.Spec.CompletionMode)
	assert.Equal(t, batchv1.IndexedCompletion, *shards.Spec.CompletionMode)
	require.NotNil(t, shards.Spec.Completions)
	require.NotNil(t, shards.Spec.Parallelism)
	assert.EqualValues(t, 3, *shards.Spec.Completions)
	assert.EqualValues(t, 3, *shards.Spec.Parallelism)
	assert.Nil(t, merge.Spec.CompletionMode, "the merge is one pod")

	for _, job := range []batchv1.Job{shards, merge} {
		assert.Equal(t, "batch/v1", job.APIVersion)
		assert.Equal(t, "load", job.Namespace)
		ps := job.Spec.Template.Spec
		assert.Equal(t, corev1.RestartPolicyNever, ps.RestartPolicy)
		require.NotNil(t, ps.SecurityContext.RunAsNonRoot)
		assert.True(t, *ps.SecurityContext.RunAsNonRoot)
		require.Len(t, ps.Containers, 1)
		c := ps.Containers[0]
		assert.NotEmpty(t, c.Name)
		assert.Equal(t, "registry.example.com/loyalcheck:v1", c.Image)
		// The apikey only ever by reference to a Secret.
		require.Len(t, c.Env, 1)
		assert.Equal(t, api.APIKeyEnv, c.Env[0].Name)
		assert.Empty(t, c.Env[0].Value)
		require.NotNil(t, c.Env[0].ValueFrom)
		require.NotNil(t, c.Env[0].ValueFrom.SecretKeyRef)
		assert.Equal(t, "loyalcheck-apikey", c.Env[0].ValueFrom.SecretKeyRef.Name)
		assert.Equal(t, "apikey", c.Env[0].ValueFrom.SecretKeyRef.Key)
		// Every mount names a volume of the pod.
		vols := map[string]corev1.Volume{}
		for _, v := range ps.Volumes {
			vols[v.Name] = v
		}
		for _, m := range c.VolumeMounts {
			_, ok := vols[m.Name]
			assert.True(t, ok, "mount %s has no volume", m.Name)
		}
		require.NotNil(t, vols["results"].PersistentVolumeClaim)
		assert.Equal(t, pvc.Name, vols["results"].PersistentVolumeClaim.ClaimName)
		require.NotNil(t, vols["plan"].ConfigMap)
		assert.Equal(t, cm.Name, vols["plan"].ConfigMap.Name)
	}
	assert.Equal(t, []string{"load", "--plan", "/etc/loyalcheck/plan.json", "--out", "/results"}, shards.Spec.Template.Spec.Containers[0].Args)
	assert.Equal(t, "merge", merge.Spec.Template.Spec.Containers[0].Args[0])
}

// With --shared-claim the manifests use that claim and claim none.
func TestK8sSharedClaim(t *testing.T) {
	p, planJSON := fixedPlan(t)
	out, err := K8s(p, planJSON, K8sOptions{Image: "img", SharedClaim: "team-results", Secret: "vendor-key"})
	require.NoError(t, err)
	docs := documents(t, out)
	require.Len(t, docs, 3)
	for _, d := range docs[1:] {
		var job batchv1.Job
		strict(t, d, &job)
		ps := job.Spec.Template.Spec
		found := false
		for _, v := range ps.Volumes {
			if v.PersistentVolumeClaim != nil {
				found = true
				assert.Equal(t, "team-results", v.PersistentVolumeClaim.ClaimName)
			}
		}
		assert.True(t, found)
		assert.Equal(t, "vendor-key", ps.Containers[0].Env[0].ValueFrom.SecretKeyRef.Name)
	}
}

func TestK8sRefusesBadNames(t *testing.T) {
	p, planJSON := fixedPlan(t)
	for _, o := range []K8sOptions{{}, {Image: "i", Name: "Bad_Name"}, {Image: "i", Namespace: "-x"}, {Image: "i", SharedClaim: "a b"}} {
		_, err := K8s(p, planJSON, o)
		assert.Error(t, err, "%+v", o)
	}
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
