package controllers

// These tests drive the Shares sub-phase against a REAL dfs server (dfstest) and a real API
// server (envtest). The test plays the kubelet: the server runs on loopback, and the step is
// pointed at it through server.Access. The only fakes are in TestSharesFailuresTheServer
// CannotProduce, for answers a healthy dfs does not give to these requests (409 on create, 503),
// and they say so.

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi/dfstest"
	"github.com/dittofs/dittofs-operator/internal/nfsprobe"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/phases"
	"github.com/dittofs/dittofs-operator/phases/server"
	"github.com/dittofs/dittofs-operator/phases/shares"
)

// shareFixture is one namespace, one real dfs server, and an admin client for checking it.
type shareFixture struct {
	ns  string
	srv *dfstest.Server
	api *dittofsapi.Client
}

func newShareFixture(t *testing.T) *shareFixture {
	t.Helper()
	return newShareFixtureWith(t, dfstest.Options{})
}

// newShareFixtureWith starts the server with opts.
func newShareFixtureWith(t *testing.T, opts dfstest.Options) *shareFixture {
	t.Helper()
	srv := dfstest.Start(t, opts)
	api, err := dittofsapi.New(srv.BaseURL, dittofsapi.WithCredentials(dfstest.AdminUser, srv.AdminPassword))
	require.NoError(t, err)
	return &shareFixture{ns: newNamespace(t), srv: srv, api: api}
}

// access points the step at the loopback server, or at baseURL when given (a fault proxy).
func (f *shareFixture) access(baseURL string, retry, resync time.Duration) server.Access {
	if baseURL == "" {
		baseURL = f.srv.BaseURL
	}
	loc := server.Location{BaseURL: baseURL, DataRoot: f.srv.DataDir, NFSPort: f.srv.NFSPort, SMBPort: f.srv.SMBPort}
	return server.Access{
		Locate: func(*v1alpha1.DittoFS) server.Location { return loc },
		// Backoff stops at twice the first delay, so outages in these tests stay short.
		RetryAfter: retry, MaxRetryAfter: 2 * retry, ResyncAfter: resync, Timeout: 5 * time.Second,
	}
}

// adminSecret creates the DittoFS's admin Secret with the server's password, as the config step
// would have and the server would have used on first boot.
func (f *shareFixture) adminSecret(t *testing.T, name, user, password string) {
	t.Helper()
	require.NoError(t, k8s.Create(ctx, &corev1.Secret{
		// A Secret the user provides carries the DittoFS's labels, or it is a NameConflict.
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name + "-admin", Labels: userSecretLabels(name)},
		Data:       map[string][]byte{specs.AdminUsernameKey: []byte(user), specs.AdminPasswordKey: []byte(password)},
	}))
}

func (f *shareFixture) nfsAddr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(f.srv.NFSPort))
}

// exports reads the export list over the wire and sorts it.
func (f *shareFixture) exports(t *testing.T) []string {
	t.Helper()
	list, err := nfsprobe.Exports(ctx, f.nfsAddr())
	require.NoError(t, err)
	dirs := nfsprobe.Dirs(list)
	sort.Strings(dirs)
	return dirs
}

// mountable reports the MNT answer for each share: v0.29 keeps disabled shares in EXPORT but
// refuses to mount them, so "exported" means listed AND mountable.
func (f *shareFixture) mountable(t *testing.T, dirs ...string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, d := range dirs {
		st, err := nfsprobe.Mount(ctx, f.nfsAddr(), d)
		require.NoError(t, err)
		out[d] = st == nfsprobe.MountOK
	}
	return out
}

func shareState(d *v1alpha1.DittoFS, name string) (v1alpha1.ShareStatus, bool) {
	for _, s := range d.Status.Shares {
		if s.Name == name {
			return s, true
		}
	}
	return v1alpha1.ShareStatus{}, false
}

