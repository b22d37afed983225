package phases

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
)

// sessionCache keeps one logged-in API client per DittoFS, in memory only, so a reconcile reuses
// the previous one's token instead of logging in again. An entry is replaced when the object is
// recreated (new UID), its API moves or the admin password changes. A deleted DittoFS leaves its
// entry (a few KB) until the operator restarts.
type sessionCache struct {
	mu      sync.Mutex
	entries map[types.NamespacedName]*session
}

// session is one DittoFS's client, plus what the operator last sent for settings the server
// hides when read back (secrets are masked as "********").
type session struct {
	key    string
	client *dittofsapi.Client

	mu   sync.Mutex
	sent map[string]string // store name -> hash of the secret part of its config last sent
	// failures counts passes in a row that did not converge, for the retry backoff.
	failures int
}

func newSessionCache() *sessionCache {
	return &sessionCache{entries: map[types.NamespacedName]*session{}}
}

func (c *sessionCache) get(d *v1alpha1.DittoFS, baseURL, username, password string, timeout time.Duration) (*session, error) {
	key := string(d.UID) + "\x00" + baseURL + "\x00" + hashOf(username, password)
	nn := types.NamespacedName{Namespace: d.Namespace, Name: d.Name}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.entries[nn]; ok && s.key == key {
		return s, nil
	}
	cl, err := dittofsapi.New(baseURL,
		dittofsapi.WithCredentials(username, password),
		dittofsapi.WithTimeout(timeout),
		dittofsapi.WithUserAgent("dittofs-operator"))
	if err != nil {
		return nil, err
	}
	s := &session{key: key, client: cl, sent: map[string]string{}}
	c.entries[nn] = s
	return s, nil
}

// sentHash returns the hash recorded for a store, "" when none was sent by this process.
func (s *session) sentHash(store string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent[store]
}

func (s *session) recordSent(store, hash string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent[store] = hash
}

// retryAfter is the delay before the next try after a pass that did not converge: the base
// delay, doubled for each failure in a row, at most limit. A server that stays down is asked
// less and less often, and one that comes back is found soon enough.
func (s *session) retryAfter(base, limit time.Duration) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	delay := base << min(s.failures, 16)
	s.failures++
	return min(delay, limit)
}

// converged resets the backoff.
func (s *session) converged() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = 0
}

func hashOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
