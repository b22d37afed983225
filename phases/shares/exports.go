package shares

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/restoreledger"
	"github.com/dittofs/dittofs-operator/phases"
	"github.com/dittofs/dittofs-operator/phases/server"
)

// run converges stores, adapters and shares in that order and writes status.shares. Errors of
// the Kubernetes API are returned as they are; everything the DittoFS server says becomes a
// *phases.Blocked error.
func (c *converger) run(ctx context.Context, previous []v1alpha1.ShareStatus) (phases.Outcome, error) {
	unknown := func(err error, doing string) (phases.Outcome, error) {
		markUnknown(c.d, previous, "State unknown: the operator cannot manage the server (see condition SharesReady).")
		return phases.Outcome{}, c.failure(err, doing)
	}
	st, err := c.convergeStores(ctx)
	storeProb := phases.AsBlocked(err)
	if err != nil && storeProb == nil {
		if server.Fatal(err) {
			return unknown(err, "converging stores")
		}
		return phases.Outcome{}, err
	}
	err = c.convergeAdapters(ctx)
	adapterProb := phases.AsBlocked(err)
	if err != nil && adapterProb == nil {
		return unknown(err, "converging adapters")
	}
	liveList, err := c.api.ListShares(ctx)
	if err != nil {
		if server.Fatal(err) {
			return unknown(err, "listing shares")
		}
		return phases.Outcome{}, c.failure(err, "listing shares")
	}
	live := make(map[string]*dittofsapi.Share, len(liveList))
	for i := range liveList {
		live[dittofsapi.NormalizeShareName(liveList[i].Name)] = &liveList[i]
	}

	var statuses []v1alpha1.ShareStatus
	var failed []string
	inSpec := map[string]bool{}
	for _, spec := range c.d.Spec.Shares {
		name := dittofsapi.NormalizeShareName(spec.Name)
		inSpec[name] = true
		var st2 v1alpha1.ShareStatus
		if storeProb != nil {
			st2 = v1alpha1.ShareStatus{Name: spec.Name, State: v1alpha1.ShareStateFailed, Message: "Stores not ready: " + storeProb.Message}
		} else {
			st2, err = c.share(ctx, spec, live[name], st)
			if err != nil {
				return unknown(err, "converging share "+spec.Name)
			}
		}
		if st2.State == v1alpha1.ShareStateFailed {
			failed = append(failed, fmt.Sprintf("%s: %s", spec.Name, st2.Message))
		}
		statuses = append(statuses, st2)
	}
	removed, err := c.removedShares(ctx, previous, inSpec, live)
	if err != nil {
		return unknown(err, "disabling removed shares")
	}
	statuses = append(statuses, removed...)
	setShareStatuses(c.d, statuses)

	switch {
	case storeProb != nil:
		return phases.Outcome{}, storeProb
	case adapterProb != nil:
		return phases.Outcome{}, adapterProb
	case len(failed) > 0:
		return phases.Outcome{}, phases.Block(v1alpha1.ReasonShareFailed, "%d of %d shares failed: %s", len(failed), len(c.d.Spec.Shares), failureSummary(failed))
	}
	return phases.Done(v1alpha1.ReasonSharesReady, fmt.Sprintf("%d of %d shares exported; stores and adapters match the spec.", len(c.d.Spec.Shares), len(c.d.Spec.Shares))), nil
}

