package controllers

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// ruleCase is one spec the CRD must refuse (message set) or accept (message empty, a near miss
// of a refused one). mutate edits the typed object; raw then edits its JSON form, for what the
// Go types cannot hold (a duration that does not parse, an empty string the encoder omits).
type ruleCase struct {
	name    string
	mutate  func(d *v1alpha1.DittoFS)
	raw     func(o map[string]any)
	message string
	// createOnly: the case changes metadata.name, which an update cannot.
	createOnly bool
}

// specRuleCases has one refused object per rule the object alone decides, each next to the
// accepted near misses that show the rule is no wider than its message says.
func specRuleCases() []ruleCase {
	smb := func(d *v1alpha1.DittoFS) { d.Spec.Adapters.SMB.Enabled = true }
	secretRef := func(name string) func(d *v1alpha1.DittoFS) {
		return func(d *v1alpha1.DittoFS) {
			d.Spec.Database = v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres, Postgres: &v1alpha1.PostgresSpec{
				SecretRef: &corev1.LocalObjectReference{Name: name}}}
		}
	}
	percona := func(p v1alpha1.PerconaSpec) func(d *v1alpha1.DittoFS) {
		return func(d *v1alpha1.DittoFS) {
			d.Spec.Database = v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres, Postgres: &v1alpha1.PostgresSpec{Percona: &p}}
		}
	}
	s3 := func(s v1alpha1.S3BlockStoreSpec) func(d *v1alpha1.DittoFS) {
		return func(d *v1alpha1.DittoFS) { d.Spec.PayloadStore.S3 = &s }
	}
	shares := func(names ...string) func(d *v1alpha1.DittoFS) {
		return func(d *v1alpha1.DittoFS) {
			d.Spec.Shares = nil
			for _, n := range names {
				d.Spec.Shares = append(d.Spec.Shares, v1alpha1.ShareSpec{Name: n})
			}
		}
	}
	backups := func(snaps *v1alpha1.ShareSnapshots, restore *v1alpha1.ShareRestore) func(d *v1alpha1.DittoFS) {
		return func(d *v1alpha1.DittoFS) { d.Spec.Shares[0].Snapshots, d.Spec.Shares[0].Restore = snaps, restore }
	}
	onDemand := func(names ...string) *v1alpha1.ShareSnapshots {
		s := &v1alpha1.ShareSnapshots{}
		for _, n := range names {
			s.OnDemand = append(s.OnDemand, v1alpha1.OnDemandSnapshot{Name: n})
		}
		return s
	}
	schedule := func(interval, maxAge string) *v1alpha1.ShareSnapshots {
		sch := &v1alpha1.SnapshotSchedule{Interval: metav1.Duration{Duration: mustDuration(interval)}}
		if maxAge != "" {
			sch.MaxAge = &metav1.Duration{Duration: mustDuration(maxAge)}
		}
		return &v1alpha1.ShareSnapshots{Schedule: sch}
	}
	const restoreSourceMsg = "a restore names exactly one of snapshot"
	quota := func(q string) func(d *v1alpha1.DittoFS) {
		return func(d *v1alpha1.DittoFS) { d.Spec.Shares[0].Quota = ptrTo(resourceMust(q)) }
	}
	metricsPort := func(p int32) func(d *v1alpha1.DittoFS) {
		return func(d *v1alpha1.DittoFS) { d.Spec.Metrics = v1alpha1.MetricsSpec{Enabled: true, Port: p} }
	}
	storageClass := func(c string) func(d *v1alpha1.DittoFS) {
		return func(d *v1alpha1.DittoFS) { d.Spec.Storage.StorageClassName = &c }
	}
	readyTimeout := func(v time.Duration) func(d *v1alpha1.DittoFS) {
		return func(d *v1alpha1.DittoFS) { d.Spec.Database.ReadyTimeout = &metav1.Duration{Duration: v} }
	}
	lbTimeout := func(v time.Duration) func(d *v1alpha1.DittoFS) {
		return func(d *v1alpha1.DittoFS) { d.Spec.Service.LoadBalancerTimeout = &metav1.Duration{Duration: v} }
	}
	named := func(n int, mutate func(d *v1alpha1.DittoFS)) func(d *v1alpha1.DittoFS) {
		return func(d *v1alpha1.DittoFS) { d.Name = strings.Repeat("p", n); mutate(d) }
	}
	both := func(fs ...func(d *v1alpha1.DittoFS)) func(d *v1alpha1.DittoFS) {
		return func(d *v1alpha1.DittoFS) {
			for _, f := range fs {
				f(d)
			}
		}
	}
	const (
		samePort    = "adapters.nfs.port and adapters.smb.port must differ"
		metricsMsg  = "metrics.port cannot be 8080 (REST API), 12049 (NFS) or 1445 (SMB)"
		dotsMsg     = "a share name cannot be only dots"
		quotaMsg    = "a share quota must be a positive whole number of bytes"
		classMsg    = "storage.storageClassName must name a StorageClass"
		caseMsg     = "two shares differ only in letter case"
		smbCaseMsg  = "with SMB enabled every share name must be lowercase"
		perconaName = "metadata.name must be at most 34 characters"
		readyMsg    = "database.readyTimeout must be a non-negative duration"
	)
	return []ruleCase{
		// NFS and SMB share the data-plane Service.
		{"NFS and SMB on the same port", both(smb, func(d *v1alpha1.DittoFS) { d.Spec.Adapters.SMB.Port = 2049 }), nil, samePort, false},
		{"near miss: NFS and SMB on their default ports", smb, nil, "", false},
		{"near miss: same port, SMB off", func(d *v1alpha1.DittoFS) { d.Spec.Adapters.SMB.Port = 2049 }, nil, "", false},
		{"near miss: same port, NFS off", both(smb, func(d *v1alpha1.DittoFS) {
			d.Spec.Adapters.SMB.Port, d.Spec.Adapters.NFS.Enabled = 2049, ptrTo(false)
		}), nil, "", false},

		// The metrics port shares the pod with the server's own listeners.
		{"metrics on the API port", metricsPort(specs.APIPort), nil, metricsMsg, false},
		{"metrics on the NFS container port", metricsPort(specs.NFSContainerPort), nil, metricsMsg, false},
		{"metrics on the SMB container port", metricsPort(specs.SMBContainerPort), nil, metricsMsg, false},
		{"near miss: metrics next to the API port", metricsPort(specs.APIPort + 1), nil, "", false},

		// References to Secrets and clusters.
		{"empty secretRef name", secretRef(""), nil, "database.postgres.secretRef.name must name a Secret", false},
		{"secretRef name that no Secret can have", secretRef("PG_Conn"), nil, "database.postgres.secretRef.name must name a Secret", false},
		{"near miss: dotted secretRef name", secretRef("pg-connection.v1"), nil, "", false},
		{"empty clusterRef name", percona(v1alpha1.PerconaSpec{ClusterRef: &corev1.LocalObjectReference{}}), nil,
			"database.postgres.percona.clusterRef.name must name a PerconaPGCluster", false},
		{"near miss: clusterRef name", percona(v1alpha1.PerconaSpec{ClusterRef: &corev1.LocalObjectReference{Name: "shared"}}), nil, "", false},
		{"S3 with an empty credentialsSecretRef", s3(v1alpha1.S3BlockStoreSpec{Bucket: "b"}), nil,
			"payloadStore.s3.credentialsSecretRef.name must name a Secret", false},
		{"S3 without credentialsSecretRef", s3(v1alpha1.S3BlockStoreSpec{Bucket: "b"}), func(o map[string]any) {
			delete(dig(o, "spec", "payloadStore", "s3"), "credentialsSecretRef")
		}, "spec.payloadStore.s3.credentialsSecretRef: Required value", false},
		{"near miss: S3 with credentials", s3(v1alpha1.S3BlockStoreSpec{Bucket: "b", CredentialsSecretRef: corev1.LocalObjectReference{Name: "s3"}}), nil, "", false},
		{"empty imagePullSecrets name", func(d *v1alpha1.DittoFS) {
			d.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "registry"}, {}}
		}, nil, "every entry of imagePullSecrets must name a Secret", false},
		{"near miss: imagePullSecrets", func(d *v1alpha1.DittoFS) {
			d.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "registry"}}
		}, nil, "", false},

		// S3 endpoints.
		{"S3 endpoint with another scheme", s3(v1alpha1.S3BlockStoreSpec{Bucket: "b", Endpoint: "ftp://minio:9000",
			CredentialsSecretRef: corev1.LocalObjectReference{Name: "s3"}}), nil, "payloadStore.s3.endpoint must be a host", false},
		{"near miss: S3 endpoint without a scheme", s3(v1alpha1.S3BlockStoreSpec{Bucket: "b", Endpoint: "minio.storage:9000",
			CredentialsSecretRef: corev1.LocalObjectReference{Name: "s3"}}), nil, "", false},
		{"near miss: S3 endpoint over http", s3(v1alpha1.S3BlockStoreSpec{Bucket: "b", Endpoint: "http://minio:9000",
			CredentialsSecretRef: corev1.LocalObjectReference{Name: "s3"}}), nil, "", false},

		// Share names.
		{"share named /.", shares("/."), nil, dotsMsg, false},
		{"share named /..", shares("/.."), nil, dotsMsg, false},
		{"share named /...", shares("/..."), nil, dotsMsg, false},
		{"near miss: dotted share names", shares("/.hidden", "/a..b", "/v1.2"), nil, "", false},
		{"nested share", shares("/media/photos"), nil, "nested shares such as /media/photos are not supported", false},
		{"near miss: flat share", shares("/media-photos"), nil, "", false},
		{"shares differing only in case", shares("/media", "/Media"), nil, caseMsg, false},
		{"near miss: distinct shares", shares("/media", "/photos"), nil, "", false},
		{"uppercase share with SMB", both(smb, shares("/Media")), nil, smbCaseMsg, false},
		{"near miss: uppercase share without SMB", shares("/Media"), nil, "", false},
		{"empty permission user", nil, func(o map[string]any) {
			dig(o, "spec", "shares", 0)["permissions"] = []any{map[string]any{"user": "", "level": "read"}}
		}, "spec.shares[0].permissions[0].user in body should be at least 1 chars long", false},
		{"near miss: permission user", func(d *v1alpha1.DittoFS) {
			d.Spec.Shares[0].Permissions = []v1alpha1.SharePermission{{User: "alice", Level: "read"}}
		}, nil, "", false},

		// Quotas.
		{"negative quota", quota("-1Gi"), nil, quotaMsg, false},
		{"zero quota", quota("0"), nil, quotaMsg, false},
		{"fractional quota", quota("0.5"), nil, quotaMsg, false},
		{"quota in millibytes", quota("1500m"), nil, quotaMsg, false},
		{"quota beyond int64", quota("16Ei"), nil, quotaMsg, false},
		{"near miss: quota of whole bytes written with a fraction", quota("1.5Gi"), nil, "", false},
		{"near miss: quota of one byte", quota("1"), nil, "", false},

		// Storage classes.
		{"empty storageClassName", storageClass(""), nil, classMsg, false},
		{"storageClassName no class can have", storageClass("Fast SSD"), nil, classMsg, false},
		{"near miss: storageClassName", storageClass("fast.example.com"), nil, "", false},
		{"empty percona storageClassName", percona(v1alpha1.PerconaSpec{Create: true, StorageClassName: ptrTo("")}), nil,
			"database.postgres.percona.storageClassName must name a StorageClass", false},
		{"near miss: percona storageClassName", percona(v1alpha1.PerconaSpec{Create: true, StorageClassName: ptrTo("fast")}), nil, "", false},

		// Names Percona derives from a created cluster.
		{"percona create with a 35-character name", named(35, percona(v1alpha1.PerconaSpec{Create: true})), nil, perconaName, true},
		{"near miss: percona create with a 34-character name", named(34, percona(v1alpha1.PerconaSpec{Create: true})), nil, "", true},
		{"near miss: percona clusterRef with a 45-character name", named(45, percona(v1alpha1.PerconaSpec{
			ClusterRef: &corev1.LocalObjectReference{Name: "shared"}})), nil, "", true},

		// Durations (one that does not parse would also stop the operator from decoding the object).
		{"negative readyTimeout", readyTimeout(-time.Minute), nil, readyMsg, false},
		{"readyTimeout that does not parse", nil, func(o map[string]any) {
			dig(o, "spec")["database"] = map[string]any{"type": "sqlite", "readyTimeout": "10 minutes"}
		}, readyMsg, false},
		{"near miss: readyTimeout", readyTimeout(90 * time.Minute), nil, "", false},
		{"near miss: zero readyTimeout", nil, func(o map[string]any) {
			dig(o, "spec")["database"] = map[string]any{"type": "sqlite", "readyTimeout": "0"}
		}, "", false},
		{"negative loadBalancerTimeout", lbTimeout(-time.Second), nil, "service.loadBalancerTimeout must be a non-negative duration", false},
		{"near miss: loadBalancerTimeout", lbTimeout(1500 * time.Millisecond), nil, "", false},

		// Who may reach the data plane.
		{"source range that is not a CIDR", func(d *v1alpha1.DittoFS) {
			d.Spec.Service = v1alpha1.ServiceSpec{Type: "LoadBalancer", LoadBalancerSourceRanges: []string{"10.20.0.0/16", "office"}}
		}, nil, "every entry of service.loadBalancerSourceRanges must be a CIDR", false},
		{"source ranges on a ClusterIP Service", func(d *v1alpha1.DittoFS) {
			d.Spec.Service = v1alpha1.ServiceSpec{Type: "ClusterIP", LoadBalancerSourceRanges: []string{"10.20.0.0/16"}}
		}, nil, "service.loadBalancerSourceRanges applies to type LoadBalancer only", false},
		{"near miss: source ranges on a LoadBalancer", func(d *v1alpha1.DittoFS) {
			d.Spec.Service = v1alpha1.ServiceSpec{Type: "LoadBalancer", LoadBalancerSourceRanges: []string{"10.20.0.0/16", "2001:db8::/32"}}
		}, nil, "", false},

		// Backups.
		{"restore naming no snapshot", backups(nil, &v1alpha1.ShareRestore{Name: "r"}), nil, restoreSourceMsg, false},
		{"restore naming both a snapshot and an id", backups(onDemand("v1"), &v1alpha1.ShareRestore{Name: "r", Snapshot: "v1", SnapshotID: "ab12"}), nil, restoreSourceMsg, false},
		{"restore of an on-demand snapshot the share does not declare", backups(onDemand("v1"), &v1alpha1.ShareRestore{Name: "r", Snapshot: "v2"}), nil,
			"restore.snapshot must name an entry of this share's snapshots.onDemand", false},
		{"near miss: restore of a declared on-demand snapshot", backups(onDemand("v1"), &v1alpha1.ShareRestore{Name: "r", Snapshot: "v1"}), nil, "", false},
		{"near miss: restore of a snapshot id", backups(nil, &v1alpha1.ShareRestore{Name: "r", SnapshotID: "0b7e-11"}), nil, "", false},
		{"snapshots on a memory block store", both(func(d *v1alpha1.DittoFS) { d.Spec.PayloadStore.Local.Type = "memory" }, backups(onDemand("v1"), nil)), nil,
			"snapshots and restores need the fs local block store", false},
		{"near miss: memory block store without snapshots", func(d *v1alpha1.DittoFS) { d.Spec.PayloadStore.Local.Type = "memory" }, nil, "", false},
		{"schedule interval below a second", backups(schedule("500ms", ""), nil), nil, "snapshots.schedule.interval must be a duration between 1s and 8760h", false},
		{"schedule maxAge below the interval", backups(schedule("6h", "1h"), nil), nil, "snapshots.schedule.maxAge must be at least the interval", false},
		{"near miss: schedule", backups(schedule("6h", "168h"), nil), nil, "", false},
		{"on-demand request name that is not a DNS label", backups(onDemand("Before Upgrade"), nil), nil, "spec.shares[0].snapshots.onDemand[0].name in body should match", false},

		// Scheduling.
		{"priorityClassName no class can have", func(d *v1alpha1.DittoFS) { d.Spec.Scheduling.PriorityClassName = "High_Priority" }, nil,
			"scheduling.priorityClassName must name a PriorityClass", false},
		{"near miss: priorityClassName", func(d *v1alpha1.DittoFS) { d.Spec.Scheduling.PriorityClassName = "high-priority" }, nil, "", false},
	}
}

