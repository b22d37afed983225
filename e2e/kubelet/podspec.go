package kubelet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// podSpec is what the kubelet needs from the pod template.
type podSpec struct {
	container corev1.Container
	volumes   []corev1.Volume
}

// specOf reads what the kubelet needs from the StatefulSet's pod template.
func specOf(sts *appsv1.StatefulSet) (*podSpec, error) {
	if len(sts.Spec.Template.Spec.Containers) == 0 {
		return nil, fmt.Errorf("StatefulSet %s/%s has no container", sts.Namespace, sts.Name)
	}
	return &podSpec{container: sts.Spec.Template.Spec.Containers[0], volumes: sts.Spec.Template.Spec.Volumes}, nil
}

// writeConfig writes the pod's config.yaml from its ConfigMap with the two changes a container
// would not need: listeners on this pod's loopback ports, and volume paths pointing at folders.
func (p *Pod) writeConfig(ctx context.Context, c client.Client, ns string, spec *podSpec) (string, error) {
	var configMap, mountPath string
	mounts := map[string]string{} // path inside the pod -> folder here
	for _, m := range spec.container.VolumeMounts {
		v := volumeNamed(spec.volumes, m.Name)
		switch {
		case v == nil:
		case v.ConfigMap != nil:
			configMap, mountPath = v.ConfigMap.Name, m.MountPath
		case v.PersistentVolumeClaim != nil:
			dir := filepath.Join(p.dataRoot(), filepath.Base(m.MountPath))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return "", err
			}
			mounts[m.MountPath] = dir
		}
	}
	if configMap == "" {
		return "", fmt.Errorf("the pod mounts no ConfigMap")
	}
	cm := &corev1.ConfigMap{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: configMap}, cm); err != nil {
		return "", fmt.Errorf("read ConfigMap %s: %w", configMap, err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(cm.Data["config.yaml"]), &cfg); err != nil {
		return "", fmt.Errorf("parse config.yaml: %w", err)
	}
	remapPaths(cfg, mounts)
	if cp, ok := cfg["controlplane"].(map[string]any); ok {
		cp["host"], cp["port"] = "127.0.0.1", p.APIPort
	}
	if m, ok := cfg["metrics"].(map[string]any); ok && m["enabled"] == true {
		port, err := freePort()
		if err != nil {
			return "", err
		}
		m["host"], m["port"] = "127.0.0.1", port
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return "", err
	}
	path := filepath.Join(p.Dir, filepath.Base(mountPath), "config.yaml")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return path, os.WriteFile(path, out, 0o600)
}

// remapPaths rewrites every string value that lies under a mounted path.
func remapPaths(node any, mounts map[string]string) {
	switch n := node.(type) {
	case map[string]any:
		for k, v := range n {
			if s, ok := v.(string); ok {
				n[k] = remap(s, mounts)
				continue
			}
			remapPaths(v, mounts)
		}
	case []any:
		for _, v := range n {
			remapPaths(v, mounts)
		}
	}
}

func remap(s string, mounts map[string]string) string {
	for inPod, here := range mounts {
		if s == inPod || strings.HasPrefix(s, inPod+"/") {
			return here + strings.TrimPrefix(s, inPod)
		}
	}
	return s
}

// resolveEnv turns the container's env into KEY=value pairs, reading Secret and ConfigMap keys as
// the kubelet does.
func resolveEnv(ctx context.Context, c client.Client, ns string, env []corev1.EnvVar) ([]string, error) {
	var out []string
	for _, e := range env {
		value := e.Value
		if ref := e.ValueFrom; ref != nil {
			switch {
			case ref.SecretKeyRef != nil:
				s := &corev1.Secret{}
				if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: ref.SecretKeyRef.Name}, s); err != nil {
					return nil, fmt.Errorf("env %s: %w", e.Name, err)
				}
				v, ok := s.Data[ref.SecretKeyRef.Key]
				if !ok {
					return nil, fmt.Errorf("env %s: Secret %s has no key %s", e.Name, s.Name, ref.SecretKeyRef.Key)
				}
				value = string(v)
			case ref.ConfigMapKeyRef != nil:
				cm := &corev1.ConfigMap{}
				if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: ref.ConfigMapKeyRef.Name}, cm); err != nil {
					return nil, fmt.Errorf("env %s: %w", e.Name, err)
				}
				value = cm.Data[ref.ConfigMapKeyRef.Key]
			default:
				return nil, fmt.Errorf("env %s: unsupported source", e.Name)
			}
		}
		out = append(out, e.Name+"="+value)
	}
	return out, nil
}

// replaceConfigArg points the container's --config argument at the local copy.
func replaceConfigArg(args []string, path string) []string {
	out := append([]string(nil), args...)
	for i := range out {
		if out[i] == "--config" && i+1 < len(out) {
			out[i+1] = path
		}
	}
	return out
}

func volumeNamed(vols []corev1.Volume, name string) *corev1.Volume {
	for i := range vols {
		if vols[i].Name == name {
			return &vols[i]
		}
	}
	return nil
}
