"""The event types the analysis worker serves, apart from the worker: the wiring subscribes to
them in every process, and the worker's imports (its metric providers) are for the processes
that run it."""

ANALYSIS_EVENTS = ("AnalysisRunRequested", "MeasurementDue", "AnalysisRunTerminationRequested")
