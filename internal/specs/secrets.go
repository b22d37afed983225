package specs

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// Keys of the generated Secrets.
const (
	JWTSecretKey        = "secret"
	AdminUsernameKey    = "username"
	AdminPasswordKey    = "password"
	AdminUsername       = "admin" // the server always names its admin user so
	MinJWTSecretLength  = 32      // the server refuses to start with a shorter one
	generatedSecretSize = 36      // random bytes; 48 characters once encoded
)

// JWTSecret is the server's token-signing secret, generated once.
func JWTSecret(d *v1alpha1.DittoFS) (*corev1.Secret, error) {
	value, err := randomString()
	if err != nil {
		return nil, err
	}
	return generatedSecret(d, JWTSecretName(d), map[string][]byte{JWTSecretKey: []byte(value)}), nil
}

// AdminSecret holds the admin password, generated once. The server uses it only when it first
// creates the admin user, so regenerating it would lock the operator out of the server.
func AdminSecret(d *v1alpha1.DittoFS) (*corev1.Secret, error) {
	value, err := randomString()
	if err != nil {
		return nil, err
	}
	return generatedSecret(d, AdminSecretName(d), map[string][]byte{
		AdminUsernameKey: []byte(AdminUsername),
		AdminPasswordKey: []byte(value),
	}), nil
}

// generatedSecret carries no owner reference on purpose: the credentials belong with the data on
// the volumes and follow the storage deletion policy, not the lifetime of the DittoFS object.
func generatedSecret(d *v1alpha1.DittoFS, name string, data map[string][]byte) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: d.Namespace, Labels: Labels(d)},
		Type:       corev1.SecretTypeOpaque,
		Data:       data,
	}
}

// randomString is URL-safe so that it never needs quoting in env or shells.
func randomString() (string, error) {
	b := make([]byte, generatedSecretSize)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
