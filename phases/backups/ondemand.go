package backups

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/phases"
)

// onDemandPrefix names the snapshots of on-demand requests on the server: k8s-<request>.
const onDemandPrefix = "k8s-"

// serverName is the server-side name of an on-demand request's snapshot.
func serverName(request string) string { return onDemandPrefix + request }

// abandonedMarker is how the server marks a snapshot that was being taken when it stopped; such
// a snapshot is retried in place (same id) rather than taken again.
const abandonedMarker = "abandoned"

// findOnDemand returns the snapshot of a request: a ready one if there is one, else the newest.
// Names are not unique on the server; the operator makes one per request, so more than one
// means a snapshot was also made by hand under that name, and the ready one is what counts.
func findOnDemand(snaps []dittofsapi.Snapshot, request string) *dittofsapi.Snapshot {
	var found *dittofsapi.Snapshot
	for i := range snaps {
		sn := &snaps[i]
		if sn.Scheduled || sn.Name != serverName(request) {
			continue
		}
		switch {
		case found == nil:
			found = sn
		case sn.State == dittofsapi.SnapshotReady && found.State != dittofsapi.SnapshotReady:
			found = sn
		case sn.State == found.State && sn.CreatedAt.After(found.CreatedAt):
			found = sn
		}
	}
	return found
}

// onDemand takes each request's snapshot once, follows it to ready or failed, and handles the
// requests removed from the spec as they said. It reports whether one is still being taken.
// During a restore no snapshot is started: the server would refuse it, or snapshot a share
// half restored.
func (c *converger) onDemand(ctx context.Context, w shareWork, snaps []dittofsapi.Snapshot, restoring bool) ([]v1alpha1.OnDemandSnapshotStatus, bool, error) {
	previous := map[string]v1alpha1.OnDemandSnapshotStatus{}
	if w.previous != nil {
		for _, p := range w.previous.OnDemand {
			previous[p.Name] = p
		}
	}
	var (
		out    []v1alpha1.OnDemandSnapshotStatus
		busy   bool
		failed []string
	)
	inSpec := map[string]bool{}
	if w.spec != nil && w.spec.Snapshots != nil {
		for _, req := range w.spec.Snapshots.OnDemand {
			inSpec[req.Name] = true
			st, inProgress, err := c.request(ctx, w.name, req, previous[req.Name].Snapshot, snaps, restoring)
			if err != nil {
				return nil, false, err
			}
			if sn := st.Snapshot; sn != nil && sn.State == dittofsapi.SnapshotFailed {
				failed = append(failed, fmt.Sprintf("%s (%s)", req.Name, sn.Message))
			}
			busy = busy || inProgress
			out = append(out, st)
		}
	}
	for name, p := range previous {
		if inSpec[name] || p.OnRemoval != v1alpha1.SnapshotDelete {
			continue // Retain only forgets the request
		}
		kept, err := c.deleteRemoved(ctx, w.name, name, snaps)
		if err != nil {
			return nil, false, err
		}
		if kept {
			p.Removed = true
			out = append(out, p)
			busy = true
		}
	}
	sortOnDemand(out)
	if len(failed) > 0 {
		return out, busy, phases.Block(v1alpha1.ReasonSnapshotFailed,
			"On-demand snapshots of share %s failed: %s. Remove the request, or add it again under a new name to try again.",
			w.name, strings.Join(failed, "; "))
	}
	return out, busy, nil
}

