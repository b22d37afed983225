package phases

import (
	"fmt"
	"net"
	"strconv"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// setShareStatuses replaces status.shares and the ready/total summary. total counts the shares
// of the spec; removed shares kept on the server (Disabled) are listed but not counted.
func setShareStatuses(d *v1alpha1.DittoFS, statuses []v1alpha1.ShareStatus) {
	d.Status.Shares = statuses
	ready := 0
	for _, st := range statuses {
		if st.State == v1alpha1.ShareStateReady {
			ready++
		}
	}
	d.Status.ShareSummary = fmt.Sprintf("%d/%d", ready, len(d.Spec.Shares))
}

// markAll reports every share of the spec in one state, when the pass could not look at them,
// and keeps the entries of removed shares (the operator's memory of what it created).
func markAll(d *v1alpha1.DittoFS, previous []v1alpha1.ShareStatus, state v1alpha1.ShareState, message string) {
	inSpec := map[string]bool{}
	var out []v1alpha1.ShareStatus
	for _, s := range d.Spec.Shares {
		inSpec[s.Name] = true
		out = append(out, v1alpha1.ShareStatus{Name: s.Name, State: state, Message: message})
	}
	for _, p := range previous {
		if !inSpec[p.Name] {
			out = append(out, p)
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
	d.Status.Endpoints.Mount = mountCommand(d, host, int32(port))
}

// firstReadyShare is the first share of the spec reported Ready in status, "" when none is.
func firstReadyShare(d *v1alpha1.DittoFS) string {
	ready := map[string]bool{}
	for _, st := range d.Status.Shares {
		if st.State == v1alpha1.ShareStateReady {
			ready[st.Name] = true
		}
	}
	for _, s := range d.Spec.Shares {
		if ready[s.Name] {
			return s.Name
		}
	}
	return ""
}
