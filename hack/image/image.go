package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// What every image of the manager is: the chart's security context and deploy/Dockerfile
// expect the same user and entrypoint (see the tests).
const (
	// User is the unprivileged uid:gid the manager runs as.
	User = "65532:65532"
	// Entrypoint is where the manager binary sits in the image.
	Entrypoint = "/manager"
	// CAFile is the CA bundle, where Go's crypto/x509 looks first on Linux.
	CAFile = "/etc/ssl/certs/ca-certificates.crt"
)

// Meta describes one build: what goes into the labels, annotations and timestamps.
type Meta struct {
	// Version of the operator, the image tag (for example v0.1.0).
	Version string
	// Source is the repository's URL (org.opencontainers.image.source).
	Source string
	// Revision is the commit the image is built from (org.opencontainers.image.revision).
	Revision string
	// Created is the one timestamp every layer entry, the configs and the labels carry: the
	// commit time, so that two builds of one commit are byte for byte the same.
	Created time.Time
}

// Binary is the manager built for one platform.
type Binary struct {
	Platform v1.Platform
	Manager  []byte
}

// Labels are the OCI labels of every image config, also set as annotations on the manifests
// and the index.
func (m Meta) Labels() map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":       "dittofs-operator",
		"org.opencontainers.image.description": "Kubernetes operator for the DittoFS file server (NFS and SMB)",
		"org.opencontainers.image.version":     m.Version,
		"org.opencontainers.image.source":      m.Source,
		"org.opencontainers.image.url":         m.Source,
		"org.opencontainers.image.revision":    m.Revision,
		"org.opencontainers.image.created":     m.Created.UTC().Format(time.RFC3339),
	}
}

// Build assembles the multi-platform image index: for each binary an image on an empty base
// with a shared base layer (CA bundle, passwd and group naming uid 65532) and a layer holding
// the manager. It reads no clock, file or network: equal inputs give equal digests.
func Build(meta Meta, bins []Binary) (v1.ImageIndex, error) {
	if len(bins) == 0 {
		return nil, fmt.Errorf("no binaries")
	}
	if meta.Version == "" || meta.Source == "" || meta.Revision == "" {
		return nil, fmt.Errorf("version, source and revision are required")
	}
	created := meta.Created.UTC().Truncate(time.Second)
	base, err := baseLayer(created)
	if err != nil {
		return nil, err
	}
	idx := &index{images: map[v1.Hash]v1.Image{}}
	manifest := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Annotations: meta.Labels()}
	seen := map[string]bool{}
	for _, b := range bins {
		p := b.Platform
		if seen[p.String()] {
			return nil, fmt.Errorf("platform %s twice", p)
		}
		seen[p.String()] = true
		img, err := platformImage(meta, created, base, b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		// The descriptor by hand: mutate.AppendManifests would give every image an
		// artifactType, which the OCI spec keeps for artifacts that are not images.
		d := v1.Descriptor{MediaType: types.OCIManifestSchema1, Platform: &v1.Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant}}
		if d.Digest, err = img.Digest(); err != nil {
			return nil, err
		}
		if d.Size, err = img.Size(); err != nil {
			return nil, err
		}
		manifest.Manifests = append(manifest.Manifests, d)
		idx.images[d.Digest] = img
	}
	raw, err := json.Marshal(manifest)
	if err != nil {
		return nil, err
	}
	idx.raw = raw
	return idx, nil
}

// index is an OCI image index of images held in memory, serialized exactly once.
type index struct {
	raw    []byte
	images map[v1.Hash]v1.Image
}

func (i *index) MediaType() (types.MediaType, error) { return types.OCIImageIndex, nil }
func (i *index) Size() (int64, error)                { return int64(len(i.raw)), nil }
func (i *index) RawManifest() ([]byte, error)        { return i.raw, nil }

func (i *index) Digest() (v1.Hash, error) {
	h, _, err := v1.SHA256(bytes.NewReader(i.raw))
	return h, err
}

