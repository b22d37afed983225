package helm

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// No container engine runs here, so deploy/Dockerfile cannot be built. These tests check what
// can be checked without one: pinned bases, the user the chart expects, that the build stage
// copies every package the manager needs, and that its build command makes a static binary.

func readDockerfile(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "Dockerfile"))
	require.NoError(t, err)
	return string(data)
}

func TestDockerfileBasesArePinned(t *testing.T) {
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(readDockerfile(t), -1)
	require.Len(t, froms, 2, "a build stage and a runtime stage")
	for _, m := range froms {
		image := m[1]
		if image == "scratch" {
			continue
		}
		name, tag, ok := strings.Cut(image, ":")
		assert.True(t, ok && tag != "latest" && regexp.MustCompile(`\d`).MatchString(tag), "base image %s must carry a pinned version tag", image)
		assert.NotContains(t, strings.Split(name, "/")[0], ".", "base image %s names a registry host", image)
	}
	assert.Equal(t, "scratch", froms[len(froms)-1][1], "the runtime stage holds nothing but the binary")
}

// TestDockerfileUserMatchesChart keeps the image's user and the chart's runAsUser the same.
func TestDockerfileUserMatchesChart(t *testing.T) {
	h := requireHelm(t)
	m := regexp.MustCompile(`(?m)^USER\s+(\d+):(\d+)\s*$`).FindStringSubmatch(readDockerfile(t))
	require.NotNil(t, m, "the Dockerfile must set a numeric USER uid:gid")
	deps := ofKind(parseManifest(t, h.template(t, chartDir(t))), "Deployment")
	require.Len(t, deps, 1)
	dep := &appsv1.Deployment{}
	require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(deps[0].Object, dep))
	sc := dep.Spec.Template.Spec.SecurityContext
	assert.Equal(t, m[1], strconv.FormatInt(*sc.RunAsUser, 10))
	assert.Equal(t, m[2], strconv.FormatInt(*sc.RunAsGroup, 10))
}

// TestDockerfileBuildsAStaticManager copies what the Dockerfile's build stage has, checks that
// every package of the manager is among it, and runs its build command.
func TestDockerfileBuildsAStaticManager(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the manager")
	}
	df := readDockerfile(t)
	copied := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^COPY\s+([a-z]+)/\s`).FindAllStringSubmatch(df, -1) {
		copied[m[1]] = true
	}
	root := repoRoot(t)
	list := exec.Command("go", "list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.Dir}}{{end}}{{end}}", "./cmd/manager")
	list.Dir = root
	out, err := list.Output()
	require.NoError(t, err)
	for _, dir := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(root, dir)
		require.NoError(t, err)
		top := strings.Split(rel, string(filepath.Separator))[0]
		assert.True(t, copied[top], "the manager needs %s, but deploy/Dockerfile does not COPY %s/", rel, top)
	}

	build := regexp.MustCompile(`(?s)RUN (CGO_ENABLED=0 .*?go build .*?) -o /out/manager (\./cmd/manager)`).FindStringSubmatch(df)
	require.NotNil(t, build, "the build stage's go build command")
	bin := filepath.Join(t.TempDir(), "manager")
	cmdline := strings.NewReplacer("${TARGETOS}", "linux", "${TARGETARCH}", "amd64", "\\\n", " ").Replace(build[1])
	cmd := exec.Command("sh", "-c", cmdline+" -o "+bin+" "+build[2])
	cmd.Dir = root
	outb, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s\n%s", cmdline, outb)
	f, err := elf.Open(bin)
	require.NoError(t, err)
	defer f.Close()
	for _, p := range f.Progs {
		assert.NotEqual(t, elf.PT_INTERP, p.Type, "the manager is dynamically linked; scratch has no libc")
	}
}
