// Package shares is the SharesReady sub-phase: it makes the server's own state (metadata store,
// block stores, adapters, shares and their permissions, all kept in the server's database) match
// the spec, through the server's REST API as the admin user.
//
// Ownership: the operator treats a share on the server as its own when it is in spec.shares or
// was reported by the operator in status.shares (a removed share stays there as Disabled for as
// long as it is kept on the server). A share that is in neither is left alone, so a lost status
// errs on the safe side. Stores are created under names of the operator's own and never deleted.
package shares

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"k8s.io/client-go/tools/events"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/phases"
	"github.com/dittofs/dittofs-operator/phases/server"
)

// stepName keys this sub-phase's backoff in the shared server session.
const stepName = "shares"

// Step is the shares sub-phase. One logged-in API client per DittoFS lives in memory (see
// server.Sessions), so tokens are reused across reconciles and never written anywhere.
type Step struct {
	access   server.Access
	recorder events.EventRecorder
	once     sync.Once
	sessions server.Sessions
}

// New returns the shares sub-phase; the zero Access is production. It records no events until
// RecordTo gives it a recorder.
func New(access server.Access) *Step {
	return &Step{access: access}
}

// RecordTo makes the step record a Warning event on the DittoFS for each share it deletes, and
// returns the step. The operator passes the reconciler's recorder, so every event about a DittoFS
// has one reporter.
func (sh *Step) RecordTo(recorder events.EventRecorder) *Step {
	sh.recorder = recorder
	return sh
}

// Condition is SharesReady.
func (*Step) Condition() string { return v1alpha1.ConditionSharesReady }

// Reconcile converges stores, adapters and shares on the server; see phases.Step.
func (sh *Step) Reconcile(ctx context.Context, s *phases.Scope) (phases.Outcome, error) {
	sh.once.Do(func() { sh.access = sh.access.WithDefaults() })
	access := sh.access
	d := s.DittoFS
	previous := append([]v1alpha1.ShareStatus(nil), d.Status.Shares...)

	username, password, err := server.AdminCredentials(ctx, s.Client, d)
	if err != nil {
		if phases.AsBlocked(err) != nil {
			markUnknown(d, previous, "State unknown: the operator cannot log in to the server without the admin Secret (see condition SharesReady).")
			refreshMountCommand(d)
		}
		return phases.Outcome{}, phases.RetryBlocked(err, access.RetryAfter)
	}
	loc := access.Where(s)
	sess, err := sh.sessions.Get(d, loc, username, password, access.Timeout)
	if err != nil {
		return phases.Outcome{}, err
	}

	// PostgreSQL can die under a running server: the pod stays ready (readiness is the NFS
	// port) and /health still answers 200, saying so only in its body. Ask it on every pass, and
	// pass at least every RetryAfter, so an outage shows within that rather than a resync.
	watchDB := d.Spec.Database.Type == v1alpha1.DatabasePostgres
	if watchDB {
		if err := controlPlaneDatabase(ctx, sess.Client, access); err != nil {
			sess.ForgetConverged(stepName)
			return phases.Outcome{}, phases.RetryBlocked(err, access.RetryAfter)
		}
	}

	// The server is asked only when something may have changed since the last converged pass:
	// a new spec or configuration, another server process, other credentials (a new session),
	// a status that is not what that pass reported, or the resync clock.
	inputs := sh.inputs(ctx, s, loc)
	if out, ok := sess.StillConverged(stepName, inputs, reported(d), s.Now(), access.ResyncAfter); ok {
		refreshMountCommand(d)
		if watchDB {
			out.RequeueAfter = min(out.RequeueAfter, access.RetryAfter)
		}
		return out, nil
	}

	ctx, cancel := context.WithTimeout(ctx, 6*access.Timeout)
	defer cancel()
	c := &converger{s: s, d: d, api: sess.Client, sess: sess, access: access, loc: loc, recorder: sh.recorder}
	out, err := c.run(ctx, previous)
	refreshMountCommand(d)
	backoff := sess.Backoff(stepName)
	if err != nil {
		sess.ForgetConverged(stepName)
		if phases.AsBlocked(err) != nil {
			err = phases.RetryBlocked(err, backoff.Next(access.RetryAfter, access.MaxRetryAfter))
		}
		return phases.Outcome{}, err
	}
	backoff.Reset()
	// A share held offline by a restore comes back without any change the inputs would show:
	// such a pass is not one to stand on.
	if inputs != "" && !restoring(d) {
		sess.RecordConverged(stepName, server.Converged{Inputs: inputs, Status: reported(d), At: s.Now(), Outcome: out})
	}
	out.RequeueAfter = access.ResyncAfter
	if restoring(d) || watchDB {
		out.RequeueAfter = access.RetryAfter // to see the share back online, or the database gone, soon
	}
	return out, nil
}

