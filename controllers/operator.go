package controllers

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/dittofs/dittofs-operator/internal/kube"
	"github.com/dittofs/dittofs-operator/internal/scheme"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/phases"
	"github.com/dittofs/dittofs-operator/phases/backups"
	"github.com/dittofs/dittofs-operator/phases/server"
	"github.com/dittofs/dittofs-operator/phases/shares"
)

// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;create;update
// Leader election records its transitions as core/v1 Events in the lease's namespace.
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

// Options are the operator's settings. cmd/manager/app turns flags into Options; the demo and
// the tests set them directly. The zero value is the production operator with every listener off.
type Options struct {
	// MetricsAddr serves metrics over HTTPS to clients allowed to get /metrics (see
	// metricsOptions); "" or "0" turns them off.
	MetricsAddr string
	// ProbeAddr serves /healthz and /readyz; "" or "0" turns them off.
	ProbeAddr string
	// LeaderElect makes replicas elect one reconciler, in LeaderElectionNamespace.
	LeaderElect             bool
	LeaderElectionNamespace string
	// WatchNamespaces limits the operator to these namespaces; empty means all.
	WatchNamespaces []string
	// DefaultImage runs a DittoFS whose spec.image is empty; empty means v1alpha1.DefaultImage.
	DefaultImage string
	// OperatorNamespace is where the operator runs: each server's NetworkPolicy admits its REST
	// API from there. Empty (an operator outside the cluster) admits it from every namespace.
	OperatorNamespace string
	// ServerAccess is how the sub-phases reach each server; the zero value is the in-cluster
	// API Service. Only an operator running outside the cluster (the demo, e2e tests) changes it.
	ServerAccess server.Access
	// Workers is how many DittoFS are reconciled at once; 0 means DefaultWorkers.
	Workers int
	// QPS and Burst limit the operator's requests to the API server on the client side; 0 means
	// DefaultQPS and DefaultBurst, a negative QPS turns the client-side limit off (the API
	// server's priority and fairness still applies).
	QPS   float32
	Burst int

	// The fields below exist for tests; production leaves them zero.

	// WithoutSubPhases runs the main steps only: for envtest suites, which have no DittoFS
	// server for the shares sub-phase to talk to.
	WithoutSubPhases bool
	// SeveralInProcess lets tests run several operators in one process, one after another;
	// controller-runtime otherwise refuses a second controller of the same name.
	SeveralInProcess bool
	// AfterReconcile is called after each reconcile with the error it returned, so tests can wait
	// for reconciles instead of sleeping, and count reconcile errors.
	AfterReconcile func(error)
	// BackupFaultHook stops a pass of the backups sub-phase at a restore step boundary, so tests
	// can crash the operator there.
	BackupFaultHook backups.FaultHook
}

// Defaults of Options.Workers, QPS and Burst, chosen from the figures of docs/benchmarks.md.
const (
	DefaultWorkers = 8
	DefaultQPS     = 100
	DefaultBurst   = 200
)

// Operator is the assembled operator: a controller-runtime manager with the DittoFS reconciler
// registered. Reconciler is exposed for benchmarks that call it directly.
type Operator struct {
	ctrl.Manager
	Reconciler *DittoFSReconciler
}

