package scale

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/cmd/manager/app"
	"github.com/dittofs/dittofs-operator/e2e/cluster"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi/dfstest"
	"github.com/dittofs/dittofs-operator/internal/scheme"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/internal/toolchain"
	"github.com/dittofs/dittofs-operator/phases/server"
)

const (
	benchNamespace = "bench"
	// creators is how many goroutines send the benchmark's own creates.
	creators = 16
	// quietFor is how long the operator must go without a write to count as converged.
	quietFor = 5 * time.Second
	// restWindow is how long writes are counted once converged.
	restWindow = time.Minute
)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func name(i int) string { return fmt.Sprintf("d-%04d", i) }

// env is one fresh simulated cluster for one measurement.
type env struct {
	c   *cluster.Cluster
	k8s client.WithWatch
}

func newEnv(t *testing.T, n int, audit bool) *env {
	t.Helper()
	root, err := toolchain.RepoRoot()
	must(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := cluster.Start(ctx, cluster.Options{WorkDir: filepath.Join(t.TempDir(), "cluster"), MaxPods: n + 100, Audit: audit})
	must(t, err)
	t.Cleanup(func() { _ = c.Stop() })
	must(t, c.InstallCRDs(ctx, filepath.Join(root, "deploy", "crd")))
	k, err := client.NewWithWatch(c.RESTConfig, client.Options{Scheme: scheme.New()})
	must(t, err)
	must(t, k.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: benchNamespace}}))
	return &env{c: c, k8s: k}
}

// parallel runs f(i) for i in [0, n) on a few goroutines and returns the first error.
func parallel(n int, f func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for range min(creators, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// firstSeen records, per name, the first time a watch showed it in the wanted state.
type firstSeen struct {
	mu   sync.Mutex
	when map[string]time.Time
}

func (f *firstSeen) mark(name string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.when[name]; !ok {
		f.when[name] = at
	}
}

func (f *firstSeen) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.when)
}

func (f *firstSeen) get(name string) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.when[name]
}

// watchUntil marks each object for which ok holds, watching list in the bench namespace until
// ctx ends.
func watchUntil(ctx context.Context, t *testing.T, k client.WithWatch, list client.ObjectList, seen *firstSeen, ok func(client.Object) (string, bool)) {
	t.Helper()
	w, err := k.Watch(ctx, list, client.InNamespace(benchNamespace))
	must(t, err)
	go func() {
		defer w.Stop()
		for ev := range w.ResultChan() {
			if ev.Type != watch.Added && ev.Type != watch.Modified {
				continue
			}
			if obj, isObj := ev.Object.(client.Object); isObj {
				if name, yes := ok(obj); yes {
					seen.mark(name, time.Now())
				}
			}
		}
	}()
}

// waitAll waits until seen holds n names, failing after the deadline with how many it saw.
func waitAll(t *testing.T, what string, seen *firstSeen, n int, deadline time.Duration, healthy func() error) {
	t.Helper()
	end := time.Now().Add(deadline)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		if seen.count() >= n {
			return
		}
		if healthy != nil {
			must(t, healthy())
		}
		if time.Now().After(end) {
			t.Fatalf("%s: %d of %d after %s", what, seen.count(), n, deadline)
		}
	}
}

// latencies are, per name, from its create to its first sighting.
func latencies(created, seen *firstSeen, n int) durations {
	var out durations
	for i := range n {
		out = append(out, seen.get(name(i)).Sub(created.get(name(i))))
	}
	return out
}

// floorResult is the cluster's own cost: the objects created directly, until their pods are Ready.
type floorResult struct {
	all     time.Duration
	perPods durations
}

// runFloor creates what the operator would make for n DittoFS (claims, Secrets, ConfigMap,
// Services, NetworkPolicy, StatefulSet), built by the operator's own builders from a DittoFS the
// API server defaulted, and times until every pod is Ready.
func runFloor(t *testing.T, n int) floorResult {
	e := newEnv(t, n, false)
	ctx := context.Background()
	tmpl := &v1alpha1.DittoFS{ObjectMeta: metav1.ObjectMeta{Namespace: benchNamespace, Name: "template"}, Spec: benchSpec()}
	must(t, e.k8s.Create(ctx, tmpl)) // no operator runs: only defaulted, never reconciled
	created, ready := &firstSeen{when: map[string]time.Time{}}, &firstSeen{when: map[string]time.Time{}}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	watchUntil(wctx, t, e.k8s, &corev1.PodList{}, ready, func(o client.Object) (string, bool) {
		pod := o.(*corev1.Pod)
		for _, c := range pod.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				return pod.Labels[specs.InstanceLabel], true
			}
		}
		return "", false
	})
	start := time.Now()
	must(t, parallel(n, func(i int) error {
		d := tmpl.DeepCopy()
		d.Name, d.UID = name(i), types.UID(fmt.Sprintf("floor-%d", i))
		objs, err := objectsOf(d)
		if err != nil {
			return err
		}
		created.mark(d.Name, time.Now())
		for _, o := range objs {
			if err := e.k8s.Create(ctx, o); err != nil {
				return fmt.Errorf("create %T %s: %w", o, o.GetName(), err)
			}
		}
		return nil
	}))
	waitAll(t, "floor pods Ready", ready, n, 30*time.Minute, e.c.Healthy)
	last := time.Time{}
	for i := range n {
		if at := ready.get(name(i)); at.After(last) {
			last = at
		}
	}
	return floorResult{all: last.Sub(start), perPods: latencies(created, ready, n)}
}

