package shares

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// FormatQuota renders bytes as the server's size string, exact: the largest binary unit that
// divides it, else plain bytes.
func FormatQuota(bytes int64) string {
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if bytes >= 1<<u.shift && bytes%(1<<u.shift) == 0 {
			return strconv.FormatInt(bytes>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(bytes, 10)
}

var sizePattern = regexp.MustCompile(`^\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGTPE]i?B|[KMGTPE]|B)?\s*$`)

// ParseServerSize reads a size as the server prints it ("1.00GiB", "512.00MiB", "1024") and
// returns the bytes and the precision of the printed figure (half its last digit's unit).
func ParseServerSize(s string) (bytes, tolerance float64, ok bool) {
	m := sizePattern.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, 0, false
	}
	unit := 1.0
	if u := m[2]; u != "" && u != "B" {
		power := float64(strings.Index("KMGTPE", u[:1]) + 1)
		base := 1000.0
		if strings.Contains(u, "i") {
			base = 1024
		}
		unit = math.Pow(base, power)
	}
	decimals := 0
	if i := strings.IndexByte(m[1], '.'); i >= 0 {
		decimals = len(m[1]) - i - 1
	}
	return v * unit, unit * math.Pow(10, -float64(decimals)) / 2, true
}

// SameQuota compares the server's quota string with the spec's quantity semantically: "1.00GiB"
// equals 1Gi; an empty or zero server quota equals no quota.
func SameQuota(server string, want *resource.Quantity) bool {
	wantBytes := int64(0)
	if want != nil {
		wantBytes = want.Value()
	}
	if strings.TrimSpace(server) == "" {
		return wantBytes == 0
	}
	got, tol, ok := ParseServerSize(server)
	if !ok {
		return false
	}
	return math.Abs(got-float64(wantBytes)) <= tol
}
