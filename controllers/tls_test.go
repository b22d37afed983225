package controllers

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi/dfstest"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/internal/testcerts"
	"github.com/dittofs/dittofs-operator/phases/server"
)

func withTLSSecret(ns, name, secret string) *v1alpha1.DittoFS {
	d := newDittoFS(ns, name)
	d.Spec.ControlPlane.TLS = &v1alpha1.ControlPlaneTLSSpec{SecretName: secret}
	return d
}

// writeTLSSecret creates or replaces the user's kubernetes.io/tls Secret.
func writeTLSSecret(t *testing.T, ns, name string, data map[string][]byte) {
	t.Helper()
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Type: corev1.SecretTypeTLS, Data: data}
	err := k8s.Create(ctx, sec)
	if apierrors.IsAlreadyExists(err) {
		eventually(t, timeout, "replace Secret "+name, func() error {
			live := &corev1.Secret{}
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(sec), live); err != nil {
				return err
			}
			live.Data = data
			return k8s.Update(ctx, live)
		})
		return
	}
	require.NoError(t, err)
}

func tlsData(crt, key, ca []byte) map[string][]byte {
	data := map[string][]byte{specs.TLSCertKey: crt, specs.TLSKeyKey: key}
	if ca != nil {
		data[specs.TLSCAKey] = ca
	}
	return data
}

// TestTLSFromAUserSecret: the server does not start until the user's TLS Secret is there and
// usable (each way it is not has its reason); then the pod mounts it read-only and probes over
// HTTPS, config.yaml points at the files, and a renewed certificate rolls nothing, because
// the server reloads it by itself. No byte of the Secret reaches a ConfigMap, status or event.
func TestTLSFromAUserSecret(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	const name = "secure"
	d := createBound(t, withTLSSecret(ns, name, "api-cert"))
	host := specs.APIHost(d)
	ca := testcerts.NewCA(t, "user CA")
	crt, key := ca.Issue(t, host)

	waitForMessage(t, ns, name, v1alpha1.ConditionConfigReady, v1alpha1.ReasonTLSSecretMissing, "Secret api-cert", host)
	assertNoStatefulSet(t, d)

	writeTLSSecret(t, ns, "api-cert", tlsData(crt, key, nil))
	waitForMessage(t, ns, name, v1alpha1.ConditionConfigReady, v1alpha1.ReasonTLSCAMissing, "has no ca.crt")
	other, otherKey := ca.Issue(t, "someone-else.storage.svc")
	writeTLSSecret(t, ns, "api-cert", tlsData(other, otherKey, ca.PEM))
	waitForMessage(t, ns, name, v1alpha1.ConditionConfigReady, v1alpha1.ReasonTLSCertificateUntrusted, "not trusted for "+host)
	assertNoStatefulSet(t, d)

	writeTLSSecret(t, ns, "api-cert", tlsData(crt, key, ca.PEM))
	d = get(t, ns, name)
	setPodReady(t, d, true)
	d = waitFor(t, ns, name, v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)

	sts := statefulSet(t, d)
	pod := sts.Spec.Template.Spec
	assertTLSMounted(t, pod, "api-cert")
	cm := &corev1.ConfigMap{}
	require.NoError(t, k8s.Get(ctx, keyOf(d, specs.ConfigMapName(d)), cm))
	assert.Contains(t, cm.Data[specs.ConfigFileName], "cert_file: /tls/tls.crt")
	assert.Contains(t, cm.Data[specs.ConfigFileName], "key_file: /tls/tls.key")
	hash, statusHash := configHashOnPodTemplate(t, d), d.Status.ConfigHash

	// A rotation that breaks the Secret is reported (Degraded: the server keeps serving its last
	// good certificate); the one that mends it, with a new CA even, rolls nothing.
	writeTLSSecret(t, ns, "api-cert", tlsData(crt, key, []byte("garbage")))
	waitFor(t, ns, name, v1alpha1.PhaseDegraded, v1alpha1.ConditionConfigReady, v1alpha1.ReasonTLSCAMissing)
	newCA := testcerts.NewCA(t, "renewed CA")
	renewed, renewedKey := newCA.Issue(t, host)
	writeTLSSecret(t, ns, "api-cert", tlsData(renewed, renewedKey, newCA.PEM))
	d = waitFor(t, ns, name, v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	assert.Equal(t, hash, configHashOnPodTemplate(t, d), "a renewed certificate must not roll the pod")
	assert.Equal(t, statusHash, d.Status.ConfigHash)

	secretBytes := [][]byte{crt, key, ca.PEM, renewed, renewedKey, newCA.PEM}
	assertNowhere(t, ns, d, secretBytes)

	// Turning TLS off is a configuration change: the pod rolls onto plain HTTP.
	eventually(t, timeout, "turn TLS off", func() error {
		now := get(t, ns, name)
		now.Spec.ControlPlane.TLS = nil
		return k8s.Update(ctx, now)
	})
	eventually(t, timeout, "the pod template without the TLS volume", func() error {
		pod := statefulSet(t, d).Spec.Template.Spec
		if configHashOnPodTemplate(t, d) == hash || len(pod.Volumes) == len(sts.Spec.Template.Spec.Volumes) {
			return fmt.Errorf("still %d volumes and hash %s", len(pod.Volumes), configHashOnPodTemplate(t, d))
		}
		if s := pod.Containers[0].LivenessProbe.HTTPGet.Scheme; s == corev1.URISchemeHTTPS {
			return fmt.Errorf("liveness probe still %s", s)
		}
		return nil
	})
}

// TestTLSCertManagerMissing: without cert-manager's CRD the DittoFS says so, and the server
// does not start on a certificate that will never come.
func TestTLSCertManagerMissing(t *testing.T) {
	ns := newNamespace(t)
	op := startOperator(t, ns)
	require.False(t, op.reconciler.CertManager, "this suite's API server has no cert-manager CRD")
	d := newDittoFS(ns, "cm")
	d.Spec.ControlPlane.TLS = &v1alpha1.ControlPlaneTLSSpec{CertManager: &v1alpha1.CertManagerTLSSpec{IssuerRef: v1alpha1.IssuerReference{Name: "ca"}}}
	d = createBound(t, d)
	got := waitForMessage(t, ns, "cm", v1alpha1.ConditionConfigReady, v1alpha1.ReasonCertManagerMissing, "certificates.cert-manager.io", "controlPlane.tls.secretName")
	stalled := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionStalled)
	require.NotNil(t, stalled)
	assert.Equal(t, metav1.ConditionTrue, stalled.Status, "the user must act: %s", stalled.Message)
	assertNoStatefulSet(t, d)
}

