// Package certmanagertest runs the DittoFS operator against an API server with cert-manager's
// real Certificate CRD installed, so every Certificate the operator writes is validated by
// cert-manager's own schema. The test plays cert-manager: it writes the Secret of a Certificate.
package certmanagertest

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/controllers"
	"github.com/dittofs/dittofs-operator/internal/testenv"
	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

const timeout = 30 * time.Second

var (
	k8s  client.Client // the test's own client: plays the user, the provisioner and cert-manager
	play testenv.Player
	cfg  *rest.Config
)

func TestMain(m *testing.M) {
	crds, err := testenv.CertManagerCRDs()
	if err != nil {
		if toolchain.Required() {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("skipping the cert-manager tests:", err)
		os.Exit(0)
	}
	testenv.Run(m, []string{crds}, func(c *rest.Config, cl client.Client) error {
		cfg, k8s = c, cl
		play = testenv.Player{Client: cl, Timeout: timeout}
		return nil
	})
}

// startOperator runs the operator (main steps only) for one namespace until the test ends.
func startOperator(t *testing.T, namespace string) {
	t.Helper()
	built, err := controllers.New(cfg, controllers.Options{WatchNamespaces: []string{namespace}, SeveralInProcess: true, WithoutSubPhases: true})
	if err != nil {
		t.Fatalf("new operator: %v", err)
	}
	if !built.Reconciler.CertManager {
		t.Fatal("the operator did not find the Certificate CRD this API server has")
	}
	running := built.Background(context.Background())
	t.Cleanup(func() {
		if err := running.Stop(); err != nil {
			t.Errorf("operator: %v", err)
		}
	})
}
