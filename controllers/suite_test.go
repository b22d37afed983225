package controllers

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/internal/testenv"
	"github.com/dittofs/dittofs-operator/phases/server"
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

// operator is one running instance of the operator, built by New as the binary builds it.
type operator struct {
	writes     *atomic.Int64 // write requests the operator sent to the API server
	reconciles atomic.Int64  // reconciles finished, so a test can wait for them instead of sleeping
	failures   reconcileErrors
	stop       func() error
	// reconciler is the instance the manager runs, for benchmarks that call it directly.
	reconciler *DittoFSReconciler
	// cache is the manager's cache, for tests of what it holds.
	cache cache.Cache
}

// startOperator runs the operator for one namespace until the test ends or stop is called.
// Without a server access it runs the main steps only (this API server has no DittoFS server);
// with one, the sub-phases run too and reach the server it locates.
func startOperator(t testing.TB, namespace string, access ...server.Access) *operator {
	t.Helper()
	return startOperatorWith(t, namespace, func(o *Options) {
		o.WithoutSubPhases = len(access) == 0
		if len(access) > 0 {
			o.ServerAccess = access[0]
		}
	})
}

// startOperatorWith is startOperator with the test's own settings on top of the usual ones.
func startOperatorWith(t testing.TB, namespace string, configure func(*Options)) *operator {
	t.Helper()
	cfg, writes := testenv.CountWrites(restConfig)
	op := &operator{writes: writes}
	o := Options{
		WatchNamespaces:   []string{namespace},
		OperatorNamespace: operatorNamespace,
		SeveralInProcess:  true,
		AfterReconcile: func(err error) {
			if err != nil {
				op.failures.add(err)
			}
			op.reconciles.Add(1)
		},
	}
	configure(&o)
	built, err := New(cfg, o)
	if err != nil {
		t.Fatalf("new operator: %v", err)
	}
	op.reconciler, op.cache = built.Reconciler, built.GetCache()
	running := built.Background(context.Background())
	op.stop = running.Stop
	t.Cleanup(func() {
		if err := running.Stop(); err != nil {
			t.Errorf("operator: %v", err)
		}
	})
	return op
}

// reconcileErrors are the errors reconciles returned, each one a retry with backoff.
type reconcileErrors struct {
	mu   sync.Mutex
	errs []string
}

func (r *reconcileErrors) add(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err.Error())
}

func (r *reconcileErrors) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
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
