package backups

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
)

// TestAbandonedSnapshotIsRetriedInPlace: a snapshot the server marked failed because it
// restarted while taking it is retried under its own id (retry_of), never taken again as a new
// one. A fake server stands in for dfs here: catching a real dfs mid-snapshot with a kill is a
// matter of luck on a share small enough for a test, so the answer is scripted.
func TestAbandonedSnapshotIsRetriedInPlace(t *testing.T) {
	var (
		mu    sync.Mutex
		posts []dittofsapi.CreateSnapshotRequest
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/shares/data/snapshots" {
			http.NotFound(w, r)
			return
		}
		var body dittofsapi.CreateSnapshotRequest
		require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
		mu.Lock()
		posts = append(posts, body)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"snapshot_id":"snap-1","share":"/data"}`))
	}))
	defer srv.Close()
	api, err := dittofsapi.New(srv.URL)
	require.NoError(t, err)
	c := &converger{step: &Step{}, d: &v1alpha1.DittoFS{}, api: api}

	abandoned := []dittofsapi.Snapshot{{ID: "snap-1", Name: "k8s-nightly", State: dittofsapi.SnapshotFailed,
		Error: "abandoned: server restarted while snapshot was still creating"}} // v0.29.0's words
	st, busy, err := c.request(context.Background(), "/data", v1alpha1.OnDemandSnapshot{Name: "nightly"}, nil, abandoned, false)
	require.NoError(t, err)
	assert.True(t, busy)
	assert.Equal(t, dittofsapi.SnapshotCreating, st.Snapshot.State)
	require.Len(t, posts, 1)
	assert.Equal(t, dittofsapi.CreateSnapshotRequest{Name: "k8s-nightly", RetryOf: "snap-1"}, posts[0], "retried in place")

	// A snapshot that failed for another reason is reported, not retried.
	failed := []dittofsapi.Snapshot{{ID: "snap-1", Name: "k8s-nightly", State: dittofsapi.SnapshotFailed, Error: "verify failed"}}
	st, busy, err = c.request(context.Background(), "/data", v1alpha1.OnDemandSnapshot{Name: "nightly"}, nil, failed, false)
	require.NoError(t, err)
	assert.False(t, busy)
	assert.Equal(t, dittofsapi.SnapshotFailed, st.Snapshot.State)
	assert.Len(t, posts, 1, "no new snapshot for a failed request")
}
