package faults

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/dittofs/dittofs-operator/internal/nfsclient"
)

// ledger remembers, for one DittoFS, what must never change while it lives: the identity of its
// generated Secrets and claims, and the files written into its shares over NFS. Each check
// compares the real state with it and counts what was regenerated or lost.
type ledger struct {
	secrets map[string]identity
	claims  map[string]identity
	files   []nfsFile
}

type nfsFile struct {
	share, name string
	data        []byte
}

func newLedger() *ledger {
	return &ledger{secrets: map[string]identity{}, claims: map[string]identity{}}
}

// check compares st with what the ledger holds, then records what st adds. It returns the
// problems found, each also counted in t.
func (l *ledger) check(ctx context.Context, o observer, st state, t *tally) []string {
	var problems []string
	for name, id := range st.Secrets {
		if before, ok := l.secrets[name]; ok && before != id {
			t.regens++
			problems = append(problems, fmt.Sprintf("Secret %s regenerated: was %+v, now %+v", name, before, id))
		}
		l.secrets[name] = id
	}
	for name, id := range st.Claims {
		if before, ok := l.claims[name]; ok && (before.UID != id.UID || before.Content != id.Content) {
			t.lost++
			problems = append(problems, fmt.Sprintf("claim %s replaced (its volume is lost): was uid %s volume %s, now uid %s volume %s",
				name, before.UID, before.Content, id.UID, id.Content))
		}
		l.claims[name] = id
	}
	for name := range l.claims {
		if _, ok := st.Claims[name]; !ok {
			t.lost++
			problems = append(problems, "claim "+name+" is gone")
			delete(l.claims, name)
		}
	}
	// Files can be read only from shares the server serves.
	for _, f := range l.files {
		if !slices.Contains(st.Enabled, f.share) {
			continue
		}
		got, err := nfsclient.ReadFile(ctx, o.pod.NFSAddr(), f.share, f.name)
		switch {
		case errors.Is(err, nfsclient.ErrNoEnt):
			t.lost++
			problems = append(problems, fmt.Sprintf("file %s%s written over NFS is gone", f.share, "/"+f.name))
		case err != nil:
			problems = append(problems, fmt.Sprintf("read %s/%s over NFS: %v", f.share, f.name, err))
			t.lost++
		case string(got) != string(f.data):
			t.lost++
			problems = append(problems, fmt.Sprintf("file %s/%s changed: %d bytes, want %d", f.share, f.name, len(got), len(f.data)))
		}
	}
	return problems
}

// write puts one new file into every share the server serves and records it.
func (l *ledger) write(ctx context.Context, o observer, st state, tag string, rng *rand.Rand) error {
	for _, share := range st.Enabled {
		data := make([]byte, 256+rng.IntN(4096))
		for i := range data {
			data[i] = byte(rng.UintN(256))
		}
		name := "f-" + strings.NewReplacer("/", "", " ", "-").Replace(tag)
		if err := nfsclient.WriteFile(ctx, o.pod.NFSAddr(), share, name, data); err != nil {
			return fmt.Errorf("write %s/%s over NFS: %w", share, name, err)
		}
		l.files = append(l.files, nfsFile{share: share, name: name, data: data})
	}
	return nil
}

// forget drops what a deletion with the Delete policy legitimately took away.
func (l *ledger) forget() { *l = *newLedger() }
