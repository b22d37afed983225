package controllers

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/chartgen"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

// takenName is why the operator may get a kind it creates: a create that finds the name taken by an
// object the cache does not hold (one without the operator's labels, or one made a moment ago)
// reads it from the API server (kube.Ensure, phases/storage.go), to report NameConflict or go on.
// TestNameConflicts and TestForeignNetworkPolicyIsNeverTouched take that path.
const takenName = "only when a create finds the name taken by an object the cache does not hold"

// notRequested are the permissions of deploy/rbac/role.yaml that a lifecycle in this suite cannot
// show as requests, each with the code path that needs it. Every other permission of the role
// must be requested by the lifecycle of TestOperatorNeedsExactlyItsRole, and every request must be
// granted: the role is derived from what the code does, and this list is the one place that says
// what cannot be seen on the wire.
var notRequested = map[chartgen.Permission]string{
	{Group: "dittofs.io", Resource: "dittofses/finalizers", Verb: "update"}:           "authorised, never requested: the OwnerReferencesPermissionEnforcement admission plugin (OpenShift) asks for it when the operator sets blockOwnerDeletion on the StatefulSet, Services and ConfigMap; envtest does not enable it",
	{Group: "authentication.k8s.io", Resource: "tokenreviews", Verb: "create"}:        "only when metrics are scraped (the metrics filter of controllers/metrics.go); TestMetricsNeedAnAllowedToken scrapes under this same role",
	{Group: "authorization.k8s.io", Resource: "subjectaccessreviews", Verb: "create"}: "only when metrics are scraped (the metrics filter of controllers/metrics.go); TestMetricsNeedAnAllowedToken scrapes under this same role",
	{Group: "events.k8s.io", Resource: "events", Verb: "patch"}:                       "the event recorder patches the series of an event that repeats within minutes",
	{Group: "", Resource: "events", Verb: "patch"}:                                    "the leader election's event recorder patches the count of an event that repeats",
	{Group: "apps", Resource: "statefulsets", Verb: "get"}:                            takenName,
	{Group: "", Resource: "services", Verb: "get"}:                                    takenName,
	{Group: "", Resource: "configmaps", Verb: "get"}:                                  takenName,
	{Group: "networking.k8s.io", Resource: "networkpolicies", Verb: "get"}:            takenName,
	{Group: "", Resource: "persistentvolumeclaims", Verb: "get"}:                      takenName,
	{Group: "pgv2.percona.com", Resource: "perconapgclusters", Verb: "list"}:          "no Percona CRD in this suite: the cache watches clusters when the CRD is installed",
	{Group: "pgv2.percona.com", Resource: "perconapgclusters", Verb: "watch"}:         "no Percona CRD in this suite: the cache watches clusters when the CRD is installed",
	{Group: "pgv2.percona.com", Resource: "perconapgclusters", Verb: "create"}:        "no Percona CRD in this suite: the server-side apply of internal/percona/apply.go creates the cluster",
	{Group: "pgv2.percona.com", Resource: "perconapgclusters", Verb: "patch"}:         "no Percona CRD in this suite: internal/percona/apply.go (server-side apply) and owner.go",
	{Group: "pgv2.percona.com", Resource: "perconapgclusters", Verb: "delete"}:        "no Percona CRD in this suite: internal/percona/finalize.go under deletionPolicy Delete",
	{Group: "cert-manager.io", Resource: "certificates", Verb: "list"}:                "no cert-manager CRD in this suite: the cache watches Certificates when the CRD is installed (controllers/certmanagertest)",
	{Group: "cert-manager.io", Resource: "certificates", Verb: "watch"}:               "no cert-manager CRD in this suite: the cache watches Certificates when the CRD is installed (controllers/certmanagertest)",
	{Group: "cert-manager.io", Resource: "certificates", Verb: "get"}:                 "no cert-manager CRD in this suite: phases/tls.go reads the Certificate (unstructured, not cached)",
	{Group: "cert-manager.io", Resource: "certificates", Verb: "create"}:              "no cert-manager CRD in this suite: phases/tls.go creates the Certificate",
	{Group: "cert-manager.io", Resource: "certificates", Verb: "update"}:              "no cert-manager CRD in this suite: phases/tls.go puts back a Certificate edited by hand",
}

// listedByWatch says whether p is the list of a resource the operator watched: an informer lists
// before it watches, and this API server streams that list as a watch (WatchList), while servers
// without it take a LIST.
func listedByWatch(p chartgen.Permission, requested map[chartgen.Permission]bool) bool {
	return p.Verb == "list" && requested[chartgen.Permission{Group: p.Group, Resource: p.Resource, Verb: "watch"}]
}

// operatorUser is the user the restricted operator runs as, impersonated by the suite's admin.
const operatorUser = "rbac-test:dittofs-operator"