// TestSpecRulesOnCreate: every case, created, is refused with its message or accepted.
func TestSpecRulesOnCreate(t *testing.T) {
	ns := newNamespace(t)
	for _, tc := range specRuleCases() {
		t.Run(tc.name, func(t *testing.T) {
			d := newDittoFS(ns, "rules")
			if tc.mutate != nil {
				tc.mutate(d)
			}
			checkRule(t, tc, k8s.Create(ctx, toUnstructured(t, d, tc.raw), client.DryRunAll))
		})
	}
}

// TestSpecRulesOnUpdate: every case, applied as an update to a valid DittoFS, is refused with
// the same message or accepted, so no rule can be dodged by creating first and editing after.
func TestSpecRulesOnUpdate(t *testing.T) {
	ns := newNamespace(t)
	// database.type is fixed once set (see TestEditsThatWouldStrandDataAreRefused), so a case on
	// PostgreSQL edits a stored DittoFS that is on PostgreSQL already.
	require.NoError(t, k8s.Create(ctx, newDittoFS(ns, "rules")))
	onPostgres := newDittoFS(ns, "rules-pg")
	onPostgres.Spec.Database = v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres, Postgres: &v1alpha1.PostgresSpec{
		SecretRef: &corev1.LocalObjectReference{Name: "pg"}}}
	require.NoError(t, k8s.Create(ctx, onPostgres))
	for _, tc := range specRuleCases() {
		if tc.createOnly {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			d := get(t, ns, "rules")
			if tc.mutate != nil {
				tc.mutate(d)
			}
			if d.Spec.Database.Type == v1alpha1.DatabasePostgres {
				stored := get(t, ns, "rules-pg")
				stored.Spec = *d.Spec.DeepCopy()
				d = stored
			}
			checkRule(t, tc, k8s.Update(ctx, toUnstructured(t, d, tc.raw), client.DryRunAll))
		})
	}
}

