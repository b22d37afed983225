package server

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
)

// Sessions keeps one logged-in API client per DittoFS, in memory only, so a reconcile reuses the
// previous one's token instead of logging in again. An entry is replaced when the object is
// recreated (new UID), its API moves, its CA changes or the admin password changes. A deleted DittoFS leaves its
// entry (a few KB) until the operator restarts. The zero value is ready to use.
type Sessions struct {
	mu      sync.Mutex
	entries map[types.NamespacedName]*Session
}

// Session is one DittoFS's client, plus what the operator last sent for settings the server
// hides when read back (secrets are masked as "********"), and one retry backoff per sub-phase.
type Session struct {
	Client *dittofsapi.Client
	key    string

	mu        sync.Mutex
	sent      map[string]string // object name -> hash of the secret part of its config last sent
	backoffs  map[string]*Backoff
	converged map[string]Converged // sub-phase -> its last converged pass (see StillConverged)
}

// Get returns the session of d at loc, logging in lazily with the given credentials. With a CA
// in loc the client speaks TLS and trusts that CA alone, for loc.ServerName.
func (c *Sessions) Get(d *v1alpha1.DittoFS, loc Location, username, password string, timeout time.Duration) (*Session, error) {
	key := string(d.UID) + "\x00" + loc.BaseURL + "\x00" + HashOf(username, password) + "\x00" + HashOf(string(loc.CA), loc.ServerName)
	nn := types.NamespacedName{Namespace: d.Namespace, Name: d.Name}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.entries[nn]; ok && s.key == key {
		return s, nil
	}
	opts := []dittofsapi.Option{
		dittofsapi.WithCredentials(username, password),
		dittofsapi.WithTimeout(timeout),
		dittofsapi.WithUserAgent("dittofs-operator"),
	}
	if loc.CA != nil {
		opts = append(opts, dittofsapi.WithTLS(loc.CA, loc.ServerName))
	}
	cl, err := dittofsapi.New(loc.BaseURL, opts...)
	if err != nil {
		return nil, err
	}
	if c.entries == nil {
		c.entries = map[types.NamespacedName]*Session{}
	}
	s := &Session{key: key, Client: cl}
	c.entries[nn] = s
	return s, nil
}

// SentHash returns the hash recorded for an object, "" when none was sent by this process.
func (s *Session) SentHash(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent[name]
}

// RecordSent remembers the hash of the secret settings last sent for an object.
func (s *Session) RecordSent(name, hash string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sent == nil {
		s.sent = map[string]string{}
	}
	s.sent[name] = hash
}

// Backoff returns the retry backoff of one sub-phase against this server.
func (s *Session) Backoff(step string) *Backoff {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.backoffs == nil {
		s.backoffs = map[string]*Backoff{}
	}
	b, ok := s.backoffs[step]
	if !ok {
		b = &Backoff{}
		s.backoffs[step] = b
	}
	return b
}

// Backoff spaces out retries of passes that do not converge.
type Backoff struct {
	mu       sync.Mutex
	failures int // passes in a row that did not converge
}

// Next is the delay before the next try after a pass that did not converge: the base delay,
// doubled for each failure in a row, at most limit. A server that stays down is asked less and
// less often, and one that comes back is found soon enough.
func (b *Backoff) Next(base, limit time.Duration) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	delay := base << min(b.failures, 16)
	b.failures++
	return min(delay, limit)
}

// Reset starts the backoff over after a pass that converged.
func (b *Backoff) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures = 0
}

// HashOf hashes parts unambiguously, for comparing secrets without keeping them.
func HashOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
