package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// TestReferenceListsEveryFieldDefaultAndRule: each spec field of the CRD has its row, with its
// default and the message of each of its rules.
func TestReferenceListsEveryFieldDefaultAndRule(t *testing.T) {
	raw, err := os.ReadFile("../../" + crdPath)
	require.NoError(t, err)
	crd := &apiextensionsv1.CustomResourceDefinition{}
	require.NoError(t, yaml.UnmarshalStrict(raw, crd))
	doc, err := render(crd)
	require.NoError(t, err)

	var walk func(path string, s apiextensionsv1.JSONSchemaProps)
	walk = func(path string, s apiextensionsv1.JSONSchemaProps) {
		for name, p := range s.Properties {
			field := path + "." + name
			row := rowOf(doc, field)
			if !assert.NotEmpty(t, row, "no row for %s", field) {
				continue
			}
			if p.Default != nil {
				assert.Contains(t, row, string(p.Default.Raw), field)
			}
			for _, r := range p.XValidations {
				assert.Contains(t, row, strings.ReplaceAll(r.Message, "|", "\\|"), field)
			}
			if p.Type == "object" {
				walk(field, p)
			}
		}
	}
	walk("spec", crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"])
}

func rowOf(doc, field string) string {
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "| `"+field+"` |") {
			return line
		}
	}
	return ""
}
