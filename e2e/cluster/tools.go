package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

// ErrToolsMissing is wrapped by Start and RequireTools when hack/tools.sh has not built a needed
// binary yet, so tests can tell "not set up" apart from "broken".
var ErrToolsMissing = errors.New("e2e tools missing (build them with: bash hack/tools.sh)")

// requiredTools lists, per hack/tools.sh tool name, the files Start needs from its folder.
var requiredTools = map[string][]string{
	"k8s":  {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"},
	"kwok": {"kwok", "stages.yaml"},
}

// RequireTools checks that every binary Start needs is present and returns the tool folders by
// name. The error wraps ErrToolsMissing and names each missing file.
func RequireTools() (map[string]string, error) {
	dirs := map[string]string{}
	var missing []string
	for name, files := range requiredTools {
		dir, err := toolchain.Dir(name)
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
