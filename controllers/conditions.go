package controllers

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

func findCondition(d *v1alpha1.DittoFS, condType string) *metav1.Condition {
	return meta.FindStatusCondition(d.Status.Conditions, condType)
}