func (i *index) IndexManifest() (*v1.IndexManifest, error) {
	return v1.ParseIndexManifest(bytes.NewReader(i.raw))
}

func (i *index) Image(h v1.Hash) (v1.Image, error) {
	if img, ok := i.images[h]; ok {
		return img, nil
	}
	return nil, fmt.Errorf("image %s is not in the index", h)
}

func (i *index) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	return nil, fmt.Errorf("the index holds no index %s", h)
}

func platformImage(meta Meta, created time.Time, base v1.Layer, b Binary) (v1.Image, error) {
	bin, err := layer(created, []entry{{name: Entrypoint[1:], mode: 0o755, data: b.Manager}})
	if err != nil {
		return nil, err
	}
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err = mutate.ConfigFile(img, &v1.ConfigFile{
		Architecture: b.Platform.Architecture,
		OS:           b.Platform.OS,
		Variant:      b.Platform.Variant,
		Created:      v1.Time{Time: created},
		RootFS:       v1.RootFS{Type: "layers"},
		Config: v1.Config{
			User:       User,
			Entrypoint: []string{Entrypoint},
			Env:        []string{"SSL_CERT_FILE=" + CAFile},
			WorkingDir: "/",
			Labels:     meta.Labels(),
		},
	})
	if err != nil {
		return nil, err
	}
	img, err = mutate.Append(img,
		mutate.Addendum{Layer: base, History: v1.History{Created: v1.Time{Time: created}, CreatedBy: "hack/image: CA certificates (Mozilla via golang.org/x/crypto/x509roots/fallback), /etc/passwd, /etc/group", Comment: "base"}},
		mutate.Addendum{Layer: bin, History: v1.History{Created: v1.Time{Time: created}, CreatedBy: "hack/image: " + Entrypoint + " (CGO_ENABLED=0 go build -trimpath)", Comment: "manager"}},
	)
	if err != nil {
		return nil, err
	}
	img, err = mutate.CreatedAt(img, v1.Time{Time: created})
	if err != nil {
		return nil, err
	}
	out, ok := mutate.Annotations(img, meta.Labels()).(v1.Image)
	if !ok {
		return nil, fmt.Errorf("annotating the image")
	}
	return out, nil
}

// baseLayer holds what the manager needs besides itself: CA certificates for TLS to anything
// but the API server, and passwd/group entries so that uid 65532 has a name and a home.
func baseLayer(created time.Time) (v1.Layer, error) {
	return layer(created, []entry{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/group", mode: 0o644, data: []byte("root:x:0:\nnonroot:x:65532:\n")},
		{name: "etc/passwd", mode: 0o644, data: []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
		{name: "etc/ssl/", mode: 0o755, dir: true},
		{name: "etc/ssl/certs/", mode: 0o755, dir: true},
		{name: CAFile[1:], mode: 0o644, data: CABundle()},
		{name: "home/", mode: 0o755, dir: true},
		{name: "home/nonroot/", mode: 0o700, dir: true, uid: 65532, gid: 65532},
		{name: "tmp/", mode: 0o1777, dir: true},
	})
}

// CABundle is Mozilla's root store as embedded in golang.org/x/crypto/x509roots/fallback (the
// version go.mod pins), as PEM. Roots that carry constraints X.509 cannot express (such as a
// distrust date) are left out rather than trusted without them.
func CABundle() []byte {
	var buf bytes.Buffer
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			continue
		}
		_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate})
	}
	return buf.Bytes()
}

type entry struct {
	name     string
	mode     int64
	dir      bool
	uid, gid int
	data     []byte
}

// layer is a gzip-compressed OCI layer of entries, sorted by name, all owned by root unless
// set, every timestamp at created.
func layer(created time.Time, entries []entry) (v1.Layer, error) {
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{
			Name:    e.name,
			Mode:    e.mode,
			Uid:     e.uid,
			Gid:     e.gid,
			ModTime: created,
		}
		if e.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		tarball.WithMediaType(types.OCILayer),
		tarball.WithCompressionLevel(gzip.BestCompression),
		tarball.WithCompressedCaching)
}
