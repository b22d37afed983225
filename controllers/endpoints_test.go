package controllers

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/internal/testenv"
)

// TestLoadBalancerFallsBackToNodePort: with no load-balancer controller, the operator waits the
// configured time, then reports the node's address and the node port, with a condition saying so;
// when an address finally arrives it is used instead.
func TestLoadBalancerFallsBackToNodePort(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := newDittoFS(ns, "lb")
	d.Spec.Service = v1alpha1.ServiceSpec{Type: "LoadBalancer", LoadBalancerTimeout: &metav1.Duration{Duration: 2 * time.Second}}
	d = createBound(t, d)
	setPodReady(t, d, true)
	runPodOnNode(t, d, "192.0.2.10")

	d = waitFor(t, ns, "lb", v1alpha1.PhaseServing, v1alpha1.ConditionLoadBalancerReady, v1alpha1.ReasonNodePortFallback)
	svc := &corev1.Service{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: specs.DataServiceName(d)}, svc))
	nodePort := svc.Spec.Ports[0].NodePort
	require.NotZero(t, nodePort, "the API server allocates node ports for LoadBalancer Services")
	eventually(t, timeout, "the node-port endpoint", func() error {
		d = get(t, ns, "lb")
		if want := fmt.Sprintf("192.0.2.10:%d", nodePort); d.Status.Endpoints.NFS != want {
			return fmt.Errorf("endpoint %q, want %q", d.Status.Endpoints.NFS, want)
		}
		return nil
	})
	// The mount command names only a share the Shares sub-phase reported Ready; none runs here
	// (phases/shares_test.go checks the port in the command, controllers/shares_test.go the share).
	assert.Empty(t, d.Status.Endpoints.Mount)

	// Play the cloud's load-balancer controller.
	svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "203.0.113.7"}}
	require.NoError(t, k8s.Status().Update(ctx, svc))
	d = waitFor(t, ns, "lb", v1alpha1.PhaseServing, v1alpha1.ConditionLoadBalancerReady, v1alpha1.ReasonAddressAssigned)
	assert.Equal(t, "203.0.113.7:2049", d.Status.Endpoints.NFS)
	assert.True(t, meta.IsStatusConditionTrue(d.Status.Conditions, v1alpha1.ConditionReady))
}

// runPodOnNode plays the scheduler and kubelet for the server pod: it is ready on a node with an IP.
func runPodOnNode(t *testing.T, d *v1alpha1.DittoFS, hostIP string) {
	t.Helper()
	st := testenv.PodRunning(true)
	st.HostIP, st.HostIPs = hostIP, []corev1.HostIP{{IP: hostIP}}
	play.SetPod(t, d, st)
}
