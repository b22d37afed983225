// Package restoreledger is the write-ahead record of a share's restores, kept on the DittoFS
// server itself (a key of its settings table, in the same database as the snapshots). A restore
// must happen at most once per name, and never leave a share offline unexplained, whatever
// happens to the operator, the DittoFS object or its status: the ledger survives all three, and
// every step of a restore is recorded here before it is acted on.
package restoreledger

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
)

// keyPrefix names the operator's settings keys; no server setting starts with it.
const keyPrefix = "dittofs-operator.restore."

// maxDone bounds the names remembered as finished; the oldest are forgotten first.
const maxDone = 64

// Step is where the share's current restore stands. The order is the order of a restore.
type Step string

const (
	// Quiescing is recorded before the share's policy is paused and the share disabled.
	Quiescing Step = "Quiescing"
	// Restoring is recorded before the restore call; the share is disabled.
	Restoring Step = "Restoring"
	// Restored means the server answered the restore; the share is still disabled.
	Restored Step = "Restored"
	// Completed means the share and its policy are back; nothing more to do.
	Completed Step = "Completed"
	// Failed means the restore was refused or gave up; Message says where the share stands.
	Failed Step = "Failed"
)

// InFlight reports whether the share is offline because of the restore: the shares sub-phase
// must not bring it back.
func (s Step) InFlight() bool { return s == Quiescing || s == Restoring || s == Restored }

// Restore is one restore request as carried out.
type Restore struct {
	Name       string `json:"name"`
	SnapshotID string `json:"snapshotID"`
	Step       Step   `json:"step"`
	// AllowNonDurable is the request's opt-in, kept so a retry asks the same.
	AllowNonDurable bool `json:"allowNonDurable,omitempty"`
	// PolicyWasEnabled: the share had an enabled snapshot policy, paused for the restore and
	// to be enabled again at the end.
	PolicyWasEnabled bool `json:"policyWasEnabled,omitempty"`
	// Attempts counts restore calls that got no clear answer.
	Attempts         int       `json:"attempts,omitempty"`
	SafetySnapshotID string    `json:"safetySnapshotID,omitempty"`
	StartedAt        time.Time `json:"startedAt"`
	CompletedAt      time.Time `json:"completedAt,omitzero"`
	Message          string    `json:"message,omitempty"`
}

// Ledger is everything recorded for one share.
type Ledger struct {
	// Current is the latest restore, finished or not.
	Current *Restore `json:"current,omitempty"`
	// Done lists the names of earlier finished restores (Completed or Failed), oldest first.
	Done []string `json:"done,omitempty"`
}

// Finished reports whether the restore called name has already run to its end.
func (l *Ledger) Finished(name string) bool {
	if l.Current != nil && l.Current.Name == name && !l.Current.Step.InFlight() {
		return true
	}
	for _, n := range l.Done {
		if n == name {
			return true
		}
	}
	return false
}

// Begin makes r the current restore; a finished current one moves to Done.
func (l *Ledger) Begin(r Restore) {
	if c := l.Current; c != nil && !c.Step.InFlight() {
		l.Done = append(l.Done, c.Name)
		if len(l.Done) > maxDone {
			l.Done = l.Done[len(l.Done)-maxDone:]
		}
	}
	l.Current = &r
}

// Key is the settings key of a share's ledger.
func Key(share string) string {
	return keyPrefix + dittofsapi.NormalizeShareName(share)[1:]
}

// Read returns the share's ledger; an empty one when the server has none.
func Read(ctx context.Context, api *dittofsapi.Client, share string) (*Ledger, error) {
	raw, err := api.GetSetting(ctx, Key(share))
	// v0.29 answers 200 with an empty value for a key it does not have; a 404 may come later.
	if dittofsapi.IsNotFound(err) || (err == nil && raw == "") {
		return &Ledger{}, nil
	}
	if err != nil {
		return nil, err
	}
	var l Ledger
	if err := json.Unmarshal([]byte(raw), &l); err != nil {
		return nil, fmt.Errorf("restore ledger of share %s on the server is not readable (settings key %s): %w", share, Key(share), err)
	}
	return &l, nil
}

// Write records the ledger on the server; the step it records is durable once it returns.
func Write(ctx context.Context, api *dittofsapi.Client, share string, l *Ledger) error {
	raw, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return api.PutSetting(ctx, Key(share), string(raw))
}
