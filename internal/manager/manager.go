// Package manager assembles the operator: the scheme, the controller-runtime manager, the DittoFS
// reconciler with its phase pipeline, and the health checks. cmd/manager turns flags into Options;
// the demo and end-to-end tests call New directly to run the operator in-process.
package manager

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/controllers"
	"github.com/dittofs/dittofs-operator/internal/percona"
	"github.com/dittofs/dittofs-operator/phases"
)

// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete
// Leader election records its transitions as core/v1 Events in the lease's namespace.
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

// Options are the operator's settings.
type Options struct {
	// MetricsAddr serves metrics over HTTPS; "0" turns them off.
	MetricsAddr string
	// ProbeAddr serves /healthz and /readyz; "0" turns them off.
	ProbeAddr string
	// LeaderElect makes replicas elect one reconciler, in LeaderElectionNamespace.
	LeaderElect             bool
	LeaderElectionNamespace string
	// WatchNamespaces limits the operator to these namespaces; empty means all.
	WatchNamespaces []string
	// DefaultImage runs a DittoFS whose spec.image is empty.
	DefaultImage string
	// ServerAccess is how the Shares step reaches each server; the zero value is the in-cluster
	// API Service. Only an operator running outside the cluster (the demo, e2e tests) changes it.
	ServerAccess phases.ServerAccess
	// SeveralInProcess lets tests run several operators in one process, one after another;
	// controller-runtime otherwise refuses a second controller of the same name.
	SeveralInProcess bool
}

// NewScheme knows the built-in kinds, DittoFS and PerconaPGCluster. Registering the Percona types
// needs no CRD; whether it is installed is asked when the manager is built.
func NewScheme() *runtime.Scheme {
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	utilruntime.Must(percona.AddToScheme(scheme))
	return scheme
}

// New builds the manager with the DittoFS reconciler registered; the caller starts it.
func New(cfg *rest.Config, o Options) (ctrl.Manager, error) {
	scheme := NewScheme()
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsserver.Options{BindAddress: orDefault(o.MetricsAddr, "0"), SecureServing: o.MetricsAddr != "" && o.MetricsAddr != "0"},
		HealthProbeBindAddress:  orDefault(o.ProbeAddr, "0"),
		LeaderElection:          o.LeaderElect,
		LeaderElectionID:        "dittofs-operator.dittofs.io",
		LeaderElectionNamespace: o.LeaderElectionNamespace,
		// The binary exits as soon as the manager stops, so handing the lease over at once is safe
		// and lets the next replica take over without waiting for the lease to expire.
		LeaderElectionReleaseOnCancel: true,
		Controller:                    config.Controller{SkipNameValidation: ptr.To(o.SeveralInProcess)},
		Cache:                         cache.Options{DefaultNamespaces: namespaces(o.WatchNamespaces)},
		Client:                        controllers.ClientOptions(),
	})
	if err != nil {
		return nil, fmt.Errorf("create manager: %w", err)
	}
	postgres, perconaClusters, err := controllers.PostgresSource(mgr)
	if err != nil {
		return nil, fmt.Errorf("look for the PerconaPGCluster CRD: %w", err)
	}
	if perconaClusters == nil {
		ctrl.Log.Info("PerconaPGCluster CRD not installed: a DittoFS asking for a Percona cluster reports PerconaCRDMissing until the operator restarts with it")
	}
	reconciler := &controllers.DittoFSReconciler{
		Client:       mgr.GetClient(),
		Scheme:       scheme,
		Recorder:     mgr.GetEventRecorder("dittofs-operator"),
		Pipeline:     phases.NewPipeline(postgres, phases.NewShares(o.ServerAccess)),
		Percona:      perconaClusters,
		DefaultImage: orDefault(o.DefaultImage, v1alpha1.DefaultImage),
	}
	if err := reconciler.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("set up reconciler: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return nil, err
	}
	return mgr, nil
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

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