func condition(d *v1alpha1.DittoFS, t string) metav1.Condition {
	if c := meta.FindStatusCondition(d.Status.Conditions, t); c != nil {
		return *c
	}
	return metav1.Condition{}
}

// TestSharesEndToEnd runs the whole reconciler with the Shares sub-phase against a real server:
// create, drift, remove (disable, then delete), server down and back, and zero writes at rest.
func TestSharesEndToEnd(t *testing.T) {
	f := newShareFixture(t)
	op := startOperator(t, f.ns, f.access("", 2*time.Second, time.Second))

	// A share someone made by hand: not the operator's, never touched.
	_, err := f.api.CreateMetadataStore(ctx, "manual", dittofsapi.MemoryMetadataConfig{})
	require.NoError(t, err)
	_, err = f.api.CreateLocalBlockStore(ctx, "manual", dittofsapi.MemoryLocalBlockConfig{})
	require.NoError(t, err)
	_, err = f.api.CreateShare(ctx, dittofsapi.CreateShareRequest{Name: "/foreign", MetadataStore: "manual", LocalBlockStore: "manual"})
	require.NoError(t, err)
	_, err = f.api.CreateUser(ctx, dittofsapi.CreateUserRequest{Username: "alice", Password: "alice-password-1"})
	require.NoError(t, err)

	f.adminSecret(t, "media", "admin", f.srv.AdminPassword)
	oneGi := resource.MustParse("1Gi")
	d := newDittoFS(f.ns, "media")
	d.Spec.Shares = []v1alpha1.ShareSpec{
		{Name: "/media", DefaultPermission: "read", Permissions: []v1alpha1.SharePermission{{Group: "users", Level: "read-write"}, {User: "alice", Level: "read"}}},
		{Name: "/docs", ReadOnly: true, Quota: &oneGi},
	}
	d = createBound(t, d)
	setPodReady(t, d, true)

	d = waitFor(t, f.ns, "media", v1alpha1.PhaseServing, v1alpha1.ConditionSharesReady, v1alpha1.ReasonSharesReady)
	assert.Equal(t, "2/2", d.Status.ShareSummary)
	for _, name := range []string{"/media", "/docs"} {
		st, ok := shareState(d, name)
		assert.True(t, ok && st.State == v1alpha1.ShareStateReady, "%s: %+v", name, st)
	}
	assert.Contains(t, d.Status.Endpoints.Mount, fmt.Sprintf("media.%s.svc:/media /mnt/media", f.ns), "the mount command names a Ready share")

	// The server's state, read back through its API...
	media, err := f.api.GetShare(ctx, "/media")
	require.NoError(t, err)
	assert.False(t, media.ReadOnly)
	assert.Equal(t, dittofsapi.PermissionRead, media.DefaultPermission)
	docs, err := f.api.GetShare(ctx, "/docs")
	require.NoError(t, err)
	assert.True(t, docs.ReadOnly)
	assert.Equal(t, "1.00GiB", docs.QuotaBytes)
	perms, err := f.api.ListPermissions(ctx, "/media")
	require.NoError(t, err)
	assert.ElementsMatch(t, []dittofsapi.Permission{
		{Type: "group", Name: "users", Level: dittofsapi.PermissionReadWrite},
		{Type: "user", Name: "alice", Level: dittofsapi.PermissionRead},
	}, perms)
	meta, err := f.api.GetMetadataStore(ctx, "operator-metadata-badger")
	require.NoError(t, err)
	assert.Contains(t, string(meta.Config), f.srv.DataDir+"/metadata/badger")
	smb, err := f.api.GetAdapter(ctx, dittofsapi.AdapterSMB)
	require.NoError(t, err)
	assert.False(t, smb.Enabled, "spec.adapters.smb is off by default")
	nfs, err := f.api.GetAdapter(ctx, dittofsapi.AdapterNFS)
	require.NoError(t, err)
	assert.True(t, nfs.Enabled)
	assert.Equal(t, f.srv.NFSPort, nfs.Port)
	// ...and on the wire: exactly the spec's shares plus the hand-made one, all mountable.
	assert.Equal(t, []string{"/docs", "/foreign", "/media"}, f.exports(t))
	assert.Equal(t, map[string]bool{"/docs": true, "/media": true}, f.mountable(t, "/docs", "/media"))

	// At rest (the step requeues every second to look for drift) nothing is written to Kubernetes.
	settleFor(t, op, 3)
	writes := op.writes.Load()
	reconciles := op.reconciles.Load()
	eventually(t, timeout, "three resync reconciles", func() error {
		if n := op.reconciles.Load() - reconciles; n < 3 {
			return fmt.Errorf("%d reconciles", n)
		}
		return nil
	})
	assert.Equal(t, int64(0), op.writes.Load()-writes, "a converged DittoFS costs zero Kubernetes writes, resyncs included")

	t.Run("drift made by hand is put back", func(t *testing.T) {
		_, err := f.api.UpdateShare(ctx, "/media", dittofsapi.UpdateShareRequest{ReadOnly: ptrTo(true), QuotaBytes: ptrTo("5GiB")})
		require.NoError(t, err)
		require.NoError(t, f.api.DeleteGroupPermission(ctx, "/media", "users"))
		require.NoError(t, f.api.SetUserPermission(ctx, "/media", "alice", dittofsapi.PermissionReadWrite))
		require.NoError(t, f.api.SetGroupPermission(ctx, "/media", "admins", dittofsapi.PermissionReadWrite))
		_, err = f.api.UpdateAdapter(ctx, dittofsapi.AdapterSMB, dittofsapi.AdapterUpdate{Enabled: ptrTo(true)})
		require.NoError(t, err)
		eventually(t, timeout, "the operator to restore /media and SMB", func() error {
			s, err := f.api.GetShare(ctx, "/media")
			if err != nil {
				return err
			}
			p, err := f.api.ListPermissions(ctx, "/media")
			if err != nil {
				return err
			}
			a, err := f.api.GetAdapter(ctx, dittofsapi.AdapterSMB)
			if err != nil {
				return err
			}
			sort.Slice(p, func(i, j int) bool { return p[i].Name < p[j].Name })
			want := []dittofsapi.Permission{{Type: "user", Name: "alice", Level: "read"}, {Type: "group", Name: "users", Level: "read-write"}}
			if s.ReadOnly || s.QuotaBytes != "" || a.Enabled || fmt.Sprint(p) != fmt.Sprint(want) {
				return fmt.Errorf("read_only=%v quota=%q smb=%v perms=%v", s.ReadOnly, s.QuotaBytes, a.Enabled, p)
			}
			return nil
		})
	})

	t.Run("a removed share is disabled and kept, then deleted on request", func(t *testing.T) {
		eventually(t, timeout, "remove /docs from the spec", func() error {
			d := get(t, f.ns, "media")
			d.Spec.Shares = d.Spec.Shares[:1]
			return k8s.Update(ctx, d)
		})
		eventually(t, timeout, "/docs Disabled in status", func() error {
			d := get(t, f.ns, "media")
			st, _ := shareState(d, "/docs")
			if st.State != v1alpha1.ShareStateDisabled || d.Status.ShareSummary != "1/1" || d.Status.Phase != v1alpha1.PhaseServing {
				return fmt.Errorf("phase %s summary %s shares %+v", d.Status.Phase, d.Status.ShareSummary, d.Status.Shares)
			}
			return nil
		})
		docs, err := f.api.GetShare(ctx, "/docs")
		require.NoError(t, err, "the data is kept")
		assert.False(t, docs.Enabled)
		assert.Equal(t, map[string]bool{"/docs": false, "/media": true, "/foreign": true}, f.mountable(t, "/docs", "/media", "/foreign"),
			"only enabled shares can be mounted; the hand-made one is untouched")

		eventually(t, timeout, "set removedShares: Delete", func() error {
			d := get(t, f.ns, "media")
			d.Spec.RemovedShares = v1alpha1.RemovedShareDelete
			return k8s.Update(ctx, d)
		})
		eventually(t, timeout, "/docs deleted from the server and status", func() error {
			d := get(t, f.ns, "media")
			if _, ok := shareState(d, "/docs"); ok {
				return fmt.Errorf("status still lists /docs: %+v", d.Status.Shares)
			}
			if _, err := f.api.GetShare(ctx, "/docs"); !dittofsapi.IsNotFound(err) {
				return fmt.Errorf("GET /docs: %v", err)
			}
			return nil
		})
		ev := waitForEvent(t, f.ns, "media", shares.ReasonShareDeleted, "Share /docs ")
		assert.Equal(t, corev1.EventTypeWarning, ev.Type, "deleting data is said as a Warning")
		assert.Equal(t, []string{"/foreign", "/media"}, f.exports(t), "exactly the spec's share, plus the one the operator never owned")
		foreign, err := f.api.GetShare(ctx, "/foreign")
		require.NoError(t, err)
		assert.True(t, foreign.Enabled, "a share the operator did not create is never disabled or deleted")
	})

	t.Run("server down is Degraded with a stable message, and recovers", func(t *testing.T) {
		require.NoError(t, f.srv.Stop(t))
		d := waitFor(t, f.ns, "media", v1alpha1.PhaseDegraded, v1alpha1.ConditionSharesReady, v1alpha1.ReasonServerUnreachable)
		msg := condition(d, v1alpha1.ConditionSharesReady).Message
		assert.Contains(t, msg, "connection refused")
		assert.Contains(t, condition(d, v1alpha1.ConditionDegraded).Message, "SharesReady")
		st, _ := shareState(d, "/media")
		assert.Equal(t, v1alpha1.ShareStateUnknown, st.State)
		assert.Equal(t, "?/1", d.Status.ShareSummary)
		assert.Empty(t, d.Status.Endpoints.Mount, "no share is known to be exported")

		// While it lasts, the retries (every 2s here) rewrite nothing.
		settleFor(t, op, 1)
		writes, reconciles := op.writes.Load(), op.reconciles.Load()
		eventually(t, timeout, "two retries", func() error {
			if n := op.reconciles.Load() - reconciles; n < 2 {
				return fmt.Errorf("%d reconciles", n)
			}
			return nil
		})
		assert.Equal(t, int64(0), op.writes.Load()-writes, "a lasting outage costs no writes")
		assert.Equal(t, msg, condition(get(t, f.ns, "media"), v1alpha1.ConditionSharesReady).Message)

		require.NoError(t, f.srv.Restart(t))
		d = waitFor(t, f.ns, "media", v1alpha1.PhaseServing, v1alpha1.ConditionSharesReady, v1alpha1.ReasonSharesReady)
		assert.Equal(t, "1/1", d.Status.ShareSummary)
		assert.Contains(t, d.Status.Endpoints.Mount, ":/media")
	})
}

