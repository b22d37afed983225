package scale

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dittofs/dittofs-operator/controllers"
	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

// TestScaleBench runs the benchmark for each N of SCALE_N (default 1,10,100,1000) and prints the
// table; with SCALE_OUT it also writes it there as Markdown (make scale-bench: docs/benchmarks.md).
// SCALE_WORKERS, SCALE_QPS and SCALE_BURST pass --max-concurrent-reconciles, --kube-api-qps and
// --kube-api-burst to the operator; unset, it runs with its defaults.
func TestScaleBench(t *testing.T) {
	if os.Getenv("DITTOFS_SCALE_BENCH") == "" {
		t.Skip("the scale benchmark runs with make scale-bench (DITTOFS_SCALE_BENCH=1)")
	}
	sizes := []int{1, 10, 100, 1000}
	if v := os.Getenv("SCALE_N"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			must(t, err)
			sizes = append(sizes, n)
		}
	}
	bin := buildManager(t)
	started := time.Now()
	var rows []row
	for _, n := range sizes {
		var r row
		r.n = n
		if os.Getenv("SCALE_FLOOR") != "0" { // SCALE_FLOOR=0 compares operator settings alone
			t.Run(fmt.Sprintf("floor-%d", n), func(t *testing.T) { r.floor = runFloor(t, n) })
		}
		t.Run(fmt.Sprintf("operator-%d", n), func(t *testing.T) { r.op = runOperator(t, bin, n) })
		if t.Failed() {
			break
		}
		rows = append(rows, r)
		t.Logf("N=%d: floor %s, operator %s", n, r.floor.all.Round(time.Millisecond), r.op.all.Round(time.Millisecond))
	}
	// The settings beside the defaults, at one N, are what chose the defaults.
	var sweep []row
	if n, err := strconv.Atoi(envOr("SCALE_SWEEP_N", "100")); err == nil && n > 0 && !t.Failed() {
		for _, s := range sweepSettings(os.Getenv("SCALE_SWEEP")) {
			r := row{n: n, setting: s.label}
			t.Run(fmt.Sprintf("sweep-%s-%d", s.label, n), func(t *testing.T) {
				for k, v := range s.env {
					t.Setenv(k, v)
				}
				r.op = runOperator(t, bin, n)
			})
			if t.Failed() {
				break
			}
			sweep = append(sweep, r)
		}
	}
	report := render(rows, sweep, started, time.Since(started))
	fmt.Println(report)
	if out := os.Getenv("SCALE_OUT"); out != "" {
		must(t, os.WriteFile(out, []byte(report), 0o644))
	}
}

// buildManager compiles ./cmd/manager under the name the audit log tells its requests by.
func buildManager(t *testing.T) string {
	t.Helper()
	root, err := toolchain.RepoRoot()
	must(t, err)
	bin := filepath.Join(t.TempDir(), strings.TrimSuffix(operatorAgent, "/"))
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/manager")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/manager: %v\n%s", err, out)
	}
	return bin
}

type row struct {
	n       int
	setting string
	floor   floorResult
	op      opResult
}

type setting struct {
	label string
	env   map[string]string
}

// sweepSettings are the operator settings compared with the defaults: SCALE_SWEEP is a
// comma-separated list of workers=N or qps=N; "none" runs none. By default one worker (the
// controller-runtime default), 4 and 16 workers, and no client-side rate limit.
func sweepSettings(v string) []setting {
	if v == "" {
		v = "workers=1,workers=4,workers=16,qps=-1"
	}
	var out []setting
	for _, f := range strings.Split(v, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok {
			continue
		}
		env := map[string]string{"workers": "SCALE_WORKERS", "qps": "SCALE_QPS", "burst": "SCALE_BURST"}[key]
		if env != "" {
			out = append(out, setting{label: key + "=" + val, env: map[string]string{env: val}})
		}
	}
	return out
}

// targets says, from this run, where issue 14's targets are met and where the floor does not allow
// them.
func targets(rows []row) string {
	var b strings.Builder
	b.WriteString("\nIssue 14's targets, read from this run:\n")
	for _, r := range rows {
		o, f := r.op, r.floor
		var notes []string
		if f.all > 0 {
			within := "within"
			if o.all.Seconds() > 1.2*f.all.Seconds() {
				within = "not within"
			}
			notes = append(notes, fmt.Sprintf("all Serving %s 1.2x of the floor (%s)", within, ratio(o.all, f.all)))
		}
		if limit := map[int]time.Duration{100: 5 * time.Second, 1000: time.Minute}[r.n]; limit > 0 {
			switch {
			case o.all <= limit:
				notes = append(notes, fmt.Sprintf("under %s", limit))
			case f.all > limit:
				notes = append(notes, fmt.Sprintf("not under %s, which the floor does not allow here (%s s without an operator)", limit, secs(f.all)))
			default:
				notes = append(notes, fmt.Sprintf("not under %s although the floor is", limit))
			}
		}
		notes = append(notes, fmt.Sprintf("%d writes per minute once converged", o.writesPerMinute))
		if r.n >= 1000 {
			under := "under"
			if o.peakRSS > 150<<20 {
				under = "over"
			}
			notes = append(notes, fmt.Sprintf("manager peak RSS %s MiB, %s 150 MiB", mib(o.peakRSS), under))
		}
		p99 := "under"
		if o.restP99 >= 0.1 {
			p99 = "not under"
		}
		notes = append(notes, fmt.Sprintf("reconcile p99 once converged %s ms, %s 100 ms", ms(o.restP99), p99))
		fmt.Fprintf(&b, "- N = %d: %s.\n", r.n, strings.Join(notes, "; "))
	}
	return b.String()
}

func ratio(a, b time.Duration) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a.Seconds()/b.Seconds())
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()) }

