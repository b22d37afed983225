package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/phases"
)

// finalize applies the deletion policy, then lets the DittoFS go. The StatefulSet, Services and
// ConfigMap carry owner references and go with it; the volumes and the generated credentials
// carry none, so they stay unless the spec says Delete. A PerconaPGCluster the DittoFS created
// carries none either: it is kept (Retain) or deleted (Delete), and kept under Delete too while
// another DittoFS references it (a Warning event says so); a referenced one is never touched.
func (r *DittoFSReconciler) finalize(ctx context.Context, d *v1alpha1.DittoFS) error {
	if !controllerutil.ContainsFinalizer(d, v1alpha1.Finalizer) {
		return nil
	}
	if r.Percona != nil {
		kept, err := r.Percona.Finalize(ctx, d)
		if err != nil {
			return err
		}
		if kept != "" {
			r.warnKept(ctx, d, kept)
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

// warnKept says, in the log and as a Warning event on the DittoFS, that data the deletion policy
// asked to delete was kept.
func (r *DittoFSReconciler) warnKept(ctx context.Context, d *v1alpha1.DittoFS, why string) {
	ctrl.LoggerFrom(ctx).Info("data kept despite deletionPolicy Delete", "reason", v1alpha1.ReasonDatabaseInUse, "why", why)
	if r.Recorder != nil {
		r.Recorder.Eventf(d, nil, corev1.EventTypeWarning, v1alpha1.ReasonDatabaseInUse, "KeepDatabase", "%s", phases.Truncate(why, phases.MaxEventNote))
	}
}

// deleteData deletes the volumes and the generated credentials of a DittoFS whose spec asks for
// it. Only objects carrying this DittoFS's instance label are touched. The admin Secret goes
// only with the database that holds the admin user: the server reads the password only when it
// first creates that user, so a DittoFS recreated over a database that outlived this one must
// find the same Secret (a new password would never be accepted).
func (r *DittoFSReconciler) deleteData(ctx context.Context, d *v1alpha1.DittoFS) error {
	var objs []client.Object
	for _, role := range specs.VolumeRoles {
		objs = append(objs, &corev1.PersistentVolumeClaim{ObjectMeta: objectMeta(d, specs.ClaimName(d, role))})
	}
	objs = append(objs, &corev1.Secret{ObjectMeta: objectMeta(d, specs.JWTSecretName(d))})
	outlives, err := r.databaseOutlives(ctx, d)
	if err != nil {
		return err
	}
	if !outlives {
		objs = append(objs, &corev1.Secret{ObjectMeta: objectMeta(d, specs.AdminSecretName(d))})
	}
	for _, obj := range objs {
		if err := r.deleteIfOurs(ctx, d, obj); err != nil {
			return err
		}
	}
	return nil
}

// databaseOutlives says whether the control-plane database stays after the DittoFS is gone.
// SQLite lives on the control-plane volume, deleted with the others. An external PostgreSQL or a
// referenced PerconaPGCluster is never deleted. A created PerconaPGCluster goes with the DittoFS
// that manages it (the Percona adapter, run before this, deletes it under the same policy) and
// stays otherwise.
func (r *DittoFSReconciler) databaseOutlives(ctx context.Context, d *v1alpha1.DittoFS) (bool, error) {
	pg := d.Spec.Database.Postgres
	switch {
	case d.Spec.Database.Type != v1alpha1.DatabasePostgres || pg == nil:
		return false, nil
	case pg.Percona == nil || !pg.Percona.Create:
		return true, nil
	case r.Percona == nil: // no PerconaPGCluster CRD, so no created cluster either
		return false, nil
	}
	return r.Percona.Outlives(ctx, d)
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