// TestTLSRejectsBothSources: exactly one source, said at apply time.
func TestTLSRejectsBothSources(t *testing.T) {
	ns := newNamespace(t)
	for _, tls := range []*v1alpha1.ControlPlaneTLSSpec{
		{},
		{SecretName: "a", CertManager: &v1alpha1.CertManagerTLSSpec{IssuerRef: v1alpha1.IssuerReference{Name: "ca"}}},
	} {
		d := newDittoFS(ns, "both")
		d.Spec.ControlPlane.TLS = tls
		err := k8s.Create(ctx, d)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "controlPlane.tls needs exactly one of secretName")
	}
}

// TestTLSSharesOverHTTPS: the shares sub-phase configures a real dfs serving HTTPS with the
// certificate of the user's Secret, trusting that Secret's ca.crt alone, for the API Service's
// name. A server presenting a certificate of another CA gets nothing: not the admin password.
func TestTLSSharesOverHTTPS(t *testing.T) {
	ns := newNamespace(t)
	const name = "https"
	d := withTLSSecret(ns, name, "api-cert")
	host := specs.APIHost(d)
	ca, impostor := testcerts.NewCA(t, "user CA"), testcerts.NewCA(t, "impostor CA")
	crt, key := ca.Issue(t, host)
	good := dfstest.Start(t, dfstest.Options{TLS: &dfstest.TLS{CertPEM: crt, KeyPEM: key, CAPEM: ca.PEM, ServerName: host}})
	badCrt, badKey := impostor.Issue(t, host)
	bad := dfstest.Start(t, dfstest.Options{TLS: &dfstest.TLS{CertPEM: badCrt, KeyPEM: badKey, CAPEM: impostor.PEM, ServerName: host}})

	accessFor := func(srv *dfstest.Server) server.Access {
		loc := server.Location{BaseURL: srv.BaseURL, ServerName: host, DataRoot: srv.DataDir, NFSPort: srv.NFSPort, SMBPort: srv.SMBPort}
		return server.Access{
			Locate:     func(*v1alpha1.DittoFS) server.Location { return loc },
			RetryAfter: time.Second, MaxRetryAfter: 2 * time.Second, ResyncAfter: time.Minute, Timeout: 5 * time.Second,
		}
	}
	f := &shareFixture{ns: ns, srv: good}
	f.adminSecret(t, name, dfstest.AdminUser, good.AdminPassword)
	writeTLSSecret(t, ns, "api-cert", tlsData(crt, key, ca.PEM))
	first := startOperator(t, ns, accessFor(good))
	d = createBound(t, d)
	setPodReady(t, d, true)
	waitFor(t, ns, name, v1alpha1.PhaseServing, v1alpha1.ConditionSharesReady, v1alpha1.ReasonSharesReady)
	api, err := dittofsapi.New(good.BaseURL, dittofsapi.WithCredentials(dfstest.AdminUser, good.AdminPassword), dittofsapi.WithTLS(ca.PEM, host))
	require.NoError(t, err)
	_, err = api.GetShare(ctx, "/media")
	require.NoError(t, err, "the operator created the share over HTTPS")

	// An operator that finds the impostor where the server should be.
	require.NoError(t, first.stop())
	startOperator(t, ns, accessFor(bad))
	waitForMessage(t, ns, name, v1alpha1.ConditionSharesReady, v1alpha1.ReasonServerCertificateUntrusted, "api-cert", host, "unknown authority")
}

