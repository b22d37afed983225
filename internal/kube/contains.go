package kube

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
)

// Contains reports whether every field desired sets has the same value in live. Fields desired
// leaves empty (null, "", empty lists and maps) are not compared, so defaults and
// allocations the API server adds never count as a difference; an explicit false or 0 (a pointer
// the builder set) is compared like any value. Lists must have the same length
// (an added or removed container, port or env var is a difference). Status is not compared.
func Contains(live, desired runtime.Object) (bool, error) {
	l, err := runtime.DefaultUnstructuredConverter.ToUnstructured(live)
	if err != nil {
		return false, fmt.Errorf("convert live object: %w", err)
	}
	d, err := runtime.DefaultUnstructuredConverter.ToUnstructured(desired)
	if err != nil {
		return false, fmt.Errorf("convert desired object: %w", err)
	}
	delete(l, "status")
	delete(d, "status")
	return contains(l, d), nil
}

func contains(live, desired any) bool {
	switch want := desired.(type) {
	case map[string]any:
		have, ok := live.(map[string]any)
		if !ok {
			return isEmpty(want) && isEmpty(live)
		}
		for k, v := range want {
			if isEmpty(v) {
				continue
			}
			if !contains(have[k], v) {
				return false
			}
		}
		return true
	case []any:
		have, ok := live.([]any)
		if !ok || len(have) != len(want) {
			return isEmpty(want) && isEmpty(live)
		}
		for i := range want {
			if !contains(have[i], want[i]) {
				return false
			}
		}
		return true
	}
	if isEmpty(desired) {
		return true
	}
	return equality.Semantic.DeepEqual(live, desired)
}

// isEmpty is what a builder leaves unset: JSON null, "", empty lists and maps.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case map[string]any:
		for _, e := range x {
			if !isEmpty(e) {
				return false
			}
		}
		return true
	case []any:
		return len(x) == 0
	}
	return false
}