// settleFor waits until n resync reconciles passed without a write, so counting starts after the
// status patch of the last change and its echo.
func settleFor(t *testing.T, op *operator, n int) {
	t.Helper()
	lastWrites, since := op.writes.Load(), op.reconciles.Load()
	eventually(t, timeout, "no writes for a few reconciles", func() error {
		if w := op.writes.Load(); w != lastWrites {
			lastWrites, since = w, op.reconciles.Load()
			return fmt.Errorf("still writing")
		}
		if got := op.reconciles.Load() - since; got < int64(n) {
			return fmt.Errorf("%d quiet reconciles", got)
		}
		return nil
	})
}

// stepResult is what one pass of a step reported, done or blocked.
type stepResult struct {
	Done            bool
	Reason, Message string
	RequeueAfter    time.Duration
}

// runStep calls the step once, as the runner would, on a DittoFS read from envtest. A reconcile
// error (anything but a *phases.Blocked) fails the test.
func runStep(t *testing.T, step *shares.Step, d *v1alpha1.DittoFS) stepResult {
	t.Helper()
	out, err := step.Reconcile(ctx, &phases.Scope{Client: k8s, Scheme: k8s.Scheme(), Now: time.Now, DittoFS: d})
	if err == nil {
		return stepResult{Done: true, Reason: out.Reason, Message: out.Message, RequeueAfter: out.RequeueAfter}
	}
	b := phases.AsBlocked(err)
	require.NotNil(t, b, "reconcile error: %v", err)
	return stepResult{Reason: b.Reason, Message: b.Message, RequeueAfter: b.RequeueAfter}
}