// inputs hashes what a pass depends on besides the server's own state and the admin
// credentials (those make a new session): the spec's generation, everything the pod consumes,
// the server process, where it answers, and the S3 credentials, which live in a Secret of the
// user's. "" (never matched) when no server process is known or the credentials cannot be read;
// the pass itself then reports why.
func (sh *Step) inputs(ctx context.Context, s *phases.Scope, loc server.Location) string {
	d := s.DittoFS
	if s.ServerInstance == "" {
		return ""
	}
	parts := []string{fmt.Sprint(d.Generation), s.ConfigHash, s.ServerInstance, fmt.Sprintf("%+v", loc)}
	if d.Spec.PayloadStore.S3 != nil {
		id, key, err := s3Credentials(ctx, s, d)
		if err != nil {
			return ""
		}
		parts = append(parts, server.HashOf(id, key))
	}
	return server.HashOf(parts...)
}

// reported hashes what the sub-phase reports in status and reads back as its memory of what it
// owns (status.shares).
func reported(d *v1alpha1.DittoFS) string {
	shares := d.Status.Shares
	if len(shares) == 0 {
		shares = nil
	}
	raw, _ := json.Marshal(shares) // plain strings: cannot fail
	return server.HashOf(string(raw), d.Status.ShareSummary)
}

// NotObserved marks every share as not known on a pass that does not look at the server, and
// withdraws the mount command, which names a share known to be exported.
func (*Step) NotObserved(s *phases.Scope, waitingFor string) {
	markUnknown(s.DittoFS, s.DittoFS.Status.Shares, fmt.Sprintf("State unknown: the operator does not look at the server while %s is not met.", waitingFor))
	refreshMountCommand(s.DittoFS)
}

// converger does one pass of the sub-phase against one server.
type converger struct {
	s        *phases.Scope
	d        *v1alpha1.DittoFS
	api      *dittofsapi.Client
	sess     *server.Session
	access   server.Access
	loc      server.Location
	recorder events.EventRecorder
}

// failure is the outcome of a server error met while doing something.
func (c *converger) failure(err error, doing string) error {
	return server.Failure(err, doing, c.d, c.loc, c.access)
}

// restoring reports whether a share is held offline by its restore (see the backups sub-phase).
func restoring(d *v1alpha1.DittoFS) bool {
	for _, st := range d.Status.Shares {
		if st.State == v1alpha1.ShareStateRestoring {
			return true
		}
	}
	return false
}

// controlPlaneDatabase is a *phases.Blocked error when the server says it cannot reach its
// control-plane database. A server that does not answer is left to the pass itself to report.
func controlPlaneDatabase(ctx context.Context, api *dittofsapi.Client, access server.Access) error {
	ctx, cancel := context.WithTimeout(ctx, access.Timeout)
	defer cancel()
	h, err := api.Health(ctx)
	if err != nil || h.Data.ControlPlaneDB != "unreachable" {
		return nil
	}
	return phases.Block(v1alpha1.ReasonControlPlaneDatabaseUnreachable,
		"The server cannot reach its PostgreSQL control-plane database (its /health says %s): shares, users and settings cannot change until it is back; check the database and the connection Secret.", h.Status)
}
