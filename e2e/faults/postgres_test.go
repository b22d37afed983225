package faults

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/pgtest"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// TestPostgresDies is the second half of scenario 3: a DittoFS keeps its control plane in a real
// PostgreSQL named by a Secret (the secretRef path). PostgreSQL is stopped (immediate, as a
// crash) and started again on the same port with the same data: the DittoFS must go Degraded
// with a reason while it is down, then Serving again by itself, with its shares, Secrets,
// claims and files as they were.
func TestPostgresDies(t *testing.T) {
	rng := seeded(t)
	pg := pgtest.Start(t)
	e := newEnv(t, "postgres")
	ctx := context.Background()
	tl := &tally{scenario: "postgres"}
	defer tl.report(t)

	const password = "faults-pg-password"
	pg.CreateDatabase(t, "dittofs", password)
	must(t, e.k8s.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: "faults-pg"},
		Data: map[string][]byte{
			specs.PostgresHostKey: []byte(pg.Host), specs.PostgresPortKey: []byte(strconv.Itoa(pg.Port)),
			specs.PostgresDatabaseKey: []byte("dittofs"), specs.PostgresUserKey: []byte("dittofs"),
			specs.PostgresPasswordKey: []byte(password), specs.PostgresSSLModeKey: []byte("disable"),
		},
	}))

	p := newPass(e, "faults-pg", rng)
	p.spec.Database = v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres,
		Postgres: &v1alpha1.PostgresSpec{SecretRef: &corev1.LocalObjectReference{Name: "faults-pg"}}}
	before, _, err := p.step(ctx, 0, nil, settled(lifecycle[0], p), tl)
	if err != nil {
		t.Fatalf("create, undisturbed: %v", err)
	}
	tl.runs++
	start := time.Now()
	must(t, pg.Stop())
	// The fault is real and the server says so: /health reports its control-plane database.
	health, err := waitServerSaysDBDown(ctx, p)
	if err != nil {
		_ = pg.Restart()
		t.Fatal(err)
	}
	t.Logf("the server after %s: %s", time.Since(start).Round(10*time.Millisecond), health)
	reason, err := waitDegraded(ctx, e, p.obs.name, degradedTimeout)
	if err != nil {
		_ = pg.Restart()
		t.Fatalf("PostgreSQL stopped: %v", err)
	}
	degradedAfter := time.Since(start)
	if !strings.HasPrefix(reason, v1alpha1.ReasonControlPlaneDatabaseUnreachable+":") {
		_ = pg.Restart()
		t.Fatalf("Degraded for %s, not because the server said its database is unreachable", reason)
	}
	must(t, pg.Restart())
	back := time.Now()
	st, err := p.obs.waitFor(ctx, "Serving again", settled(step{name: "postgres back", action: actUpdate}, p))
	if err != nil {
		t.Fatalf("PostgreSQL started again: %v", err)
	}
	tl.duplicates += duplicates(before, st)
	if problems := p.ledger.check(ctx, p.obs, st, tl); len(problems) > 0 {
		t.Fatalf("after PostgreSQL came back: %v", problems)
	}
	must(t, p.ledger.write(ctx, p.obs, st, "after-postgres", rng))
	tl.converged++
	t.Logf("PostgreSQL stopped: Degraded (%s) after %s; started again: Serving after %s",
		reason, degradedAfter.Round(10*time.Millisecond), time.Since(back).Round(10*time.Millisecond))
}

// degradedTimeout bounds the wait for Degraded once PostgreSQL is down. The server keeps
// answering its readiness probe (a TCP connect to the NFS port) and /health (200, status
// degraded), so the pod stays Ready; the operator reads /health on every pass of a DittoFS on
// PostgreSQL, at least every --server-retry-after (2 s here).
const degradedTimeout = 2 * time.Minute

// waitServerSaysDBDown waits until the server's /health reports its control-plane database
// unreachable, and returns what it said.
func waitServerSaysDBDown(ctx context.Context, p *pass) (string, error) {
	api, err := dittofsapi.New(p.obs.pod.APIURL())
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	last := "no answer"
	for {
		if h, err := api.Health(ctx); err == nil {
			last = fmt.Sprintf("/health status=%s control_plane_db=%s", h.Status, h.Data.ControlPlaneDB)
			if h.Data.ControlPlaneDB != "reachable" {
				return last, nil
			}
		} else if ctx.Err() == nil {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("the server never reported its database down; last: %s", last)
		case <-tick.C:
		}
	}
}