// TestQuotaIsAString: the quota schema is a bounded string (an int-or-string quantity has no
// length bound, and a rule on one in each of 256 shares exceeds the API server's CEL budget), so
// a bare integer is refused with the schema's message.
func TestQuotaIsAString(t *testing.T) {
	ns := newNamespace(t)
	d := newDittoFS(ns, "quota")
	err := k8s.Create(ctx, toUnstructured(t, d, func(o map[string]any) { dig(o, "spec", "shares", 0)["quota"] = 1024 }), client.DryRunAll)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "spec.shares[0].quota in body must be of type string")
}

func checkRule(t *testing.T, tc ruleCase, err error) {
	t.Helper()
	if tc.message == "" {
		assert.NoError(t, err, "a near miss must be accepted")
		return
	}
	require.Error(t, err, "the API server must refuse it")
	assert.Contains(t, err.Error(), tc.message)
}

// toUnstructured is the JSON form of d (as a client would send it), edited by raw.
func toUnstructured(t *testing.T, d *v1alpha1.DittoFS, raw func(o map[string]any)) *unstructured.Unstructured {
	t.Helper()
	d.APIVersion, d.Kind = v1alpha1.GroupVersion.String(), "DittoFS"
	b, err := json.Marshal(d)
	require.NoError(t, err)
	o := map[string]any{}
	require.NoError(t, json.Unmarshal(b, &o))
	delete(o, "status")
	if raw != nil {
		raw(o)
	}
	return &unstructured.Unstructured{Object: o}
}

