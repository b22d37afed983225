package restoreledger

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFinishedNamesAreNeverRunAgain(t *testing.T) {
	var l Ledger
	assert.False(t, l.Finished("first"))
	l.Begin(Restore{Name: "first", Step: Quiescing})
	assert.False(t, l.Finished("first"), "in flight is not finished")
	l.Current.Step = Completed
	assert.True(t, l.Finished("first"))

	l.Begin(Restore{Name: "second", Step: Quiescing})
	assert.True(t, l.Finished("first"), "a finished restore stays finished when the next begins")
	l.Current.Step = Failed
	assert.True(t, l.Finished("second"), "a failed restore is finished: a retry is a new name")
}

func TestDoneIsBounded(t *testing.T) {
	var l Ledger
	for i := range maxDone + 10 {
		l.Begin(Restore{Name: fmt.Sprintf("r%d", i), Step: Completed})
	}
	assert.Len(t, l.Done, maxDone)
	assert.True(t, l.Finished(fmt.Sprintf("r%d", maxDone+9)), "the newest is current")
	assert.True(t, l.Finished(fmt.Sprintf("r%d", maxDone+8)))
	assert.False(t, l.Finished("r0"), "the oldest are forgotten first")
}

func TestInFlightSteps(t *testing.T) {
	for step, inFlight := range map[Step]bool{Quiescing: true, Restoring: true, Restored: true, Completed: false, Failed: false} {
		assert.Equal(t, inFlight, step.InFlight(), step)
	}
}

func TestKeyIsOnePathSegment(t *testing.T) {
	assert.Equal(t, "dittofs-operator.restore.media", Key("/media"))
	assert.Equal(t, "dittofs-operator.restore.media", Key("media"))
}
