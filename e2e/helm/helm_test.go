package helm

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

const (
	releaseName      = "dfo"
	releaseNamespace = "dittofs-system"
	// fullname is what the chart names its objects for releaseName.
	fullname       = "dfo-dittofs-operator"
	serviceAccount = fullname
)

// skipOrFail skips with why, or fails when DITTOFS_REQUIRE_E2E is set (CI).
func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if toolchain.Required() {
		t.Fatalf("%s is set but %s", toolchain.RequireEnv, why)
	}
	t.Skipf("skipping: %s", why)
}

// repoRoot is the folder holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := toolchain.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// chartDir is the chart under test.
func chartDir(t *testing.T) string {
	return filepath.Join(repoRoot(t), "deploy", "helm", "dittofs-operator")
}

// packageChart runs helm package on the chart folder dir and returns the .tgz, so a test can
// install what a release pushes rather than the folder.
func (h *helmCLI) packageChart(t *testing.T, dir string) string {
	t.Helper()
	dest := t.TempDir()
	out := h.mustRun(t, "package", dir, "--destination", dest)
	matches, err := filepath.Glob(filepath.Join(dest, "*.tgz"))
	if err != nil || len(matches) != 1 {
		t.Fatalf("helm package wrote %v (%v); output:\n%s", matches, err, out)
	}
	return matches[0]
}

// helmCLI runs the helm binary hack/tools.sh builds, with its own config and cache folders so a
// developer's helm setup neither leaks in nor gets changed.
type helmCLI struct {
	path string
	env  []string
}

// requireHelm finds helm, or skips (fails under DITTOFS_REQUIRE_E2E) when it is not built.
func requireHelm(t *testing.T) *helmCLI {
	t.Helper()
	dir, err := toolchain.Dir("helm")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "helm")
	if _, err := os.Stat(path); err != nil {
		skipOrFail(t, "no helm at "+path+" (build it with: bash hack/tools.sh)")
	}
	home := t.TempDir()
	env := append(os.Environ(),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
	)
	return &helmCLI{path: path, env: env}
}

// run runs helm with args and returns stdout and stderr separately.
func (h *helmCLI) run(ctx context.Context, args ...string) (string, string, error) {
	cmd := exec.CommandContext(ctx, h.path, args...)
	cmd.Env = h.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// mustRun runs helm and fails the test with its output when it fails.
func (h *helmCLI) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	stdout, stderr, err := h.run(ctx, args...)
	if err != nil {
		t.Fatalf("helm %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout, stderr)
	}
	if args[0] != "template" && args[0] != "lint" && args[0] != "package" {
		t.Logf("helm %s took %s", args[0], time.Since(start).Round(time.Millisecond))
	}
	return stdout
}

// template renders the chart as releaseName in releaseNamespace with extra helm arguments
// (values files, --set) and returns the manifest text.
func (h *helmCLI) template(t *testing.T, chart string, extra ...string) string {
	t.Helper()
	args := append([]string{"template", releaseName, chart, "--namespace", releaseNamespace}, extra...)
	return h.mustRun(t, args...)
}

// parseManifest splits a rendered manifest into objects.
func parseManifest(t *testing.T, manifest string) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(manifest), 4096)
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return objs
			}
			t.Fatalf("parse rendered manifest: %v", err)
		}
		if len(m) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
}

// ofKind returns the objects of one kind.
func ofKind(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}
