// Package dfstest runs a real DittoFS server (the dfs binary built by
// hack/tools.sh) on loopback for tests, with its own data directory and free
// ports, and stops it when the test ends.
package dfstest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

// RequireEnv names the variable that, when set to anything, turns a missing dfs binary from a skip
// into a failure, so CI cannot pass by skipping every integration test.
const RequireEnv = toolchain.RequireEnv

// BinaryEnv overrides where the dfs binary is looked for.
const BinaryEnv = "DITTOFS_DFS_BINARY"

// AdminUser is the bootstrap admin the server always creates.
const AdminUser = "admin"

const (
	startTimeout = 30 * time.Second
	pollInterval = 50 * time.Millisecond
	stopTimeout  = 30 * time.Second
)

// Options tune the server's config file. Zero values keep server defaults.
type Options struct {
	// AccessTokenDuration and RefreshTokenDuration set controlplane.jwt.
	AccessTokenDuration  time.Duration
	RefreshTokenDuration time.Duration
	// SnapshotSchedulerPoll sets snapshot.scheduler_poll_interval (the server's default is a
	// minute), so tests of snapshot schedules need not wait minutes.
	SnapshotSchedulerPoll time.Duration
	// TLS serves the REST API over HTTPS (controlplane.tls) with this certificate; nil is HTTP.
	TLS *TLS
	// Config, when set, replaces the config file dfstest writes: it gets the data directory
	// (the certificate and key are under <dir>/tls when TLS is set) and the API port to use,
	// for tests of the config the operator renders.
	Config func(dataDir string, apiPort int) string
}

// TLS is the server's certificate, PEM-encoded, and what the helper's own requests trust: CA,
// for ServerName (a name the certificate carries; the helper dials 127.0.0.1).
type TLS struct {
	CertPEM, KeyPEM []byte
	CAPEM           []byte
	ServerName      string
}

// TLSFiles are where Start wrote the certificate and key the server reads; a test may
// overwrite them to rotate the certificate (the server reloads files whose mtime moves).
func (s *Server) TLSFiles() (certFile, keyFile string) {
	return filepath.Join(s.DataDir, "tls", "tls.crt"), filepath.Join(s.DataDir, "tls", "tls.key")
}

// Server is a running dfs process.
type Server struct {
	// BaseURL is the REST API root, e.g. http://127.0.0.1:40123.
	BaseURL string
	// AdminPassword is the password of AdminUser.
	AdminPassword string
	// DataDir is a per-test directory for stores (badger paths, fs block
	// stores); the control-plane database lives in it too.
	DataDir string
	// NFSPort and SMBPort are where the adapters were moved to.
	NFSPort int
	SMBPort int
	// LogPath holds the server's stdout and stderr (JSON log lines).
	LogPath string

	bin, secret string
	opts        Options

	cmd    *exec.Cmd
	exited chan struct{}
	// waitErr is cmd.Wait's result, valid once exited is closed.
	waitErr error
}

// Start runs a dfs server for t and stops it with SIGTERM when t ends. It
// skips t when the binary is missing, unless RequireEnv is set.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin := findBinary(t)

	dir := t.TempDir()
	s := &Server{
		AdminPassword: "pw-" + randomHex(t, 12),
		DataDir:       dir,
		LogPath:       filepath.Join(dir, "dfs.log"),
	}
	secret := randomHex(t, 32) // 64 characters; the server wants at least 32
	s.bin, s.secret, s.opts = bin, secret, opts

	// A port found free can be taken before dfs binds it; try again then.
	const attempts = 3
	for i := 1; ; i++ {
		err := s.start(t, bin, opts)
		if err == nil {
			break
		}
		_ = s.stop() // the start failed: what matters is that error, reported below
		if i < attempts && strings.Contains(s.Log(), "address already in use") {
			t.Logf("dfstest: port race on attempt %d, retrying: %v", i, err)
			continue
		}
		t.Fatalf("dfstest: %v\n--- dfs log (%s) ---\n%s", err, s.LogPath, s.Log())
	}

	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("dfstest: %v", err)
		}
		if t.Failed() {
			t.Logf("--- dfs log (%s) ---\n%s", s.LogPath, s.Log())
		}
	})
	return s
}

