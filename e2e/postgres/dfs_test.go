package postgres

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

// dfsProcess is a real DittoFS server started the way the kubelet would start the operator's pod:
// the rendered config.yaml as its file and the container's env, secretKeyRefs resolved.
type dfsProcess struct {
	apiPort int
	logPath string
	cmd     *exec.Cmd
	exited  chan error
}

func dfsBinary(t *testing.T) string {
	t.Helper()
	dir, err := toolchain.Dir("dittofs")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "dfs")
	if _, err := os.Stat(bin); err != nil {
		skipOrFail(t, "no dfs binary at "+bin+": run 'make tools' (hack/tools.sh builds it)")
	}
	return bin
}

// withAPIPort rewrites only controlplane.port of the rendered config.yaml (8080 in a pod) to a
// free loopback port, so the test never collides with anything else on this machine.
func withAPIPort(t *testing.T, configYAML string, port int) string {
	t.Helper()
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(configYAML), &cfg); err != nil {
		t.Fatal(err)
	}
	cp, ok := cfg["controlplane"].(map[string]any)
	if !ok {
		t.Fatalf("rendered config has no controlplane section:\n%s", configYAML)
	}
	cp["port"] = port
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// resolveEnv does what the kubelet does with a container's env: literal values as they are,
// secretKeyRefs read from the Secrets, and a missing key is an error (the pod would not start).
func resolveEnv(t *testing.T, env []corev1.EnvVar, secrets map[string]*corev1.Secret) []string {
	t.Helper()
	var out []string
	for _, e := range env {
		value := e.Value
		if ref := e.ValueFrom; ref != nil {
			if ref.SecretKeyRef == nil {
				t.Fatalf("env %s: only secretKeyRef is resolved here, got %+v", e.Name, ref)
			}
			s, ok := secrets[ref.SecretKeyRef.Name]
			if !ok {
				t.Fatalf("env %s: Secret %s does not exist", e.Name, ref.SecretKeyRef.Name)
			}
			v, ok := s.Data[ref.SecretKeyRef.Key]
			if !ok {
				t.Fatalf("env %s: Secret %s has no key %q", e.Name, ref.SecretKeyRef.Name, ref.SecretKeyRef.Key)
			}
			value = string(v)
		}
		out = append(out, e.Name+"="+value)
	}
	return out
}

// startDFS runs dfs with config.yaml and only the given env (plus PATH and a private HOME), and
// waits until /health says the control-plane database is reachable.
func startDFS(t *testing.T, configYAML string, apiPort int, env []string) *dfsProcess {
	t.Helper()
	bin := dfsBinary(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(configYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &dfsProcess{apiPort: apiPort, logPath: filepath.Join(dir, "dfs.log"), exited: make(chan error, 1)}
	logFile, err := os.Create(p.logPath)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(bin, "start", "--foreground", "--config", cfgPath)
	p.cmd.Dir = dir
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_CONFIG_HOME=" + dir}, env...)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start dfs: %v", err)
	}
	go func() { p.exited <- p.cmd.Wait(); logFile.Close() }()
	t.Cleanup(func() { p.stop(t) })

	url := fmt.Sprintf("http://127.0.0.1:%d/health", apiPort)
	deadline := time.After(60 * time.Second)
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
	var last string
	for {
		if body, err := get(url); err != nil {
			last = err.Error()
		} else if strings.Contains(body, `"control_plane_db":"reachable"`) {
			return p
		} else {
			last = body
		}
		select {
		case err := <-p.exited:
			p.exited <- err
			t.Fatalf("dfs exited before it was healthy (%v); log:\n%s", err, p.log())
		case <-deadline:
			t.Fatalf("dfs not healthy within 60s; last /health: %s; log:\n%s", last, p.log())
		case <-poll.C:
		}
	}
}

// stop sends SIGTERM (the pod's shutdown) and waits for the drain.
func (p *dfsProcess) stop(t *testing.T) {
	select {
	case err := <-p.exited:
		p.exited <- err
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		p.exited <- err
	case <-time.After(2 * time.Minute):
		_ = p.cmd.Process.Kill()
		t.Errorf("dfs did not stop within 2m after SIGTERM; log:\n%s", p.log())
	}
}

func (p *dfsProcess) log() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

func get(url string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %d %s", url, resp.StatusCode, body)
	}
	return string(body), nil
}

// freePort returns a TCP port that was free on loopback a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// skipOrFail skips when a prerequisite is missing, unless DITTOFS_REQUIRE_E2E is set (CI).
func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if toolchain.Required() {
		t.Fatalf("%s (%s is set, so this is a failure, not a skip)", msg, toolchain.RequireEnv)
	}
	t.Skip(msg)
}
