package specs

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

func TestServerConfigGolden(t *testing.T) {
	for name, d := range map[string]func() string{
		"config-sqlite":     func() string { return mustConfig(t, defaulted()) },
		"config-everything": func() string { return mustConfig(t, everything()) },
	} {
		t.Run(name, func(t *testing.T) {
			var parsed map[string]any
			require.NoError(t, yaml.Unmarshal([]byte(d()), &parsed))
			assertGolden(t, name, parsed)
		})
	}
}

// TestServerConfigKeys pins the facts the server depends on, so a golden update cannot quietly
// drop them.
func TestServerConfigKeys(t *testing.T) {
	cfg := mustConfig(t, defaulted())
	for _, want := range []string{"host: 0.0.0.0", "output: stdout", "path: /data/controlplane/controlplane.db", "type: sqlite"} {
		assert.Contains(t, cfg, want)
	}
	assert.NotContains(t, strings.ToLower(cfg), "secret", "secrets never go into the config file")
	assert.NotContains(t, strings.ToLower(cfg), "password")
}

func TestConfigMapGolden(t *testing.T) {
	d := defaulted()
	assertGolden(t, "configmap-default", ConfigMap(d, mustConfig(t, d)))
}

func TestStatefulSetGolden(t *testing.T) {
	assertGolden(t, "statefulset-default", StatefulSet(defaulted(), PodInputs{ConfigHash: "0123456789abcdef"}))
	assertGolden(t, "statefulset-everything", StatefulSet(everything(), PodInputs{
		ConfigHash:  "fedcba9876543210",
		DatabaseEnv: []corev1.EnvVar{secretEnv("DITTOFS_DATABASE_POSTGRES_HOST", "media-pg-pguser-dittofs", "host")},
	}))
}

func TestServicesGolden(t *testing.T) {
	assertGolden(t, "service-api-default", APIService(defaulted()))
	assertGolden(t, "service-data-default", DataService(defaulted()))
	assertGolden(t, "service-api-everything", APIService(everything()))
	assertGolden(t, "service-data-everything", DataService(everything()))
}

func TestClaimsGolden(t *testing.T) {
	d := defaulted()
	d.UID = "6c1f0c6e-0000-4000-8000-000000000001"
	var claims []*corev1.PersistentVolumeClaim
	for _, v := range Volumes(d) {
		claims = append(claims, Claim(d, v))
	}
	assertGolden(t, "claims-default", claims)
	assert.Len(t, Volumes(everything()), 2, "PostgreSQL needs no control-plane volume")
}

// TestPodMeetsRestrictedProfile checks the settings the restricted pod security profile requires.
func TestPodMeetsRestrictedProfile(t *testing.T) {
	pod := StatefulSet(everything(), PodInputs{}).Spec.Template.Spec
	require.NotNil(t, pod.SecurityContext)
	assert.True(t, *pod.SecurityContext.RunAsNonRoot)
	assert.Equal(t, int64(ServerUID), *pod.SecurityContext.RunAsUser)
	assert.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, pod.SecurityContext.SeccompProfile.Type)
	for _, c := range pod.Containers {
		assert.False(t, *c.SecurityContext.AllowPrivilegeEscalation)
		assert.Equal(t, []corev1.Capability{"ALL"}, c.SecurityContext.Capabilities.Drop)
		for _, p := range c.Ports {
			assert.GreaterOrEqual(t, p.ContainerPort, int32(1024), "a non-root server cannot bind %s", p.Name)
		}
		for _, e := range c.Env {
			assert.Empty(t, e.Value, "env %s must come from a Secret, not a literal", e.Name)
		}
	}
}

// TestNoServiceLinks: Kubernetes injects <SERVICE>_PORT=tcp://... for every Service in the
// namespace unless told not to, and the server parses any DITTOFS_* variable as its config, so a
// Service named dittofs-controlplane would crash it.
func TestNoServiceLinks(t *testing.T) {
	for _, d := range []*v1alpha1.DittoFS{defaulted(), everything()} {
		pod := StatefulSet(d, PodInputs{}).Spec.Template.Spec
		require.NotNil(t, pod.EnableServiceLinks, "unset means on")
		assert.False(t, *pod.EnableServiceLinks)
	}
}

func TestReadinessProbesTheDataPlane(t *testing.T) {
	d := defaulted()
	probe := StatefulSet(d, PodInputs{}).Spec.Template.Spec.Containers[0].ReadinessProbe
	require.NotNil(t, probe.TCPSocket, "/health does not prove the NFS listener is up")
	assert.Equal(t, NFSPortName, probe.TCPSocket.Port.StrVal)

	d.Spec.Adapters.NFS.Enabled, d.Spec.Adapters.SMB.Enabled = ptr.To(false), true
	probe = StatefulSet(d, PodInputs{}).Spec.Template.Spec.Containers[0].ReadinessProbe
	assert.Equal(t, SMBPortName, probe.TCPSocket.Port.StrVal)
}

func TestConfigHash(t *testing.T) {
	base := ConfigHash("a: 1\n", map[string][]byte{"secret": []byte("x")})
	assert.Equal(t, base, ConfigHash("a: 1\n", map[string][]byte{"secret": []byte("x")}), "deterministic")
	assert.NotEqual(t, base, ConfigHash("a: 2\n", map[string][]byte{"secret": []byte("x")}), "config change")
	assert.NotEqual(t, base, ConfigHash("a: 1\n", map[string][]byte{"secret": []byte("y")}), "secret change")
	assert.NotContains(t, base, "x")
}

func TestGeneratedSecrets(t *testing.T) {
	d := defaulted()
	a, err := JWTSecret(d)
	require.NoError(t, err)
	b, err := JWTSecret(d)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(a.Data[JWTSecretKey]), MinJWTSecretLength)
	assert.NotEqual(t, a.Data[JWTSecretKey], b.Data[JWTSecretKey], "random")
	assert.Empty(t, a.OwnerReferences, "credentials follow the deletion policy, not the garbage collector")
	admin, err := AdminSecret(d)
	require.NoError(t, err)
	assert.Equal(t, "admin", string(admin.Data[AdminUsernameKey]))
}

func mustConfig(t *testing.T, d *v1alpha1.DittoFS) string {
	t.Helper()
	out, err := ServerConfigYAML(d)
	require.NoError(t, err)
	return out
}
