"""The training stage: every model of both tasks evaluated the same way, and the champion shipped.

- :mod:`.estimate` / :mod:`.forecast`: evaluate each family of a task on the same data and protocol;
- :mod:`.results`: what an evaluation yields (model, scores, costs, status);
- :mod:`.tuning`: the tree families' Optuna search;
- :mod:`.leaderboard`: one table of every model beside the published CUBIST anchor;
- :mod:`.champion`: the champion per task and its self-contained bundle;
- :mod:`.result_store`: results as folders in native formats; :mod:`.tracking`: MLflow bookkeeping.
"""
