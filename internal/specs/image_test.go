package specs

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// TestServerImage checks the order the server image is chosen in: spec.image, then the
// operator's --default-dittofs-image, then the image this operator was built with.
func TestServerImage(t *testing.T) {
	image := func(specImage, operatorDefault string) string {
		d := defaulted()
		d.Spec.Image = specImage
		return StatefulSet(d, PodInputs{DefaultImage: operatorDefault}).Spec.Template.Spec.Containers[0].Image
	}
	assert.Equal(t, "marmos91c/dittofs:v0.28.0", image("marmos91c/dittofs:v0.28.0", "marmos91c/dittofs:v0.30.0"), "spec.image wins")
	assert.Equal(t, "marmos91c/dittofs:v0.30.0", image("", "marmos91c/dittofs:v0.30.0"), "operator default when spec.image is empty")
	assert.Equal(t, v1alpha1.DefaultImage, image("", ""), "built-in default when neither is set")
}
