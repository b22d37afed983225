package kubelet

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
)

func TestRemapPathsRewritesOnlyMountedPaths(t *testing.T) {
	cfg := map[string]any{
		"database": map[string]any{"sqlite": map[string]any{"path": "/data/controlplane/controlplane.db"}},
		"other":    []any{map[string]any{"path": "/data/controlplanes/x"}, "/etc/hosts"},
	}
	remapPaths(cfg, map[string]string{"/data/controlplane": "/tmp/pod/data/controlplane"})
	assert.Equal(t, "/tmp/pod/data/controlplane/controlplane.db", cfg["database"].(map[string]any)["sqlite"].(map[string]any)["path"])
	assert.Equal(t, "/data/controlplanes/x", cfg["other"].([]any)[0].(map[string]any)["path"], "a sibling path is not under the mount")
}

func TestReplaceConfigArg(t *testing.T) {
	args := []string{"start", "--foreground", "--config", "/config/config.yaml"}
	assert.Equal(t, []string{"start", "--foreground", "--config", "/tmp/c.yaml"}, replaceConfigArg(args, "/tmp/c.yaml"))
	assert.Equal(t, "/config/config.yaml", args[3], "the pod template's args are not modified")
}

func TestVolumeNamed(t *testing.T) {
	vols := []corev1.Volume{{Name: "a"}, {Name: "b"}}
	assert.Equal(t, "b", volumeNamed(vols, "b").Name)
	assert.Nil(t, volumeNamed(vols, "c"))
}
