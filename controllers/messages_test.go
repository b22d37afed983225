package controllers

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/testenv"
	"github.com/dittofs/dittofs-operator/phases"
)

// Limits of the API server that a message must fit in.
const (
	conditionMessageLimit = 32768 // metav1.Condition.Message
	eventNoteLimit        = 1024  // events.k8s.io/v1 Event.Note
)

// TestLongMessagesAreCapped: a server that answers every share write with a long error must not
// freeze the status. Twelve shares fail with 4 KB each; joined and repeated in Ready and Degraded
// they are far beyond what a condition may hold, so unless every message is capped the status
// patch is refused and nothing is reported at all. The event of the phase change, whose note
// repeats the reason, must fit the events API too.
func TestLongMessagesAreCapped(t *testing.T) {
	f := newShareFixture(t)
	var failing atomic.Bool
	failing.Store(true)
	long := strings.Repeat("the server explains at length; ", 130) // about 4 KB
	base := faultProxyWith(t, f.srv.BaseURL, long, func(r *http.Request) int {
		if failing.Load() && (r.Method == http.MethodPost || r.Method == http.MethodPut) && strings.HasPrefix(r.URL.Path, "/api/v1/shares") {
			return http.StatusConflict
		}
		return 0
	})
	startOperator(t, f.ns, f.access(base, time.Second, time.Second))
	f.adminSecret(t, "chatty", "admin", f.srv.AdminPassword)
	d := newDittoFS(f.ns, "chatty")
	d.Spec.Shares = nil
	for i := range 12 {
		d.Spec.Shares = append(d.Spec.Shares, v1alpha1.ShareSpec{Name: fmt.Sprintf("/share-%02d", i)})
	}
	d = createBound(t, d)
	setPodReady(t, d, true)

	// First start: every share fails, and the status says so.
	got := waitForCondition(t, f.ns, "chatty", v1alpha1.ConditionSharesReady, v1alpha1.ReasonShareFailed)
	assertMessagesFit(t, got)
	assert.Contains(t, condition(got, v1alpha1.ConditionSharesReady).Message, "12 of 12 shares failed")
	assert.Equal(t, "0/12", got.Status.ShareSummary)

	// The server accepts them: Serving and Ready.
	failing.Store(false)
	waitFor(t, f.ns, "chatty", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)

	// Once served, a change the server refuses degrades it; the Warning event carries the reason.
	failing.Store(true)
	eventually(t, timeout, "make every share read-only", func() error {
		d := get(t, f.ns, "chatty")
		for i := range d.Spec.Shares {
			d.Spec.Shares[i].ReadOnly = true
		}
		return k8s.Update(ctx, d)
	})
	got = waitFor(t, f.ns, "chatty", v1alpha1.PhaseDegraded, v1alpha1.ConditionDegraded, v1alpha1.ReasonShareFailed)
	assertMessagesFit(t, got)
	ev := waitForEvent(t, f.ns, "chatty", "PhaseDegraded", "Phase Serving -> Degraded")
	assert.LessOrEqual(t, len(ev.Note), eventNoteLimit)
	assert.Contains(t, ev.Note, "shares failed")
}

// assertMessagesFit checks every message of the status against the API's limit and the
// operator's own, smaller caps.
func assertMessagesFit(t *testing.T, d *v1alpha1.DittoFS) {
	t.Helper()
	for _, c := range d.Status.Conditions {
		assert.LessOrEqual(t, len(c.Message), conditionMessageLimit, "condition %s", c.Type)
		assert.LessOrEqual(t, len(c.Message), 2048, "condition %s is capped well below the API limit", c.Type)
	}
	for _, s := range d.Status.Shares {
		assert.LessOrEqual(t, len(s.Message), 512, "share %s", s.Name)
	}
}

// waitForCondition waits until condType carries reason for the latest generation, in any phase.
func waitForCondition(t *testing.T, ns, name, condType, reason string) *v1alpha1.DittoFS {
	t.Helper()
	var d *v1alpha1.DittoFS
	eventually(t, timeout, fmt.Sprintf("%s reason %s", condType, reason), func() error {
		d = get(t, ns, name)
		c := condition(d, condType)
		if c.Reason != reason || c.ObservedGeneration != d.Generation {
			return fmt.Errorf("phase %q, conditions %s", d.Status.Phase, testenv.DescribeConditions(d.Status.Conditions))
		}
		return nil
	})
	return d
}

// waitForEvent waits for an event about the DittoFS with the given reason and a note that
// contains the given text.
func waitForEvent(t *testing.T, ns, name, reason, note string) eventsv1.Event {
	t.Helper()
	var found eventsv1.Event
	eventually(t, timeout, "event "+reason, func() error {
		var list eventsv1.EventList
		if err := k8s.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return err
		}
		var seen []string
		for _, e := range list.Items {
			if e.Regarding.Name == name && e.Reason == reason && strings.Contains(e.Note, note) {
				found = e
				return nil
			}
			seen = append(seen, e.Regarding.Name+"/"+e.Reason+": "+phases.Truncate(e.Note, 80))
		}
		return fmt.Errorf("events seen: %v", seen)
	})
	return found
}
