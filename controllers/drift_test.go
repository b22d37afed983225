package controllers

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// TestHandEditsArePutBack: every field the operator sets on the objects it owns is put back after
// a hand edit (conflicting writers: kubectl scale, set image, edit), and a deleted Service comes
// back; then the converged object costs zero writes again.
func TestHandEditsArePutBack(t *testing.T) {
	ns := newNamespace(t)
	op := startOperator(t, ns)
	d := createBound(t, newDittoFS(ns, "drift"))
	setPodReady(t, d, true)
	waitFor(t, ns, "drift", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	want := statefulSet(t, d)
	wantImage := want.Spec.Template.Spec.Containers[0].Image
	cmKey := client.ObjectKey{Namespace: ns, Name: specs.ConfigMapName(d)}
	cm := &corev1.ConfigMap{}
	require.NoError(t, k8s.Get(ctx, cmKey, cm))
	wantConfig := cm.Data["config.yaml"]
	svcKey := client.ObjectKey{Namespace: ns, Name: specs.DataServiceName(d)}
	svc := &corev1.Service{}
	require.NoError(t, k8s.Get(ctx, svcKey, svc))
	wantType, wantPort := svc.Spec.Type, svc.Spec.Ports[0].Port

	edit := func(what string, obj client.Object, change func()) {
		t.Helper()
		eventually(t, timeout, what, func() error {
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
				return err
			}
			change()
			return k8s.Update(ctx, obj)
		})
	}
	sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: want.Name}}
	edit("kubectl scale --replicas=0", sts, func() { sts.Spec.Replicas = ptr.To[int32](0) })
	edit("kubectl set image", sts, func() { sts.Spec.Template.Spec.Containers[0].Image = "example.invalid/other:v9" })
	edit("kubectl edit configmap", cm, func() { cm.Data["config.yaml"] = "logging:\n  level: DEBUG\n" })
	edit("change the Service type and port", svc, func() {
		svc.Spec.Type = corev1.ServiceTypeClusterIP
		svc.Spec.Ports[0].Port = 1234
		svc.Spec.Ports[0].NodePort = 0
	})

	eventually(t, timeout, "the StatefulSet put back", func() error {
		live := statefulSet(t, d)
		if got := ptr.Deref(live.Spec.Replicas, -1); got != 1 {
			return fmt.Errorf("replicas %d", got)
		}
		if got := live.Spec.Template.Spec.Containers[0].Image; got != wantImage {
			return fmt.Errorf("image %s", got)
		}
		return nil
	})
	eventually(t, timeout, "the ConfigMap put back", func() error {
		if err := k8s.Get(ctx, cmKey, cm); err != nil {
			return err
		}
		if cm.Data["config.yaml"] != wantConfig {
			return fmt.Errorf("config.yaml still edited")
		}
		return nil
	})
	eventually(t, timeout, "the Service put back", func() error {
		if err := k8s.Get(ctx, svcKey, svc); err != nil {
			return err
		}
		if svc.Spec.Type != wantType || svc.Spec.Ports[0].Port != wantPort {
			return fmt.Errorf("type %s port %d", svc.Spec.Type, svc.Spec.Ports[0].Port)
		}
		return nil
	})
	require.NoError(t, k8s.Delete(ctx, svc))
	eventually(t, timeout, "the deleted Service recreated", func() error {
		fresh := &corev1.Service{}
		if err := k8s.Get(ctx, svcKey, fresh); err != nil {
			return err
		}
		if fresh.UID == svc.UID {
			return fmt.Errorf("still the old Service")
		}
		return nil
	})

	setPodReady(t, d, true) // the StatefulSet changed back: play its controller once more
	waitFor(t, ns, "drift", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	settle(t, op)
	writes := op.writes.Load()
	poke(t, op, ns, "drift", 3)
	settle(t, op)
	assert.Equal(t, int64(0), op.writes.Load()-writes, "once put back, a converged DittoFS costs zero writes")
}

// TestNameConflicts: an object the operator would create that exists and is not this DittoFS's
// (made by hand, or another DittoFS's whose generated name collides: "a" has Service "a-api",
// "a-api" has data Service "a-api") is never overwritten or adopted; the DittoFS says NameConflict.
func TestNameConflicts(t *testing.T) {
	ns := newNamespace(t)
	op := startOperator(t, ns)
	first := createBound(t, newDittoFS(ns, "a"))
	setPodReady(t, first, true)
	waitFor(t, ns, "a", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	apiKey := client.ObjectKey{Namespace: ns, Name: specs.APIServiceName(first)}
	before := &corev1.Service{}
	require.NoError(t, k8s.Get(ctx, apiKey, before))

	createBound(t, newDittoFS(ns, "a-api"))
	got := waitFor(t, ns, "a-api", v1alpha1.PhaseConfigReady, v1alpha1.ConditionServing, v1alpha1.ReasonNameConflict)
	msg := condition(got, v1alpha1.ConditionServing).Message
	assert.Contains(t, msg, "Service a-api exists and belongs to DittoFS a", msg)
	poke(t, op, ns, "a-api", 3)
	after := &corev1.Service{}
	require.NoError(t, k8s.Get(ctx, apiKey, after))
	assert.Equal(t, before.ResourceVersion, after.ResourceVersion, "the other DittoFS's Service is never rewritten")
	assert.Equal(t, v1alpha1.PhaseServing, get(t, ns, "a").Status.Phase)

	// A Secret made by hand under a generated name is not adopted.
	mine := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "b-admin"}, Data: map[string][]byte{"password": []byte("hand-made")}}
	require.NoError(t, k8s.Create(ctx, mine))
	createBound(t, newDittoFS(ns, "b"))
	got = waitFor(t, ns, "b", v1alpha1.PhaseDatabaseReady, v1alpha1.ConditionConfigReady, v1alpha1.ReasonNameConflict)
	assert.Contains(t, condition(got, v1alpha1.ConditionConfigReady).Message, "Secret b-admin exists and was not created by this DittoFS")
}
