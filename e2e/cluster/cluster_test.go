package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// startForTest starts a cluster, or skips when hack/tools.sh has not built the binaries (fails
// instead when DITTOFS_REQUIRE_E2E is set, as CI does). On failure it prints the component logs.
func startForTest(t *testing.T) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{})
	if errors.Is(err, ErrToolsMissing) {
		if os.Getenv("DITTOFS_REQUIRE_E2E") != "" {
			t.Fatalf("DITTOFS_REQUIRE_E2E is set but %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
	require.NoError(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("component logs:\n%s", c.TailLogs(40))
		}
		require.NoError(t, c.Stop())
	})
	return c
}

func TestCluster(t *testing.T) {
	c := startForTest(t)

	t.Run("kubectl sees the Ready node", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := c.Kubectl(ctx, "get", "nodes", "--no-headers")
		require.NoError(t, err, "%s", out)
		fields := strings.Fields(string(out))
		require.GreaterOrEqual(t, len(fields), 2, "%s", out)
		require.Equal(t, c.NodeName, fields[0], "%s", out)
		require.Equal(t, "Ready", fields[1], "%s", out)
	})

	t.Run("node, its lease and a Ready pod stay fresh past the node grace period", func(t *testing.T) {
		testNodeStaysReady(t, c)
	})

	t.Run("claim by name binds and its pod gets Ready", func(t *testing.T) {
		testClaimAndStatefulSet(t, c)
	})

	t.Run("large CRDs install", func(t *testing.T) {
		testLargeCRDs(t, c)
	})

	t.Run("a second cluster runs beside the first", func(t *testing.T) {
		testSecondCluster(t, c)
	})

	// Last: it takes the API server away, which the other subtests do not expect.
	t.Run("the API server stops and starts again with its data and clients", func(t *testing.T) {
		testAPIServerRestart(t, c)
	})
}

func testClaimAndStatefulSet(t *testing.T, c *Cluster) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cs := c.Clientset
	ns := "e2e-storage"
	_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	require.NoError(t, err)

	class := StorageClassName
	sc, err := cs.StorageV1().StorageClasses().Get(ctx, class, metav1.GetOptions{})
	require.NoError(t, err)
	require.Equal(t, "true", sc.Annotations["storageclass.kubernetes.io/is-default-class"])
	require.True(t, c.AllowVolumeExpansion)
	require.True(t, sc.AllowVolumeExpansion != nil && *sc.AllowVolumeExpansion)

	// The operator creates claims itself and mounts them by name, so no volumeClaimTemplates here.
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: ns},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: &class,
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			},
		},
	}
	_, err = cs.CoreV1().PersistentVolumeClaims(ns).Create(ctx, pvc, metav1.CreateOptions{})
	require.NoError(t, err)

	replicas := int32(1)
	labels := map[string]string{"app": "e2e"}
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns},
		Spec: appsv1.StatefulSetSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{
						Name:  "app",
						Image: "example.invalid/app:1", // never pulled: kwok runs no containers
						VolumeMounts: []corev1.VolumeMount{{
							Name: "data", MountPath: "/data",
						}},
					}},
					Volumes: []corev1.Volume{{
						Name: "data",
						VolumeSource: corev1.VolumeSource{
							PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"},
						},
					}},
				},
			},
		},
	}
	_, err = cs.AppsV1().StatefulSets(ns).Create(ctx, sts, metav1.CreateOptions{})
	require.NoError(t, err)

	start := time.Now()
	for {
		require.NoError(t, c.Healthy())
		gotPVC, errPVC := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data", metav1.GetOptions{})
		gotSts, errSts := cs.AppsV1().StatefulSets(ns).Get(ctx, "app", metav1.GetOptions{})
		if errPVC == nil && errSts == nil &&
			gotPVC.Status.Phase == corev1.ClaimBound && gotSts.Status.ReadyReplicas == 1 {
			pod, err := cs.CoreV1().Pods(ns).Get(ctx, "app-0", metav1.GetOptions{})
			require.NoError(t, err)
			require.Equal(t, c.NodeName, pod.Spec.NodeName)
			pv, err := cs.CoreV1().PersistentVolumes().Get(ctx, gotPVC.Spec.VolumeName, metav1.GetOptions{})
			require.NoError(t, err)
			require.Equal(t, corev1.VolumeBound, pv.Status.Phase)
			require.Equal(t, class, pv.Spec.StorageClassName)
			require.Equal(t, gotPVC.UID, pv.Spec.ClaimRef.UID)
			// allowVolumeExpansion lets the API server accept a bigger request on a bound claim.
			// (A merge patch, so a controller's concurrent write cannot make it conflict.)
			grow := []byte(`{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}`)
			_, err = cs.CoreV1().PersistentVolumeClaims(ns).Patch(ctx, "data", types.MergePatchType, grow, metav1.PatchOptions{})
			require.NoError(t, err)
			t.Logf("claim Bound to %s and StatefulSet Ready after %s", pv.Name, time.Since(start).Round(time.Millisecond))
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("claim not Bound or StatefulSet not Ready in time; saw:\n%s", describe(c, ns))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// describe prints what a failing wait saw: claims, volumes, the StatefulSet, pods and events.
func describe(c *Cluster, ns string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var b strings.Builder
	cs := c.Clientset
	if l, err := cs.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, p := range l.Items {
			fmt.Fprintf(&b, "pvc %s: phase=%s volume=%q annotations=%v\n", p.Name, p.Status.Phase, p.Spec.VolumeName, p.Annotations)
		}
	} else {
		fmt.Fprintf(&b, "pvcs: %v\n", err)
	}
	if l, err := cs.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{}); err == nil {
		for _, p := range l.Items {
			fmt.Fprintf(&b, "pv %s: phase=%s class=%s claim=%v\n", p.Name, p.Status.Phase, p.Spec.StorageClassName, p.Spec.ClaimRef)
		}
	}
	if l, err := cs.AppsV1().StatefulSets(ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, s := range l.Items {
			fmt.Fprintf(&b, "statefulset %s: %+v\n", s.Name, s.Status)
		}
	}
	if l, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, p := range l.Items {
			fmt.Fprintf(&b, "pod %s: phase=%s node=%q conditions=%+v\n", p.Name, p.Status.Phase, p.Spec.NodeName, p.Status.Conditions)
		}
	}
	if l, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, e := range l.Items {
			fmt.Fprintf(&b, "event %s/%s %s: %s\n", e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Message)
		}
	}
	if out, err := c.Kubectl(ctx, "get", "nodes", "-o", "wide"); err == nil {
		b.Write(out)
	}
	return b.String()
}

