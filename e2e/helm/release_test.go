package helm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/dittofs/dittofs-operator/internal/chartgen"
)

// What a release ships and a real cluster needs from the chart: the packaged chart behaves as
// the folder, the defaults hold on a cluster that drains nodes and rolls Deployments, and the
// Artifact Hub metadata says what the chart holds.

// TestPackagedChartRendersAsFolder packages the chart as the release workflow does and checks
// that it lints and renders exactly as the folder, for every golden values file.
func TestPackagedChartRendersAsFolder(t *testing.T) {
	h := requireHelm(t)
	pkg := h.packageChart(t, chartDir(t))
	var chart struct{ Version string }
	readYAML(t, filepath.Join(chartDir(t), "Chart.yaml"), &chart)
	assert.Equal(t, "dittofs-operator-"+chart.Version+".tgz", filepath.Base(pkg))
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			out := h.mustRun(t, append([]string{"lint", "--strict", pkg}, valuesArgs(c.values)...)...)
			assert.Contains(t, out, "0 chart(s) failed", out)
			assert.Equal(t, h.template(t, chartDir(t), valuesArgs(c.values)...), h.template(t, pkg, valuesArgs(c.values)...))
		})
	}
}

func managerDeployment(t *testing.T, manifest string) *appsv1.Deployment {
	t.Helper()
	deps := ofKind(parseManifest(t, manifest), "Deployment")
	require.Len(t, deps, 1)
	dep := &appsv1.Deployment{}
	require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(deps[0].Object, dep))
	return dep
}

// TestDefaultsForARealCluster checks the default render against what a real cluster does to
// the manager: rolling updates, node drains, graceful shutdown, pulls from the release registry.
func TestDefaultsForARealCluster(t *testing.T) {
	h := requireHelm(t)
	manifest := h.template(t, chartDir(t))
	dep := managerDeployment(t, manifest)
	spec := dep.Spec.Template.Spec

	// controller-runtime waits up to 30s (its default GracefulShutdownTimeout) for reconciles
	// to end and the lease to be released; the kubelet must not kill the manager before.
	require.NotNil(t, spec.TerminationGracePeriodSeconds)
	assert.Greater(t, time.Duration(*spec.TerminationGracePeriodSeconds)*time.Second, 30*time.Second)

	// A rolling update starts the new pod before the old one stops: only a lease keeps them
	// from reconciling at once.
	assert.NotEqual(t, appsv1.RecreateDeploymentStrategyType, dep.Spec.Strategy.Type)
	flags := managerFlags(t, dep)
	assert.True(t, flags.LeaderElect, "leader election is on by default")
	assert.Equal(t, releaseNamespace, flags.LeaderElectionNamespace)
	roles := ofKind(parseManifest(t, manifest), "Role")
	require.Len(t, roles, 1)
	assert.Equal(t, fullname+"-leader-election", roles[0].GetName())

	assert.Empty(t, ofKind(parseManifest(t, manifest), "PodDisruptionBudget"), "one replica with a PodDisruptionBudget blocks drains")

	var values struct {
		Image struct{ Repository, Tag, Digest string }
	}
	readYAML(t, filepath.Join(chartDir(t), "values.yaml"), &values)
	assert.Equal(t, values.Image.Repository+":"+values.Image.Tag, spec.Containers[0].Image)
	assert.Empty(t, values.Image.Digest)
	// The repository names the image by path; the release workflow prefixes the registry host
	// it publishes to (a repository variable), so no host is written in the chart.
	host := strings.Split(values.Image.Repository, "/")[0]
	assert.False(t, strings.ContainsAny(host, ".:"), "image.repository %s names a registry host", values.Image.Repository)

	digest := "sha256:" + strings.Repeat("0123456789abcdef", 4)
	byDigest := managerDeployment(t, h.template(t, chartDir(t), "--set", "image.digest="+digest))
	assert.Equal(t, values.Image.Repository+"@"+digest, byDigest.Spec.Template.Spec.Containers[0].Image)

	noLease := managerDeployment(t, h.template(t, chartDir(t), "--set", "leaderElection.enabled=false"))
	assert.Equal(t, appsv1.RecreateDeploymentStrategyType, noLease.Spec.Strategy.Type, "one manager without a lease must stop before the next starts")
	assert.False(t, managerFlags(t, noLease).LeaderElect)

	pdb := parseManifest(t, h.template(t, chartDir(t), "--set", "podDisruptionBudget.enabled=true", "--set", "replicas=2"))
	assert.Len(t, ofKind(pdb, "PodDisruptionBudget"), 1, "two replicas and minAvailable 1 leave one pod evictable")
}

