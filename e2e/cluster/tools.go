package cluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// ErrToolsMissing is wrapped by Start and RequireTools when hack/tools.sh has not built a needed
// binary yet, so tests can tell "not set up" apart from "broken".
var ErrToolsMissing = errors.New("e2e tools missing (build them with: bash hack/tools.sh)")

// requiredTools lists, per hack/tools.sh tool name, the files Start needs from its folder.
var requiredTools = map[string][]string{
	"k8s":  {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"},
	"kwok": {"kwok", "stages.yaml"},
}

// RepoRoot finds the repository root (the folder holding go.mod), first from the working
// directory, then from this source file, so both tests and a demo command run from elsewhere work.
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
			if _, err := os.Stat(filepath.Join(d, "hack", "tools.sh")); err == nil {
				if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
					return d, nil
				}
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", errors.New("repository root (go.mod next to hack/tools.sh) not found")
}

// ToolsDir returns the folder in which hack/tools.sh keeps tool name (k8s, kwok, helm, dittofs,
// controller-gen). It asks the script, which stays the one place that knows versions and the
// cache location (including DITTOFS_TOOLS_CACHE). The folder may not exist yet.
func ToolsDir(name string) (string, error) {
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
	return dir, nil
}

// RequireTools checks that every binary Start needs is present and returns the tool folders by
// name. The error wraps ErrToolsMissing and names each missing file.
func RequireTools() (map[string]string, error) {
	dirs := map[string]string{}
	var missing []string
	for name, files := range requiredTools {
		dir, err := ToolsDir(name)
		if err != nil {
			return nil, err
		}
		dirs[name] = dir
		if _, err := os.Stat(dir); err != nil {
			missing = append(missing, dir+" (not built)")
			continue
		}
		for _, f := range files {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				missing = append(missing, filepath.Join(dir, f))
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return dirs, fmt.Errorf("%w: %s", ErrToolsMissing, strings.Join(missing, ", "))
	}
	return dirs, nil
}
