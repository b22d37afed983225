package dittofsapi_test

// The REST API over TLS, against a real dfs v0.29.0 started with controlplane.tls and a CA made
// here. Nothing is mocked.

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi/dfstest"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/internal/testcerts"
)

// apiName is the name the operator dials in a cluster, and the one the certificate is for; the
// test dials 127.0.0.1 and checks the certificate against this name, as the operator does.
const apiName = "media-api.storage.svc"

func startTLS(t *testing.T, ca *testcerts.CA) *dfstest.Server {
	t.Helper()
	crt, key := ca.Issue(t, "media-api", "media-api.storage", apiName)
	return dfstest.Start(t, dfstest.Options{TLS: &dfstest.TLS{CertPEM: crt, KeyPEM: key, CAPEM: ca.PEM, ServerName: apiName}})
}

func TestTLSClientVerifiesTheServer(t *testing.T) {
	t.Parallel()
	ca, wrongCA := testcerts.NewCA(t, "dittofs test CA"), testcerts.NewCA(t, "someone else's CA")
	srv := startTLS(t, ca)
	ctx := testContext(t)
	require.True(t, strings.HasPrefix(srv.BaseURL, "https://"))

	c, err := dittofsapi.New(srv.BaseURL, dittofsapi.WithCredentials(dfstest.AdminUser, srv.AdminPassword), dittofsapi.WithTLS(ca.PEM, apiName))
	require.NoError(t, err)
	_, err = c.Login(ctx)
	require.NoError(t, err, "the right CA and name")
	_, err = c.ListShares(ctx)
	require.NoError(t, err)
	live, err := c.Health(ctx)
	require.NoError(t, err, "the health endpoints are on the TLS listener too")
	assert.Equal(t, "healthy", live.Status)

	for name, opt := range map[string]dittofsapi.Option{
		"another CA":         dittofsapi.WithTLS(wrongCA.PEM, apiName),
		"another name":       dittofsapi.WithTLS(ca.PEM, "files-api.storage.svc"),
		"the dialled IP":     dittofsapi.WithTLS(ca.PEM, ""),
		"the system's roots": dittofsapi.WithHTTPClient(&http.Client{}),
	} {
		t.Run(name, func(t *testing.T) {
			bad, err := dittofsapi.New(srv.BaseURL, dittofsapi.WithCredentials(dfstest.AdminUser, srv.AdminPassword), opt)
			require.NoError(t, err)
			_, err = bad.Login(ctx)
			require.Error(t, err)
			assert.True(t, dittofsapi.IsUntrustedServer(err), "%v", err)
			assert.True(t, dittofsapi.IsUnavailable(err), "no answer was read: %v", err)
			assert.NotContains(t, err.Error(), srv.AdminPassword)
		})
	}

	// The kubelet's probes must use scheme HTTPS: the listener answers plain HTTP with a 400.
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(strings.Replace(srv.BaseURL, "https://", "http://", 1) + "/health")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "plain HTTP to the TLS listener")
}

func TestTLSNeedsACertificateInTheCA(t *testing.T) {
	_, err := dittofsapi.New("https://127.0.0.1:1", dittofsapi.WithTLS([]byte("not PEM"), apiName))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no PEM certificate")
}

