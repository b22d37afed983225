package controllers

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/dittofs/dittofs-operator/internal/testenv"
	"github.com/dittofs/dittofs-operator/phases"
)

// One real kube-apiserver and etcd for the package; each test gets its own namespace and its own
// operator instance watching only that namespace.
var (
	restConfig *rest.Config
	k8s        client.Client // the test's own client: plays the user and the missing controllers
)

func TestMain(m *testing.M) {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapLevel())))
	env, skip, err := testenv.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if skip != "" {
		fmt.Println("skipping controller integration tests:", skip)
		os.Exit(0)
	}
	restConfig, err = env.Start()
	if err != nil {
		_ = env.Stop()
		fmt.Fprintln(os.Stderr, "start envtest:", err)
		os.Exit(1)
	}
	k8s, err = client.New(restConfig, client.Options{Scheme: testenv.Scheme()})
	if err == nil {
		err = createStorageClasses()
	}
	code := 1
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	_ = env.Stop()
	os.Exit(code)
}

// zapLevel keeps the operator's logs quiet unless a developer asks for them.
func zapLevel() zapcore.Level {
	if os.Getenv("OPERATOR_LOGS") != "" {
		return -1
	}
	return 2
}

// Storage classes the tests use: "standard" (default, immediate binding, expandable) and
// "fixed" (no expansion).
func createStorageClasses() error {
	immediate := storagev1.VolumeBindingImmediate
	for _, sc := range []*storagev1.StorageClass{
		{ObjectMeta: metav1.ObjectMeta{Name: "standard", Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
			Provisioner: "example.com/test", VolumeBindingMode: &immediate, AllowVolumeExpansion: ptr.To(true)},
		{ObjectMeta: metav1.ObjectMeta{Name: "fixed"}, Provisioner: "example.com/test", VolumeBindingMode: &immediate},
	} {
		if err := k8s.Create(context.Background(), sc); err != nil {
			return fmt.Errorf("create storage class %s: %w", sc.Name, err)
		}
	}
	return nil
}

// operator is one running instance of the manager with the DittoFS reconciler.
type operator struct {
	writes     atomic.Int64 // write requests the operator sent to the API server
	reconciles atomic.Int64
	stop       context.CancelFunc
	done       chan struct{}
	// reconciler is the instance the manager runs, for benchmarks that call it directly.
	reconciler *DittoFSReconciler
}

// countingTransport counts the requests that change something on the API server.
type countingTransport struct {
	next   http.RoundTripper
	writes *atomic.Int64
}

func (c countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		c.writes.Add(1)
	}
	return c.next.RoundTrip(req)
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
	op := &operator{done: make(chan struct{})}
	cfg := rest.CopyConfig(restConfig)
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { return countingTransport{next: rt, writes: &op.writes} }
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 testenv.Scheme(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{namespace: {}}},
		Controller:             ctrlConfig(),
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
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "dfs-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// eventually polls check until it returns nil or the deadline passes, then fails with the last
// thing check saw.
func eventually(t testing.TB, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for {
		if last = check(); last == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s; last seen: %v", timeout, what, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
