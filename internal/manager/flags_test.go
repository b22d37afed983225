package manager

import (
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

func parse(t *testing.T, args ...string) Options {
	t.Helper()
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	f := BindFlags(fs)
	require.NoError(t, fs.Parse(args))
	return f.Options()
}

func TestFlagDefaults(t *testing.T) {
	o := parse(t)
	assert.Equal(t, ":8443", o.MetricsAddr)
	assert.Equal(t, ":8081", o.ProbeAddr)
	assert.False(t, o.LeaderElect)
	assert.Empty(t, o.WatchNamespaces, "all namespaces by default")
	assert.Equal(t, v1alpha1.DefaultImage, o.DefaultImage)
}

func TestFlagsFillOptions(t *testing.T) {
	o := parse(t, "--watch-namespaces=team-a,team-b", "--leader-elect", "--leader-election-namespace=ops",
		"--default-dittofs-image=marmos91c/dittofs:v0.28.1", "--metrics-bind-address=0")
	assert.Equal(t, []string{"team-a", "team-b"}, o.WatchNamespaces)
	assert.True(t, o.LeaderElect)
	assert.Equal(t, "ops", o.LeaderElectionNamespace)
	assert.Equal(t, "marmos91c/dittofs:v0.28.1", o.DefaultImage)
	assert.Equal(t, "0", o.MetricsAddr)
}

func TestNamespacesBecomeCacheScopes(t *testing.T) {
	assert.Nil(t, namespaces(nil), "nil watches every namespace")
	assert.Nil(t, namespaces([]string{" ", ""}), "blank entries do not narrow the scope to nothing")
	assert.Equal(t, map[string]cache.Config{"a": {}, "b": {}}, namespaces([]string{"a", " b "}))
}
