package dittofsapi

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// User is a control-plane user as the server shows it.
type User struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name,omitempty"`
	Email       string `json:"email,omitempty"`
	// Role is admin, operator or user. Only admin may manage stores, shares
	// and adapters.
	Role               string     `json:"role"`
	UID                *uint32    `json:"uid,omitempty"`
	GID                *uint32    `json:"gid,omitempty"`
	Groups             []string   `json:"groups,omitempty"`
	Enabled            bool       `json:"enabled"`
	MustChangePassword bool       `json:"must_change_password"`
	CreatedAt          time.Time  `json:"created_at"`
	LastLogin          *time.Time `json:"last_login,omitempty"`
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// tokenResponse is the answer to both login and refresh.
type tokenResponse struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	TokenType    string    `json:"token_type"`
	ExpiresIn    int64     `json:"expires_in"`
	ExpiresAt    time.Time `json:"expires_at"`
	User         User      `json:"user"`
}

// tokenSource holds one session's tokens in memory and renews them: by
// refresh shortly before expiry or when the server rejects the access token,
// by a new login when the refresh token is refused too. Nothing is written
// anywhere; a restarted process logs in again.
type tokenSource struct {
	c        *Client
	username string
	password string
	margin   time.Duration
	now      func() time.Time

	// sem serialises renewals (one login or refresh at a time, the others
	// wait for its result) and guards the fields below. It is a channel so a
	// waiting caller can give up when its context ends.
	sem       chan struct{}
	access    string
	refresh   string
	renewAt   time.Time
	user      User
	refreshes int
	logins    int
}

func newTokenSource(c *Client, username, password string, margin time.Duration) *tokenSource {
	return &tokenSource{
		c: c, username: username, password: password, margin: margin,
		now: time.Now, sem: make(chan struct{}, 1),
	}
}

func (s *tokenSource) lock(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *tokenSource) unlock() { <-s.sem }

// token returns an access token that is not about to expire.
func (s *tokenSource) token(ctx context.Context) (string, error) {
	if err := s.lock(ctx); err != nil {
		return "", err
	}
	defer s.unlock()
	if s.access != "" && s.now().Before(s.renewAt) {
		return s.access, nil
	}
	if err := s.renewLocked(ctx); err != nil {
		return "", err
	}
	return s.access, nil
}

// invalidate marks tok as rejected so the next token call renews it, unless
// another caller already replaced it.
func (s *tokenSource) invalidate(ctx context.Context, tok string) {
	if s.lock(ctx) != nil {
		return
	}
	defer s.unlock()
	if s.access == tok {
		s.renewAt = time.Time{}
	}
}

// renewLocked refreshes the session, or logs in again when there is no
// refresh token or the server refuses it. When the server cannot be reached
// the tokens are kept so a later call can still refresh.
func (s *tokenSource) renewLocked(ctx context.Context) error {
	if s.refresh != "" {
		err := s.exchange(ctx, "refresh", refreshRequest{RefreshToken: s.refresh})
		if err == nil {
			s.refreshes++
			return nil
		}
		if IsUnavailable(err) || ctx.Err() != nil {
			return err
		}
		// Expired, revoked or signed with a rotated secret: start over.
		s.access, s.refresh = "", ""
	}
	if err := s.exchange(ctx, "login", loginRequest{Username: s.username, Password: s.password}); err != nil {
		return fmt.Errorf("%w (logging in as %q)", err, s.username)
	}
	s.logins++
	return nil
}

func (s *tokenSource) exchange(ctx context.Context, endpoint string, body any) error {
	started := s.now()
	var tr tokenResponse
	_, err := s.c.send(ctx, request{
		method: http.MethodPost, path: apiPath("auth", endpoint),
		body: body, out: &tr, noAuth: true,
	})
	if err != nil {
		return err
	}
	if tr.AccessToken == "" {
		return fmt.Errorf("dittofs: POST %s: answer has no access_token", apiPath("auth", endpoint))
	}

	// Measure the lifetime on our own clock from before the request was sent,
	// so a skewed server clock cannot make us keep a dead token.
	lifetime := time.Duration(tr.ExpiresIn) * time.Second
	if lifetime <= 0 && !tr.ExpiresAt.IsZero() {
		lifetime = tr.ExpiresAt.Sub(started)
	}
	margin := s.margin
	if margin > lifetime/2 {
		margin = lifetime / 2
	}
	s.access, s.refresh, s.user = tr.AccessToken, tr.RefreshToken, tr.User
	s.renewAt = started.Add(lifetime - margin)
	return nil
}

// Login logs in now, replacing any session, and returns the logged-in user.
// Other calls log in on their own; Login is for checking credentials early.
func (c *Client) Login(ctx context.Context) (*User, error) {
	if c.auth == nil {
		return nil, fmt.Errorf("dittofs: Login: client has no credentials (use WithCredentials)")
	}
	s := c.auth
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.unlock()
	s.access, s.refresh = "", ""
	if err := s.renewLocked(ctx); err != nil {
		return nil, err
	}
	u := s.user
	return &u, nil
}

// Me returns the user the session belongs to, as the server sees it now.
func (c *Client) Me(ctx context.Context) (*User, error) {
	var u User
	if _, err := c.send(ctx, request{method: http.MethodGet, path: apiPath("auth", "me"), out: &u}); err != nil {
		return nil, err
	}
	return &u, nil
}
