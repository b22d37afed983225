// Package dittofsapi is a typed client for the REST API of a DittoFS server
// (v0.29). Everything the operator reconciles at runtime (stores, shares,
// permissions, adapter ports, snapshots) lives in the server's control-plane
// database and is reachable only through this API.
package dittofsapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	apiPrefix = "/api/v1"

	// DefaultTimeout bounds one HTTP exchange. The server itself cancels any
	// request after 30 s, so waiting longer only delays the error.
	DefaultTimeout = 35 * time.Second

	// DefaultRefreshMargin is how long before expiry an access token is renewed.
	DefaultRefreshMargin = 30 * time.Second

	// maxResponseBody guards against a misbehaving endpoint streaming forever.
	maxResponseBody = 64 << 20
)

// Client talks to one DittoFS server. It is safe for concurrent use.
type Client struct {
	base *url.URL
	http *http.Client
	// long serves the calls that may legitimately outlast the per-exchange timeout (a
	// restore); only their context bounds them.
	long *http.Client
	auth *tokenSource // nil: requests go out without a token
	ua   string
}

// Option configures a Client.
type Option func(*settings)

type settings struct {
	httpClient    *http.Client
	tls           *tls.Config
	timeout       time.Duration
	username      string
	password      string
	refreshMargin time.Duration
	userAgent     string
}

// WithCredentials makes the client log in as username on first use and keep
// its session alive. The password stays in memory only, for re-logins.
func WithCredentials(username, password string) Option {
	return func(s *settings) { s.username, s.password = username, password }
}

// WithHTTPClient replaces the default HTTP client, e.g. to trust a private CA.
// Its own Timeout is kept unless WithTimeout is also given.
func WithHTTPClient(c *http.Client) Option {
	return func(s *settings) { s.httpClient = c }
}

// WithTLS makes the client verify the server's certificate against the CA certificates in
// caPEM only (not the system's roots), for serverName; an empty serverName means the host of
// the base URL. New fails when caPEM holds no certificate. It applies to the default HTTP
// client, not to one given with WithHTTPClient.
func WithTLS(caPEM []byte, serverName string) Option {
	return func(s *settings) {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			pool = nil
		}
		// The server accepts TLS 1.2 at the oldest (controlplane.tls.min_version).
		s.tls = &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12}
	}
}

// WithTimeout bounds each HTTP exchange (connect, send, read the answer).
func WithTimeout(d time.Duration) Option {
	return func(s *settings) { s.timeout = d }
}

// WithRefreshMargin sets how long before its expiry an access token is
// renewed. It is capped at half the token's lifetime.
func WithRefreshMargin(d time.Duration) Option {
	return func(s *settings) { s.refreshMargin = d }
}

// WithUserAgent sets the User-Agent header, so server logs name the caller.
func WithUserAgent(ua string) Option {
	return func(s *settings) { s.userAgent = ua }
}

// New returns a client for the server at baseURL, e.g. "http://dittofs:8080".
// It does not contact the server.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("dittofs: invalid base URL %q: %w", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("dittofs: invalid base URL %q: want http(s)://host[:port]", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("dittofs: invalid base URL %q: no query or fragment allowed", baseURL)
	}

	s := settings{refreshMargin: DefaultRefreshMargin, userAgent: "dittofs-operator"}
	for _, o := range opts {
		o(&s)
	}

	if s.tls != nil && s.tls.RootCAs == nil {
		return nil, errors.New("dittofs: WithTLS: the CA bundle holds no PEM certificate")
	}
	hc := s.httpClient
	if hc == nil {
		t := defaultTransport()
		t.TLSClientConfig = s.tls
		hc = &http.Client{Transport: t, Timeout: DefaultTimeout}
	}
	if s.timeout > 0 {
		copied := *hc
		copied.Timeout = s.timeout
		hc = &copied
	}

	long := *hc
	long.Timeout = 0
	c := &Client{base: u, http: hc, long: &long, ua: s.userAgent}
	if s.username != "" {
		c.auth = newTokenSource(c, s.username, s.password, s.refreshMargin)
	}
	return c, nil
}

// defaultTransport fails fast on a dead or hung peer instead of relying on
// the overall request timeout alone.
func defaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 5 * time.Second
	t.ResponseHeaderTimeout = 0 // the server may legitimately think for a while (restores)
	t.MaxIdleConnsPerHost = 4
	return t
}

// BaseURL returns the server address the client was built with.
func (c *Client) BaseURL() string { return c.base.String() }

