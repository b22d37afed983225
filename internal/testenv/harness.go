package testenv

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"testing"

	"go.uber.org/zap/zapcore"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// DefaultStorageClass is the default class Run creates: immediate binding, expandable.
const DefaultStorageClass = "standard"

// Run is the TestMain of a package that needs a real API server: it starts one with the
// operator's CRDs and extraCRDs, creates DefaultStorageClass, hands the admin config and a client
// to setup, runs the tests and stops the server. Without the binaries it skips the package,
// unless toolchain.RequireEnv is set.
func Run(m *testing.M, extraCRDs []string, setup func(cfg *rest.Config, c client.Client) error) {
	QuietLogs()
	env, skip, err := New(extraCRDs...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if skip != "" {
		fmt.Println("skipping the integration tests:", skip)
		os.Exit(0)
	}
	cfg, err := env.Start()
	if err != nil {
		_ = env.Stop()
		fmt.Fprintln(os.Stderr, "start envtest:", err)
		os.Exit(1)
	}
	code := 1
	if err = prepare(cfg, setup); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	_ = env.Stop()
	os.Exit(code)
}

func prepare(cfg *rest.Config, setup func(*rest.Config, client.Client) error) error {
	c, err := client.New(cfg, client.Options{Scheme: Scheme()})
	if err != nil {
		return err
	}
	immediate := storagev1.VolumeBindingImmediate
	err = c.Create(context.Background(), &storagev1.StorageClass{
		ObjectMeta:           metav1.ObjectMeta{Name: DefaultStorageClass, Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
		Provisioner:          "example.com/test",
		VolumeBindingMode:    &immediate,
		AllowVolumeExpansion: ptr.To(true),
	})
	if err != nil {
		return fmt.Errorf("create storage class %s: %w", DefaultStorageClass, err)
	}
	return setup(cfg, c)
}

// QuietLogs keeps the operator's logs to errors unless a developer sets OPERATOR_LOGS.
func QuietLogs() {
	level := zapcore.Level(2)
	if os.Getenv("OPERATOR_LOGS") != "" {
		level = -1
	}
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(level)))
}

// CountWrites returns a copy of cfg whose requests that change something on the API server are
// counted, so a test can prove a converged object costs no writes.
func CountWrites(cfg *rest.Config) (*rest.Config, *atomic.Int64) {
	writes := &atomic.Int64{}
	cfg = rest.CopyConfig(cfg)
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { return countingTransport{next: rt, writes: writes} }
	return cfg, writes
}

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

// DescribeConditions is a one-line view of conditions for timeout messages.
func DescribeConditions(conds []metav1.Condition) string {
	out := ""
	for _, c := range conds {
		out += fmt.Sprintf("[%s=%s %s: %s] ", c.Type, c.Status, c.Reason, c.Message)
	}
	return out
}
