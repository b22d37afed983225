package pgtest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPasswordsOverTCPAndDataSurviveARestart: a role's password logs in over TCP and a wrong one
// does not (SCRAM is really in force); after Stop nothing answers, and Restart brings the same
// data back on the same port.
func TestPasswordsOverTCPAndDataSurviveARestart(t *testing.T) {
	s := Start(t)
	s.CreateDatabase(t, "app", "it's-secret") // a quote, to prove the literal is escaped
	s.Exec(t, `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('b'), ('a')`)

	if got := s.Query(t, "app", "it's-secret", "app", "SELECT current_user || '@' || current_database()"); !slices.Equal(got, []string{"app@app"}) {
		t.Fatalf("over TCP as app: %v, want [app@app]", got)
	}
	if _, err := s.query("app", "wrong", "app", "SELECT 1"); err == nil || !strings.Contains(err.Error(), "password authentication failed") {
		t.Fatalf("a wrong password over TCP: got %v, want password authentication failed", err)
	}
	if got := s.Query(t, Superuser, s.SuperuserPassword, "postgres", "SELECT v FROM kept"); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("rows = %v, want [a b] (sorted)", got)
	}

	port := s.Port
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.query(Superuser, s.SuperuserPassword, "postgres", "SELECT 1"); err == nil {
		t.Fatal("the server answered after Stop")
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Port != port {
		t.Fatalf("port after Restart = %d, want %d", s.Port, port)
	}
	if got := s.Query(t, Superuser, s.SuperuserPassword, "postgres", "SELECT v FROM kept"); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("rows after Restart = %v, want [a b]", got)
	}
}

// TestFindBin: the newest major version wins, numerically (10 above 9), and a missing
// installation says how to install one.
func TestFindBin(t *testing.T) {
	root := t.TempDir()
	for _, v := range []string{"9", "10", "17"} {
		bin := filepath.Join(root, v, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		if v != "17" { // a major version without initdb (only its client) does not count
			if err := os.WriteFile(filepath.Join(bin, "initdb"), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := findBin(filepath.Join(root, "*", "bin"))
	if want := filepath.Join(root, "10", "bin"); err != nil || got != want {
		t.Fatalf("findBin = %q, %v; want %q", got, err, want)
	}
	if _, err := findBin(filepath.Join(t.TempDir(), "*", "bin")); err == nil || !strings.Contains(err.Error(), "hack/system-deps.sh") {
		t.Fatalf("findBin with nothing installed: %v, want an error naming hack/system-deps.sh", err)
	}
}
