package controllers

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// TestPausedChangesNothing: while spec.paused is true a spec change (a share added, the image
// changed) changes nothing the operator owns and reaches nothing on the server; status says
// Paused, kstatus InProgress, and observedGeneration stays. Unpausing applies the change.
func TestPausedChangesNothing(t *testing.T) {
	f := newShareFixture(t)
	var calls atomic.Int64
	target, err := url.Parse(f.srv.BaseURL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	counting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(counting.Close)
	op := startOperator(t, f.ns, f.access(counting.URL, time.Second, time.Second))
	f.adminSecret(t, "media", "admin", f.srv.AdminPassword)
	d := createBound(t, newDittoFS(f.ns, "media"))
	setPodReady(t, d, true)
	waitFor(t, f.ns, "media", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)

	update(t, f.ns, "media", func(d *v1alpha1.DittoFS) { d.Spec.Paused = true })
	waitForCondition(t, f.ns, "media", v1alpha1.ConditionPaused, v1alpha1.ReasonPaused)
	settle(t, op)
	sts, cm := statefulSet(t, d), configMap(t, d)
	before := calls.Load()

	// A share added and a new image, while paused.
	update(t, f.ns, "media", func(d *v1alpha1.DittoFS) {
		d.Spec.Shares = append(d.Spec.Shares, v1alpha1.ShareSpec{Name: "/docs"})
		d.Spec.Image = "marmos91c/dittofs:v9.9.9"
	})
	// The Paused condition carries the new generation: the operator has seen the change.
	waitForCondition(t, f.ns, "media", v1alpha1.ConditionPaused, v1alpha1.ReasonPaused)
	settle(t, op)
	got := get(t, f.ns, "media")

	assert.Equal(t, sts.ResourceVersion, statefulSet(t, d).ResourceVersion, "the StatefulSet is not touched")
	assert.Equal(t, cm.ResourceVersion, configMap(t, d).ResourceVersion, "the ConfigMap is not touched")
	assert.Equal(t, before, calls.Load(), "no call to the server while paused")
	_, err = f.api.GetShare(ctx, "/docs")
	assert.True(t, dittofsapi.IsNotFound(err), "the share is not created while paused: %v", err)
	assert.Equal(t, v1alpha1.PhaseServing, got.Status.Phase, "the phase is kept")
	assert.Less(t, got.Status.ObservedGeneration, got.Generation, "a paused pass does not process the generation")
	assert.Equal(t, metav1.ConditionTrue, condition(got, v1alpha1.ConditionReconciling).Status)
	assert.Equal(t, v1alpha1.ReasonPaused, condition(got, v1alpha1.ConditionReconciling).Reason)
	assert.Contains(t, condition(got, v1alpha1.ConditionReconciling).Message, "spec.paused is false")
	assert.Equal(t, status.InProgressStatus, kstatusOf(t, got).Status)

	// Unpausing applies what waited: the new image on the pod template, the share on the server.
	update(t, f.ns, "media", func(d *v1alpha1.DittoFS) { d.Spec.Paused = false })
	eventually(t, timeout, "the new image on the StatefulSet and /docs on the server", func() error {
		image := statefulSet(t, d).Spec.Template.Spec.Containers[0].Image
		if image != "marmos91c/dittofs:v9.9.9" {
			return fmt.Errorf("image %s", image)
		}
		if _, err := f.api.GetShare(ctx, "/docs"); err != nil {
			return fmt.Errorf("GET /docs: %w", err)
		}
		return nil
	})
	setPodReady(t, d, true)
	got = waitFor(t, f.ns, "media", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	assert.Empty(t, condition(got, v1alpha1.ConditionPaused).Type, "the Paused condition is gone")
	assert.Equal(t, got.Generation, got.Status.ObservedGeneration)

	// Deletion is not paused: the finalizer applies the deletion policy and lets it go.
	update(t, f.ns, "media", func(d *v1alpha1.DittoFS) { d.Spec.Paused = true })
	waitForCondition(t, f.ns, "media", v1alpha1.ConditionPaused, v1alpha1.ReasonPaused)
	require.NoError(t, k8s.Delete(ctx, got))
	eventually(t, timeout, "the paused DittoFS to be deleted", func() error {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(got), &v1alpha1.DittoFS{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there: %v", err)
	})
}

// update applies change to the latest DittoFS, again on a conflict with the operator's writes.
func update(t *testing.T, ns, name string, change func(*v1alpha1.DittoFS)) {
	t.Helper()
	eventually(t, timeout, "update DittoFS "+name, func() error {
		d := get(t, ns, name)
		change(d)
		return k8s.Update(ctx, d)
	})
}

func configMap(t *testing.T, d *v1alpha1.DittoFS) *corev1.ConfigMap {
	t.Helper()
	cm := &corev1.ConfigMap{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: specs.ConfigMapName(d)}, cm))
	return cm
}
