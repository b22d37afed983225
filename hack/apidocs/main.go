// Command apidocs writes docs/api.md, the DittoFS API reference, from the generated CRD: every
// field with its type, default, constraints and CEL rules, so the reference says exactly what the
// API server enforces and cannot drift from it (make generate; verify-generated checks it).
// It reads the CRD rather than the Go types because the CRD is what the server applies,
// defaults and rules included; the field comments reach it as descriptions.
package main

import (
	"fmt"
	"os"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

const (
	crdPath = "deploy/crd/dittofs.io_dittofses.yaml"
	outPath = "docs/api.md"
)

func main() {
	raw, err := os.ReadFile(crdPath)
	if err != nil {
		fail(err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(raw, crd); err != nil {
		fail(fmt.Errorf("%s: %w", crdPath, err))
	}
	doc, err := render(crd)
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(outPath, []byte(doc), 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "apidocs:", err)
	os.Exit(1)
}
