package controllers

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/testenv"
)

// TestRolloutIsNotDegraded: a change the user asked for rolls the pod; while it rolls the
// DittoFS stays Serving with Ready=False/RollingOut and Degraded=False, and no Warning event is
// recorded. A pod problem during a rollout (the new image cannot be pulled) is still a failure.
func TestRolloutIsNotDegraded(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := createBound(t, newDittoFS(ns, "roll"))
	setPodReady(t, d, true)
	waitFor(t, ns, "roll", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)

	// The config changes: the StatefulSet has a new template its controller has not seen yet.
	update(t, ns, "roll", func(d *v1alpha1.DittoFS) { d.Spec.Logging.Level = "DEBUG" })
	got := waitFor(t, ns, "roll", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonRollingOut)
	assertNotDegraded(t, got)

	// The StatefulSet controller replaces the pod; the new one starts, not ready yet.
	play.SetPod(t, d, testenv.PodRunning(false))
	got = waitForMessage(t, ns, "roll", v1alpha1.ConditionServing, v1alpha1.ReasonRollingOut, "is replacing the server pod")
	assert.Equal(t, v1alpha1.PhaseServing, got.Status.Phase)
	assertNotDegraded(t, got)

	setPodReady(t, d, true)
	waitFor(t, ns, "roll", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)

	// A new image that cannot be pulled is not planned: Degraded, with a Warning event.
	update(t, ns, "roll", func(d *v1alpha1.DittoFS) { d.Spec.Image = "marmos91c/dittofs:v9.9.9" })
	play.SetPod(t, d, testenv.PodWaiting("ImagePullBackOff", `Back-off pulling image "marmos91c/dittofs:v9.9.9"`, nil, 0))
	waitFor(t, ns, "roll", v1alpha1.PhaseDegraded, v1alpha1.ConditionDegraded, v1alpha1.ReasonImagePullFailed)
	waitForEvent(t, ns, "roll", "PhaseDegraded", "cannot pull image")
	for _, e := range eventsAbout(t, ns, "roll") {
		if e.Type == corev1.EventTypeWarning {
			assert.Contains(t, e.Note, "cannot pull image", "the planned rollout recorded a Warning: %s", e.Note)
		}
	}
}

// TestFirstServingIsNotDegraded: a new DittoFS whose server does not answer its REST API yet
// (the shares sub-phase fails ServerUnreachable) has not served: it waits in ConfigReady, without
// servedAt and without Degraded, and reaches Serving once the sub-phases are done.
func TestFirstServingIsNotDegraded(t *testing.T) {
	f := newShareFixture(t)
	require.NoError(t, f.srv.Stop(t))
	startOperator(t, f.ns, f.access("", time.Second, time.Second))
	f.adminSecret(t, "media", "admin", f.srv.AdminPassword)
	d := createBound(t, newDittoFS(f.ns, "media"))
	setPodReady(t, d, true)

	// The pod is ready (Serving is done) and only the sub-phase is not.
	got := waitFor(t, f.ns, "media", v1alpha1.PhaseConfigReady, v1alpha1.ConditionReady, v1alpha1.ReasonServerUnreachable)
	assert.Equal(t, v1alpha1.ReasonServerReady, condition(got, v1alpha1.ConditionServing).Reason)
	assert.Nil(t, got.Status.ServedAt, "not served while the sub-phases are not done")
	assertNotDegraded(t, got)

	require.NoError(t, f.srv.Restart(t))
	got = waitFor(t, f.ns, "media", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	require.NotNil(t, got.Status.ServedAt)
	waitForEvent(t, f.ns, "media", "PhaseServing", "-> Serving")
	for _, e := range eventsAbout(t, f.ns, "media") {
		assert.NotEqual(t, corev1.EventTypeWarning, e.Type, "a first start recorded a Warning: %s %s", e.Reason, e.Note)
	}
}

func assertNotDegraded(t *testing.T, d *v1alpha1.DittoFS) {
	t.Helper()
	c := condition(d, v1alpha1.ConditionDegraded)
	assert.Equal(t, v1alpha1.ReasonNotDegraded, c.Reason, "Degraded: %s %s", c.Status, c.Message)
}

// eventsAbout lists the events recorded about one DittoFS (not about its same-named Service).
func eventsAbout(t *testing.T, ns, name string) []eventsv1.Event {
	t.Helper()
	var list eventsv1.EventList
	require.NoError(t, k8s.List(ctx, &list, client.InNamespace(ns)))
	var out []eventsv1.Event
	var seen []string
	for _, e := range list.Items {
		// By kind too: the API server records events about the Service of the same name.
		if e.Regarding.Kind == "DittoFS" && e.Regarding.Name == name {
			out = append(out, e)
			seen = append(seen, fmt.Sprintf("%s/%s", e.Type, e.Reason))
		}
	}
	t.Logf("events about %s: %s", name, strings.Join(seen, ", "))
	return out
}
