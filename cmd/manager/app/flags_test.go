package app

import (
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/controllers"
	"github.com/dittofs/dittofs-operator/phases/server"
)

func parse(t *testing.T, args ...string) controllers.Options {
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
	assert.Equal(t, controllers.DefaultWorkers, o.Workers)
	assert.Equal(t, float32(controllers.DefaultQPS), o.QPS)
	assert.Equal(t, controllers.DefaultBurst, o.Burst)
}

func TestFlagsFillOptions(t *testing.T) {
	o := parse(t, "--watch-namespaces=team-a,team-b", "--leader-elect", "--leader-election-namespace=ops",
		"--default-dittofs-image=marmos91c/dittofs:v0.28.1", "--metrics-bind-address=0",
		"--max-concurrent-reconciles=3", "--kube-api-qps=-1", "--kube-api-burst=50")
	assert.Equal(t, []string{"team-a", "team-b"}, o.WatchNamespaces)
	assert.True(t, o.LeaderElect)
	assert.Equal(t, "ops", o.LeaderElectionNamespace)
	assert.Equal(t, "marmos91c/dittofs:v0.28.1", o.DefaultImage)
	assert.Equal(t, "0", o.MetricsAddr)
	assert.Equal(t, 3, o.Workers)
	assert.Equal(t, float32(-1), o.QPS)
	assert.Equal(t, 50, o.Burst)
}

func TestServerLocationsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locations.json")
	o := parse(t, "--server-locations="+path, "--server-retry-after=2s")
	assert.Equal(t, 2*time.Second, o.ServerAccess.RetryAfter)
	d := &v1alpha1.DittoFS{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "media"}}
	assert.Equal(t, server.InCluster(d), o.ServerAccess.Locate(d), "no file yet: the in-cluster Service")

	want := server.Location{BaseURL: "http://127.0.0.1:4242", DataRoot: "/tmp/pod/data", NFSPort: 5001, SMBPort: 5002}
	f := LocationsFile{}
	f.Add("ns", "media", want)
	require.NoError(t, f.Write(path))
	assert.Equal(t, want, o.ServerAccess.Locate(d), "the file is read on each call")
	other := &v1alpha1.DittoFS{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "other"}}
	assert.Equal(t, server.InCluster(other), o.ServerAccess.Locate(other), "a DittoFS the file does not list")
}

func TestNoServerLocationsIsInCluster(t *testing.T) {
	o := parse(t)
	assert.Nil(t, o.ServerAccess.Locate, "the zero Access is production's in-cluster Service")
	assert.Zero(t, o.ServerAccess.RetryAfter)
}
