package main

import (
	"archive/tar"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testMeta = Meta{
	Version:  "v1.2.3",
	Source:   "https://github.com/dittofs/dittofs-operator",
	Revision: "0123456789abcdef0123456789abcdef01234567",
	Created:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
}

// fakeBins stand in for the manager: the builder does not look inside.
func fakeBins() []Binary {
	return []Binary{
		{Platform: v1.Platform{OS: "linux", Architecture: "amd64"}, Manager: []byte("amd64 manager")},
		{Platform: v1.Platform{OS: "linux", Architecture: "arm64"}, Manager: []byte("arm64 manager")},
	}
}

func build(t *testing.T) v1.ImageIndex {
	t.Helper()
	idx, err := Build(testMeta, fakeBins())
	require.NoError(t, err)
	return idx
}

func TestIndexHasBothPlatformsWithOCIMediaTypes(t *testing.T) {
	idx := build(t)
	mt, err := idx.MediaType()
	require.NoError(t, err)
	assert.Equal(t, types.OCIImageIndex, mt)
	im, err := idx.IndexManifest()
	require.NoError(t, err)
	var platforms []string
	for _, d := range im.Manifests {
		platforms = append(platforms, d.Platform.String())
		assert.Equal(t, types.OCIManifestSchema1, d.MediaType)
		assert.Empty(t, d.ArtifactType, "an image is not an artifact")
	}
	assert.Equal(t, []string{"linux/amd64", "linux/arm64"}, platforms)
	assert.Equal(t, "v1.2.3", im.Annotations["org.opencontainers.image.version"])
	assert.Equal(t, testMeta.Source, im.Annotations["org.opencontainers.image.source"])
}

func TestConfigOfEveryPlatform(t *testing.T) {
	idx := build(t)
	im, err := idx.IndexManifest()
	require.NoError(t, err)
	for _, d := range im.Manifests {
		t.Run(d.Platform.String(), func(t *testing.T) {
			img, err := idx.Image(d.Digest)
			require.NoError(t, err)
			m, err := img.Manifest()
			require.NoError(t, err)
			assert.Equal(t, types.OCIConfigJSON, m.Config.MediaType)
			assert.Equal(t, testMeta.Revision, m.Annotations["org.opencontainers.image.revision"])
			for _, l := range m.Layers {
				assert.Equal(t, types.OCILayer, l.MediaType)
			}

			cf, err := img.ConfigFile()
			require.NoError(t, err)
			assert.Equal(t, d.Platform.OS, cf.OS)
			assert.Equal(t, d.Platform.Architecture, cf.Architecture)
			assert.Equal(t, "layers", cf.RootFS.Type)
			assert.Len(t, cf.RootFS.DiffIDs, 2)
			assert.Equal(t, "65532:65532", cf.Config.User)
			assert.Equal(t, []string{"/manager"}, cf.Config.Entrypoint)
			assert.Empty(t, cf.Config.Cmd)
			assert.Equal(t, testMeta.Created, cf.Created.UTC())
			assert.Equal(t, map[string]string{
				"org.opencontainers.image.title":       "dittofs-operator",
				"org.opencontainers.image.description": "Kubernetes operator for the DittoFS file server (NFS and SMB)",
				"org.opencontainers.image.version":     "v1.2.3",
				"org.opencontainers.image.source":      testMeta.Source,
				"org.opencontainers.image.url":         testMeta.Source,
				"org.opencontainers.image.revision":    testMeta.Revision,
				"org.opencontainers.image.created":     "2026-01-02T03:04:05Z",
			}, cf.Config.Labels)
			require.Len(t, cf.History, 2)
			for _, h := range cf.History {
				assert.Equal(t, testMeta.Created, h.Created.UTC())
			}
		})
	}
}

// TestFilesystem reads the flattened root filesystem of the amd64 image.
func TestFilesystem(t *testing.T) {
	idx := build(t)
	im, err := idx.IndexManifest()
	require.NoError(t, err)
	img, err := idx.Image(im.Manifests[0].Digest)
	require.NoError(t, err)
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	files := map[string]*tar.Header{}
	data := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		files[h.Name] = h
		b, err := io.ReadAll(tr)
		require.NoError(t, err)
		data[h.Name] = b
		assert.Equal(t, testMeta.Created, h.ModTime.UTC(), "%s: every entry carries the build's timestamp", h.Name)
	}
	require.Contains(t, files, "manager")
	assert.Equal(t, int64(0o755), files["manager"].Mode)
	assert.Equal(t, "amd64 manager", string(data["manager"]))
	assert.Equal(t, 0, files["manager"].Uid, "root owns the binary, so the manager cannot change it")
	assert.Contains(t, string(data["etc/passwd"]), "nonroot:x:65532:65532:")
	assert.Contains(t, string(data["etc/group"]), "nonroot:x:65532:")
	assert.Equal(t, int64(0o1777), files["tmp"].Mode, "%v", keys(files))

	pemData := data[strings.TrimPrefix(CAFile, "/")]
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemData), "the CA bundle is PEM")
	n := 0
	for rest := pemData; ; n++ {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		_, err := x509.ParseCertificate(b.Bytes)
		require.NoError(t, err)
	}
	assert.Greater(t, n, 100, "Mozilla's store has well over a hundred roots")
}

