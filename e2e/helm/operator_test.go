package helm

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/dittofs/dittofs-operator/cmd/manager/app"
	"github.com/dittofs/dittofs-operator/controllers"
	"github.com/dittofs/dittofs-operator/internal/testenv"
	"github.com/dittofs/dittofs-operator/phases/server"
)

func init() {
	// The operator's own logs stay quiet unless a developer asks for them (OPERATOR_LOGS=1).
	testenv.QuietLogs()
}

// saOperator is the DittoFS reconciler running in the test process with exactly the rights the
// chart gives its ServiceAccount (through impersonation), configured from the flags the chart
// gives the manager container. kwok starts no containers, so this is the operator that runs.
type saOperator struct {
	mu        sync.Mutex
	forbidden []string // "METHOD path" of every 403 the API server answered
	stop      func()
}

// Forbidden returns the requests the API server refused so far.
func (o *saOperator) Forbidden() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.forbidden...)
}

// forbiddenRecorder notes every 403 response on its way back to the client.
type forbiddenRecorder struct {
	next http.RoundTripper
	op   *saOperator
}

func (f forbiddenRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := f.next.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusForbidden {
		f.op.mu.Lock()
		f.op.forbidden = append(f.op.forbidden, req.Method+" "+req.URL.RequestURI())
		f.op.mu.Unlock()
	}
	return resp, err
}

// managerFlags parses the manager container's arguments with the operator's own flag set, so an
// argument the binary does not know fails the test.
func managerFlags(t *testing.T, dep *appsv1.Deployment) controllers.Options {
	t.Helper()
	for _, c := range dep.Spec.Template.Spec.Containers {
		if c.Name != "manager" {
			continue
		}
		fs := flag.NewFlagSet("manager", flag.ContinueOnError)
		flags := app.BindFlags(fs)
		zapOpts := zap.Options{}
		zapOpts.BindFlags(fs)
		if err := fs.Parse(c.Args); err != nil {
			t.Fatalf("the chart passes arguments the manager refuses: %v (args %q)", err, c.Args)
		}
		return flags.Options()
	}
	t.Fatalf("Deployment %s has no manager container", dep.Name)
	return controllers.Options{}
}

// impersonating is cfg acting as the ServiceAccount namespace/name.
func impersonating(cfg *rest.Config, namespace, name string) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: fmt.Sprintf("system:serviceaccount:%s:%s", namespace, name)}
	return cfg
}

// startAsServiceAccount runs the operator as the installed Deployment would: built by
// controllers.New exactly as the binary builds it, from the manager container's own arguments,
// as its ServiceAccount. The server pods are played by the real dfs (e.node), so the whole
// pipeline, shares included, runs. It stops when the test ends or stop is called.
func startAsServiceAccount(t *testing.T, e *env, dep *appsv1.Deployment) *saOperator {
	t.Helper()
	o := managerFlags(t, dep)
	o.MetricsAddr, o.ProbeAddr = "0", "0" // the test process needs no listeners
	o.SeveralInProcess = true
	o.ServerAccess = server.Access{Locate: e.node.Locate, RetryAfter: 2 * time.Second, MaxRetryAfter: 4 * time.Second}
	op := &saOperator{}
	cfg := impersonating(e.c.RESTConfig, dep.Namespace, dep.Spec.Template.Spec.ServiceAccountName)
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { return forbiddenRecorder{next: rt, op: op} }
	built, err := controllers.New(cfg, o)
	if err != nil {
		t.Fatalf("new operator: %v", err)
	}
	running := built.Background(context.Background())
	op.stop = func() {
		if err := running.Stop(); err != nil {
			t.Errorf("operator: %v", err)
		}
	}
	t.Cleanup(func() {
		op.stop()
		if denied := op.Forbidden(); t.Failed() && len(denied) > 0 {
			t.Logf("the API server refused the operator %d times:\n%s", len(denied), strings.Join(denied, "\n"))
		}
	})
	return op
}
