"""The data stage: the cleaned table's names and ranges (:mod:`.schema`), reading the export
(:mod:`.ingest`), reproducible corruption (:mod:`.dirty`), the cleaner (:mod:`.cleaning`), its
contract (:mod:`.validation`) and yardstick (:mod:`.scorecard`), the analysts' warehouse views
(:mod:`.warehouse`) and the pandas/polars boundary (:mod:`.frames`)."""
