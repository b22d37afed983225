package certmanagertest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/kube"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/internal/testcerts"
	"github.com/dittofs/dittofs-operator/internal/testenv"
)

var ctx = context.Background()

func certificate(t *testing.T, d *v1alpha1.DittoFS) (*unstructured.Unstructured, error) {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(specs.CertificateGVK)
	err := k8s.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: specs.CertificateName(d)}, u)
	return u, err
}

// TestCertManagerIssuesTheCertificate: the operator asks cert-manager for a certificate for the
// API Service's names (cert-manager's own schema accepts it), owned by the DittoFS; the server
// waits for the Secret, then mounts it; a Certificate edited by hand is put back.
func TestCertManagerIssuesTheCertificate(t *testing.T) {
	ns := play.NewNamespace(t, "cm-")
	startOperator(t, ns)
	d := &v1alpha1.DittoFS{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "media"},
		Spec: v1alpha1.DittoFSSpec{ControlPlane: v1alpha1.ControlPlaneSpec{TLS: &v1alpha1.ControlPlaneTLSSpec{
			CertManager: &v1alpha1.CertManagerTLSSpec{IssuerRef: v1alpha1.IssuerReference{Name: "internal-ca", Kind: "ClusterIssuer"}},
		}}},
	}
	d = play.CreateBound(t, d)

	var cert *unstructured.Unstructured
	testenv.Eventually(t, timeout, "the operator's Certificate", func() error {
		var err error
		cert, err = certificate(t, d)
		return err
	})
	// What the API server stored, cert-manager's defaults and all, still contains what the
	// operator builds: a converged DittoFS never rewrites its Certificate.
	same, err := kube.Contains(cert, specs.Certificate(d))
	require.NoError(t, err)
	assert.True(t, same, "the stored Certificate differs from the built one: every reconcile would update it")
	owner := metav1.GetControllerOf(cert)
	require.NotNil(t, owner, "the Certificate goes with the DittoFS")
	assert.Equal(t, d.UID, owner.UID)
	names, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
	assert.Contains(t, names, specs.APIHost(d), "the name the operator dials")
	secretName, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName")
	assert.Equal(t, "media-api-tls", secretName)
	issuer, _, _ := unstructured.NestedStringMap(cert.Object, "spec", "issuerRef")
	assert.Equal(t, map[string]string{"name": "internal-ca", "kind": "ClusterIssuer", "group": "cert-manager.io"}, issuer)

	waitForReason(t, d, v1alpha1.ReasonWaitingForCertificate)
	stalled := meta.FindStatusCondition(play.Get(t, ns, d.Name).Status.Conditions, v1alpha1.ConditionStalled)
	require.NotNil(t, stalled)
	assert.Equal(t, metav1.ConditionFalse, stalled.Status, "cert-manager is at work: not a stall")

	// Play cert-manager: the issued Secret, with the CA the operator verifies the server with.
	ca := testcerts.NewCA(t, "internal-ca")
	crt, key := ca.Issue(t, names...)
	require.NoError(t, k8s.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: secretName},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{"tls.crt": crt, "tls.key": key, "ca.crt": ca.PEM},
	}))
	testenv.Eventually(t, timeout, "the server pod mounting the issued Secret", func() error {
		sts := play.StatefulSet(t, d)
		for _, v := range sts.Spec.Template.Spec.Volumes {
			if v.Secret != nil && v.Secret.SecretName == secretName {
				return nil
			}
		}
		return fmt.Errorf("volumes %v", sts.Spec.Template.Spec.Volumes)
	})
	play.SetPodReady(t, d, true)
	play.WaitFor(t, ns, d.Name, v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)

	// A hand edit of what the operator set is put back.
	testenv.Eventually(t, timeout, "edit the Certificate's names", func() error {
		live, err := certificate(t, d)
		if err != nil {
			return err
		}
		if err := unstructured.SetNestedStringSlice(live.Object, []string{"elsewhere.example"}, "spec", "dnsNames"); err != nil {
			return err
		}
		return k8s.Update(ctx, live)
	})
	testenv.Eventually(t, timeout, "the Certificate's names put back", func() error {
		live, err := certificate(t, d)
		if err != nil {
			return err
		}
		got, _, _ := unstructured.NestedStringSlice(live.Object, "spec", "dnsNames")
		if len(got) != len(names) {
			return fmt.Errorf("dnsNames %v", got)
		}
		return nil
	})
}

// TestCertManagerLeavesOthersCertificates: a Certificate of the same name that this DittoFS
// did not create is never taken over.
func TestCertManagerLeavesOthersCertificates(t *testing.T) {
	ns := play.NewNamespace(t, "cm-")
	foreign := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{
		"secretName": "theirs", "dnsNames": []any{"theirs.example"}, "issuerRef": map[string]any{"name": "theirs"},
	}}}
	foreign.SetGroupVersionKind(specs.CertificateGVK)
	foreign.SetNamespace(ns)
	foreign.SetName("media-api-tls")
	require.NoError(t, k8s.Create(ctx, foreign))
	startOperator(t, ns)
	d := &v1alpha1.DittoFS{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "media"},
		Spec: v1alpha1.DittoFSSpec{ControlPlane: v1alpha1.ControlPlaneSpec{TLS: &v1alpha1.ControlPlaneTLSSpec{
			CertManager: &v1alpha1.CertManagerTLSSpec{IssuerRef: v1alpha1.IssuerReference{Name: "internal-ca"}},
		}}},
	}
	d = play.CreateBound(t, d)
	waitForReason(t, d, v1alpha1.ReasonNameConflict)
	live, err := certificate(t, d)
	require.NoError(t, err)
	secretName, _, _ := unstructured.NestedString(live.Object, "spec", "secretName")
	assert.Equal(t, "theirs", secretName, "untouched")
	err = k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: specs.StatefulSetName(d)}, &appsv1.StatefulSet{})
	assert.True(t, apierrors.IsNotFound(err), "no server without its certificate (err=%v)", err)
}

func waitForReason(t *testing.T, d *v1alpha1.DittoFS, reason string) {
	t.Helper()
	testenv.Eventually(t, timeout, "ConfigReady reason "+reason, func() error {
		got := play.Get(t, d.Namespace, d.Name)
		c := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionConfigReady)
		if c == nil || c.Reason != reason || c.ObservedGeneration != got.Generation {
			return fmt.Errorf("conditions %s", testenv.DescribeConditions(got.Status.Conditions))
		}
		return nil
	})
}
