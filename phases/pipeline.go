package phases

// NewPipeline lists the steps in the order the machine runs them. postgres provides PostgreSQL
// databases (nil: SQLite only); subPhases run inside Serving (shares, backups).
func NewPipeline(postgres DatabaseSource, subPhases ...Step) Pipeline {
	return Pipeline{
		Steps: []Step{
			Storage{},
			Database{Postgres: postgres},
			Config{},
			Serving{},
		},
		SubPhases: subPhases,
	}
}