func stepDittoFS(t *testing.T, ns, name string, shares ...string) *v1alpha1.DittoFS {
	t.Helper()
	d := newDittoFS(ns, name)
	d.Spec.Shares = nil
	for _, s := range shares {
		d.Spec.Shares = append(d.Spec.Shares, v1alpha1.ShareSpec{Name: s})
	}
	require.NoError(t, k8s.Create(ctx, d))
	return get(t, ns, name)
}

// TestSharesCredentialAndStoreFailures: each failure a real server produces lands in the
// condition and the shares' status with a readable message, and nothing secret leaks.
func TestSharesCredentialAndStoreFailures(t *testing.T) {
	f := newShareFixture(t)

	t.Run("wrong admin password is 401", func(t *testing.T) {
		step := shares.New(f.access("", time.Minute, time.Minute))
		f.adminSecret(t, "wrongpw", "admin", "not-the-password")
		d := stepDittoFS(t, f.ns, "wrongpw", "/a")
		out := runStep(t, step, d)
		assert.False(t, out.Done)
		assert.Equal(t, v1alpha1.ReasonAdminLoginFailed, out.Reason)
		assert.Contains(t, out.Message, "401")
		assert.Contains(t, out.Message, "Secret wrongpw-admin")
		assert.Equal(t, time.Minute, out.RequeueAfter)
		assert.Equal(t, v1alpha1.ShareStateUnknown, d.Status.Shares[0].State)
		assert.NotContains(t, fmt.Sprint(d.Status, out), "not-the-password")
	})

	t.Run("an operator-role user is 403", func(t *testing.T) {
		_, err := f.api.CreateUser(ctx, dittofsapi.CreateUserRequest{Username: "ops", Password: "ops-password-1", Role: dittofsapi.RoleOperator})
		require.NoError(t, err)
		step := shares.New(f.access("", time.Minute, time.Minute))
		f.adminSecret(t, "ops", "ops", "ops-password-1")
		d := stepDittoFS(t, f.ns, "ops", "/a")
		out := runStep(t, step, d)
		assert.Equal(t, v1alpha1.ReasonAdminForbidden, out.Reason, out.Message)
		assert.Contains(t, out.Message, "403")
		assert.Contains(t, out.Message, "role admin")
	})

	t.Run("an S3 store the server rejects fails the shares", func(t *testing.T) {
		step := shares.New(f.access("", time.Minute, time.Minute))
		f.adminSecret(t, "s3", "admin", f.srv.AdminPassword)
		require.NoError(t, k8s.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "s3-creds"},
			Data:       map[string][]byte{"accessKeyID": []byte("AKIDEXAMPLE"), "secretAccessKey": []byte("super-secret-key-value")},
		}))
		d := newDittoFS(f.ns, "s3")
		d.Spec.Shares = []v1alpha1.ShareSpec{{Name: "/tiered"}}
		// A loopback endpoint: the server refuses private S3 endpoints.
		d.Spec.PayloadStore.S3 = &v1alpha1.S3BlockStoreSpec{Bucket: "b", Endpoint: "http://127.0.0.1:1", CredentialsSecretRef: corev1.LocalObjectReference{Name: "s3-creds"}}
		require.NoError(t, k8s.Create(ctx, d))
		d = get(t, f.ns, "s3")
		out := runStep(t, step, d)
		assert.Equal(t, v1alpha1.ReasonStoreRejected, out.Reason, out.Message)
		assert.Contains(t, out.Message, "S3 block store")
		require.Len(t, d.Status.Shares, 1)
		assert.Equal(t, v1alpha1.ShareStateFailed, d.Status.Shares[0].State)
		assert.Contains(t, d.Status.Shares[0].Message, "S3 block store")
		assert.Equal(t, "0/1", d.Status.ShareSummary)
		assert.NotContains(t, fmt.Sprint(d.Status, out), "super-secret-key-value")
		_, err := f.api.GetShare(ctx, "/tiered")
		assert.True(t, dittofsapi.IsNotFound(err), "no share without its store: %v", err)
		t.Logf("condition message: %s", out.Message)
	})

	t.Run("an in-cluster S3 endpoint is accepted with allowPrivateEndpoint", func(t *testing.T) {
		step := shares.New(f.access("", time.Minute, time.Minute))
		f.adminSecret(t, "minio", "admin", f.srv.AdminPassword)
		d := newDittoFS(f.ns, "minio")
		d.Spec.Shares = []v1alpha1.ShareSpec{{Name: "/in-cluster"}}
		d.Spec.PayloadStore.S3 = &v1alpha1.S3BlockStoreSpec{Bucket: "b", Endpoint: "http://127.0.0.1:1", AllowPrivateEndpoint: true,
			CredentialsSecretRef: corev1.LocalObjectReference{Name: "s3-creds"}}
		require.NoError(t, k8s.Create(ctx, d))
		d = get(t, f.ns, "minio")
		out := runStep(t, step, d)
		// The same loopback endpoint as above: the server no longer refuses it as private.
		assert.NotContains(t, out.Message, "unsafe endpoint", out.Message)
		assert.NotContains(t, out.Message, "S3 block store", out.Message)
		st, err := f.api.GetBlockStore(ctx, dittofsapi.BlockStoreRemote, "operator-remote-s3")
		require.NoError(t, err)
		var got dittofsapi.S3RemoteBlockConfig
		require.NoError(t, st.DecodeConfig(&got))
		assert.Equal(t, "http://127.0.0.1:1", got.Endpoint)
	})

	t.Run("an unknown user in a permission fails that share only", func(t *testing.T) {
		step := shares.New(f.access("", time.Minute, time.Minute))
		f.adminSecret(t, "perm", "admin", f.srv.AdminPassword)
		d := newDittoFS(f.ns, "perm")
		d.Spec.Shares = []v1alpha1.ShareSpec{
			{Name: "/good"},
			{Name: "/bad", Permissions: []v1alpha1.SharePermission{{User: "nobody", Level: "read"}}},
		}
		require.NoError(t, k8s.Create(ctx, d))
		d = get(t, f.ns, "perm")
		out := runStep(t, step, d)
		assert.Equal(t, v1alpha1.ReasonShareFailed, out.Reason)
		assert.Contains(t, out.Message, "1 of 2 shares failed: /bad: grant user nobody read")
		good, _ := shareState(d, "/good")
		bad, _ := shareState(d, "/bad")
		assert.Equal(t, v1alpha1.ShareStateReady, good.State)
		assert.Equal(t, v1alpha1.ShareStateFailed, bad.State)
		assert.Contains(t, bad.Message, "404")
		assert.Equal(t, "1/2", d.Status.ShareSummary)

		// A second pass with nothing changed gives the same status (no rewrite).
		before := d.Status.DeepCopy()
		out2 := runStep(t, step, d)
		assert.Equal(t, out.Reason, out2.Reason)
		assert.Equal(t, out.Message, out2.Message)
		assert.Greater(t, out2.RequeueAfter, out.RequeueAfter, "a failure that lasts is retried less often")
		assert.Equal(t, before, &d.Status)
	})
}

