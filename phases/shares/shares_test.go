package shares

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

func TestFormatQuota(t *testing.T) {
	for in, want := range map[string]string{
		"1Gi": "1GiB", "1536Mi": "1536MiB", "2Ti": "2TiB", "1G": "1000000000", "4Ki": "4KiB", "100": "100",
	} {
		q := resource.MustParse(in)
		assert.Equal(t, want, FormatQuota(q.Value()), in)
	}
}

func TestSameQuota(t *testing.T) {
	q := func(s string) *resource.Quantity { v := resource.MustParse(s); return &v }
	cases := []struct {
		server string
		want   *resource.Quantity
		same   bool
	}{
		{"1.00GiB", q("1Gi"), true},
		{"1.50GiB", q("1536Mi"), true},
		{"2.00GiB", q("1Gi"), false},
		{"", nil, true},
		{"", q("1Gi"), false},
		{"1.00GiB", nil, false},
		{"0", nil, true},
		{"953.67MiB", q("1G"), true}, // the server prints decimal sizes in binary units, rounded
		{"953.00MiB", q("1G"), false},
		{"garbage", q("1Gi"), false},
	}
	for _, c := range cases {
		assert.Equal(t, c.same, SameQuota(c.server, c.want), "%q vs %v", c.server, c.want)
	}
}

func TestMountCommandNamesOnlyAReadyShare(t *testing.T) {
	d := &v1alpha1.DittoFS{}
	d.Spec.Shares = []v1alpha1.ShareSpec{{Name: "/a"}, {Name: "/b"}}
	d.Status.Endpoints.NFS = "10.0.0.1:2049"
	refreshMountCommand(d)
	assert.Empty(t, d.Status.Endpoints.Mount, "no share Ready")
	d.Status.Shares = []v1alpha1.ShareStatus{{Name: "/a", State: v1alpha1.ShareStateFailed}, {Name: "/b", State: v1alpha1.ShareStateReady}}
	refreshMountCommand(d)
	assert.Equal(t, "mount -t nfs -o nfsvers=3,tcp,port=2049,mountport=2049,nolock 10.0.0.1:/b /mnt/b", d.Status.Endpoints.Mount)
}