// share converges one share of the spec. Only a fatal error is returned; a rejection by the
// server is the share's Failed state.
func (c *converger) share(ctx context.Context, spec v1alpha1.ShareSpec, live *dittofsapi.Share, st *stores) (v1alpha1.ShareStatus, error) {
	failedWith := func(err error, doing string) (v1alpha1.ShareStatus, error) {
		if server.Fatal(err) {
			return v1alpha1.ShareStatus{}, err
		}
		return v1alpha1.ShareStatus{Name: spec.Name, State: v1alpha1.ShareStateFailed, Message: fmt.Sprintf("%s: %v", doing, err)}, nil
	}
	defPerm := dittofsapi.PermissionLevel(spec.DefaultPermission)
	if defPerm == "" {
		defPerm = dittofsapi.PermissionReadWrite
	}
	quota := ""
	if spec.Quota != nil && !spec.Quota.IsZero() {
		quota = FormatQuota(spec.Quota.Value())
	}
	var notes []string

	if live == nil {
		req := dittofsapi.CreateShareRequest{
			Name: spec.Name, MetadataStore: st.metadata, LocalBlockStore: st.local,
			ReadOnly: spec.ReadOnly, DefaultPermission: defPerm, QuotaBytes: quota,
		}
		if st.remote != "" {
			req.RemoteBlockStore = &st.remote
		}
		if _, err := c.api.CreateShare(ctx, req); err != nil {
			return failedWith(err, "create")
		}
	} else {
		var upd dittofsapi.UpdateShareRequest
		changed := false
		if live.ReadOnly != spec.ReadOnly {
			upd.ReadOnly, changed = &spec.ReadOnly, true
		}
		if live.DefaultPermission != defPerm {
			upd.DefaultPermission, changed = &defPerm, true
		}
		if !SameQuota(live.QuotaBytes, spec.Quota) {
			q := quota
			if q == "" {
				q = "0" // removes the quota
			}
			upd.QuotaBytes, changed = &q, true
		}
		have := ""
		if live.RemoteBlockStoreID != nil {
			have = *live.RemoteBlockStoreID
		}
		if have != st.remoteID {
			id := st.remoteID
			upd.RemoteBlockStoreID, changed = &id, true
		}
		if changed {
			updated, err := c.api.UpdateShare(ctx, spec.Name, upd)
			if err != nil {
				return failedWith(err, "update")
			}
			notes = append(notes, updated.Warnings...)
		}
		if !live.Enabled {
			held, err := c.enable(ctx, spec.Name)
			if err != nil {
				return failedWith(err, "enable")
			}
			if held != nil {
				return *held, nil
			}
		}
		if st.metadataID != "" && live.MetadataStoreID != st.metadataID {
			notes = append(notes, "it keeps its metadata store; spec.metadataStore applies to new shares only")
		}
	}
	msg, err := c.permissions(ctx, spec)
	if err != nil {
		return v1alpha1.ShareStatus{}, err
	}
	if msg != "" {
		return v1alpha1.ShareStatus{Name: spec.Name, State: v1alpha1.ShareStateFailed, Message: msg}, nil
	}
	msg = "Exported."
	if len(notes) > 0 {
		msg = "Exported; " + strings.Join(notes, "; ") + "."
	}
	return v1alpha1.ShareStatus{Name: spec.Name, State: v1alpha1.ShareStateReady, Message: msg}, nil
}

// enable brings a disabled spec share back online, unless a restore holds it offline (a restore
// takes its share offline and brings it back itself, never before it is done): then it returns
// the share's Restoring status instead.
func (c *converger) enable(ctx context.Context, share string) (*v1alpha1.ShareStatus, error) {
	ledger, err := restoreledger.Read(ctx, c.api, share)
	if err != nil {
		return nil, err
	}
	if r := ledger.Current; r != nil && r.Step.InFlight() {
		return &v1alpha1.ShareStatus{Name: share, State: v1alpha1.ShareStateRestoring,
			Message: fmt.Sprintf("Offline for restore %s (step %s); see status.backups.", r.Name, r.Step)}, nil
	}
	_, err = c.api.EnableShare(ctx, share)
	return nil, err
}

