import pytest

from bbcopilot.config import PROJECT_ROOT, load_settings
from bbcopilot.errors import ConfigError

PROFILES = ["demo", "qwen2.5-coder-1.5b", "qwen2.5-coder-3b", "qwen2.5-coder-7b", "cotype-nano"]


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_loads(profile):
    settings = load_settings(profile)
    assert settings.profile == profile
    assert settings.workspace.is_absolute()
    assert settings.datasets.chunk_tokens == 512 and settings.datasets.chunk_overlap == 32


def test_real_profiles_name_hub_models_and_differ_only_in_data():
    models = {load_settings(p).model.base_model for p in PROFILES[1:]}
    assert models == {
        "Qwen/Qwen2.5-Coder-1.5B-Instruct", "Qwen/Qwen2.5-Coder-3B-Instruct",
        "Qwen/Qwen2.5-Coder-7B-Instruct", "MTSAIR/Cotype-Nano",
    }


def test_relative_paths_are_relative_to_the_project():
    settings = load_settings("demo")
    assert settings.workspace == PROJECT_ROOT / "workspace"
    assert settings.sources.blackbox_dir == (PROJECT_ROOT / "../shared/data/blackbox").resolve()


def test_environment_overrides_the_profile_and_overrides_win(monkeypatch):
    monkeypatch.setenv("BBCOPILOT_TRAIN__SFT_MAX_STEPS", "7")
    assert load_settings("demo").train.sft_max_steps == 7  # the profile says 30
    assert load_settings("demo", {"train.sft_max_steps": 3}).train.sft_max_steps == 3
    assert load_settings("demo", {"qa.max_new_tokens": 9}).train.sft_max_steps == 7


def test_secrets_cannot_be_overrides():
    with pytest.raises(ConfigError, match="BBCOPILOT_QA__API_KEY"):
        load_settings("demo", {"qa.api_key": "sk-on-the-command-line"})


def test_unknown_key_names_file_and_key(tmp_path):
    profile = tmp_path / "typo.yaml"
    profile.write_text("train:\n  sft_epocs: 2\n")
    with pytest.raises(ConfigError, match=r"typo\.yaml: train\.sft_epocs"):
        load_settings(profile)


def test_wrong_type_names_file_and_key(tmp_path):
    profile = tmp_path / "bad.yaml"
    profile.write_text("datasets:\n  chunk_tokens: lots\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: datasets\.chunk_tokens"):
        load_settings(profile)


def test_missing_profile_and_broken_yaml_are_clear(tmp_path):
    with pytest.raises(ConfigError, match="no-such-profile.yaml: cannot read profile"):
        load_settings("no-such-profile")
    broken = tmp_path / "broken.yaml"
    broken.write_text("train: [unclosed\n")
    with pytest.raises(ConfigError, match="broken.yaml: not valid YAML"):
        load_settings(broken)


def test_secrets_never_print(monkeypatch):
    monkeypatch.setenv("BBCOPILOT_SOURCES__TELEGRAM_API_HASH", "0123456789abcdef-secret")
    monkeypatch.setenv("BBCOPILOT_QA__API_KEY", "sk-very-secret")
    settings = load_settings("demo")
    assert settings.sources.telegram_api_hash.get_secret_value() == "0123456789abcdef-secret"
    for shown in (repr(settings), str(settings.public_dict())):
        assert "0123456789abcdef-secret" not in shown and "sk-very-secret" not in shown
        assert "bbcopilot-demo-key" not in shown


