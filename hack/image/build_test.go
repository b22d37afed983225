package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

// The tests below build the real image once (both platforms, as make image does) and check it
// with skopeo, a tool that shares no code with the builder.

var (
	realOnce    sync.Once
	realOut     Outputs
	realDigest  v1.Hash
	realErr     error
	realOptions Options
)

// realImage builds the image into a folder kept for the whole test binary.
func realImage(t *testing.T) (Outputs, v1.Hash) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the manager for two platforms")
	}
	realOnce.Do(func() {
		root, err := toolchain.RepoRoot()
		if err != nil {
			realErr = err
			return
		}
		dir, err := os.MkdirTemp("", "dittofs-operator-image-test-")
		if err != nil {
			realErr = err
			return
		}
		realOptions = Options{Root: root, Out: filepath.Join(dir, "first")}
		realOut, realDigest, realErr = Run(realOptions)
	})
	require.NoError(t, realErr)
	return realOut, realDigest
}

func TestMain(m *testing.M) {
	code := m.Run()
	if realOptions.Out != "" {
		os.RemoveAll(filepath.Dir(realOptions.Out))
	}
	os.Exit(code)
}

// requireSkopeo finds skopeo (hack/system-deps.sh installs it), or skips, failing under
// DITTOFS_REQUIRE_E2E.
func requireSkopeo(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("skopeo")
	if err != nil {
		if toolchain.Required() {
			t.Fatalf("%s is set but skopeo is missing (install it with: bash hack/system-deps.sh)", toolchain.RequireEnv)
		}
		t.Skip("skipping: no skopeo (install it with: bash hack/system-deps.sh)")
	}
	return path
}

func skopeo(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(requireSkopeo(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "skopeo %s\n%s", strings.Join(args, " "), stderr.String())
	return out
}

// TestRealImageWithSkopeo reads the built image with skopeo from every output: the platforms of
// the index, and for each platform the user, entrypoint and labels.
func TestRealImageWithSkopeo(t *testing.T) {
	requireSkopeo(t)
	out, digest := realImage(t)
	version := realVersion(t)

	var index v1.IndexManifest
	require.NoError(t, json.Unmarshal(skopeo(t, "inspect", "--raw", "oci:"+out.Layout), &index))
	var platforms []string
	for _, d := range index.Manifests {
		platforms = append(platforms, d.Platform.String())
	}
	assert.Equal(t, []string{"linux/amd64", "linux/arm64"}, platforms)

	var summary struct{ Digest string }
	require.NoError(t, json.Unmarshal(skopeo(t, "inspect", "oci-archive:"+out.Archive), &summary))
	assert.NotEmpty(t, summary.Digest)

	for _, arch := range []string{"amd64", "arm64"} {
		for _, src := range []string{"oci:" + out.Layout, "oci-archive:" + out.Archive, "oci-archive:" + out.Platform["linux/"+arch], "docker-archive:" + out.Platform["linux/"+arch]} {
			t.Run(arch+" "+strings.SplitN(src, ":", 2)[0], func(t *testing.T) {
				var cfg v1.ConfigFile
				require.NoError(t, json.Unmarshal(skopeo(t, "inspect", "--config", "--override-os", "linux", "--override-arch", arch, src), &cfg))
				assert.Equal(t, arch, cfg.Architecture)
				assert.Equal(t, "65532:65532", cfg.Config.User)
				assert.Equal(t, []string{"/manager"}, cfg.Config.Entrypoint)
				assert.Equal(t, version, cfg.Config.Labels["org.opencontainers.image.version"])
				assert.Equal(t, "https://github.com/dittofs/dittofs-operator", cfg.Config.Labels["org.opencontainers.image.source"])
				assert.NotEmpty(t, cfg.Config.Labels["org.opencontainers.image.revision"])
			})
		}
	}
	assert.NotEmpty(t, digest.Hex)
}

// TestRealImageRuns copies the image of this machine's architecture out with skopeo, unpacks its
// layers into a root filesystem and runs the manager from it with --help.
func TestRealImageRuns(t *testing.T) {
	requireSkopeo(t)
	out, _ := realImage(t)
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skipf("cannot run a linux/amd64 or linux/arm64 binary on %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	copied := filepath.Join(t.TempDir(), "dir")
	skopeo(t, "copy", "--override-os", "linux", "--override-arch", runtime.GOARCH, "oci:"+out.Layout, "dir:"+copied)
	var m v1.Manifest
	data, err := os.ReadFile(filepath.Join(copied, "manifest.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &m))
	rootfs := filepath.Join(t.TempDir(), "rootfs")
	for _, l := range m.Layers {
		unpack(t, filepath.Join(copied, l.Digest.Hex), rootfs)
	}
	for _, p := range []string{"manager", "etc/ssl/certs/ca-certificates.crt", "etc/passwd"} {
		assert.FileExists(t, filepath.Join(rootfs, p))
	}

	manager := filepath.Join(rootfs, "manager")
	f, err := elf.Open(manager)
	require.NoError(t, err)
	for _, p := range f.Progs {
		assert.NotEqual(t, elf.PT_INTERP, p.Type, "the manager is dynamically linked; the image has no libc")
	}
	f.Close()

	cmd := exec.Command(manager, "--help")
	cmd.Dir = rootfs
	cmd.Env = []string{"SSL_CERT_FILE=" + filepath.Join(rootfs, "etc/ssl/certs/ca-certificates.crt")}
	help, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s --help:\n%s", manager, help)
	assert.Contains(t, string(help), "-leader-elect")
	assert.Contains(t, string(help), "-zap-log-level")
}

// TestRealImageReproducible builds the image a second time and compares the digest and every
// archive byte for byte.
func TestRealImageReproducible(t *testing.T) {
	first, digest := realImage(t)
	o := realOptions
	o.Out = filepath.Join(filepath.Dir(realOptions.Out), "second")
	second, again, err := Run(o)
	require.NoError(t, err)
	assert.Equal(t, digest, again, "two builds of one commit must give one digest")
	for _, pair := range [][2]string{{first.Archive, second.Archive}, {first.Platform["linux/amd64"], second.Platform["linux/amd64"]}} {
		a, err := os.ReadFile(pair[0])
		require.NoError(t, err)
		b, err := os.ReadFile(pair[1])
		require.NoError(t, err)
		assert.True(t, bytes.Equal(a, b), "%s and %s differ", pair[0], pair[1])
	}
}

func realVersion(t *testing.T) string {
	t.Helper()
	o := realOptions
	require.NoError(t, resolve(&o))
	return o.Meta.Version
}

// unpack extracts the gzip-compressed layer tar at path into dir (files and folders only, which
// is all the image has).
func unpack(t *testing.T, path, dir string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		require.NoError(t, err)
		target := filepath.Join(dir, filepath.FromSlash(h.Name))
		require.True(t, strings.HasPrefix(target, dir+string(filepath.Separator)), "entry %q escapes the root", h.Name)
		switch h.Typeflag {
		case tar.TypeDir:
			require.NoError(t, os.MkdirAll(target, 0o755))
		case tar.TypeReg:
			require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o755))
			data, err := io.ReadAll(tr)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(target, data, os.FileMode(h.Mode).Perm()))
		default:
			t.Fatalf("unexpected entry %q of type %c", h.Name, h.Typeflag)
		}
	}
}
