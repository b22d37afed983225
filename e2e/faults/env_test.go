package faults

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/cmd/manager/app"
	"github.com/dittofs/dittofs-operator/e2e/cluster"
	"github.com/dittofs/dittofs-operator/e2e/kubelet"
	"github.com/dittofs/dittofs-operator/internal/scheme"
	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

// managerBin is ./cmd/manager, built once by TestMain.
var managerBin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if _, err := cluster.RequireTools(); errors.Is(err, cluster.ErrToolsMissing) && os.Getenv("DITTOFS_REQUIRE_E2E") == "" {
		// Each test skips with the reason; nothing to build.
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "dittofs-faults-bin-")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	if managerBin, err = buildManager(dir); err != nil {
		panic(err)
	}
	return m.Run()
}

// env is one simulated cluster with the operator binary running against it and the real dfs
// playing every server pod.
type env struct {
	t         *testing.T
	c         *cluster.Cluster
	k8s       client.Client
	node      *kubelet.Node
	op        *operator
	ns        string
	locations app.LocationsFile
	locPath   string
	gcOnce    sync.Once
	gcErr     error
}

// waitGC returns once the garbage collector handles DittoFS owners (see plantGCCanary).
func (e *env) waitGC(ctx context.Context) error {
	e.gcOnce.Do(func() { e.gcErr = waitGarbageCollector(ctx, e.k8s, e.ns) })
	return e.gcErr
}

// newEnv starts everything; the test's cleanup stops it, keeping the logs of a failed test.
func newEnv(t *testing.T, ns string) *env {
	t.Helper()
	if _, err := cluster.RequireTools(); errors.Is(err, cluster.ErrToolsMissing) && os.Getenv("DITTOFS_REQUIRE_E2E") == "" {
		t.Skipf("toolchain missing (%v); run 'make tools'", err)
	}
	root, err := toolchain.RepoRoot()
	must(t, err)
	dfsDir, err := toolchain.Dir("dittofs")
	must(t, err)
	work, err := os.MkdirTemp("", "dittofs-faults-"+ns+"-")
	must(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := cluster.Start(ctx, cluster.Options{WorkDir: filepath.Join(work, "cluster")})
	must(t, err)
	e := &env{t: t, c: c, ns: ns, locations: app.LocationsFile{}, locPath: filepath.Join(work, "locations.json")}
	t.Cleanup(func() {
		if e.op != nil {
			e.op.stop()
		}
		_ = c.Stop()
		if t.Failed() || os.Getenv("FAULTS_KEEP_LOGS") != "" {
			t.Logf("logs kept in %s (operator: %s)", work, filepath.Join(work, "operator.log"))
			return
		}
		_ = os.RemoveAll(work)
	})
	must(t, c.InstallCRDs(ctx, filepath.Join(root, "deploy", "crd")))
	e.k8s, err = client.New(c.RESTConfig, client.Options{Scheme: scheme.New()})
	must(t, err)
	must(t, e.k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	must(t, plantGCCanary(ctx, e.k8s, ns))

	e.node = kubelet.NewNode(filepath.Join(work, "pods"), filepath.Join(dfsDir, "dfs"), e.k8s)
	nodeCtx, stopNode := context.WithCancel(context.Background())
	nodeDone := make(chan struct{})
	go func() { defer close(nodeDone); e.node.Run(nodeCtx) }()
	t.Cleanup(func() { stopNode(); <-nodeDone })

	must(t, e.locations.Write(e.locPath))
	e.op = newOperator(managerBin, c.Kubeconfig, e.locPath, filepath.Join(work, "operator.log"))
	must(t, e.op.start())
	return e
}

// pod reserves the server pod of DittoFS name on the node and tells the operator where it is.
func (e *env) pod(name string) *kubelet.Pod {
	e.t.Helper()
	p, err := e.node.Pod(types.NamespacedName{Namespace: e.ns, Name: name})
	must(e.t, err)
	e.locations.Add(e.ns, name, p.Location())
	must(e.t, e.locations.Write(e.locPath))
	return p
}

// healthy fails fast when the operator died by itself. A cluster component that exited is
// started again, as the kubelet restarts a static pod (kube-scheduler exits by design when it
// finds its cache inconsistent after an API server outage); the restart is logged.
func (e *env) healthy() error {
	restarted, err := e.c.RestartExited()
	if err != nil {
		return err
	}
	for _, r := range restarted {
		e.t.Logf("harness: restarted %s", r)
	}
	return e.op.exited()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
