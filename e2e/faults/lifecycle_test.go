package faults

import (
	"context"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// step is one change of the full lifecycle of a DittoFS, as a user would make it.
type step struct {
	name string
	// change edits the desired spec; action then sends it (create, update or delete).
	change func(s *v1alpha1.DittoFSSpec)
	action action
	// rolls says whether the server pod must be replaced by this step (true), must stay
	// (false, for a change that has nothing to do with the pod), or either (nil).
	rolls *bool
}

type action int

const (
	actCreate action = iota
	actUpdate
	actDelete
	actSetDeleteAndDelete
)

var yes, no = true, false

// lifecycle is every kind of change the operator handles, in the order a user would make them:
// create; add, change and remove a share; a config field that rolls the pod; an unrelated field
// that must not; a bigger volume; delete keeping the data, create again (the data is adopted);
// delete with the data.
var lifecycle = []step{
	{name: "create", action: actCreate, change: func(*v1alpha1.DittoFSSpec) {}},
	{name: "add-share", action: actUpdate, change: func(s *v1alpha1.DittoFSSpec) {
		s.Shares = append(s.Shares, v1alpha1.ShareSpec{Name: "/beta", DefaultPermission: "read-write"})
	}},
	{name: "change-share", action: actUpdate, change: func(s *v1alpha1.DittoFSSpec) {
		q := resource.MustParse("1Gi")
		s.Shares[0].Quota = &q
	}},
	{name: "remove-share", action: actUpdate, change: func(s *v1alpha1.DittoFSSpec) {
		s.Shares = s.Shares[:1]
	}},
	{name: "roll-config", action: actUpdate, rolls: &yes, change: func(s *v1alpha1.DittoFSSpec) {
		s.Logging.Level = "DEBUG"
	}},
	{name: "unrelated-field", action: actUpdate, rolls: &no, change: func(s *v1alpha1.DittoFSSpec) {
		s.Service.Annotations = map[string]string{"faults.dittofs.io/note": "not for the pod"}
	}},
	{name: "scale-volume", action: actUpdate, change: func(s *v1alpha1.DittoFSSpec) {
		s.Storage.Payload.Size = resource.MustParse("2Gi")
	}},
	{name: "delete-retain", action: actDelete, change: func(*v1alpha1.DittoFSSpec) {}},
	{name: "recreate-adopts", action: actCreate, change: func(*v1alpha1.DittoFSSpec) {}},
	{name: "delete-delete", action: actSetDeleteAndDelete, change: func(s *v1alpha1.DittoFSSpec) {
		s.Storage.DeletionPolicy = v1alpha1.DeletionPolicyDelete
	}},
}

// initialSpec is the DittoFS a lifecycle starts from: SQLite, badger, local files, NFS, one share.
func initialSpec() v1alpha1.DittoFSSpec {
	return v1alpha1.DittoFSSpec{
		Image: v1alpha1.DefaultImage,
		Storage: v1alpha1.StorageSpec{
			ControlPlane:   v1alpha1.VolumeSpec{Size: resource.MustParse("1Gi")},
			Metadata:       v1alpha1.VolumeSpec{Size: resource.MustParse("1Gi")},
			Payload:        v1alpha1.VolumeSpec{Size: resource.MustParse("1Gi")},
			DeletionPolicy: v1alpha1.DeletionPolicyRetain,
		},
		Adapters: v1alpha1.AdaptersSpec{NFS: v1alpha1.NFSAdapterSpec{Enabled: &yes, Port: 2049}},
		Service:  v1alpha1.ServiceSpec{Type: v1alpha1.ServiceType("ClusterIP")},
		Shares:   []v1alpha1.ShareSpec{{Name: "/alpha", DefaultPermission: "read-write"}},
	}
}

// apply sends the step's action for the DittoFS called name with the desired spec.
func apply(ctx context.Context, c client.Client, ns, name string, a action, spec v1alpha1.DittoFSSpec) error {
	key := types.NamespacedName{Namespace: ns, Name: name}
	obj := &v1alpha1.DittoFS{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	switch a {
	case actCreate:
		obj.Spec = spec
		return c.Create(ctx, obj)
	case actUpdate, actSetDeleteAndDelete:
		// A merge patch of the whole spec: lists (shares) are replaced, no resourceVersion is
		// needed, so the operator's own writes (finalizer, status) never make it conflict.
		body, err := json.Marshal(map[string]any{"spec": spec})
		if err != nil {
			return err
		}
		if err := c.Patch(ctx, obj, client.RawPatch(types.MergePatchType, body)); err != nil {
			return fmt.Errorf("patch %s: %w", key, err)
		}
		if a == actUpdate {
			return nil
		}
		fallthrough
	case actDelete:
		return client.IgnoreNotFound(c.Delete(ctx, obj))
	}
	return fmt.Errorf("unknown action %d", a)
}