def test_an_invalid_secret_is_not_echoed(tmp_path):
    profile = tmp_path / "secret.yaml"
    profile.write_text("qa:\n  api_key: [sk-leaked-value]\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(profile)
    assert "qa.api_key" in str(caught.value) and "sk-leaked-value" not in str(caught.value)


# ---- the environment: a wrong variable is named, never blamed on the profile ---------------

def test_environment_typo_names_the_variable_not_the_profile(monkeypatch):
    monkeypatch.setenv("BBCOPILOT_TRAIN__SFT_EPOCHZ", "2")
    with pytest.raises(ConfigError) as caught:
        load_settings("demo")
    assert str(caught.value) == ("environment BBCOPILOT_TRAIN__SFT_EPOCHZ: section train has no setting 'sft_epochz' "
                                 "(did you mean BBCOPILOT_TRAIN__SFT_EPOCHS?)")


def test_misspelt_section_fails_and_names_the_closest(monkeypatch):
    monkeypatch.setenv("BBCOPILOT_TRIAN__SFT_EPOCHS", "2")
    with pytest.raises(ConfigError) as caught:
        load_settings("demo")
    assert str(caught.value) == ("environment BBCOPILOT_TRIAN__SFT_EPOCHS: no settings section 'trian' "
                                 "(did you mean BBCOPILOT_TRAIN__SFT_EPOCHS?)")


def test_environment_wrong_type_names_the_variable(monkeypatch):
    monkeypatch.setenv("BBCOPILOT_TRAIN__SFT_EPOCHS", "lots")
    with pytest.raises(ConfigError, match=r"^environment BBCOPILOT_TRAIN__SFT_EPOCHS: train\.sft_epochs: .*'lots'"):
        load_settings("demo")
    monkeypatch.setenv("BBCOPILOT_TRAIN__SFT_EPOCHS", "2")
    monkeypatch.setenv("BBCOPILOT_EVAL__TEMPERATURES", "0.2 and 0.6")
    with pytest.raises(ConfigError, match=r"^environment BBCOPILOT_EVAL__TEMPERATURES: not valid JSON"):
        load_settings("demo")


def test_an_invalid_secret_in_the_environment_is_named_not_echoed(monkeypatch):
    monkeypatch.setenv("BBCOPILOT_QA", '{"api_key": ["sk-leaked-value"]}')
    with pytest.raises(ConfigError) as caught:
        load_settings("demo")
    assert str(caught.value).startswith("environment BBCOPILOT_QA: qa.api_key: ")
    assert "sk-leaked-value" not in str(caught.value)
    monkeypatch.delenv("BBCOPILOT_QA")
    monkeypatch.setenv("BBCOPILOT_QA__API_KEY__VALUE", "sk-leaked-value")
    with pytest.raises(ConfigError, match="BBCOPILOT_QA__API_KEY__VALUE: qa.api_key is a setting, not a section") as caught:
        load_settings("demo")
    assert "sk-leaked-value" not in str(caught.value)


def test_a_profile_fault_is_still_the_profiles_when_the_environment_sets_the_section(monkeypatch, tmp_path):
    profile = tmp_path / "bad.yaml"
    profile.write_text("train:\n  sft_epochs: lots\n")
    monkeypatch.setenv("BBCOPILOT_TRAIN", '{"lora_r": 4}')  # a whole section as JSON, merged with the profile
    with pytest.raises(ConfigError, match=r"^\S*bad\.yaml: train\.sft_epochs"):
        load_settings(profile)
    profile.write_text("train:\n  sft_epochs: 3\n")
    settings = load_settings(profile)
    assert (settings.train.lora_r, settings.train.sft_epochs) == (4, 3)


def test_variables_that_are_not_settings_are_left_alone(monkeypatch):
    monkeypatch.setenv("BBCOPILOT_PSEUDONYM_KEY", "read-by-the-crawler")  # scrapers/forum/pipelines.py
    monkeypatch.setenv("OTHER_TRIAN__SFT_EPOCHS", "2")
    assert load_settings("demo").train.sft_max_steps == 30
    monkeypatch.setenv("BBCOPILOT_WORKSPAC", "/tmp/elsewhere")  # but a near miss of a setting is a typo
    with pytest.raises(ConfigError, match="BBCOPILOT_WORKSPAC: no setting 'workspac' .did you mean BBCOPILOT_WORKSPACE"):
        load_settings("demo")
