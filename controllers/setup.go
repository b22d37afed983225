package controllers

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/percona"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// Indexes of DittoFS objects by what they consume, to map a change back to them.
const (
	secretIndex  = ".spec.secretNames"
	perconaIndex = ".spec.database.postgres.percona.cluster"
)

// SetupWithManager registers the reconciler and what it watches.
func (r *DittoFSReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return r.setupWith(mgr, r)
}

// ClientOptions make the manager's client read Secrets from the API server instead of a cache:
// a cache of Secrets holds the data of every Secret in the watched namespaces (Helm releases among
// them), while the operator reads a handful per reconcile. The manager and the tests use it.
func ClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}}
}

// setupWith registers rec (r itself, or a wrapper in tests) with r's watches. Objects with an
// owner reference map back through it. Claims, kept without owner references so the garbage
// collector cannot take data, map back through their instance label. Secrets map back through an
// index of the Secrets each DittoFS consumes, which also covers Secrets the user made and the
// Percona user Secret. PerconaPGClusters, created or referenced, map back through an index of
// cluster names; they are watched only when their CRD is installed (r.Percona is set).
func (r *DittoFSReconciler) setupWith(mgr ctrl.Manager, rec reconcile.Reconciler) error {
	err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1alpha1.DittoFS{}, secretIndex,
		func(obj client.Object) []string { return specs.SecretNames(obj.(*v1alpha1.DittoFS)) })
	if err != nil {
		return err
	}
	b := ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.DittoFS{}).
		Owns(&appsv1.StatefulSet{}).
		Owns(&corev1.Service{}).
		Owns(&corev1.ConfigMap{}).
		Watches(&corev1.PersistentVolumeClaim{}, handler.EnqueueRequestsFromMapFunc(instanceOf)).
		// Only the Secrets' metadata is cached: enough to map a change to its consumers, and
		// far smaller than every Secret's data in the cluster (see ClientOptions).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.consumersBy(secretIndex)), builder.OnlyMetadata)
	if r.Percona != nil {
		err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1alpha1.DittoFS{}, perconaIndex, perconaClusterOf)
		if err != nil {
			return err
		}
		b = b.Watches(percona.NewObject(), handler.EnqueueRequestsFromMapFunc(r.consumersBy(perconaIndex)))
	}
	return b.Named("dittofs").Complete(rec)
}

func perconaClusterOf(obj client.Object) []string {
	if name := specs.PerconaClusterName(obj.(*v1alpha1.DittoFS)); name != "" {
		return []string{name}
	}
	return nil
}

// instanceOf maps an object labelled by the operator to its DittoFS.
func instanceOf(_ context.Context, obj client.Object) []reconcile.Request {
	labels := obj.GetLabels()
	if labels[specs.ManagedByLabel] != specs.ManagedBy || labels[specs.InstanceLabel] == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: obj.GetNamespace(), Name: labels[specs.InstanceLabel]}}}
}

// consumersBy maps an object to every DittoFS in its namespace that the index says consumes it.
func (r *DittoFSReconciler) consumersBy(index string) handler.MapFunc {
	return func(ctx context.Context, obj client.Object) []reconcile.Request {
		var list v1alpha1.DittoFSList
		if err := r.Client.List(ctx, &list, client.InNamespace(obj.GetNamespace()),
			client.MatchingFields{index: obj.GetName()}); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "list DittoFS consuming an object", "index", index, "name", obj.GetName())
			return nil
		}
		reqs := make([]reconcile.Request, 0, len(list.Items))
		for _, d := range list.Items {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&d)})
		}
		return reqs
	}
}
