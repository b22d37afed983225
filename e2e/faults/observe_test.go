package faults

import (
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/e2e/kubelet"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/nfsprobe"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// state is what one DittoFS amounts to, read from the real objects and the real server. Lines
// is a fingerprint free of names, UIDs, ports and random values, so the state of one run can be
// compared with another's: "kind name details", sorted. The identities say which object it is,
// to catch one that was recreated or regenerated under the same name.
type state struct {
	Lines   []string
	Secrets map[string]identity // generated Secrets by name
	Claims  map[string]identity // PersistentVolumeClaims by name
	PodUID  string
	// Enabled are the shares the server serves (files can be read back from them).
	Enabled []string
}

// specHashAnnotation is where internal/kube keeps the hash of the object it last wrote.
const specHashAnnotation = "dittofs.io/spec-hash"

// identity is what changes when an object is replaced or its content rewritten.
type identity struct{ UID, ResourceVersion, Content string }

// kinds counts the fingerprint's lines per kind, to tell a duplicate from a difference.
func (s state) kinds() map[string]int {
	out := map[string]int{}
	for _, l := range s.Lines {
		out[strings.Fields(l)[0]]++
	}
	return out
}

// diff lists the lines only one of the two states has.
func diff(want, got state) string {
	var b strings.Builder
	for _, l := range want.Lines {
		if !slices.Contains(got.Lines, l) {
			fmt.Fprintf(&b, "  missing: %s\n", l)
		}
	}
	for _, l := range got.Lines {
		if !slices.Contains(want.Lines, l) {
			fmt.Fprintf(&b, "  extra:   %s\n", l)
		}
	}
	return b.String()
}

// observer reads the state of the DittoFS called name in the env's namespace.
type observer struct {
	e    *env
	name string
	pod  *kubelet.Pod
}

func (o observer) rel(s string) string { return strings.ReplaceAll(s, o.name, "<name>") }

func (o observer) observe(ctx context.Context) (state, error) {
	st := state{Secrets: map[string]identity{}, Claims: map[string]identity{}}
	add := func(format string, args ...any) { st.Lines = append(st.Lines, o.rel(fmt.Sprintf(format, args...))) }
	c := o.e.k8s
	ns := o.e.ns
	byInstance := []client.ListOption{client.InNamespace(ns), client.MatchingLabels{specs.InstanceLabel: o.name}}

	d := &v1alpha1.DittoFS{}
	err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: o.name}, d)
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return st, err
	default:
		ready := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionReady)
		readiness := "unknown"
		if ready != nil && d.Status.ObservedGeneration == d.Generation {
			readiness = string(ready.Status)
		}
		add("dittofs %s deleting=%t finalizers=%v phase=%s ready=%s", d.Name, d.DeletionTimestamp != nil, d.Finalizers, d.Status.Phase, readiness)
	}

	var claims corev1.PersistentVolumeClaimList
	if err := c.List(ctx, &claims, byInstance...); err != nil {
		return st, err
	}
	for _, pvc := range claims.Items {
		req := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
		add("claim %s request=%s class=%s bound=%t", pvc.Name, req.String(), deref(pvc.Spec.StorageClassName), pvc.Spec.VolumeName != "")
		st.Claims[pvc.Name] = identity{UID: string(pvc.UID), ResourceVersion: pvc.ResourceVersion, Content: pvc.Spec.VolumeName}
	}
	var services corev1.ServiceList
	if err := c.List(ctx, &services, byInstance...); err != nil {
		return st, err
	}
	for _, svc := range services.Items {
		var ports []string
		for _, p := range svc.Spec.Ports {
			ports = append(ports, fmt.Sprintf("%s:%d->%s/%s", p.Name, p.Port, p.TargetPort.String(), p.Protocol))
		}
		// The operator's spec-hash annotation hashes the whole object, names included: it differs
		// between two DittoFS of different names by construction, so it is left out.
		annotations := maps.Clone(svc.Annotations)
		delete(annotations, specHashAnnotation)
		add("service %s type=%s ports=%v selector=%v annotations=%v", svc.Name, svc.Spec.Type, ports, svc.Spec.Selector, annotations)
	}
	var sets appsv1.StatefulSetList
	if err := c.List(ctx, &sets, byInstance...); err != nil {
		return st, err
	}
	for _, sts := range sets.Items {
		// The config hash covers the random Secrets, so only its presence is comparable.
		tmpl := sts.Spec.Template
		var env, claimsUsed []string
		for _, e := range tmpl.Spec.Containers[0].Env {
			env = append(env, e.Name)
		}
		for _, v := range tmpl.Spec.Volumes {
			if v.PersistentVolumeClaim != nil {
				claimsUsed = append(claimsUsed, v.PersistentVolumeClaim.ClaimName)
			}
		}
		add("statefulset %s replicas=%d image=%s args=%v env=%v claims=%v hashed=%t", sts.Name, deref(sts.Spec.Replicas),
			tmpl.Spec.Containers[0].Image, tmpl.Spec.Containers[0].Args, env, claimsUsed, tmpl.Annotations[specs.ConfigHashAnnotation] != "")
	}
	var configMaps corev1.ConfigMapList
	if err := c.List(ctx, &configMaps, byInstance...); err != nil {
		return st, err
	}
	for _, cm := range configMaps.Items {
		add("configmap %s data=%x", cm.Name, sha256.Sum256([]byte(o.rel(cm.Data["config.yaml"]))))
	}
	var secrets corev1.SecretList
	if err := c.List(ctx, &secrets, byInstance...); err != nil {
		return st, err
	}
	for _, s := range secrets.Items {
		keys := slices.Sorted(maps.Keys(s.Data))
		add("secret %s keys=%v", s.Name, keys)
		h := sha256.New()
		for _, k := range keys {
			fmt.Fprintf(h, "%s=%x;", k, s.Data[k])
		}
		st.Secrets[s.Name] = identity{UID: string(s.UID), ResourceVersion: s.ResourceVersion, Content: fmt.Sprintf("%x", h.Sum(nil))}
	}
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels(specs.SelectorLabels(&v1alpha1.DittoFS{ObjectMeta: d.ObjectMeta}))); err == nil {
		for _, p := range pods.Items {
			if p.Labels[specs.InstanceLabel] == o.name && p.DeletionTimestamp == nil {
				st.PodUID = string(p.UID)
			}
		}
	}

	// The server is looked at only while its StatefulSet exists: after a deletion nothing runs it.
	if len(sets.Items) > 0 {
		if err := o.observeServer(ctx, &st, add); err != nil {
			return st, err
		}
	}
	sort.Strings(st.Lines)
	return st, nil
}

