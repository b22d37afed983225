package postgres

import (
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

// pgServer is a throwaway PostgreSQL cluster on 127.0.0.1, from Debian's postgresql package
// (hack/system-deps.sh installs it), in a temporary folder, stopped and removed when the test ends.
type pgServer struct {
	bin, dir, socketDir string
	port                int
	cred                *syscall.Credential // run as this user: PostgreSQL refuses to run as root
}

// startPostgres starts the server with SCRAM password authentication over TCP (so the test
// proves the password the server gets works) and trust over its private Unix socket (for setup).
func startPostgres(t *testing.T) *pgServer {
	t.Helper()
	bin := postgresBinDir(t)
	pg := &pgServer{bin: bin, port: freePort(t)}
	dir, err := os.MkdirTemp("", "dittofs-pg-") // not t.TempDir: its parents are private to root
	if err != nil {
		t.Fatal(err)
	}
	pg.dir, pg.socketDir = filepath.Join(dir, "data"), dir
	if os.Geteuid() == 0 {
		pg.cred = postgresUser(t)
		if err := os.Chown(dir, int(pg.cred.Uid), int(pg.cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })

	pwfile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwfile, []byte("superuser-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if pg.cred != nil {
		_ = os.Chown(pwfile, int(pg.cred.Uid), int(pg.cred.Gid))
	}
	pg.run(t, "initdb", "-D", pg.dir, "-U", "postgres", "--pwfile", pwfile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8")
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", pg.port, pg.socketDir)
	pg.run(t, "pg_ctl", "-D", pg.dir, "-l", filepath.Join(dir, "postgres.log"), "-o", opts, "-w", "-t", "60", "start")
	t.Cleanup(func() {
		_ = pg.command("pg_ctl", "-D", pg.dir, "-m", "immediate", "-w", "stop").Run()
	})
	return pg
}

// createDatabase makes a login role with a password and a database it owns.
func (pg *pgServer) createDatabase(t *testing.T, role, password string) {
	t.Helper()
	pg.superuser(t, fmt.Sprintf("CREATE ROLE %q LOGIN PASSWORD '%s'", role, password))
	pg.superuser(t, fmt.Sprintf("CREATE DATABASE %q OWNER %q", role, role))
}

func (pg *pgServer) superuser(t *testing.T, sql string) string {
	t.Helper()
	return pg.run(t, "psql", "-X", "-v", "ON_ERROR_STOP=1", "-At", "-h", pg.socketDir, "-p", strconv.Itoa(pg.port), "-U", "postgres", "-d", "postgres", "-c", sql)
}

// query runs sql over TCP as role, with its password: what the DittoFS server does.
func (pg *pgServer) query(t *testing.T, role, password, db, sql string) []string {
	t.Helper()
	cmd := exec.Command(filepath.Join(pg.bin, "psql"), "-X", "-v", "ON_ERROR_STOP=1", "-At",
		"-h", "127.0.0.1", "-p", strconv.Itoa(pg.port), "-U", role, "-d", db, "-c", sql)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+password, "PGSSLMODE=disable")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("psql %q: %v\n%s", sql, err, out)
	}
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" {
			rows = append(rows, line)
		}
	}
	sort.Strings(rows)
	return rows
}

func (pg *pgServer) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(pg.bin, name), args...)
	cmd.Dir = pg.socketDir
	if pg.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred}
	}
	return cmd
}

func (pg *pgServer) run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := pg.command(name, args...).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(pg.socketDir, "postgres.log"))
		t.Fatalf("%s %s: %v\n%s\npostgres.log:\n%s", name, strings.Join(args, " "), err, out, log)
	}
	return string(out)
}

// postgresBinDir finds initdb and pg_ctl of the newest installed major version.
func postgresBinDir(t *testing.T) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	skipOrFail(t, "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run hack/system-deps.sh")
	return ""
}

func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func postgresUser(t *testing.T) *syscall.Credential {
	t.Helper()
	u, err := user.Lookup("postgres")
	if err != nil {
		skipOrFail(t, "running as root and there is no 'postgres' user to run PostgreSQL as: run hack/system-deps.sh")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

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