// faultProxy forwards to the real server but answers some requests itself. It stands in only for
// answers a healthy dfs does not give to the operator's requests: a 409 on creating a share the
// operator has just seen missing (a race with another client), and 503 from a server that is
// starting or overloaded.
func faultProxy(t *testing.T, target string, fault func(r *http.Request) int) string {
	t.Helper()
	return faultProxyWith(t, target, "injected by the test", fault)
}

// faultProxyWith is faultProxy answering with the given detail in its problem documents.
func faultProxyWith(t *testing.T, target, detail string, fault func(r *http.Request) int) string {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if code := fault(r); code != 0 {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(code)
			_, _ = fmt.Fprintf(w, `{"title":%q,"status":%d,"detail":%q}`, http.StatusText(code), code, detail)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestSharesFailuresTheServerCannotProduce(t *testing.T) {
	f := newShareFixture(t)

	t.Run("409 on create lands in the share's status", func(t *testing.T) {
		base := faultProxy(t, f.srv.BaseURL, func(r *http.Request) int {
			if r.Method == http.MethodPost && r.URL.Path == "/api/v1/shares" && strings.Contains(readBody(r), "/racy") {
				return http.StatusConflict
			}
			return 0
		})
		step := shares.New(f.access(base, time.Minute, time.Minute))
		f.adminSecret(t, "conflict", "admin", f.srv.AdminPassword)
		d := stepDittoFS(t, f.ns, "conflict", "/racy", "/calm")
		out := runStep(t, step, d)
		assert.Equal(t, v1alpha1.ReasonShareFailed, out.Reason)
		racy, _ := shareState(d, "/racy")
		assert.Equal(t, v1alpha1.ShareStateFailed, racy.State)
		assert.Contains(t, racy.Message, "409 Conflict")
		calm, _ := shareState(d, "/calm")
		assert.Equal(t, v1alpha1.ShareStateReady, calm.State, "one share's failure does not block the others")
	})

	t.Run("503 is unreachable with a stable message and a requeue", func(t *testing.T) {
		base := faultProxy(t, f.srv.BaseURL, func(r *http.Request) int { return http.StatusServiceUnavailable })
		step := shares.New(f.access(base, 17*time.Second, time.Minute))
		f.adminSecret(t, "busy", "admin", f.srv.AdminPassword)
		d := stepDittoFS(t, f.ns, "busy", "/x")
		out := runStep(t, step, d)
		assert.Equal(t, v1alpha1.ReasonServerUnreachable, out.Reason)
		assert.Contains(t, out.Message, "HTTP 503")
		assert.Equal(t, 17*time.Second, out.RequeueAfter)
		statusBefore := d.Status.DeepCopy()
		again := runStep(t, step, d)
		assert.Equal(t, out.Message, again.Message, "the same message on every pass")
		assert.Equal(t, 34*time.Second, again.RequeueAfter, "each failure in a row doubles the wait")
		assert.Equal(t, statusBefore, &d.Status)
	})

	t.Run("a server slower than the timeout is unreachable", func(t *testing.T) {
		release := make(chan struct{})
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		t.Cleanup(func() { close(release); slow.Close() })
		acc := f.access(slow.URL, time.Minute, time.Minute)
		acc.Timeout = 200 * time.Millisecond
		step := shares.New(acc)
		f.adminSecret(t, "slow", "admin", f.srv.AdminPassword)
		d := stepDittoFS(t, f.ns, "slow", "/x")
		out := runStep(t, step, d)
		assert.Equal(t, v1alpha1.ReasonServerUnreachable, out.Reason)
		assert.Contains(t, out.Message, "timed out")
	})
}

func readBody(r *http.Request) string {
	body, err := httputil.DumpRequest(r, true)
	if err != nil {
		return ""
	}
	// DumpRequest restores r.Body for the proxy.
	return string(body)
}