// start launches dfs once and waits until its API answers and its adapters
// sit on free ports.
func (s *Server) start(t testing.TB, bin string, opts Options) error {
	apiPort := freePort(t)
	s.BaseURL = "http://127.0.0.1:" + strconv.Itoa(apiPort)
	if opts.TLS != nil {
		s.BaseURL = "https://127.0.0.1:" + strconv.Itoa(apiPort)
		if err := s.writeTLS(opts.TLS); err != nil {
			return err
		}
	}

	configPath := filepath.Join(s.DataDir, "config.yaml")
	config := configYAML(s.DataDir, apiPort, opts)
	if opts.Config != nil {
		config = opts.Config(s.DataDir, apiPort)
	}
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	logFile, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	defer func() { _ = logFile.Close() }() // the child keeps its own descriptor

	home := filepath.Join(s.DataDir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	cmd := exec.Command(bin, "start", "--foreground", "--config", configPath)
	cmd.Dir = s.DataDir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// A minimal environment: nothing from the developer's shell leaks in,
	// and the server's XDG files land in the test's directory.
	cmd.Env = s.env()

	// The server binds its seeded adapter ports (NFS 12049, SMB 1445) before
	// its API is up, so they cannot be changed first. Hold a lock shared by
	// every dfstest user on this machine from launch until they are moved,
	// so servers of parallel tests never contend for those two ports.
	unlock, err := lockDefaultPorts()
	if err != nil {
		return fmt.Errorf("lock default adapter ports: %w", err)
	}
	defer unlock()

	if err := s.launch(cmd); err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := s.waitHealthy(ctx); err != nil {
		return err
	}
	return s.moveAdapters(ctx, t)
}

func (s *Server) launch(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	return nil
}

// Restart starts a stopped server again on the same API port, data directory and database, as
// a restarted pod would be. Its adapters come back on the ports stored in its database (those
// of the last PUT /adapters), so the default-port lock is not needed. It waits until the API
// answers.
func (s *Server) Restart(t testing.TB) error {
	t.Helper()
	if !s.Exited() {
		return fmt.Errorf("dfstest: Restart: the server is still running")
	}
	configPath := filepath.Join(s.DataDir, "config.yaml")
	logFile, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	defer func() { _ = logFile.Close() }()
	cmd := exec.Command(s.bin, "start", "--foreground", "--config", configPath)
	cmd.Dir = s.DataDir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = s.env()
	if err := s.launch(cmd); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	return s.waitHealthy(ctx)
}

// env is the server's whole environment.
func (s *Server) env() []string {
	home := filepath.Join(s.DataDir, "home")
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"DITTOFS_CONTROLPLANE_SECRET=" + s.secret,
		"DITTOFS_ADMIN_INITIAL_PASSWORD=" + s.AdminPassword,
	}
}

// waitHealthy polls GET /health until it answers 200, the process exits or
// ctx ends.
func (s *Server) waitHealthy(ctx context.Context) error {
	client := s.httpClient(time.Second)
	var last string
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.BaseURL+"/health", nil)
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-s.exited:
			return fmt.Errorf("dfs exited before becoming healthy: %v", s.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("dfs not healthy at %s/health within %s; last answer: %s", s.BaseURL, startTimeout, last)
		case <-time.After(pollInterval):
		}
	}
}

// moveAdapters puts NFS and SMB on free ports and waits until both accept
// connections there.
func (s *Server) moveAdapters(ctx context.Context, t testing.TB) error {
	token, err := s.adminToken(ctx)
	if err != nil {
		return err
	}
	s.NFSPort, s.SMBPort = freePort(t), freePort(t)
	for _, a := range []struct {
		typ  string
		body string
	}{
		{"nfs", fmt.Sprintf(`{"enabled":true,"port":%d}`, s.NFSPort)},
		{"smb", fmt.Sprintf(`{"enabled":true,"port":%d,"config":{"bind_address":"127.0.0.1"}}`, s.SMBPort)},
	} {
		if _, err := s.call(ctx, http.MethodPut, "/api/v1/adapters/"+a.typ, token, a.body); err != nil {
			return fmt.Errorf("move %s adapter: %w", a.typ, err)
		}
	}
	for _, port := range []int{s.NFSPort, s.SMBPort} {
		if err := s.waitListening(ctx, port); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) waitListening(ctx context.Context, port int) error {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = conn.Close()
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("dfs exited while waiting for %s: %v", addr, s.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("nothing listening on %s within %s: %v", addr, startTimeout, err)
		case <-time.After(pollInterval):
		}
	}
}

// adminToken logs in with plain HTTP: the helper must not depend on the
// client under test.
func (s *Server) adminToken(ctx context.Context) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": AdminUser, "password": s.AdminPassword})
	data, err := s.call(ctx, http.MethodPost, "/api/v1/auth/login", "", string(body))
	if err != nil {
		return "", fmt.Errorf("admin login: %w", err)
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.AccessToken == "" {
		return "", fmt.Errorf("admin login: no access token in %q", data)
	}
	return out.AccessToken, nil
}

