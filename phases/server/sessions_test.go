package server

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/testcerts"
	"github.com/dittofs/dittofs-operator/phases"
)

func TestRetryBacksOffAndResets(t *testing.T) {
	b := (&Session{}).Backoff("shares")
	base := 30 * time.Second
	var got []time.Duration
	for range 6 {
		got = append(got, b.Next(base, 8*base))
	}
	assert.Equal(t, []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 4 * time.Minute, 4 * time.Minute}, got)
	b.Reset()
	assert.Equal(t, base, b.Next(base, 8*base), "a converged pass starts the backoff over")
}

func TestBackoffIsPerSubPhase(t *testing.T) {
	s := &Session{}
	s.Backoff("shares").Next(time.Second, time.Minute)
	assert.Equal(t, time.Second, s.Backoff("backups").Next(time.Second, time.Minute), "one sub-phase's failures do not slow another")
	assert.Equal(t, 2*time.Second, s.Backoff("shares").Next(time.Second, time.Minute))
}

// TestSessionFollowsTheCA: a new CA in the TLS Secret (a renewal by another issuer) gives the
// DittoFS a new client, trusting the new CA; the same CA keeps the logged-in one.
func TestSessionFollowsTheCA(t *testing.T) {
	d := &v1alpha1.DittoFS{ObjectMeta: metav1.ObjectMeta{Namespace: "storage", Name: "media", UID: "u1"}}
	d.Spec.ControlPlane.TLS = &v1alpha1.ControlPlaneTLSSpec{SecretName: "api-cert"}
	loc := InCluster(d)
	assert.Equal(t, "https://media-api.storage.svc:8080", loc.BaseURL)
	assert.Equal(t, "media-api.storage.svc", loc.ServerName)

	var sessions Sessions
	loc.CA = testcerts.NewCA(t, "first").PEM
	first, err := sessions.Get(d, loc, "admin", "pw", time.Second)
	require.NoError(t, err)
	again, err := sessions.Get(d, loc, "admin", "pw", time.Second)
	require.NoError(t, err)
	assert.Same(t, first, again)
	loc.CA = testcerts.NewCA(t, "second").PEM
	renewed, err := sessions.Get(d, loc, "admin", "pw", time.Second)
	require.NoError(t, err)
	assert.NotSame(t, first, renewed)

	loc.CA = []byte("not a certificate")
	_, err = sessions.Get(d, loc, "admin", "pw", time.Second)
	require.Error(t, err, "no client that trusts nothing, and none that trusts everything")
}

func TestStillConvergedUntilSomethingChanges(t *testing.T) {
	s := &Session{}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	resync := 5 * time.Minute
	_, ok := s.StillConverged("shares", "in", "st", at, resync)
	assert.False(t, ok, "nothing converged yet")

	s.RecordConverged("shares", Converged{Inputs: "in", Status: "st", At: at, Outcome: phases.Done("SharesReady", "ok")})
	out, ok := s.StillConverged("shares", "in", "st", at.Add(time.Minute), resync)
	assert.True(t, ok)
	assert.Equal(t, "ok", out.Message)
	assert.Equal(t, 4*time.Minute, out.RequeueAfter, "look again when the resync is due")

	_, ok = s.StillConverged("shares", "other", "st", at.Add(time.Minute), resync)
	assert.False(t, ok, "other inputs: ask the server")
	_, ok = s.StillConverged("shares", "in", "lost", at.Add(time.Minute), resync)
	assert.False(t, ok, "the status is not what the pass reported")
	_, ok = s.StillConverged("shares", "in", "st", at.Add(resync), resync)
	assert.False(t, ok, "resync due")
	_, ok = s.StillConverged("backups", "in", "st", at.Add(time.Minute), resync)
	assert.False(t, ok, "per sub-phase")

	s.ForgetConverged("shares")
	_, ok = s.StillConverged("shares", "in", "st", at.Add(time.Minute), resync)
	assert.False(t, ok, "a pass that failed forgets")
}
