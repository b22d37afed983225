package dfstest

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// outcome records how Start ended a test, without ending this one.
type outcome struct {
	testing.TB
	skipped, failed string
}

func (o *outcome) Helper() {}

func (o *outcome) Skipf(format string, args ...any) {
	o.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (o *outcome) Fatalf(format string, args ...any) {
	o.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func runStart(t *testing.T) *outcome {
	o := &outcome{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(o, Options{})
	}()
	<-done
	return o
}

func TestMissingBinarySkipsUnlessRequired(t *testing.T) {
	missingBin := filepath.Join(t.TempDir(), "no-such-dfs")
	t.Setenv(BinaryEnv, missingBin)

	t.Setenv(RequireEnv, "")
	o := runStart(t)
	if o.skipped == "" || o.failed != "" {
		t.Fatalf("want a skip, got skipped=%q failed=%q", o.skipped, o.failed)
	}
	for _, want := range []string{missingBin, "hack/tools.sh", RequireEnv} {
		if !strings.Contains(o.skipped, want) {
			t.Errorf("skip message %q does not mention %q", o.skipped, want)
		}
	}

	t.Setenv(RequireEnv, "1")
	o = runStart(t)
	if o.failed == "" || o.skipped != "" {
		t.Fatalf("want a failure, got skipped=%q failed=%q", o.skipped, o.failed)
	}
	if !strings.Contains(o.failed, missingBin) {
		t.Errorf("failure %q does not name the binary", o.failed)
	}
}

func TestConfigYAML(t *testing.T) {
	got := configYAML("/tmp/x", 4242, Options{})
	for _, want := range []string{"output: stdout", "format: json", "host: 127.0.0.1", "port: 4242", `path: "/tmp/x/controlplane.db"`} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "jwt") {
		t.Errorf("no jwt block without durations:\n%s", got)
	}
}

func TestRestartKeepsAddressAndState(t *testing.T) {
	s := Start(t, Options{})
	ctx := t.Context()
	token, err := s.adminToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.call(ctx, "POST", "/api/v1/store/metadata", token, `{"name":"kept","type":"memory","config":"{}"}`); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(t); err != nil {
		t.Fatal(err)
	}
	if !s.Exited() {
		t.Fatal("server still running after Stop")
	}
	if err := s.Restart(t); err != nil {
		t.Fatalf("restart: %v\n%s", err, s.Log())
	}
	token, err = s.adminToken(ctx)
	if err != nil {
		t.Fatalf("admin login after restart: %v", err)
	}
	body, err := s.call(ctx, "GET", "/api/v1/store/metadata/kept", token, "")
	if err != nil {
		t.Fatalf("the database survived the restart: %v", err)
	}
	if !strings.Contains(string(body), `"kept"`) {
		t.Errorf("unexpected store: %s", body)
	}
	if err := s.waitListening(ctx, s.NFSPort); err != nil {
		t.Errorf("NFS back on its moved port %d: %v", s.NFSPort, err)
	}
}
