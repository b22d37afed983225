package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// finalize applies the deletion policy, then lets the DittoFS go. The StatefulSet, Services and
// ConfigMap carry owner references and go with it; the volumes and the generated credentials
// carry none, so they stay unless the spec says Delete. A PerconaPGCluster the DittoFS created
// is orphaned (Retain) or deleted (Delete); a referenced one is never touched.
func (r *DittoFSReconciler) finalize(ctx context.Context, d *v1alpha1.DittoFS) error {
	if !controllerutil.ContainsFinalizer(d, v1alpha1.Finalizer) {
		return nil
	}
	if r.Percona != nil {
		if err := r.Percona.Finalize(ctx, d); err != nil {
			return err
		}
	}
	if d.Spec.Storage.DeletionPolicy == v1alpha1.DeletionPolicyDelete {
		if err := r.deleteData(ctx, d); err != nil {
			return err
		}
	}
	controllerutil.RemoveFinalizer(d, v1alpha1.Finalizer)
	if err := r.Client.Update(ctx, d); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove finalizer: %w", err)
	}
	return nil
}

// deleteData deletes the volumes and the generated credentials of a DittoFS whose spec asks for
// it. Only objects carrying this DittoFS's instance label are touched.
func (r *DittoFSReconciler) deleteData(ctx context.Context, d *v1alpha1.DittoFS) error {
	roles := []string{specs.VolumeControlPlane, specs.VolumeMetadata, specs.VolumePayload}
	var objs []client.Object
	for _, role := range roles {
		objs = append(objs, &corev1.PersistentVolumeClaim{ObjectMeta: objectMeta(d, specs.ClaimName(d, role))})
	}
	objs = append(objs,
		&corev1.Secret{ObjectMeta: objectMeta(d, specs.JWTSecretName(d))},
		&corev1.Secret{ObjectMeta: objectMeta(d, specs.AdminSecretName(d))},
	)
	for _, obj := range objs {
		if err := r.deleteIfOurs(ctx, d, obj); err != nil {
			return err
		}
	}
	return nil
}

// deleteIfOurs deletes obj only when it carries the DittoFS's labels, so a same-named object the
// user made by hand is never deleted.
func (r *DittoFSReconciler) deleteIfOurs(ctx context.Context, d *v1alpha1.DittoFS, obj client.Object) error {
	if err := r.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
		return client.IgnoreNotFound(err)
	}
	labels := obj.GetLabels()
	if labels[specs.InstanceLabel] != d.Name || labels[specs.ManagedByLabel] != specs.ManagedBy {
		return nil
	}
	if err := r.Client.Delete(ctx, obj); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete %T %s: %w", obj, obj.GetName(), err)
	}
	return nil
}

func objectMeta(d *v1alpha1.DittoFS, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: d.Namespace, Name: name}
}