func assertTLSMounted(t *testing.T, pod corev1.PodSpec, secret string) {
	t.Helper()
	var volName string
	for _, v := range pod.Volumes {
		if v.Secret != nil && v.Secret.SecretName == secret {
			volName = v.Name
			assert.Len(t, v.Secret.Items, 2, "tls.crt and tls.key only")
		}
	}
	require.NotEmpty(t, volName, "Secret %s is not a volume of the pod", secret)
	c := pod.Containers[0]
	found := false
	for _, m := range c.VolumeMounts {
		if m.Name == volName {
			found = true
			assert.True(t, m.ReadOnly)
			assert.Equal(t, specs.TLSDir, m.MountPath)
		}
	}
	assert.True(t, found, "the TLS volume is not mounted")
	assert.Equal(t, corev1.URISchemeHTTPS, c.StartupProbe.HTTPGet.Scheme)
	assert.Equal(t, corev1.URISchemeHTTPS, c.LivenessProbe.HTTPGet.Scheme)
}

// assertNowhere: no ConfigMap, status or event in the namespace holds any of the values.
func assertNowhere(t *testing.T, ns string, d *v1alpha1.DittoFS, values [][]byte) {
	t.Helper()
	var texts []string
	var cms corev1.ConfigMapList
	require.NoError(t, k8s.List(ctx, &cms, client.InNamespace(ns)))
	for _, cm := range cms.Items {
		raw, _ := json.Marshal(cm.Data)
		texts = append(texts, string(raw))
	}
	raw, _ := json.Marshal(get(t, ns, d.Name).Status)
	texts = append(texts, string(raw))
	var events eventsv1.EventList
	require.NoError(t, k8s.List(ctx, &events, client.InNamespace(ns)))
	for _, e := range events.Items {
		texts = append(texts, e.Note)
	}
	for _, text := range texts {
		assert.NotContains(t, text, "BEGIN", "PEM in a ConfigMap, status or event")
		for _, v := range values {
			assert.False(t, strings.Contains(text, strings.TrimSpace(string(v))), "a TLS Secret value leaked")
		}
	}
}

// TestTLSConvergedCostsNoWrites: checking the TLS Secret on every reconcile reads, never writes.
func TestTLSConvergedCostsNoWrites(t *testing.T) {
	ns := newNamespace(t)
	op := startOperator(t, ns)
	d := withTLSSecret(ns, "steady", "api-cert")
	ca := testcerts.NewCA(t, "user CA")
	crt, key := ca.Issue(t, specs.APIHost(d))
	writeTLSSecret(t, ns, "api-cert", tlsData(crt, key, ca.PEM))
	d = createBound(t, d)
	setPodReady(t, d, true)
	waitFor(t, ns, "steady", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	settle(t, op)

	writes := op.writes.Load()
	poke(t, op, ns, "steady", 5)
	settle(t, op)
	assert.Equal(t, int64(0), op.writes.Load()-writes, "a converged DittoFS with TLS must cost zero writes per reconcile")
}