// request converges one on-demand request: take its snapshot if the server has none under its
// name, retry one the server abandoned, or report it. was is what status said before, to record
// each end of a snapshot once as an event.
func (c *converger) request(ctx context.Context, share string, req v1alpha1.OnDemandSnapshot, was *v1alpha1.SnapshotRecord, snaps []dittofsapi.Snapshot, restoring bool) (v1alpha1.OnDemandSnapshotStatus, bool, error) {
	st := v1alpha1.OnDemandSnapshotStatus{Name: req.Name, OnRemoval: removalPolicy(req.OnRemoval)}
	sn := findOnDemand(snaps, req.Name)
	switch {
	case sn == nil && restoring:
		return st, true, nil
	case sn == nil:
		id, err := c.api.CreateSnapshot(ctx, share, dittofsapi.CreateSnapshotRequest{Name: serverName(req.Name)})
		if dittofsapi.IsConflict(err) {
			return st, true, nil // another snapshot of the share is being taken; one at a time
		}
		if err != nil {
			return st, false, err
		}
		c.event(corev1.EventTypeNormal, "SnapshotStarted", "Snapshot", "Snapshot %s of share %s started (server id %s).", req.Name, share, id)
		st.Snapshot = &v1alpha1.SnapshotRecord{ID: id, State: dittofsapi.SnapshotCreating}
		return st, true, nil
	case sn.State == dittofsapi.SnapshotFailed && strings.Contains(sn.Error, abandonedMarker) && !restoring:
		if _, err := c.api.CreateSnapshot(ctx, share, dittofsapi.CreateSnapshotRequest{Name: serverName(req.Name), RetryOf: sn.ID}); err != nil && !dittofsapi.IsConflict(err) {
			return st, false, err
		}
		c.event(corev1.EventTypeNormal, "SnapshotRetried", "Snapshot", "Snapshot %s of share %s was abandoned by a server restart; retrying it in place (server id %s).", req.Name, share, sn.ID)
		st.Snapshot = record(sn)
		st.Snapshot.State, st.Snapshot.Message, st.Snapshot.CompletedAt = dittofsapi.SnapshotCreating, "", nil
		return st, true, nil
	}
	st.Snapshot = record(sn)
	ended := was == nil || was.State == dittofsapi.SnapshotCreating
	switch sn.State {
	case dittofsapi.SnapshotCreating:
		if was == nil {
			// Started by a process that stopped before it could say so.
			c.event(corev1.EventTypeNormal, "SnapshotStarted", "Snapshot", "Snapshot %s of share %s started (server id %s).", req.Name, share, sn.ID)
		}
		return st, true, nil
	case dittofsapi.SnapshotReady:
		if ended {
			c.event(corev1.EventTypeNormal, "SnapshotReady", "Snapshot", "Snapshot %s of share %s is ready (server id %s, remote-durable %t).", req.Name, share, sn.ID, sn.RemoteDurable)
		}
	case dittofsapi.SnapshotFailed:
		if ended {
			c.event(corev1.EventTypeWarning, "SnapshotFailed", "Snapshot", "Snapshot %s of share %s failed: %s", req.Name, share, sn.Error)
		}
	}
	return st, false, nil
}

// deleteRemoved deletes the snapshot of a request removed under onRemoval Delete. It reports
// whether the snapshot is still there (in flight or protected by a restore: tried again later).
func (c *converger) deleteRemoved(ctx context.Context, share, request string, snaps []dittofsapi.Snapshot) (bool, error) {
	sn := findOnDemand(snaps, request)
	if sn == nil {
		return false, nil
	}
	err := c.api.DeleteSnapshot(ctx, share, sn.ID)
	switch {
	case err == nil || dittofsapi.IsNotFound(err):
		c.event(corev1.EventTypeNormal, "SnapshotDeleted", "DeleteSnapshot", "Snapshot %s of share %s (server id %s) deleted: its request was removed with onRemoval Delete.", request, share, sn.ID)
		return false, nil
	case dittofsapi.IsConflict(err):
		return true, nil
	}
	return false, err
}

func removalPolicy(p v1alpha1.SnapshotRemovalPolicy) v1alpha1.SnapshotRemovalPolicy {
	if p == "" {
		return v1alpha1.SnapshotRetain
	}
	return p
}

func sortOnDemand(list []v1alpha1.OnDemandSnapshotStatus) {
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
}

// event records an event on the DittoFS when a recorder is set.
func (c *converger) event(kind, reason, action, format string, args ...any) {
	if c.step.recorder == nil {
		return
	}
	c.step.recorder.Eventf(c.d, nil, kind, reason, action, "%s", phases.Truncate(fmt.Sprintf(format, args...), phases.MaxEventNote))
}
