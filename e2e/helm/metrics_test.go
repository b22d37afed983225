package helm

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestMetricsAreForAllowedScrapers: the chart renders a metrics-reader ClusterRole that grants
// get on /metrics and nothing else, and the ServiceMonitor sends Prometheus's ServiceAccount
// token, since the manager answers nobody without one.
func TestMetricsAreForAllowedScrapers(t *testing.T) {
	h := requireHelm(t)
	objs := parseManifest(t, h.template(t, chartDir(t), "--set", "metrics.serviceMonitor.enabled=true"))

	var reader *rbacv1.ClusterRole
	for _, o := range ofKind(objs, "ClusterRole") {
		if o.GetName() == fullname+"-metrics-reader" {
			reader = &rbacv1.ClusterRole{}
			require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, reader))
		}
	}
	require.NotNil(t, reader, "no metrics-reader ClusterRole")
	assert.Equal(t, []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}, reader.Rules)

	monitors := ofKind(objs, "ServiceMonitor")
	require.Len(t, monitors, 1)
	endpoints, _, err := unstructured.NestedSlice(monitors[0].Object, "spec", "endpoints")
	require.NoError(t, err)
	require.Len(t, endpoints, 1)
	ep := endpoints[0].(map[string]any)
	assert.Equal(t, "/var/run/secrets/kubernetes.io/serviceaccount/token", ep["bearerTokenFile"], "Prometheus authenticates with its ServiceAccount token")
	assert.Equal(t, "https", ep["scheme"])

	objs = parseManifest(t, h.template(t, chartDir(t), "--set", "metrics.enabled=false"))
	for _, o := range ofKind(objs, "ClusterRole") {
		assert.NotContains(t, o.GetName(), "metrics-reader", "no reader without metrics")
	}
}
