package controllers

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/testenv"
)

// requestCounter passes requests on to the real server and counts them by method and path.
type requestCounter struct {
	mu   sync.Mutex
	seen []string
}

func (c *requestCounter) serve(t *testing.T, target string) string {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.seen = append(c.seen, r.Method+" "+r.URL.Path)
		c.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// since returns the requests after the first n.
func (c *requestCounter) since(n int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.seen[n:]...)
}

func (c *requestCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

// TestConvergedSharesCallNoServer: the shares sub-phase asks the real server (through a proxy that
// counts every request) only when something may have changed. A converged DittoFS reconciled
// again and again costs no request at all; a spec change, and then a restart of the server
// container, each make it look at the server again. The resync clock is an hour here, so it
// plays no part.
func TestConvergedSharesCallNoServer(t *testing.T) {
	f := newShareFixture(t)
	calls := &requestCounter{}
	op := startOperator(t, f.ns, f.access(calls.serve(t, f.srv.BaseURL), time.Second, time.Hour))
	f.adminSecret(t, "quiet", "admin", f.srv.AdminPassword)
	d := createBound(t, newDittoFS(f.ns, "quiet"))
	setPodReady(t, d, true)
	waitFor(t, f.ns, "quiet", v1alpha1.PhaseServing, v1alpha1.ConditionSharesReady, v1alpha1.ReasonSharesReady)
	settle(t, op)
	require.NotZero(t, calls.count(), "the first pass configured the server")

	before, reconciles := calls.count(), op.reconciles.Load()
	poke(t, op, f.ns, "quiet", 5)
	settle(t, op)
	assert.Empty(t, calls.since(before), "requests to the server during %d forced reconciles of a converged DittoFS", op.reconciles.Load()-reconciles)

	before = calls.count()
	eventually(t, timeout, "add a share", func() error {
		d := get(t, f.ns, "quiet")
		d.Spec.Shares = append(d.Spec.Shares, v1alpha1.ShareSpec{Name: "/docs"})
		return k8s.Update(ctx, d)
	})
	eventually(t, timeout, "/docs Ready", func() error {
		d := get(t, f.ns, "quiet")
		if st, _ := shareState(d, "/docs"); st.State != v1alpha1.ShareStateReady || d.Status.ShareSummary != "2/2" {
			return fmt.Errorf("summary %s shares %+v", d.Status.ShareSummary, d.Status.Shares)
		}
		return nil
	})
	assert.NotEmpty(t, calls.since(before), "a spec change is taken to the server")
	settle(t, op)

	before = calls.count()
	restarted := testenv.PodRunning(true)
	restarted.ContainerStatuses[0].RestartCount = 1
	play.SetPod(t, d, restarted)
	eventually(t, timeout, "the restarted server looked at", func() error {
		if calls.count() == before {
			return fmt.Errorf("no request since the restart")
		}
		return nil
	})
	settle(t, op)
	before = calls.count()
	poke(t, op, f.ns, "quiet", 3)
	settle(t, op)
	assert.Empty(t, calls.since(before), "converged again after the restart")
}
