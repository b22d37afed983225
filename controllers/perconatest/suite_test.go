// Package perconatest runs the DittoFS operator against an API server with Percona's real CRDs
// installed, so every PerconaPGCluster the operator writes is validated by Percona's own schema
// and CEL rules. The test plays the Percona operator: it writes the cluster's status and the
// user Secret, as the Percona operator would.
package perconatest

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/dittofs/dittofs-operator/controllers"
	"github.com/dittofs/dittofs-operator/internal/testenv"
	"github.com/dittofs/dittofs-operator/phases"
)

var (
	restConfig *rest.Config
	k8s        client.Client // the test's own client: plays the user and the Percona operator
	play       testenv.Player
)

func TestMain(m *testing.M) {
	crds, err := testenv.PerconaCRDs()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testenv.Run(m, []string{crds}, func(cfg *rest.Config, c client.Client) error {
		restConfig, k8s = cfg, c
		play = testenv.Player{Client: c, Timeout: timeout}
		return nil
	})
}

// operator is one running manager, wired as cmd/manager wires it.
type operator struct {
	writes *atomic.Int64 // requests that change something on the API server
}

// startOperator runs the operator for one namespace until the test ends.
func startOperator(t *testing.T, namespace string) *operator {
	t.Helper()
	cfg, writes := testenv.CountWrites(restConfig)
	op := &operator{writes: writes}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 testenv.Scheme(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{namespace: {}}},
		Controller:             config.Controller{SkipNameValidation: ptr.To(true)},
		Client:                 controllers.ClientOptions(),
	})
	if err != nil {
		t.Fatalf("new manager: %v", err)
	}
	postgres, perconaClusters, err := controllers.PostgresSource(mgr)
	if err != nil {
		t.Fatalf("postgres source: %v", err)
	}
	if perconaClusters == nil {
		t.Fatal("the operator did not find the Percona CRD this API server has")
	}
	r := &controllers.DittoFSReconciler{
		Client:   mgr.GetClient(),
		Scheme:   mgr.GetScheme(),
		Recorder: mgr.GetEventRecorder("dittofs-operator"),
		Pipeline: phases.NewPipeline(postgres),
		Percona:  perconaClusters,
	}
	if err := r.SetupWithManager(mgr); err != nil {
		t.Fatalf("setup: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("manager: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return op
}

// reconciles is how many reconciles of DittoFS objects have finished in this process, read from
// controller-runtime's own metric, so a test can wait for them instead of sleeping.
func reconciles(t *testing.T) float64 {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
	}
	var total float64
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == "dittofs" {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total
}
