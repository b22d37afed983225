package dittofsapi

// Session renewal against a real dfs process with short-lived tokens. These
// tests live inside the package to read how many logins and refreshes the
// client made; the server is never faked.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dittofs/dittofs-operator/internal/dittofsapi/dfstest"
)

func adminClient(t *testing.T, srv *dfstest.Server, opts ...Option) *Client {
	t.Helper()
	c, err := New(srv.BaseURL, append([]Option{WithCredentials(dfstest.AdminUser, srv.AdminPassword)}, opts...)...)
	require.NoError(t, err)
	return c
}

// sessionState reads the token source under its lock.
func sessionState(t *testing.T, c *Client) (access, refresh string, logins, refreshes int) {
	t.Helper()
	s := c.auth
	require.NoError(t, s.lock(context.Background()))
	defer s.unlock()
	return s.access, s.refresh, s.logins, s.refreshes
}

// rawStatus sends one request with the given bearer token, bypassing the
// client, and returns the status the server gives it.
func rawStatus(t *testing.T, method, url, token, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// waitRejected waits until the server itself refuses an access token.
func waitRejected(t *testing.T, srv *dfstest.Server, token string) {
	t.Helper()
	dfstest.Eventually(t, 15*time.Second, 100*time.Millisecond, func() (bool, string) {
		st := rawStatus(t, http.MethodGet, srv.BaseURL+"/api/v1/auth/me", token, "")
		return st == http.StatusUnauthorized, "GET /auth/me with the old token answers " + http.StatusText(st)
	})
}

// requestStatuses returns, in order, the statuses the server logged for
// method and path. It waits until the log shows at least one 2xx for them,
// since the server writes the line after answering.
func requestStatuses(t *testing.T, srv *dfstest.Server, method, path string) []int {
	t.Helper()
	var statuses []int
	dfstest.Eventually(t, 10*time.Second, 50*time.Millisecond, func() (bool, string) {
		statuses = statuses[:0]
		ok := false
		sc := bufio.NewScanner(strings.NewReader(srv.Log()))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var line struct {
				Msg, Method, Path string
				Status            int
			}
			if json.Unmarshal(sc.Bytes(), &line) != nil || line.Msg != "API request completed" {
				continue
			}
			if line.Method == method && line.Path == path {
				statuses = append(statuses, line.Status)
				ok = ok || line.Status/100 == 2
			}
		}
		return ok, fmt.Sprintf("logged statuses for %s %s: %v", method, path, statuses)
	})
	return statuses
}

func TestSessionRenewal(t *testing.T) {
	t.Parallel()
	srv := dfstest.Start(t, dfstest.Options{AccessTokenDuration: 2 * time.Second})

	t.Run("refreshes an expired token before calling", func(t *testing.T) {
		ctx := context.Background()
		c := adminClient(t, srv)
		_, err := c.Login(ctx)
		require.NoError(t, err)
		oldAccess, oldRefresh, logins, refreshes := sessionState(t, c)
		require.Equal(t, 1, logins)
		require.Equal(t, 0, refreshes)

		waitRejected(t, srv, oldAccess)

		shares, err := c.ListShares(ctx)
		require.NoError(t, err, "the call succeeds after the token expired")
		assert.Empty(t, shares)
		access, refresh, logins, refreshes := sessionState(t, c)
		assert.NotEqual(t, oldAccess, access)
		assert.NotEqual(t, oldRefresh, refresh, "the server rotates the refresh token too")
		assert.Equal(t, 1, logins, "renewed by refresh, not by logging in again")
		assert.Equal(t, 1, refreshes)
		assert.Equal(t, []int{200}, requestStatuses(t, srv, "GET", "/api/v1/shares"),
			"renewed before the call: the server never saw the expired token")
	})

	t.Run("a 401 from the server triggers a refresh and one retry", func(t *testing.T) {
		ctx := context.Background()
		// A margin of zero and a client that believes its token is good for
		// an hour: only the server's 401 can tell it otherwise.
		c := adminClient(t, srv, WithRefreshMargin(0))
		_, err := c.Login(ctx)
		require.NoError(t, err)
		oldAccess, _, _, _ := sessionState(t, c)
		require.NoError(t, c.auth.lock(ctx))
		c.auth.renewAt = time.Now().Add(time.Hour)
		c.auth.unlock()

		waitRejected(t, srv, oldAccess)

		adapters, err := c.ListAdapters(ctx)
		require.NoError(t, err)
		assert.Len(t, adapters, 2)
		access, _, logins, refreshes := sessionState(t, c)
		assert.NotEqual(t, oldAccess, access)
		assert.Equal(t, 1, logins)
		assert.Equal(t, 1, refreshes)
		assert.Equal(t, []int{401, 200}, requestStatuses(t, srv, "GET", "/api/v1/adapters"),
			"rejected once with the old token, then answered with the new one")
	})

}

func TestLogsInAgainWhenTheRefreshTokenExpired(t *testing.T) {
	t.Parallel()
	srv := dfstest.Start(t, dfstest.Options{AccessTokenDuration: time.Second, RefreshTokenDuration: time.Second})
	ctx := context.Background()
	c := adminClient(t, srv)
	_, err := c.Login(ctx)
	require.NoError(t, err)
	oldAccess, oldRefresh, _, _ := sessionState(t, c)

	waitRejected(t, srv, oldAccess)
	dfstest.Eventually(t, 15*time.Second, 100*time.Millisecond, func() (bool, string) {
		st := rawStatus(t, http.MethodPost, srv.BaseURL+"/api/v1/auth/refresh", "", `{"refresh_token":"`+oldRefresh+`"}`)
		return st == http.StatusUnauthorized, "POST /auth/refresh with the old refresh token answers " + http.StatusText(st)
	})

	_, err = c.ListShares(ctx)
	require.NoError(t, err)
	access, _, logins, refreshes := sessionState(t, c)
	assert.NotEqual(t, oldAccess, access)
	assert.Equal(t, 2, logins, "the refused refresh led to a new login")
	assert.Equal(t, 0, refreshes)
}

func TestSessionWithDefaultLifetimes(t *testing.T) {
	t.Parallel()
	srv := dfstest.Start(t, dfstest.Options{})

	t.Run("concurrent callers share one login", func(t *testing.T) {
		c := adminClient(t, srv)
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.ListAdapters(context.Background())
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		_, _, logins, refreshes := sessionState(t, c)
		assert.Equal(t, 1, logins)
		assert.Equal(t, 0, refreshes)
	})

	t.Run("a refused refresh token leads to a new login", func(t *testing.T) {
		ctx := context.Background()
		c := adminClient(t, srv)
		_, err := c.Login(ctx)
		require.NoError(t, err)

		// A token signed by another secret, as after the server's secret rotated.
		require.NoError(t, c.auth.lock(ctx))
		c.auth.refresh = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.invalid"
		c.auth.renewAt = time.Time{}
		c.auth.unlock()

		_, err = c.ListShares(ctx)
		require.NoError(t, err)
		_, _, logins, refreshes := sessionState(t, c)
		assert.Equal(t, 2, logins)
		assert.Equal(t, 0, refreshes)
	})
}