// New assembles the operator. It is the only place that does: the binary, the demo and every
// test suite call it.
func New(cfg *rest.Config, o Options) (*Operator, error) {
	cfg = withClientLimits(cfg, o)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme.New(),
		Metrics:                 metricsOptions(listenAddr(o.MetricsAddr)),
		HealthProbeBindAddress:  listenAddr(o.ProbeAddr),
		LeaderElection:          o.LeaderElect,
		LeaderElectionID:        "dittofs-operator.dittofs.io",
		LeaderElectionNamespace: o.LeaderElectionNamespace,
		// The binary exits as soon as the manager stops, so handing the lease over at once is safe
		// and lets the next replica take over without waiting for the lease to expire.
		LeaderElectionReleaseOnCancel: true,
		Controller: config.Controller{SkipNameValidation: ptr.To(o.SeveralInProcess),
			MaxConcurrentReconciles: orDefault(o.Workers, DefaultWorkers)},
		// Nothing reads managed fields, often the largest part of a cached object's metadata.
		Cache: cache.Options{DefaultNamespaces: namespaces(o.WatchNamespaces), ByObject: cacheByObject(),
			DefaultTransform: cache.TransformStripManagedFields()},
		Client: clientOptions(),
	})
	if err != nil {
		return nil, fmt.Errorf("create manager: %w", err)
	}
	postgres, perconaClusters, err := postgresSource(mgr)
	if err != nil {
		return nil, fmt.Errorf("look for the PerconaPGCluster CRD: %w", err)
	}
	if perconaClusters == nil {
		ctrl.Log.Info("PerconaPGCluster CRD not installed: a DittoFS asking for a Percona cluster reports PerconaCRDMissing until the operator restarts with it")
	}
	// Like Percona's, cert-manager's CRD is looked for once: watches are set up at start.
	certManager, err := kube.Served(mgr.GetRESTMapper(), specs.CertificateGVK)
	if err != nil {
		return nil, fmt.Errorf("look for the cert-manager Certificate CRD: %w", err)
	}
	if !certManager {
		ctrl.Log.Info("cert-manager Certificate CRD not installed: a DittoFS asking for a cert-manager certificate reports CertManagerMissing until the operator restarts with it")
	}
	// One recorder for the reconciler and the steps that record events of their own (a share
	// deleted on the server), so every event about a DittoFS comes from the same reporter.
	recorder := mgr.GetEventRecorder("dittofs-operator")
	var subPhases []phases.Step
	if !o.WithoutSubPhases {
		subPhases = append(subPhases,
			shares.New(o.ServerAccess).RecordTo(recorder),
			backups.New(o.ServerAccess).RecordTo(recorder).WithFaultHook(o.BackupFaultHook))
	}
	r := &DittoFSReconciler{
		Client:            mgr.GetClient(),
		APIReader:         mgr.GetAPIReader(),
		Scheme:            mgr.GetScheme(),
		Recorder:          recorder,
		Pipeline:          phases.NewPipeline(postgres, subPhases...),
		Percona:           perconaClusters,
		CertManager:       certManager,
		DefaultImage:      o.DefaultImage,
		OperatorNamespace: o.OperatorNamespace,
	}
	var rec reconcile.Reconciler = r
	if o.AfterReconcile != nil {
		rec = notifyingReconciler{inner: r, after: o.AfterReconcile}
	}
	if err := r.setupWith(mgr, rec); err != nil {
		return nil, fmt.Errorf("set up reconciler: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return nil, err
	}
	return &Operator{Manager: mgr, Reconciler: r}, nil
}

// Background starts the operator in a goroutine, for the demo and tests; the binary calls Start.
func (op *Operator) Background(ctx context.Context) *Running {
	ctx, cancel := context.WithCancel(ctx)
	r := &Running{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = op.Start(ctx)
	}()
	return r
}

// Running is an operator started by Background.
type Running struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// Done is closed when the operator has stopped, asked to or not.
func (r *Running) Done() <-chan struct{} { return r.done }

// Stop stops the operator, waits until it has stopped and returns what Start returned. It may
// be called more than once.
func (r *Running) Stop() error {
	r.cancel()
	<-r.done
	return r.err
}

// notifyingReconciler calls after once each reconcile has finished.
type notifyingReconciler struct {
	inner reconcile.Reconciler
	after func(error)
}

func (n notifyingReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	res, err := n.inner.Reconcile(ctx, req)
	n.after(err)
	return res, err
}

// namespaces turns the namespace list into cache settings; nil means all namespaces.
func namespaces(list []string) map[string]cache.Config {
	out := map[string]cache.Config{}
	for _, ns := range list {
		if ns = strings.TrimSpace(ns); ns != "" {
			out[ns] = cache.Config{}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// withClientLimits is a copy of cfg with the client-side rate limit of o.
func withClientLimits(cfg *rest.Config, o Options) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS = o.QPS
	if cfg.QPS == 0 {
		cfg.QPS = DefaultQPS
	}
	cfg.Burst = orDefault(o.Burst, DefaultBurst)
	return cfg
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// listenAddr maps "" to "0", controller-runtime's word for no listener.
func listenAddr(addr string) string {
	if addr == "" {
		return "0"
	}
	return addr
}
