package phases

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// Production defaults of ServerAccess.
const (
	DefaultDataRoot      = "/data"
	DefaultSharesRetry   = 30 * time.Second
	DefaultSharesResync  = 5 * time.Minute
	DefaultSharesTimeout = 10 * time.Second
)

// ServerLocation is where the server of one DittoFS answers, and what its pod looks like from
// inside: where the volumes are mounted and which ports the data-plane Service targets.
type ServerLocation struct {
	// BaseURL is the REST API root.
	BaseURL string
	// DataRoot is where the metadata and payload volumes are mounted in the server: badger lives
	// under <DataRoot>/metadata, fs blocks under <DataRoot>/payload.
	DataRoot string
	// NFSPort and SMBPort are the adapter ports inside the pod.
	NFSPort, SMBPort int
}

// InCluster is the location of a server run by the operator's StatefulSet: its API Service, the
// volumes under /data, and the container ports the data-plane Service targets.
func InCluster(d *v1alpha1.DittoFS) ServerLocation {
	return ServerLocation{
		BaseURL:  fmt.Sprintf("http://%s.%s.svc:%d", specs.APIServiceName(d), d.Namespace, specs.APIPort),
		DataRoot: DefaultDataRoot,
		NFSPort:  specs.NFSContainerPort,
		SMBPort:  specs.SMBContainerPort,
	}
}

// ServerAccess is how the Shares step reaches DittoFS servers. The zero value is production.
type ServerAccess struct {
	// Locate says where the server of a DittoFS is; default InCluster. An operator running
	// outside the cluster (the demo, end-to-end tests with servers on loopback) replaces it.
	Locate func(d *v1alpha1.DittoFS) ServerLocation
	// RetryAfter is when to look again after a failure (server down, a share rejected); it
	// doubles with each failure in a row, up to MaxRetryAfter (default eight times RetryAfter).
	RetryAfter    time.Duration
	MaxRetryAfter time.Duration
	// ResyncAfter is when to look again at a converged server: its API cannot be watched, so
	// drift (a share changed by hand) is caught by polling.
	ResyncAfter time.Duration
	// Timeout bounds each HTTP exchange with the server.
	Timeout time.Duration
}

func (a ServerAccess) withDefaults() ServerAccess {
	if a.Locate == nil {
		a.Locate = InCluster
	}
	if a.RetryAfter == 0 {
		a.RetryAfter = DefaultSharesRetry
	}
	if a.MaxRetryAfter == 0 {
		a.MaxRetryAfter = 8 * a.RetryAfter
	}
	if a.ResyncAfter == 0 {
		a.ResyncAfter = DefaultSharesResync
	}
	if a.Timeout == 0 {
		a.Timeout = DefaultSharesTimeout
	}
	return a
}

// Shares is the sub-phase that makes the server's own state (metadata store, block stores,
// adapters, shares and their permissions, all kept in the server's database) match the spec,
// through the server's REST API as the admin user.
//
// Ownership: the operator treats a share on the server as its own when it is in spec.shares or
// was reported by the operator in status.shares (a removed share stays there as Disabled for as
// long as it is kept on the server). A share that is in neither is left alone, so a lost status
// errs on the safe side. Stores are created under names of the operator's own and never deleted.
//
// One API client per DittoFS lives in memory (keyed by namespace/name/UID, URL and a hash of the
// admin password), so tokens are reused across reconciles and never written anywhere.
type Shares struct {
	Server ServerAccess

	once     sync.Once
	sessions *sessionCache
}

// NewShares returns the Shares step; the zero ServerAccess is production.
func NewShares(server ServerAccess) *Shares {
	return &Shares{Server: server}
}

func (*Shares) Condition() string { return v1alpha1.ConditionSharesReady }
func (*Shares) Event() string     { return "" }

// Condition reasons of the Shares step.
const (
	ReasonSharesReady        = "SharesReady"
	ReasonAdminSecretMissing = "AdminSecretMissing"
	ReasonServerUnreachable  = "ServerUnreachable"
	ReasonAdminLoginFailed   = "AdminLoginFailed"
	ReasonAdminForbidden     = "AdminForbidden"
	ReasonStoreRejected      = "StoreRejected"
	ReasonAdapterRejected    = "AdapterRejected"
	ReasonShareFailed        = "ShareFailed"
	ReasonServerRejected     = "ServerRejected"
	ReasonS3CredentialsError = "S3CredentialsMissing"
	ReasonPostgresStoreError = "PostgresStoreUnavailable"
)

