package controllers

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/dittofs/dittofs-operator/phases"
)

// TestMetricsNeedAnAllowedToken: the operator, running as a user bound to nothing but
// deploy/rbac/role.yaml, serves /metrics only to a bearer token whose subject may get the
// non-resource URL /metrics: no token is 401, a ServiceAccount without the grant is 403, one bound
// to a metrics-reader ClusterRole (as the chart renders it) is 200.
func TestMetricsNeedAnAllowedToken(t *testing.T) {
	ns := newNamespace(t)
	bindRole(t, ns, "rbac-metrics-operator", rolePermissions(t))
	addr := freeAddr(t)
	cfg := rest.CopyConfig(restConfig)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: operatorUser}
	op, err := New(cfg, Options{MetricsAddr: addr, WatchNamespaces: []string{ns}, SeveralInProcess: true, WithoutSubPhases: true})
	require.NoError(t, err)
	running := op.Background(context.Background())
	t.Cleanup(func() { assert.NoError(t, running.Stop()) })

	reader := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "metrics-reader-" + ns},
		Rules:      []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}},
	}
	require.NoError(t, k8s.Create(ctx, reader))
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: reader.Name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: reader.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "prometheus", Namespace: ns}},
	}
	require.NoError(t, k8s.Create(ctx, binding))
	t.Cleanup(func() {
		_ = k8s.Delete(context.Background(), binding)
		_ = k8s.Delete(context.Background(), reader)
	})
	allowed := serviceAccountToken(t, ns, "prometheus")
	denied := serviceAccountToken(t, ns, "nosy")

	// The operator's certificate is self-signed and made at start, so the test cannot verify it;
	// what is tested here is who gets an answer.
	httpc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec
	scrape := func(token string) (int, string, error) {
		req, err := http.NewRequest(http.MethodGet, "https://"+addr+"/metrics", nil)
		if err != nil {
			return 0, "", err
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := httpc.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), err
	}
	for _, c := range []struct {
		who, token string
		want       int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"a ServiceAccount without the grant", denied, http.StatusForbidden},
		{"a ServiceAccount bound to the metrics reader", allowed, http.StatusOK},
	} {
		var body string
		eventually(t, timeout, c.who+" answered "+http.StatusText(c.want), func() error {
			code, b, err := scrape(c.token)
			if err != nil {
				return err
			}
			if body = b; code != c.want {
				return fmt.Errorf("status %d: %s", code, strings.TrimSpace(phases.Truncate(b, 200)))
			}
			return nil
		})
		if c.want == http.StatusOK {
			assert.True(t, strings.Contains(body, "\ncontroller_runtime_"), "the operator's metrics: %s", phases.Truncate(body, 300))
		} else {
			assert.False(t, strings.Contains(body, "controller_runtime_"), "no metric leaks to %s: %s", c.who, phases.Truncate(body, 300))
		}
	}
}

// serviceAccountToken creates a ServiceAccount and returns a short-lived token for it.
func serviceAccountToken(t *testing.T, ns, name string) string {
	t.Helper()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	require.NoError(t, k8s.Create(ctx, sa))
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptrTo(int64(3600))}}
	require.NoError(t, k8s.SubResource("token").Create(ctx, sa, req))
	require.NotEmpty(t, req.Status.Token)
	return req.Status.Token
}

// freeAddr is a loopback address with a port nobody listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}
