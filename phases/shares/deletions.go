package shares

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/dittofs/dittofs-operator/phases"
)

// Event reason and action of a share deleted under spec.removedShares: Delete. They live here,
// with the one code path that deletes a share, rather than among the condition reasons.
const (
	ReasonShareDeleted = "ShareDeleted"
	actionDeleteShare  = "DeleteShare"
)

// recordDeleted says, in the log and as a Warning event on the DittoFS, that a share and its data
// were deleted. It is the only place the operator destroys user data on the server, and a share
// renamed in the spec is deleted under its old name at once, so it must never go unnoticed.
func (c *converger) recordDeleted(ctx context.Context, share string) {
	ctrl.LoggerFrom(ctx).Info("deleted a share removed from spec.shares, with its files and snapshots",
		"share", share, "removedShares", c.d.Spec.RemovedShares)
	if c.recorder == nil {
		return
	}
	note := fmt.Sprintf("Share %s is no longer in spec.shares and spec.removedShares is Delete: deleted on the server with its files and snapshots.", share)
	c.recorder.Eventf(c.d, nil, corev1.EventTypeWarning, ReasonShareDeleted, actionDeleteShare, "%s", phases.Truncate(note, phases.MaxEventNote))
}
