package helm

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// documentedKeys reads the keys of the values table in the chart README.
func documentedKeys(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(chartDir(t), "README.md"))
	require.NoError(t, err)
	_, table, found := strings.Cut(string(data), "\n## Values\n")
	require.True(t, found, "README.md has no '## Values' section")
	var keys []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllStringSubmatch(table, -1) {
		keys = append(keys, m[1])
	}
	require.NotEmpty(t, keys)
	return keys
}

// lookup finds a dotted key in nested maps.
func lookup(m map[string]any, key string) (any, bool) {
	var cur any = m
	for _, part := range strings.Split(key, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// leaves lists the dotted paths of values.yaml down to the first non-map or empty map.
func leaves(prefix string, v any) []string {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return []string{prefix}
	}
	var out []string
	for k, child := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		out = append(out, leaves(p, child)...)
	}
	sort.Strings(out)
	return out
}

func readValues(t *testing.T, path string) map[string]any {
	t.Helper()
	var v map[string]any
	readYAML(t, path, &v)
	return v
}

// TestValuesDocumentedAndTyped checks that every value is in the README table and in the
// schema, and that the table names nothing values.yaml lacks.
func TestValuesDocumentedAndTyped(t *testing.T) {
	values := readValues(t, filepath.Join(chartDir(t), "values.yaml"))
	var schema map[string]any
	data, err := os.ReadFile(filepath.Join(chartDir(t), "values.schema.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &schema))
	keys := documentedKeys(t)

	for _, leaf := range leaves("", values) {
		covered := false
		for _, k := range keys {
			covered = covered || leaf == k || strings.HasPrefix(leaf, k+".")
		}
		assert.True(t, covered, "values.yaml key %s is not in the README values table", leaf)
	}
	for _, k := range keys {
		_, ok := lookup(values, k)
		assert.True(t, ok, "README documents %s, which values.yaml does not have", k)
		schemaPath := "properties." + strings.ReplaceAll(k, ".", ".properties.")
		prop, ok := lookup(schema, schemaPath)
		if assert.True(t, ok, "values.schema.json has no %s", schemaPath) {
			p := prop.(map[string]any)
			_, typed := p["type"]
			_, ref := p["$ref"]
			assert.True(t, typed || ref, "values.schema.json gives %s no type", k)
		}
	}
}

// TestEveryValueChangesTheRender sets each documented value to the one in
// testdata/values-full.yaml and checks the render changes, so no value is decoration. Some
// values matter only once their feature is on; needs names that switch.
func TestEveryValueChangesTheRender(t *testing.T) {
	h := requireHelm(t)
	needs := map[string][]string{
		"metrics.serviceMonitor.interval":  {"metrics.serviceMonitor.enabled=true"},
		"metrics.serviceMonitor.labels":    {"metrics.serviceMonitor.enabled=true"},
		"podDisruptionBudget.minAvailable": {"podDisruptionBudget.enabled=true", "replicas=3"},
		"podDisruptionBudget.enabled":      {"replicas=2"},
		"serviceAccount.create":            {"serviceAccount.name=existing"},
	}
	// Values the full render keeps at their default, and what to try instead.
	instead := map[string]any{"metrics.enabled": false}
	full := readValues(t, "testdata/values-full.yaml")
	defaults := readValues(t, filepath.Join(chartDir(t), "values.yaml"))
	for _, key := range documentedKeys(t) {
		t.Run(key, func(t *testing.T) {
			v, ok := instead[key]
			if !ok {
				v, ok = lookup(full, key)
				require.True(t, ok, "testdata/values-full.yaml must set %s", key)
			}
			j, err := json.Marshal(v)
			require.NoError(t, err)
			d, _ := lookup(defaults, key)
			dj, _ := json.Marshal(d)
			require.NotEqual(t, string(dj), string(j), "pick a value for %s that differs from its default", key)
			var base []string
			for _, s := range needs[key] {
				base = append(base, "--set", s)
			}
			before := h.template(t, chartDir(t), base...)
			after := h.template(t, chartDir(t), append(base, "--set-json", key+"="+string(j))...)
			assert.True(t, before != after, "setting %s=%s changed nothing in the render", key, j)
		})
	}
}

// TestValuesFileIsValidYAMLWithComments guards against a values.yaml that only parses by luck:
// every top-level key is preceded by a comment, which helm show values users read.
func TestValuesFileIsValidYAMLWithComments(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(chartDir(t), "values.yaml"))
	require.NoError(t, err)
	var v map[string]any
	require.NoError(t, yaml.UnmarshalStrict(data, &v))
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if regexp.MustCompile(`^[a-zA-Z]+:`).MatchString(l) {
			require.Greater(t, i, 0)
			prev := strings.TrimSpace(lines[i-1])
			assert.True(t, strings.HasPrefix(prev, "#") || strings.HasPrefix(lines[i+1], "  #"),
				"values.yaml key on line %d (%s) has no comment", i+1, l)
		}
	}
}
