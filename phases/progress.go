package phases

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// setProgressConditions sets Reconciling and Stalled, the conditions kstatus reads, from the
// first step that is not done: nothing left is Reconciling=False; a reason v1alpha1.Stalls is
// Stalled=True; anything else is Reconciling=True with that reason. They are never both True:
// kstatus reads Reconciling first, and a stalled DittoFS must read as Failed.
func setProgressConditions(d *v1alpha1.DittoFS, f *failure) {
	switch {
	case f == nil:
		SetCondition(d, v1alpha1.ConditionReconciling, metav1.ConditionFalse, v1alpha1.ReasonReconciled, "The spec is applied and the server serves it.")
		SetCondition(d, v1alpha1.ConditionStalled, metav1.ConditionFalse, v1alpha1.ReasonNotStalled, "")
	case v1alpha1.Stalls(f.reason):
		SetCondition(d, v1alpha1.ConditionReconciling, metav1.ConditionFalse, v1alpha1.ReasonStalled, "Nothing progresses until the cause in Stalled is fixed.")
		SetCondition(d, v1alpha1.ConditionStalled, metav1.ConditionTrue, f.reason, fmt.Sprintf("%s: %s", f.condition, f.message))
	default:
		SetCondition(d, v1alpha1.ConditionReconciling, metav1.ConditionTrue, f.reason, fmt.Sprintf("%s: %s", f.condition, f.message))
		SetCondition(d, v1alpha1.ConditionStalled, metav1.ConditionFalse, v1alpha1.ReasonNotStalled, "")
	}
}
