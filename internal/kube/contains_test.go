package kube

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func sts(replicas int32, image string, env ...corev1.EnvVar) *appsv1.StatefulSet {
	s := &appsv1.StatefulSet{}
	s.Name = "a"
	s.Spec.Replicas = ptr.To(replicas)
	s.Spec.Template.Spec.Containers = []corev1.Container{{Name: "dfs", Image: image, Env: env}}
	return s
}

func TestContains(t *testing.T) {
	a := corev1.EnvVar{Name: "A", Value: "1"}
	desired := sts(1, "dfs:v1", a)
	live := sts(1, "dfs:v1", a)
	// What the API server adds is not a difference.
	live.ResourceVersion = "42"
	live.Spec.Template.Spec.Containers[0].ImagePullPolicy = corev1.PullIfNotPresent
	live.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
	live.Status.Replicas = 1
	same, err := Contains(live, desired)
	require.NoError(t, err)
	assert.True(t, same, "defaults and status are not differences")

	for name, edited := range map[string]*appsv1.StatefulSet{
		"scaled to zero":  sts(0, "dfs:v1"),
		"image set":       sts(1, "dfs:v2", a),
		"env var added":   sts(1, "dfs:v1", a, corev1.EnvVar{Name: "X", Value: "1"}),
		"env var changed": sts(1, "dfs:v1", corev1.EnvVar{Name: "A", Value: "2"}),
		"container added": func() *appsv1.StatefulSet {
			s := sts(1, "dfs:v1", a)
			s.Spec.Template.Spec.Containers = append(s.Spec.Template.Spec.Containers, corev1.Container{Name: "sidecar"})
			return s
		}(),
	} {
		same, err := Contains(edited, desired)
		require.NoError(t, err)
		assert.False(t, same, name)
	}

	noAutomount := sts(1, "dfs:v1")
	noAutomount.Spec.Template.Spec.AutomountServiceAccountToken = ptr.To(false)
	turnedOn := sts(1, "dfs:v1")
	turnedOn.Spec.Template.Spec.AutomountServiceAccountToken = ptr.To(true)
	same, err = Contains(turnedOn, noAutomount)
	require.NoError(t, err)
	assert.False(t, same, "an explicit false the operator set is compared")
}
