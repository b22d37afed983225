package controllers

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/testenv"
)

// TestAdaptersConvergeWhileThePodIsNotReady: readiness is a TCP check of the NFS port, and the
// server's adapters live in its own database. With NFS off on the server (turned off and on again
// in the spec, or changed by hand) the pod cannot become ready until the operator turns NFS back
// on, so the shares sub-phase must run while the server runs but is not ready.
func TestAdaptersConvergeWhileThePodIsNotReady(t *testing.T) {
	f := newShareFixture(t)
	startOperator(t, f.ns, f.access("", time.Second, time.Second))
	f.adminSecret(t, "media", "admin", f.srv.AdminPassword)
	d := createBound(t, newDittoFS(f.ns, "media"))
	setPodReady(t, d, true)
	waitFor(t, f.ns, "media", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)

	for _, tc := range []struct {
		name   string
		change dittofsapi.AdapterUpdate
	}{
		{"NFS turned off on the server", dittofsapi.AdapterUpdate{Enabled: ptrTo(false)}},
		{"NFS moved to another port on the server", dittofsapi.AdapterUpdate{Port: ptrTo(freeLoopbackPort(t))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The kubelet's readiness probe fails: the server runs, its NFS port is closed.
			setPodReady(t, d, false)
			waitFor(t, f.ns, "media", v1alpha1.PhaseDegraded, v1alpha1.ConditionServing, v1alpha1.ReasonPodNotReady)
			_, err := f.api.UpdateAdapter(ctx, dittofsapi.AdapterNFS, tc.change)
			require.NoError(t, err)

			// The operator puts NFS back as the spec says, and the probe passes again.
			eventually(t, timeout, "NFS enabled on its port again", func() error {
				a, err := f.api.GetAdapter(ctx, dittofsapi.AdapterNFS)
				if err != nil {
					return err
				}
				if !a.Enabled || a.Port != f.srv.NFSPort {
					return fmt.Errorf("nfs enabled=%v port=%d, want port %d", a.Enabled, a.Port, f.srv.NFSPort)
				}
				return accepts(f.nfsAddr())
			})
			setPodReady(t, d, true)
			waitFor(t, f.ns, "media", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
		})
	}
}

// TestSharesAreUnknownWhileTheServerIsDown: status.shares and the SHARES column report what the
// operator observed on the server; while the server does not run they are not known, and the
// mount command, which names a Ready share, is withdrawn.
func TestSharesAreUnknownWhileTheServerIsDown(t *testing.T) {
	f := newShareFixture(t)
	startOperator(t, f.ns, f.access("", time.Second, time.Second))
	f.adminSecret(t, "media", "admin", f.srv.AdminPassword)
	d := newDittoFS(f.ns, "media")
	d.Spec.Shares = []v1alpha1.ShareSpec{{Name: "/media"}, {Name: "/docs"}}
	d = createBound(t, d)
	setPodReady(t, d, true)
	got := waitFor(t, f.ns, "media", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	require.Equal(t, "2/2", got.Status.ShareSummary)
	require.NotEmpty(t, got.Status.Endpoints.Mount)

	play.SetPod(t, d, testenv.PodWaiting("CrashLoopBackOff", "back-off 10s restarting failed container",
		&corev1.ContainerStateTerminated{ExitCode: 2, Reason: "Error"}, 1))
	got = waitFor(t, f.ns, "media", v1alpha1.PhaseDegraded, v1alpha1.ConditionServing, v1alpha1.ReasonCrashLoopBackOff)
	eventually(t, timeout, "shares not known", func() error {
		got = get(t, f.ns, "media")
		for _, s := range got.Status.Shares {
			if s.State != v1alpha1.ShareStateUnknown {
				return fmt.Errorf("share %s is %s (%s)", s.Name, s.State, s.Message)
			}
		}
		if got.Status.ShareSummary != "?/2" {
			return fmt.Errorf("summary %q", got.Status.ShareSummary)
		}
		return nil
	})
	assert.Contains(t, got.Status.Shares[0].Message, "Serving")
	assert.Empty(t, got.Status.Endpoints.Mount, "no share is known to be exported")
	assert.Equal(t, metav1.ConditionUnknown, condition(got, v1alpha1.ConditionSharesReady).Status)

	setPodReady(t, d, true)
	got = waitFor(t, f.ns, "media", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	assert.Equal(t, "2/2", got.Status.ShareSummary)
	assert.NotEmpty(t, got.Status.Endpoints.Mount)
}

// accepts reports whether something listens on addr, as a TCP readiness probe sees it.
func accepts(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	return conn.Close()
}

// freeLoopbackPort is a port nothing listens on now.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
