"""Foundation-model adapters on tiny randomly initialised checkpoints built here.

Real weights cannot be downloaded in CI, so each test builds a model with the libraries' own config
classes (tiny width, one layer), saves it in the native format to tmp_path and runs the adapter's
real load -> predict (-> fine-tune -> save -> load) path on CPU. These tests prove the plumbing, not
accuracy: the forecasts of random weights are meaningless numbers.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")
chronos = pytest.importorskip("chronos")

from energy_assets.domain.data import schema  # noqa: E402
from energy_assets.domain.device import select_device  # noqa: E402
from energy_assets.domain.models.forecast import base  # noqa: E402
from energy_assets.domain.models.forecast.foundation import (  # noqa: E402
    ChronosForecaster,
    TimesFMForecaster,
    WeightsUnavailable,
    check_weights,
)
from energy_assets.domain.models.forecast.foundation.inputs import (  # noqa: E402
    calendar_covariates,
    context_window,
)
from energy_assets.domain.models.forecast.foundation.weights import WEIGHTS_DIR  # noqa: E402

DECILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
CHRONOS2_LEVELS = [0.01, 0.05, *DECILES, 0.95, 0.99]
ORIGIN = pd.Timestamp("2018-03-14 12:00")
HORIZON = 96


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def history(clean_reference: pd.DataFrame) -> pd.DataFrame:
    """Three weeks before ORIGIN plus one day after it (the adapters must ignore that day)."""
    ts = clean_reference[schema.TIMESTAMP]
    keep = (ts > ORIGIN - pd.Timedelta(days=21)) & (ts <= ORIGIN + pd.Timedelta(days=1))
    return clean_reference.loc[keep].reset_index(drop=True)


def build_bolt(folder: Path, seed: int = 0) -> Path:
    from chronos.chronos_bolt import ChronosBoltModelForForecasting
    from transformers import T5Config

    torch.manual_seed(seed)
    config = T5Config(
        d_model=16,
        d_kv=8,
        d_ff=32,
        num_layers=1,
        num_decoder_layers=1,
        num_heads=2,
        feed_forward_proj="relu",
        is_encoder_decoder=True,
        pad_token_id=0,
        eos_token_id=None,
        decoder_start_token_id=0,
        architectures=["ChronosBoltModelForForecasting"],
        chronos_pipeline_class="ChronosBoltPipeline",
        chronos_config={
            "context_length": 512,
            "prediction_length": 64,
            "input_patch_size": 16,
            "input_patch_stride": 16,
            "quantiles": DECILES,
            "use_reg_token": True,
        },
    )
    ChronosBoltModelForForecasting(config).save_pretrained(folder)
    return folder


def build_chronos2(folder: Path, seed: int = 0) -> Path:
    from chronos.chronos2 import Chronos2CoreConfig, Chronos2Model

    torch.manual_seed(seed)
    config = Chronos2CoreConfig(
        d_model=16,
        d_kv=8,
        d_ff=32,
        num_layers=1,
        num_heads=2,
        architectures=["Chronos2Model"],
        chronos_pipeline_class="Chronos2Pipeline",
        chronos_config={
            "context_length": 1024,
            "input_patch_size": 16,
            "input_patch_stride": 16,
            "output_patch_size": 16,
            "quantiles": CHRONOS2_LEVELS,
            "use_reg_token": True,
            "use_arcsinh": True,
            "max_output_patches": 4,
        },
    )
    Chronos2Model(config).save_pretrained(folder)
    return folder


def assert_valid_forecast(fc: pd.DataFrame) -> None:
    deciles = [f"q{k}0" for k in range(1, 10)]
    assert list(fc.columns) == [schema.TIMESTAMP, "horizon", "mean", *deciles]
    assert len(fc) == HORIZON
    expected = pd.date_range(ORIGIN + schema.INTERVAL, periods=HORIZON, freq=schema.INTERVAL)
    assert (pd.DatetimeIndex(fc[schema.TIMESTAMP]) == expected).all()
    assert fc["horizon"].tolist() == list(range(1, HORIZON + 1))
    values = fc[["mean", *deciles]].to_numpy()
    assert np.isfinite(values).all()
    assert (np.diff(fc[deciles].to_numpy(), axis=1) >= 0).all()
    # a random network still spreads its quantiles: the interval is not collapsed to a point everywhere
    assert (fc["q90"] - fc["q10"]).max() > 0


def test_bolt_zero_shot_forecast_ignores_rows_after_origin(tmp_path: Path, history: pd.DataFrame) -> None:
    model = ChronosForecaster(
        str(build_bolt(tmp_path / "bolt")), device="cpu", context_length=512, finetune_steps=5
    )
    model.fit(history, validation=None)  # Bolt has no fine-tuning API: fit only loads the weights
    assert type(model.pipeline).__name__ == "ChronosBoltPipeline"
    assert model.describe()["finetuned"] is False
    fc = model.predict(history, ORIGIN, HORIZON)
    assert_valid_forecast(fc)

    tampered = history.copy()
    after = tampered[schema.TIMESTAMP] > ORIGIN
    tampered.loc[after, schema.USAGE_KWH] = 150.0
    pd.testing.assert_frame_equal(model.predict(tampered, ORIGIN, HORIZON), fc)

    # fit is a no-op for Bolt: saving keeps a pointer to the checkpoint, no weights copy
    saved = model.save(tmp_path / "saved")
    assert not (saved / WEIGHTS_DIR).exists()
    again = base.load_forecaster(saved)
    pd.testing.assert_frame_equal(again.predict(history, ORIGIN, HORIZON), fc)


def test_chronos2_seeded_determinism_and_covariates(tmp_path: Path, history: pd.DataFrame) -> None:
    first = ChronosForecaster(str(build_chronos2(tmp_path / "a", seed=7)), device="cpu", context_length=1024)
    second = ChronosForecaster(str(build_chronos2(tmp_path / "b", seed=7)), device="cpu", context_length=1024)
    other = ChronosForecaster(str(build_chronos2(tmp_path / "c", seed=8)), device="cpu", context_length=1024)
    assert type(first.pipeline).__name__ == "Chronos2Pipeline"

    plan = history.loc[history[schema.TIMESTAMP] > ORIGIN, [schema.TIMESTAMP, schema.LOAD_TYPE]]
    fc = first.predict(history, ORIGIN, HORIZON, future_covariates=plan)
    assert_valid_forecast(fc)
    pd.testing.assert_frame_equal(second.predict(history, ORIGIN, HORIZON, future_covariates=plan), fc)
    assert not np.allclose(other.predict(history, ORIGIN, HORIZON, future_covariates=plan)["q50"], fc["q50"])

    # the planned load_type schedule reaches the model: a different plan gives a different forecast
    flipped = plan.assign(**{schema.LOAD_TYPE: "Maximum_Load"})
    assert not np.allclose(
        first.predict(history, ORIGIN, HORIZON, future_covariates=flipped)["q50"], fc["q50"]
    )
    with pytest.raises(ValueError, match="no load_type for 48"):
        first.predict(history, ORIGIN, HORIZON, future_covariates=plan.head(48))


def test_chronos2_finetune_then_save_and_load(tmp_path: Path, history: pd.DataFrame) -> None:
    source = str(build_chronos2(tmp_path / "base"))
    train = history.loc[history[schema.TIMESTAMP] <= ORIGIN - pd.Timedelta(days=1)]
    valid = history.loc[
        (history[schema.TIMESTAMP] > train[schema.TIMESTAMP].max()) & (history[schema.TIMESTAMP] <= ORIGIN)
    ]
    zero_shot = ChronosForecaster(source, device="cpu", context_length=512).predict(history, ORIGIN, HORIZON)

    def tuned() -> ChronosForecaster:
        model = ChronosForecaster(
            source,
            device="cpu",
            context_length=512,
            finetune_steps=2,
            finetune_batch_size=8,
            finetune_learning_rate=1e-2,
            seed=3,
        )
        return model.fit(train, validation=valid)

    model = tuned()
    assert model.describe()["finetuned"] is True
    assert model.describe()["finetune_device"] == "cpu"
    fc = model.predict(history, ORIGIN, HORIZON)
    assert_valid_forecast(fc)
    assert not np.allclose(fc["q50"], zero_shot["q50"])  # the weights moved
    pd.testing.assert_frame_equal(tuned().predict(history, ORIGIN, HORIZON), fc)  # seeded

    saved = model.save(tmp_path / "tuned")
    assert (saved / "model.json").is_file()
    assert (saved / WEIGHTS_DIR / "model.safetensors").is_file()
    assert (saved / WEIGHTS_DIR / "config.json").is_file()
    reloaded = base.load_forecaster(saved)
    assert isinstance(reloaded, ChronosForecaster) and reloaded.describe()["finetuned"] is True
    pd.testing.assert_frame_equal(reloaded.predict(history, ORIGIN, HORIZON), fc)


def test_missing_weights_raise_weights_unavailable(
    tmp_path: Path, history: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    missing = str(tmp_path / "no-such-model")
    with pytest.raises(WeightsUnavailable, match="does not exist") as err:
        ChronosForecaster(missing, device="cpu").fit(history)
    assert err.value.model_id == missing
    assert err.value.status.startswith("weights unavailable: local path")
    assert check_weights(missing) == f"weights unavailable: local path {missing} does not exist"

    status = check_weights("amazon/chronos-bolt-small", cache_dir=tmp_path / "empty-cache")
    assert status.startswith("weights unavailable:") and "HF_HUB_OFFLINE" in status
    with pytest.raises(WeightsUnavailable, match="HF_HUB_OFFLINE"):
        ChronosForecaster("google/not-cached-model-xyz", device="cpu").fit(history)

    (tmp_path / "empty").mkdir()
    assert "holds no weights" in check_weights(str(tmp_path / "empty"))
    assert check_weights(str(build_bolt(tmp_path / "bolt"))) == "available"


def test_select_device_honours_env_and_falls_back_to_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("ENERGY_DEVICE", "cuda")
    assert select_device(None) == "cpu"
    assert select_device("cuda:0") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert select_device(None) == "cuda"
    assert select_device("cpu") == "cpu"  # an explicit choice wins over the environment
    monkeypatch.setenv("ENERGY_DEVICE", "cpu")
    assert select_device(None) == "cpu"
    assert select_device("auto") == "cpu"
    monkeypatch.delenv("ENERGY_DEVICE")
    assert select_device(None) == "cuda"
    with pytest.raises(ValueError, match="device must be"):
        select_device("tpu")


def test_context_window_fills_gaps_and_calendar_uses_interval_start(history: pd.DataFrame) -> None:
    gappy = history.drop(
        index=history.index[
            (history[schema.TIMESTAMP] > ORIGIN - pd.Timedelta(hours=2))
            & (history[schema.TIMESTAMP] <= ORIGIN - pd.Timedelta(hours=1))
        ]
    )
    window = context_window(gappy, ORIGIN, 200)
    assert len(window) == 200 and window[schema.TIMESTAMP].iloc[-1] == ORIGIN
    assert int(window[schema.USAGE_KWH].isna().sum()) == 4
    cal = calendar_covariates(pd.Series([pd.Timestamp("2018-01-02 00:00"), pd.Timestamp("2018-01-02 09:15")]))
    # 00:00 closes Monday's 23:45 interval; 09:15 closes Tuesday's 09:00 interval
    assert cal["hour_of_day"].tolist() == [23.75, 9.0]
    assert cal["weekday"].tolist() == [0.0, 1.0]


# --- TimesFM 2.5 -----------------------------------------------------------------------------------
def build_timesfm(folder: Path, monkeypatch: pytest.MonkeyPatch, seed: int = 0) -> Path:
    """A 1-layer, 16-wide TimesFM 2.5. The library hard-codes the 200M architecture as a class
    attribute, so the test swaps in a tiny definition (same patch sizes and quantile heads)."""
    from timesfm import configs
    from timesfm.timesfm_2p5 import timesfm_2p5_base, timesfm_2p5_torch

    width = 16
    tiny = dataclasses.replace(
        timesfm_2p5_base.TimesFM_2p5_200M_Definition(),
        tokenizer=configs.ResidualBlockConfig(64, width, width, True, "swish"),
        stacked_transformers=configs.StackedTransformersConfig(
            num_layers=1,
            transformer=configs.TransformerConfig(
                model_dims=width,
                hidden_dims=width,
                num_heads=2,
                attention_norm="rms",
                feedforward_norm="rms",
                qk_norm="rms",
                use_bias=False,
                use_rotary_position_embeddings=True,
                ff_activation="swish",
                fuse_qkv=True,
            ),
        ),
        output_projection_point=configs.ResidualBlockConfig(width, width, 128 * 10, False, "swish"),
        output_projection_quantiles=configs.ResidualBlockConfig(width, width, 1024 * 10, False, "swish"),
    )
    monkeypatch.setattr(timesfm_2p5_torch.TimesFM_2p5_200M_torch_module, "config", tiny)
    torch.manual_seed(seed)
    timesfm_2p5_torch.TimesFM_2p5_200M_torch(torch_compile=False).save_pretrained(folder)
    return folder


def test_timesfm_load_predict_save_load(
    tmp_path: Path, history: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("timesfm")
    source = str(build_timesfm(tmp_path / "tfm", monkeypatch))
    model = TimesFMForecaster(source, device="cpu", context_length=512).fit(history)
    fc = model.predict(history, ORIGIN, HORIZON)
    assert_valid_forecast(fc)
    again = TimesFMForecaster(source, device="cpu", context_length=512)
    pd.testing.assert_frame_equal(again.predict(history, ORIGIN, HORIZON), fc)
    # a longer horizon recompiles the decoder and keeps the first day identical
    week = model.predict(history, ORIGIN, 2 * HORIZON)
    assert len(week) == 2 * HORIZON
    np.testing.assert_allclose(week["q50"].to_numpy()[:HORIZON], fc["q50"].to_numpy(), rtol=1e-5, atol=1e-4)

    reloaded = base.load_forecaster(model.save(tmp_path / "saved"))
    assert isinstance(reloaded, TimesFMForecaster)
    pd.testing.assert_frame_equal(reloaded.predict(history, ORIGIN, HORIZON), fc)

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(WeightsUnavailable, match="does not exist"):
        TimesFMForecaster(str(tmp_path / "missing"), device="cpu").fit(history)
