package cluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// fieldManager owns what the harness applies.
const fieldManager = "dittofs-e2e"

// InstallCRDs applies every CustomResourceDefinition in the given YAML or JSON files (or the
// .yaml/.yml/.json files directly inside given folders) with server-side apply, then waits until
// each is Established and served by discovery. Server-side apply, like kubectl apply
// --server-side, has no last-applied annotation, so multi-megabyte CRDs fit. Other kinds of
// documents are skipped.
func (c *Cluster) InstallCRDs(ctx context.Context, paths ...string) error {
	files, err := crdFiles(paths)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(c.RESTConfig)
	if err != nil {
		return err
	}
	var names []string
	for _, f := range files {
		crds, err := readCRDs(f)
		if err != nil {
			return err
		}
		for _, crd := range crds {
			body, err := crd.MarshalJSON()
			if err != nil {
				return err
			}
			force := true
			if _, err := dyn.Resource(crdResource).Patch(ctx, crd.GetName(), types.ApplyPatchType, body,
				metav1.PatchOptions{FieldManager: fieldManager, Force: &force}); err != nil {
				return fmt.Errorf("apply CRD %s from %s: %w", crd.GetName(), f, err)
			}
			names = append(names, crd.GetName())
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("no CustomResourceDefinition found in %s", strings.Join(paths, ", "))
	}
	for _, name := range names {
		if err := c.waitCRDServed(ctx, dyn, name); err != nil {
			return err
		}
	}
	return nil
}

// crdFiles expands folders (not recursively) into their YAML and JSON files.
func crdFiles(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			switch filepath.Ext(e.Name()) {
			case ".yaml", ".yml", ".json":
				if !e.IsDir() {
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
		}
	}
	return files, nil
}

// readCRDs decodes every CustomResourceDefinition document in file.
func readCRDs(file string) ([]*unstructured.Unstructured, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var out []*unstructured.Unstructured
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if strings.TrimSpace(string(js)) == "null" {
			continue // empty document
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(js); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if obj.GroupVersionKind().GroupKind() != (schema.GroupKind{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}) {
			continue
		}
		// Status belongs to the API server; generated files sometimes carry an empty one.
		unstructured.RemoveNestedField(obj.Object, "status")
		out = append(out, obj)
	}
}

// waitCRDServed waits until CRD name is Established and every served version is in discovery,
// so clients (and RESTMappers) created afterwards can use it at once.
func (c *Cluster) waitCRDServed(ctx context.Context, dyn dynamic.Interface, name string) error {
	disc, err := discovery.NewDiscoveryClientForConfig(c.RESTConfig)
	if err != nil {
		return err
	}
	deadline, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var seen string
	for {
		crd, err := dyn.Resource(crdResource).Get(deadline, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err) || err != nil:
			seen = fmt.Sprint(err)
		case !crdEstablished(crd):
			seen = "not Established"
		default:
			missing, err := missingFromDiscovery(disc, crd)
			if err == nil && missing == "" {
				return nil
			}
			seen = fmt.Sprintf("discovery: %v %s", err, missing)
		}
		select {
		case <-deadline.Done():
			return fmt.Errorf("CRD %s not served (last seen: %s): %w", name, seen, deadline.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func crdEstablished(crd *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// missingFromDiscovery names the first served group/version of crd that discovery lacks.
func missingFromDiscovery(disc discovery.DiscoveryInterface, crd *unstructured.Unstructured) (string, error) {
	group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
	plural, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "plural")
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	for _, v := range versions {
		m, _ := v.(map[string]any)
		if served, _ := m["served"].(bool); !served {
			continue
		}
		gv := group + "/" + fmt.Sprint(m["name"])
		list, err := disc.ServerResourcesForGroupVersion(gv)
		if err != nil {
			return gv, err
		}
		found := false
		for _, r := range list.APIResources {
			found = found || r.Name == plural
		}
		if !found {
			return gv + "/" + plural, nil
		}
	}
	return "", nil
}