func (s *Server) call(ctx context.Context, method, path, token, body string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.BaseURL+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.httpClient(10 * time.Second).Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(buf.String()))
	}
	return buf.Bytes(), nil
}

// stop sends SIGTERM and waits for a clean exit, killing the process if it
// overruns. It is safe to call more than once.
func (s *Server) stop() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	select {
	case <-s.exited:
		return nil // already gone (or a failed start)
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		var ee *exec.ExitError
		if errors.As(s.waitErr, &ee) {
			return fmt.Errorf("dfs exited with %v after SIGTERM", s.waitErr)
		}
		return nil
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("dfs ignored SIGTERM for %s and was killed", stopTimeout)
	}
}

// Stop ends the server now with SIGTERM, e.g. to test an unreachable server.
// The cleanup registered by Start then has nothing left to do.
func (s *Server) Stop(t testing.TB) error {
	t.Helper()
	return s.stop()
}

// Kill ends the server with SIGKILL, as a node failure or the OOM killer would, and waits
// until it is gone; Restart brings it back.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	if s.cmd == nil || s.cmd.Process == nil || s.Exited() {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// Log returns what the server has written so far.
func (s *Server) Log() string {
	data, err := os.ReadFile(s.LogPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return string(data)
}

// Exited reports whether the server process has ended.
func (s *Server) Exited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// writeTLS puts the certificate and key where TLSFiles says, readable by the server only.
func (s *Server) writeTLS(opts *TLS) error {
	certFile, keyFile := s.TLSFiles()
	if err := os.MkdirAll(filepath.Dir(certFile), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(certFile, opts.CertPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(keyFile, opts.KeyPEM, 0o600)
}

// httpClient is the helper's own client: plain, or trusting opts.TLS.CAPEM for its ServerName.
func (s *Server) httpClient(timeout time.Duration) *http.Client {
	c := &http.Client{Timeout: timeout}
	if o := s.opts.TLS; o != nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(o.CAPEM)
		c.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: o.ServerName, MinVersion: tls.VersionTLS12}}
	}
	return c
}

func configYAML(dir string, apiPort int, opts Options) string {
	var jwt strings.Builder
	if opts.AccessTokenDuration > 0 {
		fmt.Fprintf(&jwt, "    access_token_duration: %s\n", opts.AccessTokenDuration)
	}
	if opts.RefreshTokenDuration > 0 {
		fmt.Fprintf(&jwt, "    refresh_token_duration: %s\n", opts.RefreshTokenDuration)
	}
	jwtBlock := ""
	if jwt.Len() > 0 {
		jwtBlock = "  jwt:\n" + jwt.String()
	}
	if opts.TLS != nil {
		jwtBlock += fmt.Sprintf("  tls:\n    cert_file: %q\n    key_file: %q\n",
			filepath.Join(dir, "tls", "tls.crt"), filepath.Join(dir, "tls", "tls.key"))
	}
	// The operator's own timeouts (internal/specs), so restores behave as in a pod.
	snapshotBlock := "snapshot:\n  restore_http_timeout: 30m\n"
	if opts.SnapshotSchedulerPoll > 0 {
		snapshotBlock += fmt.Sprintf("  scheduler_poll_interval: %s\n", opts.SnapshotSchedulerPoll)
	}
	return fmt.Sprintf(`logging:
  level: INFO
  format: json
  output: stdout
shutdown_timeout: 5s
database:
  type: sqlite
  sqlite:
    path: %q
controlplane:
  host: 127.0.0.1
  port: %d
  write_timeout: 31m
%s%s`, filepath.Join(dir, "controlplane.db"), apiPort, jwtBlock, snapshotBlock)
}

// findBinary returns the dfs binary, or skips (fails under RequireEnv).
func findBinary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv(BinaryEnv)
	where := BinaryEnv
	if bin == "" {
		dir, err := toolchain.Dir("dittofs")
		if err != nil {
			missing(t, fmt.Sprintf("cannot locate the dfs tools folder: %v", err))
		}
		bin, where = filepath.Join(dir, "dfs"), "hack/tools.sh print-dir dittofs"
	}
	if info, err := os.Stat(bin); err != nil || info.IsDir() {
		missing(t, fmt.Sprintf("dfs binary not found at %s (from %s); build it with `bash hack/tools.sh`", bin, where))
	}
	return bin
}

func missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf("dfstest: %s (%s is set, so this is a failure)", msg, RequireEnv)
	}
	t.Skipf("dfstest: %s; skipping (set %s=1 to fail instead)", msg, RequireEnv)
}

// freePort returns a TCP port that was free on loopback a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("dfstest: find a free port: %v", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("dfstest: random: %v", err)
	}
	return hex.EncodeToString(b)
}
