package helm

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/internal/specs"
)

// Waits and reads on the chart's objects, shared by the life-cycle steps.

// deployment reads the chart's manager Deployment.
func (e *env) deployment(t *testing.T) *appsv1.Deployment {
	t.Helper()
	dep := &appsv1.Deployment{}
	require.NoError(t, e.admin.Get(context.Background(), client.ObjectKey{Namespace: releaseNamespace, Name: fullname}, dep))
	return dep
}

// waitDeploymentAvailable waits until the manager Deployment has rolled out replicas pods that
// kwok reports Ready (the namespace enforces the restricted Pod Security Standard, so a pod
// that breaks it never appears).
func (e *env) waitDeploymentAvailable(t *testing.T, replicas int32) *appsv1.Deployment {
	t.Helper()
	dep := &appsv1.Deployment{}
	waitFor(t, 60*time.Second, "the manager Deployment to be Available", func(ctx context.Context) (bool, string) {
		if err := e.admin.Get(ctx, client.ObjectKey{Namespace: releaseNamespace, Name: fullname}, dep); err != nil {
			return false, err.Error()
		}
		st := dep.Status
		available := false
		seen := fmt.Sprintf("generation %d observed %d, replicas %d updated %d available %d;",
			dep.Generation, st.ObservedGeneration, st.Replicas, st.UpdatedReplicas, st.AvailableReplicas)
		for _, c := range st.Conditions {
			seen += fmt.Sprintf(" %s=%s (%s: %s)", c.Type, c.Status, c.Reason, c.Message)
			available = available || (c.Type == appsv1.DeploymentAvailable && c.Status == corev1.ConditionTrue)
		}
		return available && st.ObservedGeneration == dep.Generation && st.Replicas == replicas &&
			st.UpdatedReplicas == replicas && st.AvailableReplicas == replicas, seen + e.podEvents(ctx)
	})
	return dep
}

// podEvents summarises warning events in the release namespace (a pod the restricted profile
// refused shows up here).
func (e *env) podEvents(ctx context.Context) string {
	var list corev1.EventList
	if err := e.admin.List(ctx, &list, client.InNamespace(releaseNamespace)); err != nil {
		return ""
	}
	var s []string
	for _, ev := range list.Items {
		if ev.Type == corev1.EventTypeWarning {
			s = append(s, ev.InvolvedObject.Name+": "+ev.Message)
		}
	}
	if len(s) == 0 {
		return ""
	}
	return " warnings: " + strings.Join(s, " | ")
}

// waitCRDEstablished waits until the DittoFS CRD is Established and, if field is set, its
// schema has spec.<field>.
func (e *env) waitCRDEstablished(t *testing.T, field string) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	crd := &apiextensionsv1.CustomResourceDefinition{}
	what := "the DittoFS CRD to be Established"
	if field != "" {
		what += " with spec." + field
	}
	waitFor(t, 30*time.Second, what, func(ctx context.Context) (bool, string) {
		if err := e.admin.Get(ctx, client.ObjectKey{Name: crdName}, crd); err != nil {
			return false, err.Error()
		}
		established := false
		for _, c := range crd.Status.Conditions {
			established = established || (c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue)
		}
		if !established {
			return false, fmt.Sprintf("conditions %v", crd.Status.Conditions)
		}
		if field == "" {
			return true, "Established"
		}
		if _, has := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties[field]; !has {
			return false, "Established, but the schema has no spec." + field
		}
		return true, "Established, spec." + field + " in the schema"
	})
	return crd
}

// boundClaims lists the claims of one DittoFS and checks each is Bound.
func (e *env) boundClaims(t *testing.T, ns, name string) []corev1.PersistentVolumeClaim {
	t.Helper()
	var list corev1.PersistentVolumeClaimList
	require.NoError(t, e.admin.List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels{specs.InstanceLabel: name}))
	for _, pvc := range list.Items {
		assert.Equal(t, corev1.ClaimBound, pvc.Status.Phase, "claim %s", pvc.Name)
		assert.Nil(t, pvc.DeletionTimestamp, "claim %s", pvc.Name)
	}
	return list.Items
}