func objectsOf(d *v1alpha1.DittoFS) ([]client.Object, error) {
	var objs []client.Object
	for _, v := range specs.Volumes(d) {
		objs = append(objs, specs.Claim(d, v))
	}
	jwt, err := specs.JWTSecret(d)
	if err != nil {
		return nil, err
	}
	admin, err := specs.AdminSecret(d)
	if err != nil {
		return nil, err
	}
	configYAML, err := specs.ServerConfigYAML(d)
	if err != nil {
		return nil, err
	}
	return append(objs, jwt, admin, specs.ConfigMap(d, configYAML), specs.APIService(d), specs.DataService(d),
		specs.NetworkPolicy(d, ""), specs.StatefulSet(d, specs.PodInputs{ConfigHash: "floor"})), nil
}

// benchSpec is the DittoFS every run creates: the README's sample, one share.
func benchSpec() v1alpha1.DittoFSSpec {
	return v1alpha1.DittoFSSpec{Shares: []v1alpha1.ShareSpec{{Name: "/media"}}}
}

// opResult is what one operator run measured.
type opResult struct {
	all                  time.Duration
	perObject            durations
	requests             map[string]int
	writesPerMinute      int
	runP50, runP99       float64 // seconds, over every reconcile until converged
	restP50, restP99     float64 // seconds, one forced reconcile of each converged DittoFS
	peakRSS, apiPeakRSS  int64
	cpu                  time.Duration
	workers, qps, burst  string
	convergeAfterServing time.Duration
}

