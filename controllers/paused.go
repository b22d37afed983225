package controllers

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/phases"
)

// reportPaused is all a pass does for a DittoFS with spec.paused: no step runs, so nothing owned
// is written and the server is not called. The phase, Ready and status.observedGeneration are
// left as the last pass that ran set them: the status still describes what the server serves,
// and kstatus reads the spec as not yet applied (Reconciling=True, reason Paused).
func reportPaused(d *v1alpha1.DittoFS) {
	phases.SetCondition(d, v1alpha1.ConditionPaused, metav1.ConditionTrue, v1alpha1.ReasonPaused,
		"spec.paused is true: the operator changes nothing until it is false. Deleting the DittoFS still applies its deletion policy.")
	phases.SetCondition(d, v1alpha1.ConditionReconciling, metav1.ConditionTrue, v1alpha1.ReasonPaused,
		"Paused: changes to the spec are not applied until spec.paused is false.")
	// Reconciling and Stalled are never both True; nothing is evaluated while paused.
	phases.SetCondition(d, v1alpha1.ConditionStalled, metav1.ConditionFalse, v1alpha1.ReasonPaused, "Not evaluated while paused.")
}
