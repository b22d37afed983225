// Command chartgen writes the Helm chart's generated files (CRDs and RBAC rules) from deploy/.
// `make generate` runs it from the repository root after controller-gen.
package main

import (
	"fmt"
	"os"

	"github.com/dittofs/dittofs-operator/internal/chartgen"
)

func main() {
	if err := chartgen.Write("."); err != nil {
		fmt.Fprintln(os.Stderr, "chartgen:", err)
		os.Exit(1)
	}
}