func (sh *Shares) Reconcile(ctx context.Context, s *Scope) (Outcome, error) {
	sh.once.Do(func() {
		sh.Server = sh.Server.withDefaults()
		sh.sessions = newSessionCache()
	})
	srv := sh.Server
	d := s.DittoFS
	previous := append([]v1alpha1.ShareStatus(nil), d.Status.Shares...)

	username, password, out, err := adminCredentials(ctx, s)
	if err != nil || out != nil {
		if out != nil {
			out.RequeueAfter = srv.RetryAfter
			markAll(d, previous, v1alpha1.ShareStatePending, "Waiting for the admin Secret.")
			refreshMountCommand(d)
			return *out, nil
		}
		return Outcome{}, err
	}
	loc := srv.Locate(d)
	sess, err := sh.sessions.get(d, loc.BaseURL, username, password, srv.Timeout)
	if err != nil {
		return Outcome{}, err
	}

	ctx, cancel := context.WithTimeout(ctx, 6*srv.Timeout)
	defer cancel()
	c := &converger{s: s, d: d, api: sess.client, sess: sess, srv: srv, loc: loc}
	out2, err := c.run(ctx, previous)
	if err != nil {
		return Outcome{}, err
	}
	if out2.Done {
		sess.converged()
		out2.RequeueAfter = srv.ResyncAfter
	} else {
		out2.RequeueAfter = sess.retryAfter(srv.RetryAfter, srv.MaxRetryAfter)
	}
	refreshMountCommand(d)
	return out2, nil
}

// adminCredentials reads the user name (default admin) and password from the admin Secret. A
// missing Secret or password is an outcome to wait on, not an error.
func adminCredentials(ctx context.Context, s *Scope) (string, string, *Outcome, error) {
	d := s.DittoFS
	name := specs.AdminSecretName(d)
	sec := &corev1.Secret{}
	if err := s.Client.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: name}, sec); err != nil {
		if apierrors.IsNotFound(err) {
			o := Waiting(ReasonAdminSecretMissing, fmt.Sprintf("Secret %s with the admin password does not exist.", name))
			return "", "", &o, nil
		}
		return "", "", nil, fmt.Errorf("get Secret %s: %w", name, err)
	}
	pw := string(sec.Data[specs.AdminPasswordKey])
	if pw == "" {
		o := Waiting(ReasonAdminSecretMissing, fmt.Sprintf("Secret %s has no %q key.", name, specs.AdminPasswordKey))
		return "", "", &o, nil
	}
	user := string(sec.Data[specs.AdminUsernameKey])
	if user == "" {
		user = specs.AdminUsername
	}
	return user, pw, nil, nil
}

// failure turns an API error into the step's outcome. The message names no request-specific
// detail that changes between passes (ports of a dial, timings), so a failure that lasts
// rewrites nothing.
func (c *converger) failure(err error, doing string) Outcome {
	adminSecret := specs.AdminSecretName(c.d)
	switch {
	case dittofsapi.IsUnavailable(err) || c.ctxTimedOut(err):
		return Waiting(ReasonServerUnreachable, fmt.Sprintf(
			"The DittoFS API at %s cannot be reached (%s) while %s; retrying from every %s, backing off.",
			c.loc.BaseURL, unavailableCause(err), doing, c.srv.RetryAfter))
	case dittofsapi.IsUnauthorized(err):
		return Waiting(ReasonAdminLoginFailed, fmt.Sprintf(
			"The server refused the admin credentials from Secret %s: %v. The server uses that password only when it first creates its admin user; restore the Secret's original password.",
			adminSecret, err))
	case dittofsapi.IsForbidden(err):
		return Waiting(ReasonAdminForbidden, fmt.Sprintf(
			"The user in Secret %s may not manage stores, shares and adapters (role admin is needed): %v.", adminSecret, err))
	}
	return Waiting(ReasonServerRejected, fmt.Sprintf("The server rejected a request while %s: %v.", doing, err))
}

func (c *converger) ctxTimedOut(err error) bool {
	return err != nil && strings.Contains(err.Error(), "context deadline exceeded")
}

// fatal reports errors that stop the whole pass: the server is away or refuses the operator.
func fatal(err error) bool {
	return dittofsapi.IsUnavailable(err) || dittofsapi.IsUnauthorized(err) || dittofsapi.IsForbidden(err) ||
		(err != nil && strings.Contains(err.Error(), "context deadline exceeded"))
}

// unavailableCause is a short, stable description of why no answer came.
func unavailableCause(err error) string {
	if code := dittofsapi.StatusCode(err); code >= 500 {
		return fmt.Sprintf("HTTP %d", code)
	}
	msg := err.Error()
	for _, cause := range []string{"connection refused", "no such host", "connection reset", "EOF"} {
		if strings.Contains(msg, cause) {
			return cause
		}
	}
	if strings.Contains(msg, "deadline exceeded") || strings.Contains(msg, "timeout") {
		return "timed out"
	}
	return "no answer"
}
