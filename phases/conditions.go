package phases

import (
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// Caps on what the operator writes. The API server refuses a condition message over 32 KiB and
// an event note over 1 KiB, and a refused status patch would freeze the whole status; messages
// built from what a server says (one per failed share, say) have no bound of their own.
const (
	// MaxConditionMessage bounds every condition message: eight conditions at most stay far
	// below the API's limit for one message.
	MaxConditionMessage = 2048
	// MaxShareMessage bounds the message of one entry of status.shares (256 shares at most).
	MaxShareMessage = 512
	// MaxEventNote is the events API's limit on a note.
	MaxEventNote = 1024
)

// truncatedMark ends a message that was cut.
const truncatedMark = " [truncated]"

// Truncate returns s cut to at most limit bytes, on a UTF-8 boundary, marked as cut.
func Truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	mark := truncatedMark
	if limit < len(mark) {
		mark = ""
	}
	cut := limit - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

// SetCondition records a condition. meta.SetStatusCondition keeps the transition time unless the
// status flips, so a pass that observes nothing new leaves status byte-for-byte unchanged. The
// message is capped at MaxConditionMessage.
func SetCondition(d *v1alpha1.DittoFS, condType string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&d.Status.Conditions, metav1.Condition{
		Type:               condType,
		Status:             status,
		Reason:             reason,
		Message:            Truncate(message, MaxConditionMessage),
		ObservedGeneration: d.Generation,
	})
}

// RemoveCondition drops a condition that no longer applies.
func RemoveCondition(d *v1alpha1.DittoFS, condType string) {
	meta.RemoveStatusCondition(&d.Status.Conditions, condType)
}