// TestOperatorNeedsExactlyItsRole runs the operator through a full lifecycle (create, serve, grow
// a volume, change the config and the Service, lose a claim and accept an empty one, delete with
// its data, leader election on) as a user bound to nothing but deploy/rbac/role.yaml, the
// ClusterRole controller-gen derives from the +kubebuilder:rbac markers and the chart grants. A
// missing verb is refused by the API server and the lifecycle does not finish; a granted verb the
// lifecycle never used, and notRequested does not explain, fails the test too.
func TestOperatorNeedsExactlyItsRole(t *testing.T) {
	role := rolePermissions(t)
	ns := newNamespace(t)
	bindRole(t, ns, "rbac-operator", role)

	rec := &requestLog{}
	cfg := rest.CopyConfig(restConfig)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: operatorUser}
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { return recordingTransport{next: rt, log: rec} }
	op, err := New(cfg, Options{WatchNamespaces: []string{ns}, SeveralInProcess: true, WithoutSubPhases: true,
		LeaderElect: true, LeaderElectionNamespace: ns})
	require.NoError(t, err)
	running := op.Background(context.Background())
	t.Cleanup(func() { assert.NoError(t, running.Stop()) })
	failOnForbidden := func() error {
		if f := rec.forbiddenList(); len(f) > 0 {
			return fmt.Errorf("refused to the operator: %v", f)
		}
		return nil
	}

	d := servingDittoFS(t, ns, "life", v1alpha1.DeletionPolicyDelete)
	require.NoError(t, failOnForbidden())

	eventually(t, timeout, "grow the payload volume, change the log level and the Service type", func() error {
		now := get(t, ns, "life")
		now.Spec.Storage.Payload.Size = resource.MustParse("20Gi")
		now.Spec.Logging.Level = "DEBUG"
		now.Spec.Service.Type = "NodePort"
		now.Spec.Metrics.Enabled = true // a metrics port: the NetworkPolicy is updated
		return k8s.Update(ctx, now)
	})
	setPodReady(t, d, true)
	eventually(t, timeout, "the claim patched to 20Gi and the Service a NodePort", func() error {
		if err := failOnForbidden(); err != nil {
			return err
		}
		pvc := &corev1.PersistentVolumeClaim{}
		if err := k8s.Get(ctx, keyOf(d, specs.ClaimName(d, specs.VolumePayload)), pvc); err != nil {
			return err
		}
		svc := &corev1.Service{}
		if err := k8s.Get(ctx, keyOf(d, specs.DataServiceName(d)), svc); err != nil {
			return err
		}
		if got := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; got.String() != "20Gi" || svc.Spec.Type != corev1.ServiceTypeNodePort {
			return fmt.Errorf("claim requests %s, Service %s", got.String(), svc.Spec.Type)
		}
		return nil
	})

	// No NetworkPolicy wanted: the operator deletes its own.
	eventually(t, timeout, "turn the NetworkPolicy off", func() error {
		now := get(t, ns, "life")
		now.Spec.Network.Policy = ptr.To(false)
		return k8s.Update(ctx, now)
	})
	eventually(t, timeout, "the NetworkPolicy deleted", func() error {
		if err := failOnForbidden(); err != nil {
			return err
		}
		err := k8s.Get(ctx, keyOf(d, specs.NetworkPolicyName(d)), &networkingv1.NetworkPolicy{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there: %v", err)
	})

	// A claim lost after serving, and an empty one accepted: the operator patches its statement away.
	payload := specs.ClaimName(d, specs.VolumePayload)
	deleteClaim(t, d, payload)
	waitForMessage(t, ns, "life", v1alpha1.ConditionStorageReady, v1alpha1.ReasonVolumeLost, payload+" is gone")
	eventually(t, timeout, "annotate the DittoFS", func() error {
		now := get(t, ns, "life")
		now.Annotations = map[string]string{v1alpha1.AnnotationRecreateEmptyClaims: payload}
		return k8s.Update(ctx, now)
	})
	eventually(t, timeout, "the annotation removed by the operator", func() error {
		if err := failOnForbidden(); err != nil {
			return err
		}
		if v, ok := get(t, ns, "life").Annotations[v1alpha1.AnnotationRecreateEmptyClaims]; ok {
			return fmt.Errorf("annotation still %q", v)
		}
		return nil
	})
	bindClaims(t, d)

	require.NoError(t, k8s.Delete(ctx, d))
	eventually(t, timeout, "the DittoFS to be finalized and gone", func() error {
		if err := failOnForbidden(); err != nil {
			return err
		}
		if err := k8s.Get(ctx, keyOf(d, d.Name), &v1alpha1.DittoFS{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("still there (err=%v)", err)
		}
		return nil
	})
	for _, obj := range dataObjects(d) {
		eventually(t, timeout, fmt.Sprintf("%T %s deleted", obj, obj.GetName()), func() error {
			if err := k8s.Get(ctx, keyOf(d, obj.GetName()), obj); err == nil && obj.GetDeletionTimestamp() == nil {
				return fmt.Errorf("still there")
			}
			return nil
		})
	}
	require.NoError(t, failOnForbidden())
	require.NoError(t, running.Stop(), "the operator stops and hands the lease over")

	requested := rec.permissions()
	var unused, unexplained []string
	for p := range role {
		if !requested[p] && notRequested[p] == "" && !listedByWatch(p, requested) {
			unused = append(unused, fmt.Sprint(p))
		}
	}
	for p := range notRequested {
		if !role[p] {
			unexplained = append(unexplained, fmt.Sprint(p))
		}
	}
	sort.Strings(unused)
	sort.Strings(unexplained)
	assert.Empty(t, unused, "granted by the role but never requested: drop the verb from its +kubebuilder:rbac marker, or say in notRequested which code path needs it")
	assert.Empty(t, unexplained, "notRequested explains a permission the role no longer grants")
	t.Logf("requested: %v", rec.sorted())
}

// rolePermissions reads deploy/rbac/role.yaml, the role controller-gen writes from the markers.
func rolePermissions(t *testing.T) map[chartgen.Permission]bool {
	t.Helper()
	root, err := toolchain.RepoRoot()
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(root, chartgen.RoleFile))
	require.NoError(t, err)
	rules, err := chartgen.ParseRole(data)
	require.NoError(t, err)
	return chartgen.Permissions(rules)
}

// bindRole creates a ClusterRole with exactly these permissions and binds it to operatorUser
// cluster-wide, as the chart does when it watches every namespace.
func bindRole(t *testing.T, ns, name string, perms map[chartgen.Permission]bool) {
	t.Helper()
	cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name + "-" + ns}}
	for p := range perms {
		cr.Rules = append(cr.Rules, rbacv1.PolicyRule{APIGroups: []string{p.Group}, Resources: []string{p.Resource}, Verbs: []string{p.Verb}})
	}
	require.NoError(t, k8s.Create(ctx, cr))
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: cr.Name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: cr.Name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: operatorUser}},
	}
	require.NoError(t, k8s.Create(ctx, crb))
	t.Cleanup(func() {
		_ = k8s.Delete(context.Background(), crb)
		_ = k8s.Delete(context.Background(), cr)
	})
}

