package phases

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

func TestWithDeadline(t *testing.T) {
	origin := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	waiting := Block(v1alpha1.ReasonSecretMissing, "Secret x does not exist yet.")
	cases := []struct {
		name        string
		now         time.Time
		timeout     *metav1.Duration
		served      bool
		err         error
		wantReason  string
		wantRequeue time.Duration
	}{
		{"before the default deadline: wake at it", origin.Add(time.Minute), nil, false, waiting, v1alpha1.ReasonSecretMissing, 9 * time.Minute},
		{"before a short deadline", origin.Add(time.Second), &metav1.Duration{Duration: 5 * time.Second}, false, waiting, v1alpha1.ReasonSecretMissing, 4 * time.Second},
		{"at the deadline", origin.Add(10 * time.Minute), nil, false, waiting, v1alpha1.ReasonDatabaseTimeout, 0},
		{"long after", origin.Add(time.Hour), nil, false, waiting, v1alpha1.ReasonDatabaseTimeout, 0},
		{"done is never late", origin.Add(time.Hour), nil, false, nil, "", 0},
		{"after serving, no timeout: the DittoFS degrades instead", origin.Add(time.Hour), nil, true, waiting, v1alpha1.ReasonSecretMissing, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := &v1alpha1.DittoFS{}
			d.Spec.Database.ReadyTimeout = tc.timeout
			if tc.served {
				d.Status.ServedAt = &metav1.Time{Time: origin}
			}
			s := &Scope{DittoFS: d, Now: func() time.Time { return tc.now }}
			err := withDeadline(s, origin, tc.err)
			got := AsBlocked(err)
			if tc.err == nil {
				assert.NoError(t, err)
				return
			}
			require.NotNil(t, got)
			assert.Equal(t, tc.wantReason, got.Reason)
			assert.Equal(t, tc.wantRequeue, got.RequeueAfter)
			if got.Reason == v1alpha1.ReasonDatabaseTimeout {
				assert.Contains(t, got.Message, "Secret x does not exist yet.", "the timeout still says what is missing")
				assert.Contains(t, got.Message, "2026-01-02T03:04:05Z")
				later := AsBlocked(withDeadline(&Scope{DittoFS: d, Now: func() time.Time { return tc.now.Add(time.Hour) }}, origin, tc.err))
				assert.Equal(t, got.Message, later.Message, "the message must not change from pass to pass")
			}
		})
	}
}
