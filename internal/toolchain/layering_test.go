package toolchain

import (
	"os/exec"
	"strings"
	"testing"
)

// TestInternalPackagesAreLeaves: no internal package depends on the reconciler or the steps, so
// the layers point one way (cmd -> controllers -> phases -> internal).
func TestInternalPackagesAreLeaves(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	const module = "github.com/dittofs/dittofs-operator/"
	cmd := exec.Command("go", "list", "-deps", "-test=false", "-f", `{{.ImportPath}}`, "./internal/...")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, upper := range []string{"controllers", "phases", "cmd", "e2e"} {
			if pkg == module+upper || strings.HasPrefix(pkg, module+upper+"/") {
				t.Errorf("an internal package depends on %s", pkg)
			}
		}
	}
}