// runOperator creates n DittoFS at once with the operator running, and measures.
func runOperator(t *testing.T, bin string, n int) opResult {
	e := newEnv(t, n, true)
	ctx := context.Background()
	dfs := dfstest.Start(t, dfstest.Options{})
	work := t.TempDir()
	locations := app.LocationsFile{}
	loc := server.Location{BaseURL: dfs.BaseURL, DataRoot: dfs.DataDir, NFSPort: dfs.NFSPort, SMBPort: dfs.SMBPort}
	for i := range n {
		locations.Add(benchNamespace, name(i), loc)
	}
	locPath := filepath.Join(work, "locations.json")
	must(t, locations.Write(locPath))
	// Every DittoFS talks to the one dfs, so each gets that server's admin password, as a Secret
	// the user provides (labelled as the DittoFS's).
	must(t, parallel(n, func(i int) error {
		return e.k8s.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: benchNamespace, Name: name(i) + "-admin",
				Labels: map[string]string{specs.InstanceLabel: name(i), specs.ManagedByLabel: specs.ManagedBy}},
			Data: map[string][]byte{specs.AdminUsernameKey: []byte(dfstest.AdminUser), specs.AdminPasswordKey: []byte(dfs.AdminPassword)},
		})
	}))
	token := scrapeToken(t, e.k8s)

	metricsAddr := freeAddr(t)
	res := opResult{workers: os.Getenv("SCALE_WORKERS"), qps: os.Getenv("SCALE_QPS"), burst: os.Getenv("SCALE_BURST")}
	args := []string{"--kubeconfig=" + e.c.Kubeconfig, "--metrics-bind-address=" + metricsAddr, "--health-probe-bind-address=0",
		"--server-locations=" + locPath, "--server-retry-after=2s", "--zap-log-level=" + envOr("SCALE_LOG_LEVEL", "info")}
	for flag, v := range map[string]string{"max-concurrent-reconciles": res.workers, "kube-api-qps": res.qps, "kube-api-burst": res.burst} {
		if v != "" {
			args = append(args, "--"+flag+"="+v)
		}
	}
	logPath := filepath.Join(envOr("SCALE_LOG_DIR", work), fmt.Sprintf("operator-%d.log", n))
	logFile, err := os.Create(logPath)
	must(t, err)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	must(t, cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); _ = logFile.Close(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-exited
		if t.Failed() {
			t.Logf("operator log: %s", logPath)
		}
	})
	alive := func() error {
		select {
		case <-exited:
			return fmt.Errorf("the operator exited; log %s", logPath)
		default:
			return e.c.Healthy()
		}
	}
	// Up once its controller has synced its cache and started its workers (it logs that), and it
	// serves metrics: the clock starts at a running operator, not at one still listing.
	var metrics string
	waitFor(t, time.Minute, "the operator's workers and metrics", func() error {
		if err := alive(); err != nil {
			t.Fatal(err)
		}
		if log, err := os.ReadFile(logPath); err != nil || !strings.Contains(string(log), `"msg":"Starting workers"`) {
			return fmt.Errorf("no workers yet (%v)", err)
		}
		metrics, err = scrape(metricsAddr, token)
		return err
	})
	audit := &auditReader{path: e.c.AuditLog}
	must(t, audit.skipTo())

	created, serving, ready := &firstSeen{when: map[string]time.Time{}}, &firstSeen{when: map[string]time.Time{}}, &firstSeen{when: map[string]time.Time{}}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	watchUntil(wctx, t, e.k8s, &v1alpha1.DittoFSList{}, serving, func(o client.Object) (string, bool) {
		d := o.(*v1alpha1.DittoFS)
		if c := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionReady); c != nil && c.Status == metav1.ConditionTrue && d.Status.ObservedGeneration == d.Generation {
			ready.mark(d.Name, time.Now())
		}
		return d.Name, d.Status.Phase == v1alpha1.PhaseServing
	})
	start := time.Now()
	must(t, parallel(n, func(i int) error {
		d := &v1alpha1.DittoFS{ObjectMeta: metav1.ObjectMeta{Namespace: benchNamespace, Name: name(i)}, Spec: benchSpec()}
		created.mark(d.Name, time.Now())
		return e.k8s.Create(ctx, d)
	}))
	waitAll(t, "DittoFS Serving", serving, n, 30*time.Minute, alive)
	last := time.Time{}
	for i := range n {
		if at := serving.get(name(i)); at.After(last) {
			last = at
		}
	}
	res.all, res.perObject = last.Sub(start), latencies(created, serving, n)
	waitAll(t, "DittoFS Ready", ready, n, 10*time.Minute, alive)

	// Converged: every DittoFS Ready, and no write by the operator for quietFor.
	waitFor(t, 10*time.Minute, "the operator to stop writing", func() error {
		must(t, audit.poll())
		if quiet := time.Since(audit.lastWrite()); quiet < quietFor {
			return fmt.Errorf("last write %s ago", quiet.Round(time.Millisecond))
		}
		return nil
	})
	converged := time.Now()
	res.convergeAfterServing = converged.Sub(last)
	res.requests = audit.byVerb(start, converged)
	ps, err := readProc(cmd.Process.Pid)
	must(t, err)
	res.cpu = ps.cpu
	metrics, err = scrape(metricsAddr, token)
	must(t, err)
	run := reconcileHistogram(metrics)
	res.runP50, res.runP99 = run.quantile(0.5), run.quantile(0.99)

	// At rest: writes over a minute, measured as they come (the window is the measurement).
	<-time.After(restWindow)
	must(t, audit.poll())
	writes := 0
	for verb, c := range audit.byVerb(converged, converged.Add(restWindow)) {
		if isWrite(verb) {
			writes += c
		}
	}
	res.writesPerMinute = writes

	// One forced reconcile of each converged DittoFS (an annotation the operator ignores).
	metrics, err = scrape(metricsAddr, token)
	must(t, err)
	before := reconcileHistogram(metrics)
	must(t, parallel(n, func(i int) error {
		d := &v1alpha1.DittoFS{ObjectMeta: metav1.ObjectMeta{Namespace: benchNamespace, Name: name(i)}}
		return e.k8s.Patch(ctx, d, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"annotations":{"bench/poke":"1"}}}`)))
	}))
	waitFor(t, 10*time.Minute, "a reconcile of each poked DittoFS", func() error {
		metrics, err = scrape(metricsAddr, token)
		if err != nil {
			return err
		}
		if got := reconcileHistogram(metrics).total - before.total; got < float64(n) {
			return fmt.Errorf("%v reconciles since the pokes", got)
		}
		return nil
	})
	rest := reconcileHistogram(metrics).minus(before)
	res.restP50, res.restP99 = rest.quantile(0.5), rest.quantile(0.99)

	ps, err = readProc(cmd.Process.Pid)
	must(t, err)
	res.peakRSS = ps.peakRSS
	pid, err := e.c.APIServerPID()
	must(t, err)
	api, err := readProc(pid)
	must(t, err)
	res.apiPeakRSS = api.peakRSS
	return res
}

// scrapeToken is a ServiceAccount token allowed to get /metrics, as Prometheus would hold.
func scrapeToken(t *testing.T, k client.Client) string {
	t.Helper()
	ctx := context.Background()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: benchNamespace, Name: "scraper"}}
	must(t, k.Create(ctx, sa))
	must(t, k.Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "bench-metrics-reader"},
		Rules: []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}}))
	must(t, k.Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "bench-metrics-reader"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "bench-metrics-reader"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: benchNamespace, Name: "scraper"}}}))
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To(int64(3 * 3600))}}
	must(t, k.SubResource("token").Create(ctx, sa, req))
	return req.Status.Token
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := l.Addr().String()
	must(t, l.Close())
	return addr
}

// waitFor polls check until it returns nil, failing after timeout with what it last said.
func waitFor(t *testing.T, timeout time.Duration, what string, check func() error) {
	t.Helper()
	end := time.Now().Add(timeout)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%s: not after %s: %v", what, timeout, err)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
