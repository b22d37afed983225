package specs

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// FuzzBuilders feeds arbitrary specs to every builder: none may panic, and each must be
// deterministic, because the operator compares hashes of what it builds to decide whether to write.
func FuzzBuilders(f *testing.F) {
	f.Add("media", "INFO", "5Gi", true, false, true, int32(2049), int32(445), int32(9090), "LoadBalancer")
	f.Add("x", "DEBUG", "1", false, true, false, int32(1), int32(65535), int32(1024), "ClusterIP")
	f.Fuzz(func(t *testing.T, name, level, size string, nfs, smb, metrics bool, nfsPort, smbPort, metricsPort int32, svcType string) {
		q, err := resource.ParseQuantity(size)
		if err != nil {
			t.Skip()
		}
		build := func() []any {
			d := defaulted()
			d.Name = name
			d.Spec.Logging.Level = level
			d.Spec.Storage.Payload.Size = q
			d.Spec.Adapters.NFS = v1alpha1.NFSAdapterSpec{Enabled: ptr.To(nfs), Port: nfsPort}
			d.Spec.Adapters.SMB = v1alpha1.SMBAdapterSpec{Enabled: smb, Port: smbPort}
			d.Spec.Metrics = v1alpha1.MetricsSpec{Enabled: metrics, Port: metricsPort}
			d.Spec.Service.Type = v1alpha1.ServiceType(svcType)
			cfg, err := ServerConfigYAML(d)
			if err != nil {
				// Only text the CRD's enum already refuses (control characters) gets here.
				t.Skipf("config: %v", err)
			}
			var claims []any
			for _, v := range Volumes(d) {
				claims = append(claims, Claim(d, v))
			}
			return append(claims, cfg, ConfigMap(d, cfg), StatefulSet(d, PodInputs{ConfigHash: ConfigHash(cfg)}),
				APIService(d), DataService(d))
		}
		if a, b := build(), build(); !reflect.DeepEqual(a, b) {
			t.Fatalf("builders are not deterministic for %q", name)
		}
	})
}