// requestLog is every resource request the operator sent, as RBAC sees it, and those refused.
type requestLog struct {
	mu        sync.Mutex
	seen      map[chartgen.Permission]bool
	forbidden map[string]bool
}

func (l *requestLog) add(p chartgen.Permission, status int, url string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen, l.forbidden = map[chartgen.Permission]bool{}, map[string]bool{}
	}
	if status == http.StatusForbidden {
		l.forbidden[p.Verb+" "+url] = true
		return
	}
	l.seen[p] = true
}

func (l *requestLog) permissions() map[chartgen.Permission]bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[chartgen.Permission]bool{}
	for p := range l.seen {
		out[p] = true
	}
	return out
}

func (l *requestLog) sorted() []string {
	var out []string
	for p := range l.permissions() {
		out = append(out, p.Verb+" "+p.Group+"/"+p.Resource)
	}
	sort.Strings(out)
	return out
}

func (l *requestLog) forbiddenList() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for k := range l.forbidden {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// recordingTransport logs each resource request with the verb RBAC authorises it under.
type recordingTransport struct {
	next http.RoundTripper
	log  *requestLog
}

func (r recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if p, ok := permissionOf(req); ok && err == nil {
		r.log.add(p, resp.StatusCode, req.URL.Path)
	}
	return resp, err
}

// permissionOf is what RBAC checks for a request: /api/v1/... or /apis/<group>/<version>/...,
// then an optional namespaces/<ns>, the resource, an optional name and subresource. Discovery
// and other non-resource paths are not resources.
func permissionOf(req *http.Request) (chartgen.Permission, bool) {
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	var group string
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		group, parts = parts[1], parts[3:]
	default:
		return chartgen.Permission{}, false
	}
	if len(parts) >= 3 && parts[0] == "namespaces" {
		parts = parts[2:]
	}
	resource, named := parts[0], len(parts) > 1
	if len(parts) > 2 {
		resource += "/" + parts[2]
	}
	verb := map[string]string{http.MethodPost: "create", http.MethodPut: "update", http.MethodPatch: "patch", http.MethodDelete: "delete"}[req.Method]
	if req.Method == http.MethodGet {
		switch {
		case named:
			verb = "get"
		case req.URL.Query().Get("watch") == "true":
			verb = "watch"
		default:
			verb = "list"
		}
	}
	return chartgen.Permission{Group: group, Resource: resource, Verb: verb}, verb != ""
}

func keyOf(d *v1alpha1.DittoFS, name string) client.ObjectKey {
	return client.ObjectKey{Namespace: d.Namespace, Name: name}
}
