package specs

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
)

// ConfigHash hashes everything the server pod consumes (the config file and the content of the
// Secrets it reads), so a change to any of them rolls the pod and nothing else does. Secret values
// enter only through SHA-256, never in the clear.
func ConfigHash(configYAML string, secrets ...map[string][]byte) string {
	h := sha256.New()
	h.Write([]byte(configYAML))
	for _, data := range secrets {
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			h.Write([]byte{0})
			h.Write([]byte(k))
			h.Write([]byte{0})
			h.Write(data[k])
		}
		h.Write([]byte{1})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
