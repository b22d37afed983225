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
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/dittofs/dittofs-operator/controllers"
	"github.com/dittofs/dittofs-operator/internal/testenv"
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

// operator is one running operator, built by controllers.New as the binary builds it.
type operator struct {
	writes *atomic.Int64 // requests that change something on the API server
}

// startOperator runs the operator (main steps only: there is no DittoFS server here) for one
// namespace until the test ends.
func startOperator(t *testing.T, namespace string) *operator {
	t.Helper()
	cfg, writes := testenv.CountWrites(restConfig)
	built, err := controllers.New(cfg, controllers.Options{
		WatchNamespaces: []string{namespace}, SeveralInProcess: true, WithoutSubPhases: true,
	})
	if err != nil {
		t.Fatalf("new operator: %v", err)
	}
	if built.Reconciler.Percona == nil {
		t.Fatal("the operator did not find the Percona CRD this API server has")
	}
	running := built.Background(context.Background())
	t.Cleanup(func() {
		if err := running.Stop(); err != nil {
			t.Errorf("operator: %v", err)
		}
	})
	return &operator{writes: writes}
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