// request is one API call.
type request struct {
	method string
	path   string // escaped, from the server root, e.g. "/api/v1/shares/export"
	body   any    // JSON-encoded when non-nil
	out    any    // JSON-decoded from a 2xx answer when non-nil
	noAuth bool   // health probes and the auth endpoints themselves
	long   bool   // bounded by ctx only, not by the client's timeout (restores)
}

// send performs r and returns the answer's headers. A 401 on an authenticated
// call renews the session once and repeats the call.
func (c *Client) send(ctx context.Context, r request) (http.Header, error) {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return nil, fmt.Errorf("dittofs: %s %s: encode request: %w", r.method, r.path, err)
		}
	}

	useAuth := !r.noAuth && c.auth != nil
	var token string
	if useAuth {
		var err error
		if token, err = c.auth.token(ctx); err != nil {
			return nil, err
		}
	}

	header, status, body, err := c.roundTrip(ctx, r, payload, token)
	if err == nil && status == http.StatusUnauthorized && useAuth {
		// The token expired early (clock skew, server restart with a new
		// secret): renew and try once more.
		c.auth.invalidate(ctx, token)
		if token, err = c.auth.token(ctx); err != nil {
			return nil, err
		}
		header, status, body, err = c.roundTrip(ctx, r, payload, token)
	}
	if err != nil {
		return nil, err
	}
	if status < 200 || status > 299 {
		return header, newAPIError(r.method, r.path, status, header.Get("Content-Type"), body)
	}
	if r.out != nil && status != http.StatusNoContent && len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, r.out); err != nil {
			return header, fmt.Errorf("dittofs: %s %s: decode %d response: %w", r.method, r.path, status, err)
		}
	}
	return header, nil
}

// roundTrip sends one HTTP request and reads the whole answer. Any failure to
// get an answer is an *UnavailableError.
func (c *Client) roundTrip(ctx context.Context, r request, payload []byte, token string) (http.Header, int, []byte, error) {
	u, err := c.base.Parse(c.base.EscapedPath() + r.path)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("dittofs: %s %s: build URL: %w", r.method, r.path, err)
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("dittofs: %s %s: build request: %w", r.method, r.path, err)
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.ua != "" {
		req.Header.Set("User-Agent", c.ua)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}

	hc := c.http
	if r.long {
		hc = c.long
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, 0, nil, &UnavailableError{Method: r.method, Path: r.path, Err: unwrapURLError(err)}
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return nil, 0, nil, &UnavailableError{Method: r.method, Path: r.path, Err: fmt.Errorf("read response: %w", unwrapURLError(err))}
	}
	return resp.Header, resp.StatusCode, data, nil
}

// unwrapURLError drops *url.Error's "Get \"http://...\":" prefix: our own
// error already names the method and path.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		if ue.Timeout() && !errors.Is(ue.Err, context.DeadlineExceeded) {
			return fmt.Errorf("%w (%w)", ue.Err, context.DeadlineExceeded)
		}
		return ue.Err
	}
	return err
}

// apiPath joins escaped segments under /api/v1. Each segment is escaped here,
// so a name containing "/" or "%" stays one path segment.
func apiPath(segments ...string) string {
	var b strings.Builder
	b.WriteString(apiPrefix)
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// shareSegment is the form of a share name the server accepts as one path
// segment. Share names are "/export" on the wire; the URL takes them without
// the leading slash, and an inner slash must travel as %2F (apiPath escapes
// it) so the router does not split the name.
func shareSegment(name string) string {
	return strings.TrimLeft(name, "/")
}

// sharePath is apiPath("shares", <name>, rest...).
func sharePath(name string, rest ...string) (string, error) {
	seg := shareSegment(name)
	if seg == "" {
		return "", fmt.Errorf("dittofs: empty share name %q", name)
	}
	return apiPath(append([]string{"shares", seg}, rest...)...), nil
}

// NormalizeShareName returns the canonical form the server stores: exactly
// one leading slash ("export" and "//export" become "/export").
func NormalizeShareName(name string) string {
	return "/" + shareSegment(name)
}

// HealthReport is the health block the server attaches to stores, shares and
// adapters.
type HealthReport struct {
	// Status is healthy, degraded, unhealthy, unknown or disabled.
	Status    string    `json:"status"`
	Message   string    `json:"message,omitempty"`
	CheckedAt time.Time `json:"checked_at"`
	LatencyMs int64     `json:"latency_ms,omitempty"`
}

// requireName rejects an empty path segment before it turns into a request
// for a collection endpoint with another meaning.
func requireName(kind, name string) error {
	if name == "" {
		return fmt.Errorf("dittofs: empty %s name", kind)
	}
	return nil
}
