// Command image builds the manager's OCI image without a container engine and without pulling
// anything: the static manager binary for each platform (CGO_ENABLED=0, -trimpath) on an empty
// base with a CA bundle, running as uid/gid 65532, with OCI labels naming the version and the
// source. Two builds of one commit give one digest. `make image` runs it from the repository root.
//
// It writes, under -out (bin/image):
//
//	oci/                                OCI image layout, every platform
//	dittofs-operator.tar                the same as an OCI archive
//	dittofs-operator-linux-<arch>.tar   one platform, also loadable by any docker load
//	digest                              the index digest (sha256:...)
//	ref                                 the name it is for (repository:tag)
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"sigs.k8s.io/yaml"
)

// DefaultPlatforms are the platforms a release publishes.
var DefaultPlatforms = []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}}

// Options of one run; zero fields take their defaults from the repository (see resolve).
type Options struct {
	Root       string // repository root
	Out        string // output folder
	Repository string // image name without tag, from the chart's image.repository
	Meta       Meta
	Platforms  []v1.Platform
}

func main() {
	o := Options{}
	var platforms, created string
	flag.StringVar(&o.Out, "out", "bin/image", "output folder")
	flag.StringVar(&o.Repository, "repository", "", "image name without tag (default: the chart's image.repository)")
	flag.StringVar(&o.Meta.Version, "version", "", "image tag and version label (default: the chart's appVersion)")
	flag.StringVar(&o.Meta.Source, "source", "", "source repository URL label (default: https:// and the Go module path)")
	flag.StringVar(&o.Meta.Revision, "revision", "", "commit label (default: git rev-parse HEAD)")
	flag.StringVar(&created, "created", "", "timestamp of every layer entry, config and label, as Unix seconds (default: $SOURCE_DATE_EPOCH, else the commit time)")
	flag.StringVar(&platforms, "platforms", "linux/amd64,linux/arm64", "comma-separated os/arch list")
	flag.Parse()
	if err := func() error {
		for _, p := range strings.Split(platforms, ",") {
			pl, err := v1.ParsePlatform(strings.TrimSpace(p))
			if err != nil {
				return err
			}
			o.Platforms = append(o.Platforms, *pl)
		}
		if created != "" {
			secs, err := strconv.ParseInt(created, 10, 64)
			if err != nil {
				return fmt.Errorf("-created: %w", err)
			}
			o.Meta.Created = time.Unix(secs, 0)
		}
		root, err := os.Getwd()
		if err != nil {
			return err
		}
		o.Root = root
		out, digest, err := Run(o)
		if err != nil {
			return err
		}
		fmt.Printf("image %s\n  layout   %s\n  archive  %s\n", digest, out.Layout, out.Archive)
		for _, p := range o.Platforms {
			fmt.Printf("  %-8s %s\n", p.Architecture, out.Platform[p.String()])
		}
		return nil
	}(); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

// Run builds the manager for every platform and writes the image. It returns the outputs and
// the index digest.
func Run(o Options) (Outputs, v1.Hash, error) {
	if err := resolve(&o); err != nil {
		return Outputs{}, v1.Hash{}, err
	}
	tmp, err := os.MkdirTemp("", "dittofs-operator-image-")
	if err != nil {
		return Outputs{}, v1.Hash{}, err
	}
	defer os.RemoveAll(tmp)
	var bins []Binary
	for _, p := range o.Platforms {
		path := filepath.Join(tmp, "manager-"+p.OS+"-"+p.Architecture)
		if err := BuildManager(o.Root, p, path); err != nil {
			return Outputs{}, v1.Hash{}, err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return Outputs{}, v1.Hash{}, err
		}
		bins = append(bins, Binary{Platform: p, Manager: data})
	}
	idx, err := Build(o.Meta, bins)
	if err != nil {
		return Outputs{}, v1.Hash{}, err
	}
	out, err := Write(o.Out, o.Repository+":"+o.Meta.Version, o.Meta.Version, o.Meta.Created, idx)
	if err != nil {
		return out, v1.Hash{}, err
	}
	digest, err := idx.Digest()
	return out, digest, err
}

// BuildManager builds ./cmd/manager for p into out: static, without paths of this machine or
// VCS stamps, for the baseline of each architecture, so that any machine with the same Go
// toolchain makes the same bytes.
func BuildManager(root string, p v1.Platform, out string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, "./cmd/manager")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Architecture,
		"GOAMD64=v1", "GOARM64=v8.0", "GOFLAGS=-mod=readonly")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build for %s: %w\n%s", p, err, b)
	}
	return nil
}

// resolve fills the zero fields of o from the chart, go.mod and git.
func resolve(o *Options) error {
	if o.Root == "" {
		return fmt.Errorf("no repository root")
	}
	if o.Out == "" {
		o.Out = filepath.Join(o.Root, "bin", "image")
	} else if !filepath.IsAbs(o.Out) {
		o.Out = filepath.Join(o.Root, o.Out)
	}
	if len(o.Platforms) == 0 {
		o.Platforms = DefaultPlatforms
	}
	chartDir := filepath.Join(o.Root, "deploy", "helm", "dittofs-operator")
	if o.Meta.Version == "" {
		var chart struct {
			AppVersion string `json:"appVersion"`
		}
		if err := readYAML(filepath.Join(chartDir, "Chart.yaml"), &chart); err != nil {
			return err
		}
		o.Meta.Version = chart.AppVersion
	}
	if o.Repository == "" {
		var values struct {
			Image struct {
				Repository string `json:"repository"`
			} `json:"image"`
		}
		if err := readYAML(filepath.Join(chartDir, "values.yaml"), &values); err != nil {
			return err
		}
		o.Repository = values.Image.Repository
	}
	if o.Meta.Source == "" {
		mod, err := modulePath(filepath.Join(o.Root, "go.mod"))
		if err != nil {
			return err
		}
		o.Meta.Source = "https://" + mod
	}
	if o.Meta.Revision == "" {
		o.Meta.Revision = git(o.Root, "rev-parse", "HEAD")
		if o.Meta.Revision == "" {
			o.Meta.Revision = "unknown"
		}
	}
	if o.Meta.Created.IsZero() {
		epoch := os.Getenv("SOURCE_DATE_EPOCH")
		if epoch == "" {
			epoch = git(o.Root, "log", "-1", "--format=%ct")
		}
		secs, _ := strconv.ParseInt(epoch, 10, 64)
		o.Meta.Created = time.Unix(secs, 0)
	}
	if o.Repository == "" || o.Meta.Version == "" {
		return fmt.Errorf("no repository or version (set -repository and -version)")
	}
	return nil
}

func readYAML(path string, into any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func modulePath(gomod string) (string, error) {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(data), "\n") {
		if m, ok := strings.CutPrefix(strings.TrimSpace(l), "module "); ok {
			return strings.Trim(strings.TrimSpace(m), `"`), nil
		}
	}
	return "", fmt.Errorf("%s: no module line", gomod)
}

// git runs git in dir and returns its trimmed output, or "" when it fails.
func git(dir string, args ...string) string {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
