package backups

import (
	"context"
	"sync"

	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// restoreCalls are the restore calls under way, at most one per DittoFS and share. A restore
// lasts as long as the share is big, far longer than a pass should hold a worker, so the call
// runs on its own and later passes collect its answer. Only this process knows about a call:
// after a restart the ledger says Restoring with no call, and the restore is called again.
type restoreCalls struct {
	mu    sync.Mutex
	calls map[string]*restoreCall
}

type restoreCall struct {
	done chan struct{}
	res  *dittofsapi.RestoreResult
	err  error
}

// start begins the call under key unless one is already there, and returns it. The call runs
// under ctx (the pass's, which lives as long as the manager: stopping the operator hangs up,
// and the server then cancels the restore, which the next process repeats) bounded by the
// restore's own timeout.
func (r *restoreCalls) start(ctx context.Context, key string, call func(context.Context) (*dittofsapi.RestoreResult, error)) *restoreCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.calls[key]; ok {
		return c
	}
	if r.calls == nil {
		r.calls = map[string]*restoreCall{}
	}
	c := &restoreCall{done: make(chan struct{})}
	r.calls[key] = c
	go func() {
		defer close(c.done)
		rctx, cancel := context.WithTimeout(ctx, specs.RestoreClientTimeout)
		defer cancel()
		c.res, c.err = call(rctx)
	}()
	return c
}

// finished reports whether the call has ended (its answer is then in res and err) and, if so,
// forgets it.
func (r *restoreCalls) finished(key string, c *restoreCall) bool {
	select {
	case <-c.done:
	default:
		return false
	}
	r.mu.Lock()
	delete(r.calls, key)
	r.mu.Unlock()
	return true
}
