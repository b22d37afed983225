package phases

import "github.com/dittofs/dittofs-operator/apis/v1alpha1"

// NewPipeline declares the main steps, in the order the machine runs them; the machine is derived
// from this list. postgres provides PostgreSQL databases (nil: SQLite only); subPhases run inside
// Serving (shares, backups).
func NewPipeline(postgres DatabaseSource, subPhases ...Step) Pipeline {
	return newPipeline([]MainStep{
		Storage{},
		Database{Postgres: postgres},
		Config{},
		Serving{},
	}, subPhases)
}

func newPipeline(steps []MainStep, subPhases []Step) Pipeline {
	reached := make([]v1alpha1.Phase, len(steps))
	for i, st := range steps {
		reached[i] = st.Phase()
	}
	return Pipeline{Steps: steps, SubPhases: subPhases, Machine: NewMachine(reached)}
}
