package specs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

func withTLSSecret(name string) *v1alpha1.DittoFS {
	d := defaulted()
	d.Spec.ControlPlane.TLS = &v1alpha1.ControlPlaneTLSSpec{SecretName: name, MinVersion: "1.2"}
	return d
}

func TestCertificateGolden(t *testing.T) {
	assertGolden(t, "certificate-everything", Certificate(everything()))
}

// TestTLSConfigPointsAtTheMountedSecret: the server reads the files the pod mounts, and
// nothing else of the Secret reaches the pod or the ConfigMap.
func TestTLSConfigPointsAtTheMountedSecret(t *testing.T) {
	d := withTLSSecret("api-cert")
	var cfg struct {
		ControlPlane struct {
			TLS map[string]string `json:"tls"`
		} `json:"controlplane"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(mustConfig(t, d)), &cfg))
	assert.Equal(t, map[string]string{"cert_file": "/tls/tls.crt", "key_file": "/tls/tls.key", "min_version": "1.2"}, cfg.ControlPlane.TLS,
		"no client_ca: the kubelet's probes present no client certificate")

	pod := StatefulSet(d, PodInputs{}).Spec.Template.Spec
	var vol *corev1.Volume
	for i := range pod.Volumes {
		if pod.Volumes[i].Secret != nil && pod.Volumes[i].Secret.SecretName == "api-cert" {
			vol = &pod.Volumes[i]
		}
	}
	require.NotNil(t, vol, "the TLS Secret is mounted")
	assert.Equal(t, []corev1.KeyToPath{{Key: "tls.crt", Path: "tls.crt"}, {Key: "tls.key", Path: "tls.key"}}, vol.Secret.Items)
	assert.Equal(t, int32(0o440), *vol.Secret.DefaultMode)
	c := pod.Containers[0]
	var mount *corev1.VolumeMount
	for i := range c.VolumeMounts {
		if c.VolumeMounts[i].Name == vol.Name {
			mount = &c.VolumeMounts[i]
		}
	}
	require.NotNil(t, mount)
	assert.Equal(t, TLSDir, mount.MountPath)
	assert.True(t, mount.ReadOnly)
	assert.Empty(t, mount.SubPath, "a subPath mount never sees a renewed certificate")
	assert.Equal(t, corev1.URISchemeHTTPS, c.StartupProbe.HTTPGet.Scheme, "/health is on the TLS listener")
	assert.Equal(t, corev1.URISchemeHTTPS, c.LivenessProbe.HTTPGet.Scheme)
	assert.Contains(t, SecretNames(d), "api-cert", "a change to the Secret maps back to the DittoFS")

	plain := StatefulSet(defaulted(), PodInputs{}).Spec.Template.Spec
	assert.Empty(t, plain.Containers[0].StartupProbe.HTTPGet.Scheme, "HTTP, the default")
	for _, v := range plain.Volumes {
		assert.Nil(t, v.Secret, "no TLS, no Secret volume")
	}
	assert.NotContains(t, mustConfig(t, defaulted()), "tls")
}

func TestCertificateNames(t *testing.T) {
	d := everything()
	assert.Equal(t, "media-api-tls", TLSSecretName(d))
	assert.Equal(t, "media-api.storage.svc", APIHost(d))
	assert.Equal(t, []string{"media-api", "media-api.storage", "media-api.storage.svc"}, APIDNSNames(d))
	assert.Contains(t, SecretNames(d), "media-api-tls", "cert-manager's Secret maps back to the DittoFS")
	assert.Equal(t, "https", APIScheme(d))
	assert.Equal(t, "http", APIScheme(defaulted()))
	assert.Empty(t, TLSSecretName(defaulted()))
}
