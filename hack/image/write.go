package main

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Annotations on the index.json entry that name the image, read by containerd (ctr import,
// kind load), Docker and skopeo.
const (
	annotationContainerdName = "io.containerd.image.name"
	annotationRefName        = "org.opencontainers.image.ref.name"
)

// Outputs are the files Write makes under one folder.
type Outputs struct {
	// Layout is an OCI image layout with every platform: skopeo copy oci:..., crane push.
	Layout string
	// Archive is the same as a tar (an OCI archive): ctr import, kind load image-archive,
	// skopeo copy oci-archive:..., docker load with the containerd image store.
	Archive string
	// Platform maps "os/arch" to a tar with that platform only, holding both the OCI layout
	// and Docker's manifest.json: docker load on any engine, and everything Archive suits.
	Platform map[string]string
	// Digest is a file holding the index digest, for the chart's image.digest.
	Digest string
	// Ref is a file holding the name the image is for (repository:tag), where a release pushes it.
	Ref string
}

// OutputsIn names the outputs in dir for platforms.
func OutputsIn(dir string, platforms []v1.Platform) Outputs {
	o := Outputs{
		Layout:   filepath.Join(dir, "oci"),
		Archive:  filepath.Join(dir, "dittofs-operator.tar"),
		Platform: map[string]string{},
		Digest:   filepath.Join(dir, "digest"),
		Ref:      filepath.Join(dir, "ref"),
	}
	for _, p := range platforms {
		o.Platform[p.String()] = filepath.Join(dir, fmt.Sprintf("dittofs-operator-%s-%s.tar", p.OS, p.Architecture))
	}
	return o
}

// Write writes idx, named ref (repository:tag) and tagged tag, as the Outputs in dir. Every
// archive entry carries the timestamp created.
func Write(dir, ref, tag string, created time.Time, idx v1.ImageIndex) (Outputs, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return Outputs{}, err
	}
	var platforms []v1.Platform
	for _, d := range im.Manifests {
		platforms = append(platforms, *d.Platform)
	}
	out := OutputsIn(dir, platforms)
	names := map[string]string{annotationContainerdName: ref, annotationRefName: tag}

	all, err := collectIndex(idx, names)
	if err != nil {
		return out, err
	}
	if err := writeDir(out.Layout, all); err != nil {
		return out, err
	}
	if err := writeTar(out.Archive, created, all); err != nil {
		return out, err
	}
	for _, d := range im.Manifests {
		img, err := idx.Image(d.Digest)
		if err != nil {
			return out, err
		}
		one, err := collectImage(img, d.Platform, names, ref)
		if err != nil {
			return out, err
		}
		if err := writeTar(out.Platform[d.Platform.String()], created, one); err != nil {
			return out, err
		}
	}
	digest, err := idx.Digest()
	if err != nil {
		return out, err
	}
	if err := os.WriteFile(out.Ref, []byte(ref+"\n"), 0o644); err != nil {
		return out, err
	}
	return out, os.WriteFile(out.Digest, []byte(digest.String()+"\n"), 0o644)
}

// writeDir replaces dir with f, the same files an archive of f holds.
func writeDir(dir string, f files) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	for name, data := range f {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// files are an archive's contents by path.
type files map[string][]byte

func (f files) addBlob(h v1.Hash, data []byte) {
	f["blobs/"+h.Algorithm+"/"+h.Hex] = data
}

func (f files) addImage(img v1.Image) error {
	raw, err := img.RawManifest()
	if err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	f.addBlob(digest, raw)
	cfg, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	cfgName, err := img.ConfigName()
	if err != nil {
		return err
	}
	f.addBlob(cfgName, cfg)
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		h, err := l.Digest()
		if err != nil {
			return err
		}
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		f.addBlob(h, data)
	}
	return nil
}

func (f files) addLayout(top v1.Descriptor) error {
	f["oci-layout"] = []byte(`{"imageLayoutVersion":"1.0.0"}`)
	index, err := json.Marshal(v1.IndexManifest{
		SchemaVersion: 2,
		MediaType:     types.OCIImageIndex,
		Manifests:     []v1.Descriptor{top},
	})
	if err != nil {
		return err
	}
	f["index.json"] = index
	return nil
}

// collectIndex is an OCI archive of idx and every image in it.
func collectIndex(idx v1.ImageIndex, names map[string]string) (files, error) {
	f := files{}
	raw, err := idx.RawManifest()
	if err != nil {
		return nil, err
	}
	digest, err := idx.Digest()
	if err != nil {
		return nil, err
	}
	mt, err := idx.MediaType()
	if err != nil {
		return nil, err
	}
	f.addBlob(digest, raw)
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, d := range im.Manifests {
		img, err := idx.Image(d.Digest)
		if err != nil {
			return nil, err
		}
		if err := f.addImage(img); err != nil {
			return nil, err
		}
	}
	return f, f.addLayout(v1.Descriptor{MediaType: mt, Size: int64(len(raw)), Digest: digest, Annotations: names})
}

// collectImage is an OCI archive of img alone, with Docker's manifest.json beside index.json.
func collectImage(img v1.Image, platform *v1.Platform, names map[string]string, ref string) (files, error) {
	f := files{}
	if err := f.addImage(img); err != nil {
		return nil, err
	}
	raw, err := img.RawManifest()
	if err != nil {
		return nil, err
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	mt, err := img.MediaType()
	if err != nil {
		return nil, err
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	docker := struct {
		Config   string
		RepoTags []string
		Layers   []string
	}{Config: "blobs/sha256/" + m.Config.Digest.Hex, RepoTags: []string{ref}}
	for _, l := range m.Layers {
		docker.Layers = append(docker.Layers, "blobs/"+l.Digest.Algorithm+"/"+l.Digest.Hex)
	}
	dm, err := json.Marshal([]any{docker})
	if err != nil {
		return nil, err
	}
	f["manifest.json"] = dm
	return f, f.addLayout(v1.Descriptor{MediaType: mt, Size: int64(len(raw)), Digest: digest, Platform: platform, Annotations: names})
}

// writeTar writes f as a tar at path: folders first where they are needed, entries sorted,
// owned by root, all at created.
func writeTar(path string, created time.Time, f files) error {
	var names []string
	for n := range f {
		names = append(names, n)
	}
	sort.Strings(names)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	tw := tar.NewWriter(tmp)
	written := map[string]bool{}
	for _, n := range names {
		// Parents before children, each once.
		var parents []string
		for d := filepath.Dir(n); d != "." && !written[d]; d = filepath.Dir(d) {
			parents = append([]string{d}, parents...)
		}
		for _, d := range parents {
			written[d] = true
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: created}); err != nil {
				return err
			}
		}
		data := f[n]
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o644, Size: int64(len(data)), ModTime: created}); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
