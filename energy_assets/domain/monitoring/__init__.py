"""The monitoring stage: the replayed plant feed (:mod:`.feed`), the drift verdict (:mod:`.drift`)
and the alerts it sends (:mod:`.alerts`)."""
