package phases

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/testcerts"
)

// TestCheckTLSSecret: each way a TLS Secret can be unusable has its own reason, and a message
// that names the Secret, never a value of it.
func TestCheckTLSSecret(t *testing.T) {
	d := &v1alpha1.DittoFS{ObjectMeta: metav1.ObjectMeta{Name: "media", Namespace: "storage"}}
	d.Spec.ControlPlane.TLS = &v1alpha1.ControlPlaneTLSSpec{SecretName: "api-cert"}
	ca, other := testcerts.NewCA(t, "test CA"), testcerts.NewCA(t, "another CA")
	crt, key := ca.Issue(t, "media-api", "media-api.storage", "media-api.storage.svc")
	wrongName, wrongNameKey := ca.Issue(t, "files-api.storage.svc")
	foreign, foreignKey := other.Issue(t, "media-api.storage.svc")
	now := time.Now()
	expired, expiredKey := ca.IssueValid(t, now.Add(-48*time.Hour), now.Add(-24*time.Hour), "media-api.storage.svc")
	early, earlyKey := ca.IssueValid(t, now.Add(time.Minute), now.Add(24*time.Hour), "media-api.storage.svc")

	for _, tc := range []struct {
		name          string
		data          map[string][]byte
		reason, inMsg string
	}{
		{"good", map[string][]byte{"tls.crt": crt, "tls.key": key, "ca.crt": ca.PEM}, "", ""},
		{"no key", map[string][]byte{"tls.crt": crt, "ca.crt": ca.PEM}, v1alpha1.ReasonTLSSecretInvalid, "it has ca.crt, tls.crt"},
		{"key of another certificate", map[string][]byte{"tls.crt": crt, "tls.key": foreignKey, "ca.crt": ca.PEM}, v1alpha1.ReasonTLSSecretInvalid, "not a PEM certificate and its private key"},
		{"no CA", map[string][]byte{"tls.crt": crt, "tls.key": key}, v1alpha1.ReasonTLSCAMissing, "has no ca.crt"},
		{"CA not PEM", map[string][]byte{"tls.crt": crt, "tls.key": key, "ca.crt": []byte("not a certificate")}, v1alpha1.ReasonTLSCAMissing, "no PEM certificate in it"},
		{"other CA", map[string][]byte{"tls.crt": foreign, "tls.key": foreignKey, "ca.crt": ca.PEM}, v1alpha1.ReasonTLSCertificateUntrusted, "unknown authority"},
		{"wrong name", map[string][]byte{"tls.crt": wrongName, "tls.key": wrongNameKey, "ca.crt": ca.PEM}, v1alpha1.ReasonTLSCertificateUntrusted, "not media-api.storage.svc"},
		{"expired", map[string][]byte{"tls.crt": expired, "tls.key": expiredKey, "ca.crt": ca.PEM}, v1alpha1.ReasonTLSCertificateUntrusted, "valid from"},
		{"not valid yet", map[string][]byte{"tls.crt": early, "tls.key": earlyKey, "ca.crt": ca.PEM}, v1alpha1.ReasonTLSCertificateUntrusted, "valid from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "api-cert"}, Data: tc.data}
			err := CheckTLSSecret(d, sec, now)
			if tc.reason == "" {
				require.NoError(t, err)
				return
			}
			b := AsBlocked(err)
			require.NotNil(t, b, "%v", err)
			assert.Equal(t, tc.reason, b.Reason)
			assert.Contains(t, b.Message, "Secret api-cert")
			assert.Contains(t, b.Message, tc.inMsg)
			for _, v := range tc.data {
				assert.NotContains(t, b.Message, string(v), "a Secret value in the message")
			}
			again := AsBlocked(CheckTLSSecret(d, sec, now.Add(30*time.Second)))
			assert.Equal(t, b.Message, again.Message, "the message must not change while the Secret does not")
			if tc.name == "not valid yet" {
				require.Positive(t, b.RequeueAfter, "looked at again once it is valid")
				assert.NoError(t, CheckTLSSecret(d, sec, now.Add(b.RequeueAfter)), "valid by the time of the requeue")
			} else {
				assert.Zero(t, b.RequeueAfter, "a change of the Secret brings the operator back")
			}
		})
	}
}