// permissions makes the share's user and group grants those of the spec: missing ones added,
// levels fixed, unlisted ones removed (grants by SID, which the spec cannot name, are left
// alone). It returns "" when they match, or a message for the share's status; the error is
// fatal for the pass.
func (c *converger) permissions(ctx context.Context, spec v1alpha1.ShareSpec) (string, error) {
	live, err := c.api.ListPermissions(ctx, spec.Name)
	if err != nil {
		if server.Fatal(err) {
			return "", err
		}
		return fmt.Sprintf("list permissions: %v", err), nil
	}
	type key struct{ kind, name string }
	want := map[key]dittofsapi.PermissionLevel{}
	for _, p := range spec.Permissions {
		if p.User != "" {
			want[key{"user", p.User}] = dittofsapi.PermissionLevel(p.Level)
		} else {
			want[key{"group", p.Group}] = dittofsapi.PermissionLevel(p.Level)
		}
	}
	have := map[key]dittofsapi.PermissionLevel{}
	for _, p := range live {
		if p.Type == "user" || p.Type == "group" {
			have[key{p.Type, p.Name}] = p.Level
		}
	}
	var problems []string
	keys := make([]key, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].kind+keys[i].name < keys[j].kind+keys[j].name })
	for _, k := range keys {
		if lvl, ok := have[k]; ok && lvl == want[k] {
			continue
		}
		var err error
		if k.kind == "user" {
			err = c.api.SetUserPermission(ctx, spec.Name, k.name, want[k])
		} else {
			err = c.api.SetGroupPermission(ctx, spec.Name, k.name, want[k])
		}
		if err != nil {
			if server.Fatal(err) {
				return "", err
			}
			problems = append(problems, fmt.Sprintf("grant %s %s %s: %v", k.kind, k.name, want[k], err))
		}
	}
	for k := range have {
		if _, ok := want[k]; ok {
			continue
		}
		var err error
		if k.kind == "user" {
			err = c.api.DeleteUserPermission(ctx, spec.Name, k.name)
		} else {
			err = c.api.DeleteGroupPermission(ctx, spec.Name, k.name)
		}
		if err != nil {
			if server.Fatal(err) {
				return "", err
			}
			problems = append(problems, fmt.Sprintf("remove the grant of %s %s: %v", k.kind, k.name, err))
		}
	}
	sort.Strings(problems)
	return strings.Join(problems, "; "), nil
}

// removedShares applies spec.removedShares to the operator's shares that left the spec: those
// reported in status.shares before this pass. It returns the status entries to keep.
func (c *converger) removedShares(ctx context.Context, previous []v1alpha1.ShareStatus, inSpec map[string]bool, live map[string]*dittofsapi.Share) ([]v1alpha1.ShareStatus, error) {
	var keep []v1alpha1.ShareStatus
	for _, p := range previous {
		name := dittofsapi.NormalizeShareName(p.Name)
		if inSpec[name] {
			continue
		}
		l := live[name]
		if l == nil {
			continue // gone from the server: nothing left to remember
		}
		if c.d.Spec.RemovedShares == v1alpha1.RemovedShareDelete {
			err := c.api.DeleteShare(ctx, p.Name)
			switch {
			case err == nil:
				c.recordDeleted(ctx, p.Name)
			case dittofsapi.IsNotFound(err):
				// Deleted by someone else meanwhile: nothing of the operator's doing to record.
			case server.Fatal(err):
				return nil, err
			default:
				keep = append(keep, v1alpha1.ShareStatus{Name: p.Name, State: v1alpha1.ShareStateFailed,
					Message: fmt.Sprintf("Removed from spec.shares, but deleting it failed: %v", err)})
			}
			continue
		}
		if l.Enabled {
			if _, err := c.api.DisableShare(ctx, p.Name); err != nil {
				if server.Fatal(err) {
					return nil, err
				}
				keep = append(keep, v1alpha1.ShareStatus{Name: p.Name, State: v1alpha1.ShareStateFailed,
					Message: fmt.Sprintf("Removed from spec.shares, but disabling it failed: %v", err)})
				continue
			}
		}
		keep = append(keep, v1alpha1.ShareStatus{Name: p.Name, State: v1alpha1.ShareStateDisabled,
			Message: "Removed from spec.shares: no longer exported, data kept (set spec.removedShares: Delete to delete it)."})
	}
	sort.Slice(keep, func(i, j int) bool { return keep[i].Name < keep[j].Name })
	return keep, nil
}