// testLargeCRDs installs Percona's real CRD bundle (8 CRDs, 4.8 MB), which client-side apply
// cannot store.
func testLargeCRDs(t *testing.T, c *Cluster) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/percona/percona-postgresql-operator/v2").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("Percona module not in the module cache (go mod download): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	require.NoError(t, c.InstallCRDs(ctx, dir+"/deploy/crd.yaml"))
	// Applying again must be a no-op, not a conflict.
	require.NoError(t, c.InstallCRDs(ctx, dir+"/deploy/crd.yaml"))
	t.Logf("installed Percona CRDs twice in %s", time.Since(start).Round(time.Millisecond))

	out2, err := c.Kubectl(ctx, "get", "perconapgclusters.pgv2.percona.com", "-A")
	require.NoError(t, err, "%s", out2)
}

// testSecondCluster proves two clusters can run at once (no fixed ports) and that Stop ends
// every process and removes the work dir it created.
func testSecondCluster(t *testing.T, first *Cluster) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	second, err := Start(ctx, Options{NodeName: "kwok-node-b"})
	require.NoError(t, err)
	stopped := false
	defer func() {
		if !stopped {
			t.Logf("second cluster logs:\n%s", second.TailLogs(40))
			_ = second.Stop()
		}
	}()
	require.NotEqual(t, first.RESTConfig.Host, second.RESTConfig.Host)
	out, err := second.Kubectl(ctx, "get", "nodes", "--no-headers")
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "kwok-node-b")
	require.NotContains(t, string(out), first.NodeName)

	pids := []int{}
	for _, ch := range second.children {
		pids = append(pids, ch.cmd.Process.Pid)
	}
	workDir := second.WorkDir
	stopped = true
	require.NoError(t, second.Stop())
	for _, pid := range pids {
		// Signal 0 only checks existence; the process was reaped by Stop, so it must be gone.
		require.Error(t, syscall.Kill(pid, 0), "pid %d still running after Stop", pid)
	}
	_, err = os.Stat(workDir)
	require.True(t, os.IsNotExist(err), "work dir %s not removed: %v", workDir, err)

	// The first cluster is untouched.
	_, err = first.Clientset.CoreV1().Nodes().Get(ctx, first.NodeName, metav1.GetOptions{})
	require.NoError(t, err)
}
