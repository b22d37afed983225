package phases

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// acceptsEmpty says whether the user has stated, with the annotation
// v1alpha1.AnnotationRecreateEmptyClaims, that the claim may be created anew and empty although
// a server may have stored data on the one it replaces.
func acceptsEmpty(d *v1alpha1.DittoFS, claim string) bool {
	return slices.Contains(acceptedEmpty(d), claim)
}

func acceptedEmpty(d *v1alpha1.DittoFS) []string {
	var names []string
	for _, n := range strings.Split(d.Annotations[v1alpha1.AnnotationRecreateEmptyClaims], ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// forgetAcceptedEmpty removes from the annotation the claims that exist (and are not being
// deleted), so that a statement made for one loss never lets a later one pass unnoticed. A
// claim the operator has only just created is removed on a later pass, once the cache has seen
// it: until then a pass that does not see it must still find the statement.
func forgetAcceptedEmpty(ctx context.Context, s *Scope, present map[string]bool) error {
	d := s.DittoFS
	names := acceptedEmpty(d)
	var keep []string
	for _, n := range names {
		if !present[n] {
			keep = append(keep, n)
		}
	}
	if len(keep) == len(names) {
		return nil
	}
	var value any // JSON null removes the annotation
	if len(keep) > 0 {
		value = strings.Join(keep, ",")
	}
	// The resourceVersion makes a concurrent edit of the DittoFS fail the patch (retried)
	// rather than be overwritten.
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"resourceVersion": d.ResourceVersion,
		"annotations":     map[string]any{v1alpha1.AnnotationRecreateEmptyClaims: value},
	}})
	if err != nil {
		return err
	}
	// A separate object: the DittoFS of this pass stays as read, so the status patch at the end
	// of the pass carries nothing but status.
	target := &v1alpha1.DittoFS{ObjectMeta: metav1.ObjectMeta{Namespace: d.Namespace, Name: d.Name}}
	if err := s.Client.Patch(ctx, target, client.RawPatch(types.MergePatchType, patch)); err != nil {
		return fmt.Errorf("update annotation %s: %w", v1alpha1.AnnotationRecreateEmptyClaims, err)
	}
	return nil
}