// dig walks maps by key and lists by index to an object that must exist.
func dig(o map[string]any, path ...any) map[string]any {
	var cur any = o
	for _, p := range path {
		switch k := p.(type) {
		case string:
			cur = cur.(map[string]any)[k]
		case int:
			cur = cur.([]any)[k]
		}
	}
	return cur.(map[string]any)
}

func mustDuration(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestBackupRequestsAreImmutable: a restore cannot be edited in place (only renamed, which is a
// new restore), so a request the operator may be carrying out never changes under it.
func TestBackupRequestsAreImmutable(t *testing.T) {
	ns := newNamespace(t)
	d := newDittoFS(ns, "frozen")
	d.Spec.Shares[0].Snapshots = &v1alpha1.ShareSnapshots{OnDemand: []v1alpha1.OnDemandSnapshot{{Name: "v1"}, {Name: "v2"}}}
	d.Spec.Shares[0].Restore = &v1alpha1.ShareRestore{Name: "undo", Snapshot: "v1"}
	require.NoError(t, k8s.Create(ctx, d))

	edited := get(t, ns, "frozen")
	edited.Spec.Shares[0].Restore.Snapshot = "v2"
	err := k8s.Update(ctx, edited, client.DryRunAll)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a restore request cannot be changed once applied: give it a new name")

	renamed := get(t, ns, "frozen")
	renamed.Spec.Shares[0].Restore = &v1alpha1.ShareRestore{Name: "undo-again", Snapshot: "v2"}
	assert.NoError(t, k8s.Update(ctx, renamed, client.DryRunAll), "a new name is a new restore")

	removed := get(t, ns, "frozen")
	removed.Spec.Shares[0].Restore = nil
	assert.NoError(t, k8s.Update(ctx, removed, client.DryRunAll), "a restore request may be removed")
}