func ms(s float64) string { return fmt.Sprintf("%.1f", s*1000) }

func mib(b int64) string { return fmt.Sprintf("%.0f", float64(b)/(1<<20)) }

func verbs(m map[string]int, n int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d (%.1f)", k, m[k], float64(m[k])/float64(n)))
	}
	return strings.Join(parts, ", ")
}

func orDefault(v string, def int) string {
	if v == "" {
		return strconv.Itoa(def) + " (default)"
	}
	return v
}

// render is the report: how it was run, then one table.
func render(rows, sweep []row, started time.Time, took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Scale benchmark\n\n")
	fmt.Fprintf(&b, "Generated by `make scale-bench` (`e2e/scale`); rerunning overwrites this file. Nothing here is asserted by a test.\n\n")
	workers, qps, burst := "", "", ""
	if len(rows) > 0 {
		workers, qps, burst = rows[0].op.workers, rows[0].op.qps, rows[0].op.burst
	}
	fmt.Fprintf(&b, "- date: %s, took %s\n", started.UTC().Format(time.RFC3339), took.Round(time.Second))
	fmt.Fprintf(&b, "- command: `make scale-bench` (SCALE_N=%s)\n", os.Getenv("SCALE_N"))
	fmt.Fprintf(&b, "- machine: %d CPUs (%s/%s), shared with other work while it ran\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "- cluster: the simulated cluster of `e2e/cluster` (real etcd, kube-apiserver, kube-controller-manager, kube-scheduler; kwok plays one node, its pods and volumes), a fresh one per measurement\n")
	fmt.Fprintf(&b, "- data plane: one real dfs v0.29.0 answers the REST calls of every DittoFS (`--server-locations`); the pods themselves are kwok's\n")
	fmt.Fprintf(&b, "- operator: `./cmd/manager` as its own process, workers %s, QPS %s, burst %s\n",
		orDefault(workers, controllers.DefaultWorkers), orDefault(qps, controllers.DefaultQPS), orDefault(burst, controllers.DefaultBurst))
	fmt.Fprintf(&b, "- each DittoFS: the README's sample (SQLite, one share), its admin Secret made beforehand with the dfs's password\n\n")
	fmt.Fprintf(&b, "| N | floor: all pods Ready (s) | all Serving (s) | ratio to floor | create to Serving median / p99 / max (s) | floor per object median / p99 / max (s) | operator requests until converged, by verb (per DittoFS) | writes per minute once converged | reconcile p50 / p99 until converged (ms) | reconcile p50 / p99 once converged (ms) | manager peak RSS (MiB) | manager CPU until converged (s) | API server peak RSS (MiB) |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		o, f := r.op, r.floor
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s / %s / %s | %s / %s / %s | %s | %d | %s / %s | %s / %s | %s | %.1f | %s |\n",
			r.n, secs(f.all), secs(o.all), ratio(o.all, f.all),
			secs(o.perObject.pct(0.5)), secs(o.perObject.pct(0.99)), secs(o.perObject.pct(1)),
			secs(f.perPods.pct(0.5)), secs(f.perPods.pct(0.99)), secs(f.perPods.pct(1)),
			verbs(o.requests, r.n), o.writesPerMinute, ms(o.runP50), ms(o.runP99), ms(o.restP50), ms(o.restP99),
			mib(o.peakRSS), o.cpu.Seconds(), mib(o.apiPeakRSS))
	}
	if len(sweep) > 0 {
		fmt.Fprintf(&b, "\nThe defaults beside other settings, N = %d, operator only (each changes one flag from the defaults):\n\n", sweep[0].n)
		fmt.Fprintf(&b, "| setting | all Serving (s) | create to Serving median / p99 (s) | requests until converged | reconcile p50 / p99 until converged (ms) | manager peak RSS (MiB) | manager CPU until converged (s) |\n")
		fmt.Fprintf(&b, "|---|---|---|---|---|---|---|\n")
		var deflt []row
		for _, r := range rows {
			if r.n == sweep[0].n {
				r.setting = "defaults"
				deflt = append(deflt, r)
			}
		}
		for _, r := range append(deflt, sweep...) {
			o := r.op
			total := 0
			for _, c := range o.requests {
				total += c
			}
			fmt.Fprintf(&b, "| %s | %s | %s / %s | %d | %s / %s | %s | %.1f |\n", r.setting, secs(o.all),
				secs(o.perObject.pct(0.5)), secs(o.perObject.pct(0.99)), total, ms(o.runP50), ms(o.runP99), mib(o.peakRSS), o.cpu.Seconds())
		}
	}
	b.WriteString(targets(rows))
	if note := os.Getenv("SCALE_NOTE"); note != "" { // what the person running it wants said about the run
		fmt.Fprintf(&b, "\nNote on this run: %s\n", note)
	}
	b.WriteString(`
How to read it:
- **floor**: the objects the operator makes for N DittoFS (claims, Secrets, ConfigMap, Services,
  NetworkPolicy, StatefulSet, built by ` + "`internal/specs`" + `), created directly by the benchmark on the same
  kind of cluster with no operator, timed until every pod is Ready: what the simulated cluster
  itself costs on this machine. **ratio** is the operator's all-Serving time over it.
- **requests** are counted from the API server's audit log (user agent ` + "`dittofs-operator/`" + `), from the first
  create until every DittoFS is Ready and the operator has written nothing for 5 s; watches count
  when they end.
- **writes per minute once converged** are the operator's writes in the minute after that.
- **reconcile p50 / p99** interpolate controller-runtime's ` + "`controller_runtime_reconcile_time_seconds`" + `
  buckets; "once converged" is one forced reconcile of each DittoFS (an annotation it ignores).
`)
	return b.String()
}