// TestReproducible builds twice from equal inputs and compares digests, and checks that the
// version and the timestamp are the only inputs besides the binaries that reach the digest.
func TestReproducible(t *testing.T) {
	a, err := build(t).Digest()
	require.NoError(t, err)
	b, err := build(t).Digest()
	require.NoError(t, err)
	assert.Equal(t, a, b)

	later := testMeta
	later.Created = later.Created.Add(time.Second)
	idx, err := Build(later, fakeBins())
	require.NoError(t, err)
	c, err := idx.Digest()
	require.NoError(t, err)
	assert.NotEqual(t, a, c, "the timestamp is part of the image")
}

func TestBuildRefusesBadInput(t *testing.T) {
	_, err := Build(testMeta, nil)
	assert.Error(t, err)
	_, err = Build(Meta{Version: "v1"}, fakeBins())
	assert.Error(t, err)
	twice := append(fakeBins(), fakeBins()[0])
	_, err = Build(testMeta, twice)
	assert.ErrorContains(t, err, "twice")
}

// TestWriteOutputs writes the outputs twice and checks they are byte for byte the same, that the
// layout names the image, and that each single-platform archive carries Docker's manifest.json.
func TestWriteOutputs(t *testing.T) {
	read := func(dir string) map[string][]byte {
		out, err := Write(dir, "registry.example/dittofs-operator:v1.2.3", "v1.2.3", testMeta.Created, build(t))
		require.NoError(t, err)
		got := map[string][]byte{}
		for _, p := range append([]string{out.Archive, out.Digest, out.Ref, filepath.Join(out.Layout, "index.json")}, out.Platform["linux/amd64"], out.Platform["linux/arm64"]) {
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			rel, err := filepath.Rel(dir, p)
			require.NoError(t, err)
			got[rel] = b
		}
		return got
	}
	dir := t.TempDir()
	first := read(filepath.Join(dir, "a"))
	second := read(filepath.Join(dir, "b"))
	assert.Equal(t, first, second)

	digest, err := build(t).Digest()
	require.NoError(t, err)
	assert.Equal(t, digest.String()+"\n", string(first["digest"]))
	assert.Equal(t, "registry.example/dittofs-operator:v1.2.3\n", string(first["ref"]))

	lp, err := layout.FromPath(filepath.Join(dir, "a", "oci"))
	require.NoError(t, err)
	top, err := lp.ImageIndex()
	require.NoError(t, err)
	im, err := top.IndexManifest()
	require.NoError(t, err)
	require.Len(t, im.Manifests, 1)
	assert.Equal(t, digest, im.Manifests[0].Digest)
	assert.Equal(t, "v1.2.3", im.Manifests[0].Annotations["org.opencontainers.image.ref.name"])
	assert.Equal(t, "registry.example/dittofs-operator:v1.2.3", im.Manifests[0].Annotations["io.containerd.image.name"])

	entries := tarEntries(t, filepath.Join(dir, "a", "dittofs-operator-linux-arm64.tar"))
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	require.NoError(t, json.Unmarshal(entries["manifest.json"], &manifest))
	require.Len(t, manifest, 1)
	assert.Equal(t, []string{"registry.example/dittofs-operator:v1.2.3"}, manifest[0].RepoTags)
	assert.Contains(t, entries, manifest[0].Config)
	require.Len(t, manifest[0].Layers, 2)
	for _, l := range manifest[0].Layers {
		assert.Contains(t, entries, l)
	}
	assert.Contains(t, entries, "oci-layout")
	assert.Contains(t, entries, "index.json")
}

func tarEntries(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	out := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		b, err := io.ReadAll(tr)
		require.NoError(t, err)
		out[h.Name] = b
	}
}

// TestDockerfileAgrees keeps deploy/Dockerfile, the alternative build for those with a container
// engine, on the same user, entrypoint and CA bundle path.
func TestDockerfileAgrees(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "Dockerfile"))
	require.NoError(t, err)
	df := string(data)
	assert.Regexp(t, regexp.MustCompile(`(?m)^USER `+User+`$`), df)
	assert.Regexp(t, regexp.MustCompile(`(?m)^ENTRYPOINT \["`+Entrypoint+`"\]$`), df)
	assert.Contains(t, df, CAFile)
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
