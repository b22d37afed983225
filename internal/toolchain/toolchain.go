// Package toolchain finds the repository and the tools hack/tools.sh builds (kube-apiserver and
// friends, kwok, helm, dfs). The script stays the one place that knows versions and the cache
// location (including DITTOFS_TOOLS_CACHE); Go code asks it.
package toolchain

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// RequireEnv names the variable that, when set to anything, turns a missing tool from a skip into a failure, so CI cannot
// pass by skipping every integration test.
const RequireEnv = "DITTOFS_REQUIRE_E2E"

// Required reports whether missing tools must fail the tests rather than skip them.
func Required() bool { return os.Getenv(RequireEnv) != "" }

// RepoRoot finds the repository root (go.mod next to hack/tools.sh), first from the working
// directory, then from this source file, so tests and commands run from anywhere work.
func RepoRoot() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		starts = append(starts, filepath.Dir(file))
	}
	for _, dir := range starts {
		for d := dir; ; d = filepath.Dir(d) {
			if exists(filepath.Join(d, "hack", "tools.sh")) && exists(filepath.Join(d, "go.mod")) {
				return d, nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", errors.New("repository root (go.mod next to hack/tools.sh) not found")
}

var (
	dirsMu sync.Mutex
	dirs   = map[string]string{}
)

// Dir returns the folder in which hack/tools.sh keeps tool name (k8s, kwok, helm, dittofs,
// controller-gen). The folder may not exist yet. Answers are remembered for the process.
func Dir(name string) (string, error) {
	dirsMu.Lock()
	defer dirsMu.Unlock()
	if dir, ok := dirs[name]; ok {
		return dir, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	out, err := exec.Command("bash", filepath.Join(root, "hack", "tools.sh"), "print-dir", name).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("hack/tools.sh print-dir %s: %w: %s", name, err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("hack/tools.sh print-dir %s: %w", name, err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("hack/tools.sh print-dir %s printed nothing", name)
	}
	dirs[name] = dir
	return dir, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