// TestReleaseVersionsAgree keeps the chart version, appVersion, image.tag and the Artifact Hub
// image list in step: the release workflow refuses a tag unless they agree.
func TestReleaseVersionsAgree(t *testing.T) {
	var chart struct {
		Version     string            `json:"version"`
		AppVersion  string            `json:"appVersion"`
		Annotations map[string]string `json:"annotations"`
	}
	readYAML(t, filepath.Join(chartDir(t), "Chart.yaml"), &chart)
	assert.Equal(t, strings.TrimPrefix(chart.AppVersion, "v"), chart.Version, "the chart version is the release's without the v")

	var values struct {
		Image        struct{ Repository, Tag string }
		DittofsImage string `json:"dittofsImage"`
	}
	readYAML(t, filepath.Join(chartDir(t), "values.yaml"), &values)
	var images []struct {
		Name, Image string
		Platforms   []string
	}
	require.NoError(t, yaml.UnmarshalStrict([]byte(chart.Annotations["artifacthub.io/images"]), &images))
	require.Len(t, images, 2)
	assert.Equal(t, values.Image.Repository+":"+chart.AppVersion, images[0].Image)
	assert.Equal(t, []string{"linux/amd64", "linux/arm64"}, images[0].Platforms, "the platforms make image builds")
	assert.Equal(t, values.DittofsImage, images[1].Image)
}

// TestArtifactHubAnnotations checks that the annotations parse as Artifact Hub reads them and
// name what the chart holds: the CRD of deploy/crd and the sample of deploy/samples.
func TestArtifactHubAnnotations(t *testing.T) {
	var chart struct {
		Annotations map[string]string `json:"annotations"`
	}
	readYAML(t, filepath.Join(chartDir(t), "Chart.yaml"), &chart)
	a := chart.Annotations
	assert.Equal(t, "true", a["artifacthub.io/operator"])
	assert.Contains(t, []string{"Basic Install", "Seamless Upgrades", "Full Lifecycle", "Deep Insights", "Auto Pilot"}, a["artifacthub.io/operatorCapabilities"])

	var crds []struct{ Kind, Version, Name, DisplayName, Description string }
	require.NoError(t, yaml.UnmarshalStrict([]byte(a["artifacthub.io/crds"]), &crds))
	files, err := filepath.Glob(filepath.Join(repoRoot(t), chartgen.CRDDir, "*.yaml"))
	require.NoError(t, err)
	require.Len(t, crds, len(files))
	for i, f := range files {
		var crd struct {
			Metadata struct{ Name string }
			Spec     struct {
				Names    struct{ Kind string }
				Versions []struct{ Name string }
			}
		}
		readYAML(t, f, &crd)
		assert.Equal(t, crd.Metadata.Name, crds[i].Name)
		assert.Equal(t, crd.Spec.Names.Kind, crds[i].Kind)
		assert.Equal(t, crd.Spec.Versions[0].Name, crds[i].Version)
		assert.NotEmpty(t, crds[i].Description)
	}

	var examples []map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(a["artifacthub.io/crdsExamples"]), &examples))
	require.Len(t, examples, 1)
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "samples", "dittofs-sqlite.yaml"))
	require.NoError(t, err)
	var sample map[string]any
	require.NoError(t, yaml.Unmarshal(data, &sample))
	assert.JSONEq(t, mustJSON(t, sample), mustJSON(t, examples[0]), "crdsExamples must be deploy/samples/dittofs-sqlite.yaml")

	var changes []struct{ Kind, Description string }
	require.NoError(t, yaml.UnmarshalStrict([]byte(a["artifacthub.io/changes"]), &changes))
	require.NotEmpty(t, changes)
	for _, c := range changes {
		assert.Contains(t, []string{"added", "changed", "deprecated", "removed", "fixed", "security"}, c.Kind)
		assert.NotEmpty(t, c.Description)
	}

	var links []struct{ Name, URL string }
	require.NoError(t, yaml.UnmarshalStrict([]byte(a["artifacthub.io/links"]), &links))
}
