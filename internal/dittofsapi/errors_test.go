package dittofsapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAPIErrorMessageNamesMethodPathStatusAndDetail(t *testing.T) {
	err := error(&APIError{Method: "POST", Path: "/api/v1/shares", Status: 409, Title: "Conflict", Detail: "Share already exists"})
	assert.Equal(t, "dittofs: POST /api/v1/shares: 409 Conflict: Share already exists", err.Error())

	// Validation errors are listed in a stable order.
	err = &APIError{Method: "PATCH", Path: "/api/v1/adapters/nfs/settings", Status: 422, Title: "Validation Failed",
		Detail: "One or more settings are outside valid range", Errors: map[string]string{"lease_time": "too low", "grace_period": "too high"}}
	assert.Equal(t, "dittofs: PATCH /api/v1/adapters/nfs/settings: 422 Validation Failed: One or more settings are outside valid range; grace_period: too high; lease_time: too low", err.Error())

	// A plain-text body (the server's auth middleware) gets the status text as title.
	err = newAPIError("GET", "/api/v1/shares", 401, "text/plain; charset=utf-8", []byte("Authorization header required\n"))
	assert.Equal(t, "dittofs: GET /api/v1/shares: 401 Unauthorized: Authorization header required", err.Error())
}

func TestClassifiersSeeThroughWrapping(t *testing.T) {
	for _, tc := range []struct {
		status int
		is     func(error) bool
	}{
		{404, IsNotFound}, {409, IsConflict}, {403, IsForbidden}, {401, IsUnauthorized},
		{412, IsPreconditionFailed}, {400, IsBadRequest}, {422, IsBadRequest},
	} {
		err := fmt.Errorf("reconcile share: %w", &APIError{Status: tc.status})
		assert.True(t, tc.is(err), "status %d", tc.status)
		assert.False(t, IsUnavailable(err), "status %d is a rejection, not unavailability", tc.status)
		assert.Equal(t, tc.status, StatusCode(err))
	}
	assert.False(t, IsNotFound(nil))
	assert.False(t, IsUnavailable(nil))
	assert.False(t, IsNotFound(errors.New("plain")))
	assert.Equal(t, 0, StatusCode(errors.New("plain")))
}

// fakeServer answers every request with h. Fakes are used only for failures
// the real DittoFS server cannot be made to produce on demand.
func fakeServer(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, WithTimeout(2*time.Second))
	require.NoError(t, err)
	return c
}

func TestServerErrorsCountAsUnavailable(t *testing.T) {
	// Fake: a 500/503 from DittoFS needs a broken database or a crashed
	// runtime, which a test cannot trigger through the API.
	for _, status := range []int{500, 502, 503, 504} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			c := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(status)
				_, _ = fmt.Fprintf(w, `{"type":"about:blank","title":%q,"status":%d,"detail":"Failed to list shares"}`, http.StatusText(status), status)
			})
			_, err := c.ListShares(context.Background())
			require.Error(t, err)
			assert.True(t, IsUnavailable(err))
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, status, ae.Status)
			assert.Equal(t, "Failed to list shares", ae.Detail)
			assert.Contains(t, err.Error(), "GET /api/v1/shares")
		})
	}
}

func TestMalformedProblemBodyIsKeptAsDetail(t *testing.T) {
	// Fake: the real server always writes well-formed problem+json; a proxy
	// or a truncated write does not.
	c := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusConflict)
		_, _ = w.Write([]byte(`{"title":"Confl`))
	})
	_, err := c.GetShare(context.Background(), "/export")
	require.Error(t, err)
	assert.True(t, IsConflict(err))
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, `{"title":"Confl`, ae.Detail)
	assert.Equal(t, "dittofs: GET /api/v1/shares/export: 409 Conflict: {\"title\":\"Confl", err.Error())
}

func TestProxyHTMLErrorIsUnavailable(t *testing.T) {
	// Fake: an ingress or proxy in front of DittoFS answering for a dead pod.
	c := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
	})
	_, err := c.Health(context.Background())
	require.Error(t, err)
	assert.True(t, IsUnavailable(err))
	assert.Contains(t, err.Error(), "502 Bad Gateway")
}

func TestSlowServerTimesOutAsUnavailable(t *testing.T) {
	// Fake: the real server answers in milliseconds. This handler never
	// answers; it returns only once the client has given up.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, WithTimeout(200*time.Millisecond))
	require.NoError(t, err)

	_, err = c.Health(context.Background())
	require.Error(t, err)
	assert.True(t, IsUnavailable(err), "a timeout is unavailability: %v", err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var ue *UnavailableError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "/health", ue.Path)
}

func TestConnectionDroppedMidBodyIsUnavailable(t *testing.T) {
	// Fake: the server promises a body and closes the connection half way,
	// as a crashing process would.
	c := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`[{"name":"/exp`))
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	})
	_, err := c.ListShares(context.Background())
	require.Error(t, err)
	assert.True(t, IsUnavailable(err), "%v", err)
}

func TestConnectionRefusedIsUnavailable(t *testing.T) {
	// Real: a loopback port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	c, err := New("http://"+addr, WithCredentials("admin", "secret"))
	require.NoError(t, err)
	_, err = c.ListShares(context.Background())
	require.Error(t, err)
	assert.True(t, IsUnavailable(err))
	assert.False(t, IsUnauthorized(err))
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.Contains(t, err.Error(), "POST /api/v1/auth/login", "the login is what failed")
}

func TestCallerCancellationIsNotUnavailable(t *testing.T) {
	c, err := New("http://127.0.0.1:1")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Health(ctx)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, IsUnavailable(err))
}
