package helm

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden renders in testdata/")

// goldenCases are the renders kept in testdata/golden-<name>.yaml.
var goldenCases = []struct{ name, values string }{
	{"default", ""},
	{"namespaced", "testdata/values-namespaced.yaml"},
	{"full", "testdata/values-full.yaml"},
}

func valuesArgs(file string) []string {
	if file == "" {
		return nil
	}
	return []string{"--values", file}
}

func TestLint(t *testing.T) {
	h := requireHelm(t)
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			out := h.mustRun(t, append([]string{"lint", "--strict", chartDir(t)}, valuesArgs(c.values)...)...)
			assert.Contains(t, out, "0 chart(s) failed", out)
		})
	}
}

// TestTemplateGolden compares each render with its golden file, leaving out what make generate
// derives from the code (the CRD and the RBAC rule lists), so that an API or marker change does
// not churn the goldens: TestChartCRDMatchesDeploy and TestChartRBACMatchesRole check those.
// After an intended chart change run `go test ./e2e/helm -run Golden -update` and review the diff.
func TestTemplateGolden(t *testing.T) {
	h := requireHelm(t)
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			got := withoutRules(withoutCRDs(h.template(t, chartDir(t), valuesArgs(c.values)...)))
			path := filepath.Join("testdata", "golden-"+c.name+".yaml")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "missing golden file; run go test ./e2e/helm -run Golden -update")
			require.Equal(t, string(want), got, "%s differs from the render", path)
		})
	}
}

// withoutCRDs drops the documents that come from templates/crds.yaml.
func withoutCRDs(manifest string) string {
	docs := strings.Split(manifest, "\n---\n")
	kept := docs[:0]
	for _, d := range docs {
		if !strings.Contains(d, "# Source: dittofs-operator/templates/crds.yaml") {
			kept = append(kept, d)
		}
	}
	return strings.Join(kept, "\n---\n")
}

// withoutRules replaces the rule list of every Role and ClusterRole with a fixed marker line, so
// the golden renders do not change with every RBAC marker (a separate test checks the rules).
func withoutRules(manifest string) string {
	var out []string
	skipping := false
	for _, line := range strings.Split(manifest, "\n") {
		if skipping && (strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "  ")) {
			continue
		}
		skipping = false
		if line == "rules:" {
			line = "rules: [] # generated into files/rbac-rules.yaml; TestChartRBACMatchesRole checks them"
			skipping = true
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// TestSchemaRejectsWrongValues checks that values.schema.json (and templates/validate.yaml)
// refuse a wrong value with a message naming the key and what is wrong.
func TestSchemaRejectsWrongValues(t *testing.T) {
	h := requireHelm(t)
	cases := []struct {
		name, values string
		want         []string
	}{
		{"replicas as a string", `replicas: "two"`, []string{"at '/replicas': got string, want integer"}},
		{"namespaces as a string", `watchNamespaces: a,b`, []string{"at '/watchNamespaces': got string, want array"}},
		{"invalid namespace name", `watchNamespaces: [Team_A]`, []string{"at '/watchNamespaces/0'", "does not match pattern"}},
		{"namespace twice", `watchNamespaces: [a, a]`, []string{"at '/watchNamespaces'", "items at 0 and 1 are equal"}},
		{"unknown pull policy", `image: {repository: r, tag: v1, pullPolicy: Sometimes}`, []string{"at '/image/pullPolicy'", "value must be one of"}},
		{"misspelt key", `replica: 2`, []string{"additional properties 'replica' not allowed"}},
		{"untagged DittoFS image", `dittofsImage: marmos91c/dittofs`, []string{"at '/dittofsImage'", "does not match pattern"}},
		{"latest DittoFS image", `dittofsImage: marmos91c/dittofs:latest`, []string{"dittofsImage: the tag 'latest' is not allowed"}},
		{"log level", `logLevel: verbose`, []string{"at '/logLevel'", "value must be one of 'debug', 'info', 'error'"}},
		{"boolean as a string", `crds: {install: "yes"}`, []string{"at '/crds/install': got string, want boolean"}},
		{"service account without a name", `serviceAccount: {create: false}`, []string{"at '/serviceAccount/name'", "minLength"}},
		{"short digest", `image: {repository: r, tag: v1, pullPolicy: Always, digest: "sha256:abc"}`, []string{"at '/image/digest'", "does not match pattern"}},
		{"budget blocking drains", `podDisruptionBudget: {enabled: true, minAvailable: 1}`, []string{"podDisruptionBudget.minAvailable: 1 with replicas 1", "blocks every node drain"}},
		{"budget of every pod in percent", `{replicas: 3, podDisruptionBudget: {enabled: true, minAvailable: "67%"}}`, []string{"podDisruptionBudget.minAvailable: 67% with replicas 3"}},
	}
	dir := t.TempDir()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(dir, "values-"+string(rune('a'+i))+".yaml")
			require.NoError(t, os.WriteFile(file, []byte(c.values+"\n"), 0o644))
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			stdout, stderr, err := h.run(ctx, "template", releaseName, chartDir(t), "--values", file)
			require.Error(t, err, "helm accepted %q; rendered:\n%s", c.values, stdout)
			for _, w := range c.want {
				assert.Contains(t, stderr, w)
			}
		})
	}
}

// TestImageTagMatchesAppVersion keeps the pinned manager image and the chart's appVersion in
// step, so a release bumps both.
func TestImageTagMatchesAppVersion(t *testing.T) {
	var chart struct {
		AppVersion string `json:"appVersion"`
	}
	var values struct {
		Image struct {
			Tag string `json:"tag"`
		} `json:"image"`
	}
	readYAML(t, filepath.Join(chartDir(t), "Chart.yaml"), &chart)
	readYAML(t, filepath.Join(chartDir(t), "values.yaml"), &values)
	require.NotEmpty(t, chart.AppVersion)
	assert.Equal(t, chart.AppVersion, values.Image.Tag)
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, into), path)
}
