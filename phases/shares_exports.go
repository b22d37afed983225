package phases

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
)

// converger does one pass of the Shares step against one server.
type converger struct {
	s    *Scope
	d    *v1alpha1.DittoFS
	api  *dittofsapi.Client
	sess *session
	srv  ServerAccess
	loc  ServerLocation
}

// run converges stores, adapters and shares in that order and writes status.shares. Errors of
// the Kubernetes API are returned; everything the DittoFS server says becomes the outcome.
func (c *converger) run(ctx context.Context, previous []v1alpha1.ShareStatus) (Outcome, error) {
	unknown := func(err error, doing string) (Outcome, error) {
		markAll(c.d, previous, v1alpha1.ShareStatePending, "State unknown: the operator cannot manage the server (see condition SharesReady).")
		return c.failure(err, doing), nil
	}
	st, storeProb, err := c.convergeStores(ctx)
	if err != nil {
		if fatal(err) {
			return unknown(err, "converging stores")
		}
		return Outcome{}, err
	}
	adapterProb, err := c.convergeAdapters(ctx)
	if err != nil {
		return unknown(err, "converging adapters")
	}
	liveList, err := c.api.ListShares(ctx)
	if err != nil {
		if fatal(err) {
			return unknown(err, "listing shares")
		}
		return c.failure(err, "listing shares"), nil
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
			st2 = v1alpha1.ShareStatus{Name: spec.Name, State: v1alpha1.ShareStateFailed, Message: "Stores not ready: " + storeProb.message}
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
		return Waiting(storeProb.reason, storeProb.message), nil
	case adapterProb != nil:
		return Waiting(adapterProb.reason, adapterProb.message), nil
	case len(failed) > 0:
		return Waiting(ReasonShareFailed, fmt.Sprintf("%d of %d shares failed: %s", len(failed), len(c.d.Spec.Shares), strings.Join(failed, "; "))), nil
	}
	return Done(ReasonSharesReady, fmt.Sprintf("%d of %d shares exported; stores and adapters match the spec.", len(c.d.Spec.Shares), len(c.d.Spec.Shares))), nil
}

// share converges one share of the spec. Only a fatal error is returned; a rejection by the
// server is the share's Failed state.
func (c *converger) share(ctx context.Context, spec v1alpha1.ShareSpec, live *dittofsapi.Share, st *stores) (v1alpha1.ShareStatus, error) {
	failedWith := func(err error, doing string) (v1alpha1.ShareStatus, error) {
		if fatal(err) {
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
		created, err := c.api.CreateShare(ctx, req)
		if err != nil {
			return failedWith(err, "create")
		}
		live = created
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
			if _, err := c.api.EnableShare(ctx, spec.Name); err != nil {
				return failedWith(err, "enable")
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

// permissions makes the share's user and group grants those of the spec: missing ones added,
// levels fixed, unlisted ones removed (grants by SID, which the spec cannot name, are left
// alone). It returns "" when they match, or a message for the share's status; the error is
// fatal for the pass.
func (c *converger) permissions(ctx context.Context, spec v1alpha1.ShareSpec) (string, error) {
	live, err := c.api.ListPermissions(ctx, spec.Name)
	if err != nil {
		if fatal(err) {
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
			if fatal(err) {
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
			if fatal(err) {
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
			if err := c.api.DeleteShare(ctx, p.Name); err != nil && !dittofsapi.IsNotFound(err) {
				if fatal(err) {
					return nil, err
				}
				keep = append(keep, v1alpha1.ShareStatus{Name: p.Name, State: v1alpha1.ShareStateFailed,
					Message: fmt.Sprintf("Removed from spec.shares, but deleting it failed: %v", err)})
			}
			continue
		}
		if l.Enabled {
			if _, err := c.api.DisableShare(ctx, p.Name); err != nil {
				if fatal(err) {
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

// FormatQuota renders bytes as the server's size string, exact: the largest binary unit that
// divides it, else plain bytes.
func FormatQuota(bytes int64) string {
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if bytes >= 1<<u.shift && bytes%(1<<u.shift) == 0 {
			return strconv.FormatInt(bytes>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(bytes, 10)
}

var sizePattern = regexp.MustCompile(`^\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGTPE]i?B|[KMGTPE]|B)?\s*$`)

// ParseServerSize reads a size as the server prints it ("1.00GiB", "512.00MiB", "1024") and
// returns the bytes and the precision of the printed figure (half its last digit's unit).
func ParseServerSize(s string) (bytes, tolerance float64, ok bool) {
	m := sizePattern.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, 0, false
	}
	unit := 1.0
	if u := m[2]; u != "" && u != "B" {
		power := float64(strings.Index("KMGTPE", u[:1]) + 1)
		base := 1000.0
		if strings.Contains(u, "i") {
			base = 1024
		}
		unit = math.Pow(base, power)
	}
	decimals := 0
	if i := strings.IndexByte(m[1], '.'); i >= 0 {
		decimals = len(m[1]) - i - 1
	}
	return v * unit, unit * math.Pow(10, -float64(decimals)) / 2, true
}

// SameQuota compares the server's quota string with the spec's quantity semantically: "1.00GiB"
// equals 1Gi; an empty or zero server quota equals no quota.
func SameQuota(server string, want *resource.Quantity) bool {
	wantBytes := int64(0)
	if want != nil {
		wantBytes = want.Value()
	}
	if strings.TrimSpace(server) == "" {
		return wantBytes == 0
	}
	got, tol, ok := ParseServerSize(server)
	if !ok {
		return false
	}
	return math.Abs(got-float64(wantBytes)) <= tol
}
