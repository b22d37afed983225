package controllers

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/phases"
	"github.com/dittofs/dittofs-operator/phases/shares"
)

// TestShareDeletionIsRecorded: a share deleted with its data (spec.removedShares: Delete, which
// also deletes the old name of a renamed share at once) is said in a Warning event on the DittoFS
// and in the log, naming the share; a share only disabled is not a deletion and records nothing.
// TestSharesEndToEnd checks that the event reaches the API server through the operator's recorder.
func TestShareDeletionIsRecorded(t *testing.T) {
	f := newShareFixture(t)
	rec := events.NewFakeRecorder(10)
	step := shares.New(f.access("", time.Minute, time.Minute)).RecordTo(rec)
	f.adminSecret(t, "renamed", "admin", f.srv.AdminPassword)
	d := stepDittoFS(t, f.ns, "renamed", "/old", "/dropped")
	require.Equal(t, v1alpha1.RemovedShareDisable, d.Spec.RemovedShares, "the API server's default")

	// pass runs the step once with its own logger and returns what it logged and recorded.
	pass := func(what string) (logged string, recorded []string) {
		t.Helper()
		var logs bytes.Buffer
		logCtx := ctrl.LoggerInto(ctx, zap.New(zap.WriteTo(&logs)))
		_, err := step.Reconcile(logCtx, &phases.Scope{Client: k8s, Scheme: k8s.Scheme(), Now: time.Now, DittoFS: d})
		require.NoError(t, err, what)
		for {
			select {
			case e := <-rec.Events: // the recorder writes before Reconcile returns
				recorded = append(recorded, e)
			default:
				return logs.String(), recorded
			}
		}
	}

	_, recorded := pass("create both shares")
	assert.Empty(t, recorded)

	d.Spec.Shares = d.Spec.Shares[:1]
	logged, recorded := pass("remove /dropped under the default policy")
	assert.Empty(t, recorded, "a disabled share keeps its data")
	assert.NotContains(t, logged, "deleted a share")
	st, _ := shareState(d, "/dropped")
	require.Equal(t, v1alpha1.ShareStateDisabled, st.State, "%+v", d.Status.Shares)

	// A rename under Delete: /old leaves the spec as /new enters it, and the removed /dropped goes too.
	d.Spec.RemovedShares = v1alpha1.RemovedShareDelete
	d.Spec.Shares[0].Name = "/new"
	logged, recorded = pass("rename /old to /new under Delete")
	for _, gone := range []string{"/old", "/dropped"} {
		_, err := f.api.GetShare(ctx, gone)
		require.True(t, dittofsapi.IsNotFound(err), "%s deleted on the server: %v", gone, err)
	}
	assert.ElementsMatch(t, []string{
		"Warning ShareDeleted Share /dropped is no longer in spec.shares and spec.removedShares is Delete: deleted on the server with its files and snapshots.",
		"Warning ShareDeleted Share /old is no longer in spec.shares and spec.removedShares is Delete: deleted on the server with its files and snapshots.",
	}, recorded)
	for _, gone := range []string{"/old", "/dropped"} {
		assert.Contains(t, logged, `"share":"`+gone+`"`, "a log line names each deleted share: %s", logged)
	}
	assert.Equal(t, 2, strings.Count(logged, "deleted a share removed from spec.shares"), logged)

	_, recorded = pass("converged")
	assert.Empty(t, recorded, "nothing deleted, nothing recorded")
}
