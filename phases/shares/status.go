package shares

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/phases"
)

// setShareStatuses replaces status.shares and the ready/total summary. total counts the shares
// of the spec; removed shares kept on the server (Disabled) are listed but not counted. When the
// shares are not known the summary is "?/total".
func setShareStatuses(d *v1alpha1.DittoFS, statuses []v1alpha1.ShareStatus) {
	d.Status.Shares = statuses
	ready, unknown := 0, false
	for i, st := range statuses {
		statuses[i].Message = phases.Truncate(st.Message, phases.MaxShareMessage)
		switch st.State {
		case v1alpha1.ShareStateReady:
			ready++
		case v1alpha1.ShareStateUnknown:
			unknown = true
		}
	}
	d.Status.ShareSummary = fmt.Sprintf("%d/%d", ready, len(d.Spec.Shares))
	if unknown {
		d.Status.ShareSummary = fmt.Sprintf("?/%d", len(d.Spec.Shares))
	}
}

// markUnknown reports every share as not known, when the pass could not look at them. Removed
// shares keep their entries (the operator's memory of what it created), not known either.
func markUnknown(d *v1alpha1.DittoFS, previous []v1alpha1.ShareStatus, message string) {
	inSpec := map[string]bool{}
	var out []v1alpha1.ShareStatus
	for _, s := range d.Spec.Shares {
		inSpec[s.Name] = true
		out = append(out, v1alpha1.ShareStatus{Name: s.Name, State: v1alpha1.ShareStateUnknown, Message: message})
	}
	for _, p := range previous {
		if !inSpec[p.Name] {
			out = append(out, v1alpha1.ShareStatus{Name: p.Name, State: v1alpha1.ShareStateUnknown, Message: message})
		}
	}
	setShareStatuses(d, out)
}

// refreshMountCommand points the mount command at the first share of the spec that is Ready,
// or clears it when none is: it must name a real export.
func refreshMountCommand(d *v1alpha1.DittoFS) {
	host, portStr, err := net.SplitHostPort(d.Status.Endpoints.NFS)
	if err != nil {
		d.Status.Endpoints.Mount = ""
		return
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		d.Status.Endpoints.Mount = ""
		return
	}
	d.Status.Endpoints.Mount = phases.MountCommand(d, host, int32(port))
}

// failureSummary lists failed shares ("name: message") for the condition message, as many as fit
// in about half the cap on a condition message; the rest are counted. Every share's own message
// is in status.shares.
func failureSummary(failed []string) string {
	const budget = phases.MaxConditionMessage / 2
	var b strings.Builder
	for i, f := range failed {
		f = phases.Truncate(f, phases.MaxShareMessage/2)
		if i > 0 && b.Len()+len(f) > budget {
			fmt.Fprintf(&b, "; and %d more (see status.shares)", len(failed)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f)
	}
	return b.String()
}
