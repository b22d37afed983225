package faults

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

// tally counts what a scenario saw; report prints the one summary line and fails the test when
// a count is wrong.
type tally struct {
	scenario                                  string
	runs, converged, duplicates, lost, regens int
}

func (t *tally) line() string {
	return fmt.Sprintf("scenario=%s runs=%d converged=%d duplicates=%d lost=%d regenerated=%d",
		t.scenario, t.runs, t.converged, t.duplicates, t.lost, t.regens)
}

// report is deferred by each scenario, so the line is printed even when the scenario stops early.
func (t *tally) report(tt *testing.T) {
	fmt.Println(t.line())
	if t.runs == 0 || t.converged != t.runs || t.duplicates != 0 || t.lost != 0 || t.regens != 0 {
		tt.Errorf("%s: want every run converged and nothing duplicated, lost or regenerated", t.line())
	}
}

// seeded returns the random source of a scenario: FAULTS_SEED replays a run, else a new seed.
// The seed is logged first, so a failing run can always be replayed.
func seeded(t *testing.T) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("FAULTS_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("FAULTS_SEED=%q: %v", s, err)
		}
		seed = v
	}
	t.Logf("seed=%d (replay with FAULTS_SEED=%d)", seed, seed)
	fmt.Printf("%s: seed=%d\n", t.Name(), seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// long reports whether this is the long run (FAULTS_LONG=1, as make faults sets it).
func long() bool { return os.Getenv("FAULTS_LONG") != "" }

// envInt reads a positive integer setting, or returns def.
func envInt(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil || v <= 0 {
		t.Fatalf("%s=%q: want a positive integer", name, s)
	}
	return v
}
