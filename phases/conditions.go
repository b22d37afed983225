package phases

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// SetCondition records a condition. meta.SetStatusCondition keeps the transition time unless the
// status flips, so a pass that observes nothing new leaves status byte-for-byte unchanged.
func SetCondition(d *v1alpha1.DittoFS, condType string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&d.Status.Conditions, metav1.Condition{
		Type:               condType,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: d.Generation,
	})
}

// RemoveCondition drops a condition that no longer applies.
func RemoveCondition(d *v1alpha1.DittoFS, condType string) {
	meta.RemoveStatusCondition(&d.Status.Conditions, condType)
}
