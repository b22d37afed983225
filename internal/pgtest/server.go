// Package pgtest runs a real PostgreSQL for tests: Debian's postgresql package (hack/system-deps.sh
// installs it) on 127.0.0.1, in a temporary folder, removed when the test ends. It authenticates
// with SCRAM passwords over TCP, as a DittoFS server connects, and trusts its private Unix socket,
// which the helpers here use for setup as the superuser.
package pgtest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

// Superuser is the role initdb creates; it is trusted over the socket and has SuperuserPassword
// over TCP.
const Superuser = "postgres"

// binGlob is where Debian installs each major version's initdb, pg_ctl and psql.
const binGlob = "/usr/lib/postgresql/*/bin"

// Server is a running PostgreSQL cluster.
type Server struct {
	// Host and Port are its TCP address (SCRAM authentication).
	Host string
	Port int
	// SocketDir holds its Unix socket (trust authentication) and is the temporary folder the
	// data directory and LogPath are in.
	SocketDir string
	DataDir   string
	LogPath   string
	// SuperuserPassword logs Superuser in over TCP.
	SuperuserPassword string

	bin  string
	cred *syscall.Credential // nil unless running as root: PostgreSQL refuses to run as root
}

// Start initialises a cluster for t, starts it on a free port and returns once it accepts
// connections; it is stopped and removed when t ends. It skips t when PostgreSQL is missing,
// unless toolchain.RequireEnv is set.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{Host: "127.0.0.1", bin: binDir(t), SuperuserPassword: rand.Text()}
	if os.Geteuid() == 0 {
		s.cred = postgresUser(t)
	}
	dir, err := os.MkdirTemp("", "dittofs-pgtest-") // not t.TempDir: its parents are private to root
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	s.SocketDir, s.DataDir, s.LogPath = dir, filepath.Join(dir, "data"), filepath.Join(dir, "postgres.log")
	pwfile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwfile, []byte(s.SuperuserPassword+"\n"), 0o600); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if s.cred != nil {
		for _, p := range []string{dir, pwfile} {
			if err := os.Chown(p, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
				t.Fatalf("pgtest: %v", err)
			}
		}
	}
	if err := s.run("initdb", "-D", s.DataDir, "-U", Superuser, "--pwfile", pwfile,
		"--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8"); err != nil {
		t.Fatalf("pgtest: %v", err)
	}

	// Registered before the first start, so a start that times out leaves no server behind; it
	// fails harmlessly when nothing runs (never started, or the test stopped it).
	t.Cleanup(func() { _ = s.Stop() })
	// A port found free can be taken before the server binds it; try another then.
	const attempts = 3
	for i := 1; ; i++ {
		s.Port = freePort(t)
		err := s.Restart()
		if err == nil {
			break
		}
		if i < attempts && strings.Contains(s.log(), "could not bind") {
			t.Logf("pgtest: port %d taken on attempt %d, retrying", s.Port, i)
			continue
		}
		t.Fatalf("pgtest: %v", err)
	}
	return s
}

// Stop ends the server the hard way (immediate: no checkpoint, connections cut), as a crash of
// the database server would, and returns once it is gone.
func (s *Server) Stop() error {
	return s.run("pg_ctl", "-D", s.DataDir, "-m", "immediate", "-w", "stop")
}

// Restart starts the server on Port (again, after Stop: the same port and data, after crash
// recovery) and returns once it accepts connections, or after a minute with an error.
func (s *Server) Restart() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=%s -c fsync=off", s.Port, s.SocketDir, s.Host)
	return s.run("pg_ctl", "-D", s.DataDir, "-l", s.LogPath, "-o", opts, "-w", "-t", "60", "start")
}

// CreateDatabase makes a login role with password and a database of the same name it owns.
func (s *Server) CreateDatabase(t testing.TB, role, password string) {
	t.Helper()
	s.Exec(t, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD %s", quoteIdent(role), quoteLiteral(password)))
	s.Exec(t, fmt.Sprintf("CREATE DATABASE %s OWNER %s", quoteIdent(role), quoteIdent(role)))
}

// Exec runs sql as Superuser over the socket, failing t when it fails.
func (s *Server) Exec(t testing.TB, sql string) {
	t.Helper()
	if err := s.run("psql", "-X", "-v", "ON_ERROR_STOP=1", "-At", "-h", s.SocketDir, "-p", strconv.Itoa(s.Port),
		"-U", Superuser, "-d", "postgres", "-c", sql); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// Query runs sql over TCP as role with its password, as a DittoFS server connects, and returns
// the rows (one line each, columns separated by |) sorted, so callers need no ORDER BY.
func (s *Server) Query(t testing.TB, role, password, db, sql string) []string {
	t.Helper()
	rows, err := s.query(role, password, db, sql)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func (s *Server) query(role, password, db, sql string) ([]string, error) {
	cmd := exec.Command(filepath.Join(s.bin, "psql"), "-X", "-v", "ON_ERROR_STOP=1", "-At",
		"-h", s.Host, "-p", strconv.Itoa(s.Port), "-U", role, "-d", db, "-c", sql)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+password, "PGSSLMODE=disable")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("psql %q: %v\n%s", sql, err, out)
	}
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" {
			rows = append(rows, line)
		}
	}
	sort.Strings(rows)
	return rows, nil
}

// run runs one of PostgreSQL's programs as the user the server runs as; its error carries the
// program's output and the server log.
func (s *Server) run(name string, args ...string) error {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.SocketDir // the user may not be allowed into the test's working directory
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s\npostgres.log:\n%s", name, strings.Join(args, " "), err, out, s.log())
	}
	return nil
}

func (s *Server) log() string {
	b, err := os.ReadFile(s.LogPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Sprintf("(unreadable: %v)", err)
	}
	return string(b)
}

// binDir finds initdb, pg_ctl and psql of the newest installed major version, or skips t (fails
// it under toolchain.RequireEnv).
func binDir(t testing.TB) string {
	t.Helper()
	dir, err := findBin(binGlob)
	if err != nil {
		missing(t, err.Error())
	}
	return dir
}

func findBin(glob string) (string, error) {
	dirs, _ := filepath.Glob(glob)
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("PostgreSQL is not installed (no %s/initdb): run hack/system-deps.sh", glob)
}

// majorOf reads the version folder numerically, so 10 sorts above 9.
func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func postgresUser(t testing.TB) *syscall.Credential {
	t.Helper()
	u, err := user.Lookup(Superuser)
	if err != nil {
		missing(t, "running as root and there is no 'postgres' user to run PostgreSQL as: run hack/system-deps.sh")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// missing skips t, or fails it when toolchain.RequireEnv is set (CI), so CI cannot pass by skipping.
func missing(t testing.TB, msg string) {
	t.Helper()
	if toolchain.Required() {
		t.Fatalf("pgtest: %s (%s is set, so this is a failure, not a skip)", msg, toolchain.RequireEnv)
	}
	t.Skipf("pgtest: %s; skipping (set %s=1 to fail instead)", msg, toolchain.RequireEnv)
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pgtest: find a free port: %v", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
