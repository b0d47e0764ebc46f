"""Models: catalog values, pytree behaviour, YAML/TOML loading and its errors."""

import textwrap

import jax
import numpy as np
import pytest

import frontier
from frontier._models import FLOAT_FIELDS

GOOD_YAML = """\
models:
  gpt5:
    name: GPT-5
    c_in: 1.25e-6
    c_out: 1.0e-5
    t_in: 0.0005
    t_out: 0.005
    mu_Lin: 1024
    sigma_Lin: 64
    mu_Lout: 2048
    sigma_Lout: 128
    acc_mean: 0.94
    acc_std: 0.02
    default_parallel: 4
  small:
    c_in: 1.0e-7
    c_out: 2.0e-7
    t_in: 0.0001
    t_out: 0.001
    mu_Lin: 100
    sigma_Lin: 10
    mu_Lout: 200
    sigma_Lout: 20
    acc_mean: 0.8
    acc_std: 0.1
    default_parallel: 2
"""


def test_catalog_matches_spec_table():
    cat = frontier.catalog()
    assert len(cat) == 9
    g = cat["gpt5"]
    assert (g.c_in, g.c_out, g.t_in, g.t_out, g.acc_mean, g.acc_std) == (
        1.25e-6, 1.0e-5, 5e-4, 5e-3, 0.94, 0.02)
    q = cat["qwen3-30b-a3b"]
    assert (q.name, q.c_out, q.acc_mean, q.acc_std) == ("Qwen3-30B-A3B", 9e-7, 0.88, 0.06)
    for m in cat.values():
        assert (m.mu_Lin, m.sigma_Lin, m.mu_Lout, m.sigma_Lout) == (1024, 64, 2048, 128)
        assert m.default_parallel == 4
    cat["gpt5"] = None  # a fresh dict each call
    assert frontier.catalog()["gpt5"] is not None


def test_model_is_a_pytree_with_float_leaves():
    m = frontier.catalog()["gpt5"]
    leaves, tree = jax.tree.flatten(m)
    assert len(leaves) == len(FLOAT_FIELDS)
    back = jax.tree.unflatten(tree, leaves)
    assert back == m and back.name == "GPT-5"
    g = jax.grad(lambda mm: mm.c_out * 2.0 + mm.acc_std)(m)
    assert float(g.c_out) == 2.0 and float(g.acc_std) == 1.0 and float(g.c_in) == 0.0


def test_load_yaml_and_equivalent_toml(tmp_path):
    y = tmp_path / "models.yaml"
    y.write_text(GOOD_YAML)
    models = frontier.load_models(y)
    assert list(models) == ["gpt5", "small"]
    assert models["gpt5"] == frontier.catalog()["gpt5"]
    assert models["small"].name == "small"
    import yaml

    data = yaml.safe_load(GOOD_YAML)
    lines = []
    for key, fields in data["models"].items():
        lines.append(f'[models."{key}"]')
        for f, v in fields.items():
            lines.append(f'{f} = "{v}"' if isinstance(v, str) else f"{f} = {v}")
    t = tmp_path / "models.toml"
    t.write_text("\n".join(lines))
    assert frontier.load_models(t) == models


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("models: [1, 2", ["malformed YAML"]),
        ("other: 1", ["models"]),
        (GOOD_YAML.replace("    sigma_Lin: 64\n", "", 1), ["'gpt5'", "missing field `sigma_Lin`"]),
        (GOOD_YAML.replace("sigma_Lin: 64", "sigma_Lin: -64", 1), ["'gpt5'", "sigma_Lin"]),
        (GOOD_YAML.replace("c_out: 2.0e-7", "c_out: -2.0e-7", 1), ["'small'", "c_out"]),
        (GOOD_YAML.replace("acc_std: 0.1", "acc_std: abc", 1), ["'small'", "acc_std"]),
        (GOOD_YAML.replace("acc_std: 0.1", "acc_std: .nan", 1), ["'small'", "acc_std"]),
        (GOOD_YAML.replace("acc_std: 0.1", "acc_sd: 0.1", 1), ["'small'", "acc_sd"]),
        (GOOD_YAML.replace("default_parallel: 2", "default_parallel: 0", 1),
         ["'small'", "default_parallel"]),
    ],
)
def test_bad_files_name_file_model_and_field(tmp_path, text, words):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    with pytest.raises(frontier.ModelFileError) as info:
        frontier.load_models(p)
    msg = str(info.value)
    assert str(p) in msg
    for w in words:
        assert w in msg


def test_bad_toml_and_missing_file(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("[models.a\nc_in = 1")
    with pytest.raises(frontier.ModelFileError, match="malformed TOML"):
        frontier.load_models(p)
    with pytest.raises(frontier.ModelFileError, match="cannot read"):
        frontier.load_models(tmp_path / "nope.yaml")
    q = tmp_path / "models.json"
    q.write_text("{}")
    with pytest.raises(frontier.ModelFileError, match="unknown model file type"):
        frontier.load_models(q)


def test_loaded_models_sample_like_catalog(tmp_path):
    p = tmp_path / "m.yml"
    p.write_text(textwrap.dedent(GOOD_YAML))
    m = frontier.load_models(p)["gpt5"]
    a = frontier.sample(m, (4,), key=0, num_trials=64)
    b = frontier.sample(frontier.catalog()["gpt5"], (4,), key=0, num_trials=64)
    np.testing.assert_array_equal(np.asarray(a.cost), np.asarray(b.cost))
