"""The code location loads, and the lineage a data engineer sees is the designed one."""

from __future__ import annotations

import dagster as dg

from energy_assets.definitions import defs

EXPECTED_ASSETS = {
    "ingest": {"raw_steel_readings", "dirty_steel_readings"},
    "cleaning": {
        "cleaned_steel_readings",
        "steel_readings_quarantine",
        "steel_readings_repairs",
        "data_quality_report",
        "cleaning_scorecard",
        "plant_readings",
        "plant_readings_sources",
        "readings_ingest_audit",
    },
    "inbox": {"inbox_readings", "inbox_quarantine", "inbox_repairs", "inbox_file_reports"},
    "operations": {"day_ahead_forecast", "forecast_accuracy"},
    "features": {"steel_features", "steel_splits", "tariff_prices", "warehouse_views"},
    "training": {
        "estimate_physics",
        "estimate_hybrid",
        "estimate_cubist",
        "estimate_xgboost",
        "estimate_lightgbm",
        "forecast_seasonal_naive",
        "forecast_lightgbm_quantile",
        "forecast_xgboost_quantile",
        "forecast_profile_blend",
        "forecast_chronos",
        "forecast_timesfm",
        "forecast_ensemble",
        "forecast_nowcast",
        "model_leaderboard",
        "forecast_horizon_bands",
        "champion_estimate_model",
        "champion_forecast_model",
    },
    "serving": {"serving_readings"},
    "monitoring": {"plant_feed", "drift_report", "drift_history"},
    "analysis": {
        "eda_descriptive_statistics",
        "eda_distributions",
        "eda_correlation_heatmap",
        "eda_consumption_profiles",
        "eda_co2_vs_usage",
        "eda_seasonal_decomposition",
        "eda_autocorrelation",
        "eda_feature_ranking",
        "eda_data_quality_summary",
        "onnx_decision",
        "generated_documents",
    },
}


def _graph():
    return defs().resolve_asset_graph()


def test_every_designed_asset_is_present_in_its_group():
    graph = _graph()
    for group, names in EXPECTED_ASSETS.items():
        for name in names:
            node = graph.get(dg.AssetKey(name))
            assert node.group_name == group, name


def test_lineage_raw_to_cleaned_to_plant_readings_to_features_to_splits_to_models():
    graph = _graph()

    def parents(name: str) -> set[str]:
        return {k.to_user_string() for k in graph.get(dg.AssetKey(name)).parent_keys}

    assert parents("cleaned_steel_readings") == {"raw_steel_readings"}
    assert parents("plant_readings") == {"cleaned_steel_readings", "inbox_readings", "inbox_file_reports"}
    assert parents("steel_features") == {"plant_readings"}
    assert parents("steel_splits") == {"steel_features"}
    assert parents("dirty_steel_readings") == {"raw_steel_readings"}
    assert parents("cleaning_scorecard") == {"dirty_steel_readings"}
    # training reads the ingested history, so a retrain after new readings trains on them
    assert parents("forecast_lightgbm_quantile") == {"plant_readings", "steel_splits"}
    assert parents("estimate_xgboost") == {"steel_features", "steel_splits"}
    assert "plant_readings" in parents("champion_forecast_model")


def test_checks_are_declared_next_to_their_assets():
    checks = {(k.asset_key.to_user_string(), k.name) for k in _graph().asset_check_keys}
    assert {
        ("raw_steel_readings", "uci_row_count"),
        ("cleaned_steel_readings", "pandera_contract"),
        ("cleaned_steel_readings", "every_row_accounted"),
        ("cleaned_steel_readings", "no_missing_intervals"),
        ("cleaning_scorecard", "all_sources_meet_bar"),
        ("steel_splits", "time_ordered_no_overlap"),
    } <= checks


def test_every_asset_is_expected():
    keys = {k.to_user_string() for k in _graph().get_all_asset_keys()}
    assert keys == set().union(*EXPECTED_ASSETS.values())


def test_materialize_all_job_and_resources_exist():
    d = defs()
    assert d.resolve_job_def("materialize_all") is not None
    assert d.resolve_job_def("data_platform") is not None
    assert {"io_manager", "warehouse", "mlflow", "model_store", "champion_store", "compute_device"} <= set(
        d.resources
    )
    assert d.resolve_job_def("retrain") is not None
