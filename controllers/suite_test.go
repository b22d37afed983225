package controllers

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/dittofs/dittofs-operator/internal/testenv"
	"github.com/dittofs/dittofs-operator/phases"
)

// One real kube-apiserver and etcd for the package; each test gets its own namespace and its own
// operator instance watching only that namespace.
var (
	restConfig *rest.Config
	k8s        client.Client // the test's own client: plays the user and the missing controllers
	play       testenv.Player
)

func TestMain(m *testing.M) {
	testenv.Run(m, nil, func(cfg *rest.Config, c client.Client) error {
		restConfig, k8s = cfg, c
		play = testenv.Player{Client: c, Timeout: timeout}
		// "fixed" is a class without expansion, beside the default "standard".
		immediate := storagev1.VolumeBindingImmediate
		return k8s.Create(context.Background(), &storagev1.StorageClass{
			ObjectMeta: metav1.ObjectMeta{Name: "fixed"}, Provisioner: "example.com/test", VolumeBindingMode: &immediate,
		})
	})
}

// operator is one running instance of the manager with the DittoFS reconciler.
type operator struct {
	writes     *atomic.Int64 // write requests the operator sent to the API server
	reconciles atomic.Int64
	stop       context.CancelFunc
	done       chan struct{}
	// reconciler is the instance the manager runs, for benchmarks that call it directly.
	reconciler *DittoFSReconciler
}

// countingReconciler counts completed reconciles, so a test can wait for them instead of sleeping.
type countingReconciler struct {
	inner *DittoFSReconciler
	count *atomic.Int64
}

func (c countingReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	defer c.count.Add(1)
	return c.inner.Reconcile(ctx, req)
}

// startOperator runs the operator for one namespace until the test ends or stop is called. The
// sub-phases (such as phases.NewShares pointed at a test server) run inside Serving.
func startOperator(t testing.TB, namespace string, subPhases ...phases.Step) *operator {
	t.Helper()
	cfg, writes := testenv.CountWrites(restConfig)
	op := &operator{done: make(chan struct{}), writes: writes}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 testenv.Scheme(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{namespace: {}}},
		Controller:             ctrlConfig(),
		Client:                 ClientOptions(),
	})
	if err != nil {
		t.Fatalf("new manager: %v", err)
	}
	// Wired as cmd/manager wires it; this API server has no Percona CRD.
	postgres, perconaClusters, err := PostgresSource(mgr)
	if err != nil {
		t.Fatalf("postgres source: %v", err)
	}
	r := &DittoFSReconciler{
		Client:   mgr.GetClient(),
		Scheme:   mgr.GetScheme(),
		Recorder: mgr.GetEventRecorder("dittofs-operator"),
		Pipeline: phases.NewPipeline(postgres, subPhases...),
		Percona:  perconaClusters,
	}
	op.reconciler = r
	if err := r.setupWith(mgr, countingReconciler{inner: r, count: &op.reconciles}); err != nil {
		t.Fatalf("setup: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	op.stop = func() {
		cancel()
		<-op.done
	}
	go func() {
		defer close(op.done)
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("manager: %v", err)
		}
	}()
	t.Cleanup(op.stop)
	return op
}

// ctrlConfig lets several operator instances live in one test process.
func ctrlConfig() config.Controller {
	return config.Controller{SkipNameValidation: ptr.To(true)}
}

// newNamespace creates a namespace for one test.
func newNamespace(t testing.TB) string {
	t.Helper()
	return play.NewNamespace(t, "dfs-")
}

// eventually polls check until it returns nil or the deadline passes, then fails with the last
// thing check saw.
func eventually(t testing.TB, timeout time.Duration, what string, check func() error) {
	t.Helper()
	testenv.Eventually(t, timeout, what, check)
}
