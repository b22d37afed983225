package specs

import "testing"

// BenchmarkBuildAll measures what one reconcile spends building the desired objects of a DittoFS
// (run with -benchmem to see allocations). It reports figures; it asserts nothing.
func BenchmarkBuildAll(b *testing.B) {
	d := everything()
	b.ReportAllocs()
	for b.Loop() {
		cfg, err := ServerConfigYAML(d)
		if err != nil {
			b.Fatal(err)
		}
		hash := ConfigHash(cfg, map[string][]byte{"secret": []byte("0123456789abcdef0123456789abcdef")})
		_ = ConfigMap(d, cfg)
		_ = StatefulSet(d, PodInputs{ConfigHash: hash})
		_ = APIService(d)
		_ = DataService(d)
		for _, v := range Volumes(d) {
			_ = Claim(d, v)
		}
	}
}
