package controllers

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/percona"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// Indexes of DittoFS objects by what they consume, to map a change back to them.
const (
	secretIndex       = ".spec.secretNames"
	perconaIndex      = ".spec.database.postgres.percona.cluster"
	storageClassIndex = ".spec.storage.storageClassName" // "" for the cluster's default class
)

// SetupWithManager registers the reconciler and what it watches.
func (r *DittoFSReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return r.setupWith(mgr, r)
}

// cacheByObject limits the manager's cache of the kinds the operator creates to the objects it
// labelled as its own, instead of every StatefulSet, Service, ConfigMap, claim, Pod and
// NetworkPolicy in the watched namespaces. A same-named object without those labels is then
// not in the cache: a create that finds the name taken asks the API server (kube.Ensure), which
// is how it is still reported as NameConflict. Kinds the operator reads but does not create
// (DittoFS, StorageClasses, PerconaPGClusters it may only reference) are cached whole, and
// Secrets, which users provide too, are cached as metadata without annotations
// (stripSecretMetadata) and read by name from the API server.
func cacheByObject() map[client.Object]cache.ByObject {
	ours := cache.ByObject{Label: labels.SelectorFromSet(labels.Set{specs.ManagedByLabel: specs.ManagedBy})}
	return map[client.Object]cache.ByObject{
		&appsv1.StatefulSet{}:           ours,
		&corev1.Service{}:               ours,
		&corev1.ConfigMap{}:             ours,
		&corev1.PersistentVolumeClaim{}: ours,
		&corev1.Pod{}:                   ours,
		&networkingv1.NetworkPolicy{}:   ours,
		&corev1.Secret{}:                {Transform: stripSecretMetadata},
	}
}

// clientOptions make the manager's client read Secrets from the API server instead of a cache:
// a cache of Secrets holds the data of every Secret in the watched namespaces (Helm releases among
// them), while the operator reads a handful per reconcile. The manager and the tests use it.
func clientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}}
}

// setupWith registers rec (r itself, or a wrapper in tests) with r's watches. Objects with an
// owner reference map back through it. Claims, kept without owner references so the garbage
// collector cannot take data, map back through their instance label. Secrets map back through an
// index of the Secrets each DittoFS consumes, which also covers Secrets the user made and the
// Percona user Secret. PerconaPGClusters, created or referenced, map back through an index of
// cluster names; they are watched only when their CRD is installed (r.Percona is set).
// StorageClasses map back to the DittoFS objects that name them or use the default class.
func (r *DittoFSReconciler) setupWith(mgr ctrl.Manager, rec reconcile.Reconciler) error {
	err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1alpha1.DittoFS{}, secretIndex,
		func(obj client.Object) []string { return specs.SecretNames(obj.(*v1alpha1.DittoFS)) })
	if err != nil {
		return err
	}
	err = mgr.GetFieldIndexer().IndexField(context.Background(), &v1alpha1.DittoFS{}, storageClassIndex, storageClassOf)
	if err != nil {
		return err
	}
	b := ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.DittoFS{}).
		Owns(&appsv1.StatefulSet{}).
		Owns(&corev1.Service{}).
		Owns(&corev1.ConfigMap{}).
		Owns(&networkingv1.NetworkPolicy{}).
		Watches(&corev1.PersistentVolumeClaim{}, handler.EnqueueRequestsFromMapFunc(instanceOf)).
		// The server pod is the StatefulSet's, not the DittoFS's: it maps back through its
		// labels. Its container states explain a pod that is not ready (see clientOptions for
		// the cache, which holds the operator's pods only).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(instanceOf)).
		// Only the Secrets' metadata is cached: enough to map a change to its consumers, and
		// far smaller than every Secret's data in the cluster (see clientOptions).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.consumersBy(secretIndex)), builder.OnlyMetadata).
		// StorageClasses are cluster-scoped prerequisites fixed outside the DittoFS: a class
		// created, made the default or allowed to expand is acted on at once.
		Watches(&storagev1.StorageClass{}, handler.EnqueueRequestsFromMapFunc(r.storageClassUsers))
	if r.Percona != nil {
		err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1alpha1.DittoFS{}, perconaIndex, perconaClusterOf)
		if err != nil {
			return err
		}
		b = b.Watches(percona.NewObject(), handler.EnqueueRequestsFromMapFunc(r.consumersBy(perconaIndex)))
	}
	if r.CertManager {
		// A Certificate edited by hand is put back; cert-manager's Secret is watched through secretIndex.
		cert := &unstructured.Unstructured{}
		cert.SetGroupVersionKind(specs.CertificateGVK)
		b = b.Owns(cert, builder.OnlyMetadata)
	}
	return b.Named("dittofs").Complete(rec)
}

func perconaClusterOf(obj client.Object) []string {
	if name := specs.PerconaClusterName(obj.(*v1alpha1.DittoFS)); name != "" {
		return []string{name}
	}
	return nil
}

// storageClassOf is the class a DittoFS names, "" when it uses the cluster's default.
func storageClassOf(obj client.Object) []string {
	if name := obj.(*v1alpha1.DittoFS).Spec.Storage.StorageClassName; name != nil {
		return []string{*name}
	}
	return []string{""}
}

// storageClassUsers maps a StorageClass to every watched DittoFS that names it or uses the
// default class: a change of any class may make it the default or take that away.
func (r *DittoFSReconciler) storageClassUsers(ctx context.Context, obj client.Object) []reconcile.Request {
	var reqs []reconcile.Request
	for _, name := range []string{obj.GetName(), ""} {
		var list v1alpha1.DittoFSList
		if err := r.Client.List(ctx, &list, client.MatchingFields{storageClassIndex: name}); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "list DittoFS using a storage class", "class", obj.GetName())
			return nil
		}
		for _, d := range list.Items {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&d)})
		}
	}
	return reqs
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
