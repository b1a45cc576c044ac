"""The models of both tasks: :mod:`.estimate` (usage_kwh from the same interval's readings) and
:mod:`.forecast` (the next 96 intervals with quantiles); :mod:`.params` derives every model's
hyperparameters from its dataclass fields."""