// observeServer logs in with the admin Secret and reads the server's own state.
func (o observer) observeServer(ctx context.Context, st *state, add func(string, ...any)) error {
	admin := &corev1.Secret{}
	if err := o.e.k8s.Get(ctx, client.ObjectKey{Namespace: o.e.ns, Name: o.name + "-admin"}, admin); err != nil {
		return err
	}
	api, err := dittofsapi.New(o.pod.APIURL(), dittofsapi.WithCredentials(string(admin.Data[specs.AdminUsernameKey]), string(admin.Data[specs.AdminPasswordKey])))
	if err != nil {
		return err
	}
	metas, err := api.ListMetadataStores(ctx)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	storeNames := map[string]string{}
	for _, m := range metas {
		add("store-metadata %s type=%s", m.Name, m.Type)
		storeNames[m.ID] = m.Name
	}
	for _, kind := range []dittofsapi.BlockStoreKind{dittofsapi.BlockStoreLocal, dittofsapi.BlockStoreRemote} {
		blocks, err := api.ListBlockStores(ctx, kind)
		if err != nil {
			return fmt.Errorf("server: %w", err)
		}
		for _, b := range blocks {
			add("store-%s %s type=%s", kind, b.Name, b.Type)
			storeNames[b.ID] = b.Name
		}
	}
	shares, err := api.ListShares(ctx)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	for _, s := range shares {
		add("share %s enabled=%t readOnly=%t default=%s quota=%q metadata=%s local=%s", s.Name, s.Enabled, s.ReadOnly,
			s.DefaultPermission, s.QuotaBytes, storeNames[s.MetadataStoreID], storeNames[s.LocalBlockStoreID])
		if s.Enabled {
			st.Enabled = append(st.Enabled, s.Name)
		}
	}
	adapters, err := api.ListAdapters(ctx)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	ports := map[int]string{o.pod.NFSPort: "<nfs-port>", o.pod.SMBPort: "<smb-port>"}
	for _, a := range adapters {
		port, ok := ports[a.Port]
		if !ok {
			port = fmt.Sprint(a.Port)
		}
		add("adapter %s enabled=%t port=%s", a.Type, a.Enabled, port)
	}
	// What an NFS client sees: the export list, over the wire.
	exports, err := nfsprobe.Exports(ctx, o.pod.NFSAddr())
	if err != nil {
		return fmt.Errorf("NFS export list: %w", err)
	}
	dirs := nfsprobe.Dirs(exports)
	sort.Strings(dirs)
	add("exports %v", dirs)
	sort.Strings(st.Enabled)
	return nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