// TestTLSRotationNeedsNoRestart: the server reloads its certificate files when their mtime
// moves (the kubelet's update of a mounted Secret does that), which is why the operator keeps
// the TLS Secret out of the pod's config hash and never restarts the server for a renewal.
func TestTLSRotationNeedsNoRestart(t *testing.T) {
	t.Parallel()
	oldCA, newCA := testcerts.NewCA(t, "old CA"), testcerts.NewCA(t, "new CA")
	srv := startTLS(t, oldCA)
	ctx := testContext(t)
	client := func(ca *testcerts.CA) *dittofsapi.Client {
		c, err := dittofsapi.New(srv.BaseURL, dittofsapi.WithCredentials(dfstest.AdminUser, srv.AdminPassword), dittofsapi.WithTLS(ca.PEM, apiName))
		require.NoError(t, err)
		return c
	}
	_, err := client(oldCA).Login(ctx)
	require.NoError(t, err)

	certFile, keyFile := srv.TLSFiles()
	info, err := os.Stat(certFile)
	require.NoError(t, err)
	crt, key := newCA.Issue(t, apiName)
	require.NoError(t, os.WriteFile(keyFile, key, 0o600))
	require.NoError(t, os.WriteFile(certFile, crt, 0o600))
	// The reload keys on a later mtime; make it later than the first load for certain, whatever
	// the file system's timestamp granularity.
	later := info.ModTime().Add(2 * time.Second)
	require.NoError(t, os.Chtimes(keyFile, later, later))
	require.NoError(t, os.Chtimes(certFile, later, later))

	// Fresh clients: a new connection, so a new handshake, which is when the server reloads.
	_, err = client(newCA).Login(ctx)
	require.NoError(t, err, "the renewed certificate is served by the same process")
	_, err = client(oldCA).Login(ctx)
	require.Error(t, err)
	assert.True(t, dittofsapi.IsUntrustedServer(err), "%v", err)
	assert.False(t, srv.Exited(), "the server was not restarted")
}

// TestTLSWithTheOperatorsConfig runs dfs on the config.yaml the operator renders for a DittoFS
// with controlPlane.tls (paths moved from the pod to this machine, as a kubelet mounts them):
// the server takes every key (no unknown-key warning), serves HTTPS with the mounted
// certificate, and enforces minVersion.
func TestTLSWithTheOperatorsConfig(t *testing.T) {
	t.Parallel()
	d := &v1alpha1.DittoFS{ObjectMeta: metav1.ObjectMeta{Name: "media", Namespace: "storage"}}
	d.Spec.ControlPlane.TLS = &v1alpha1.ControlPlaneTLSSpec{SecretName: "api-cert", MinVersion: "1.3"}
	rendered, err := specs.ServerConfigYAML(d)
	require.NoError(t, err)
	ca := testcerts.NewCA(t, "dittofs test CA")
	crt, key := ca.Issue(t, specs.APIHost(d))
	srv := dfstest.Start(t, dfstest.Options{
		TLS: &dfstest.TLS{CertPEM: crt, KeyPEM: key, CAPEM: ca.PEM, ServerName: specs.APIHost(d)},
		Config: func(dir string, port int) string {
			var cfg map[string]any
			require.NoError(t, yaml.Unmarshal([]byte(rendered), &cfg))
			cp := cfg["controlplane"].(map[string]any)
			cp["host"], cp["port"] = "127.0.0.1", port
			tlsCfg := cp["tls"].(map[string]any)
			for _, k := range []string{"cert_file", "key_file"} {
				tlsCfg[k] = strings.Replace(tlsCfg[k].(string), specs.TLSDir, filepath.Join(dir, "tls"), 1)
			}
			cfg["database"].(map[string]any)["sqlite"] = map[string]any{"path": filepath.Join(dir, "controlplane.db")}
			out, err := yaml.Marshal(cfg)
			require.NoError(t, err)
			return string(out)
		},
	})
	ctx := testContext(t)
	assert.NotContains(t, srv.Log(), "unknown keys", "the server ignored a key the operator renders")

	c, err := dittofsapi.New(srv.BaseURL, dittofsapi.WithCredentials(dfstest.AdminUser, srv.AdminPassword), dittofsapi.WithTLS(ca.PEM, specs.APIHost(d)))
	require.NoError(t, err)
	_, err = c.Login(ctx)
	require.NoError(t, err)

	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(ca.PEM))
	old := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: pool, ServerName: specs.APIHost(d), MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
	}}}
	_, err = old.Get(srv.BaseURL + "/health")
	require.Error(t, err, "minVersion 1.3 refuses a TLS 1.2 client")
	assert.Contains(t, err.Error(), "protocol version")
}
