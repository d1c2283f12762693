"""Tests for ``kettle.config``: Flask-compatible ``Config`` loaders and defaults."""

from __future__ import annotations

import json
import sys
import textwrap
import tomllib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kettle.config import DEFAULT_CONFIG, Config


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(tmp_path)


@pytest.fixture
def settings_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An importable package ``kettle_test_settings`` with a module and a class."""
    package = tmp_path / "kettle_test_settings"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text(
        textwrap.dedent(
            """
            DEBUG = True
            SECRET_KEY = "base"
            lowercase = "ignored"

            class Prod:
                DEBUG = False
                SECRET_KEY = "prod"
                helper = 1
            """
        )
    )
    (package / "broken.py").write_text("import kettle_missing_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "kettle_test_settings"
    for name in list(sys.modules):
        if name.startswith("kettle_test_settings"):
            del sys.modules[name]


class Settings:
    TESTING = True
    SECRET_KEY = "class"
    not_config = "x"


# -- construction and repr ---------------------------------------------------


def test_init_root_path_and_defaults(tmp_path: Path) -> None:
    cfg = Config(tmp_path, {"A": 1})
    assert cfg.root_path == tmp_path
    assert cfg == {"A": 1}
    assert Config(str(tmp_path)) == {}


def test_defaults_are_copied(tmp_path: Path) -> None:
    cfg = Config(tmp_path, DEFAULT_CONFIG)
    cfg["DEBUG"] = True
    assert DEFAULT_CONFIG["DEBUG"] is False


def test_repr(config: Config) -> None:
    config["A"] = 1
    assert repr(config) == "<Config {'A': 1}>"


def test_repr_subclass(tmp_path: Path) -> None:
    class MyConfig(Config):
        pass

    assert repr(MyConfig(tmp_path)) == "<MyConfig {}>"


def test_default_config_values() -> None:
    assert DEFAULT_CONFIG["DEBUG"] is False
    assert DEFAULT_CONFIG["PERMANENT_SESSION_LIFETIME"] == timedelta(days=31)
    assert DEFAULT_CONFIG["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
    assert DEFAULT_CONFIG["MAX_FORM_MEMORY_SIZE"] == 500_000
    assert DEFAULT_CONFIG["MAX_FORM_PARTS"] == 1000
    assert DEFAULT_CONFIG["MAX_JSON_DEPTH"] == 64
    assert DEFAULT_CONFIG["SESSION_COOKIE_NAME"] == "session"
    assert DEFAULT_CONFIG["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert DEFAULT_CONFIG["SESSION_COOKIE_HTTPONLY"] is True
    assert DEFAULT_CONFIG["MAX_COOKIE_SIZE"] == 4093
    assert DEFAULT_CONFIG["APPLICATION_ROOT"] == "/"
    assert DEFAULT_CONFIG["PROXY_FIX"] is None
    assert all(key.isupper() for key in DEFAULT_CONFIG)


def test_default_config_keys_documented() -> None:
    """Every default has a comment line above it in the source."""
    import kettle.config

    source = Path(kettle.config.__file__).read_text().splitlines()
    for key in DEFAULT_CONFIG:
        line = next(i for i, text in enumerate(source) if text.strip().startswith(f'"{key}":'))
        assert source[line - 1].strip().startswith("#"), key


# -- from_object --------------------------------------------------------------


def test_from_object_class(config: Config) -> None:
    config.from_object(Settings)
    assert config == {"TESTING": True, "SECRET_KEY": "class"}


def test_from_object_instance(config: Config) -> None:
    config.from_object(Settings())
    assert config["TESTING"] is True


def test_from_object_module_string(config: Config, settings_module: str) -> None:
    config.from_object(f"{settings_module}.base")
    assert config["DEBUG"] is True
    assert config["SECRET_KEY"] == "base"
    assert "lowercase" not in config
    assert "Prod" not in config  # not all uppercase


@pytest.mark.parametrize("sep", [":", "."])
def test_from_object_attribute_string(config: Config, settings_module: str, sep: str) -> None:
    config.from_object(f"{settings_module}.base{sep}Prod")
    assert config == {"DEBUG": False, "SECRET_KEY": "prod"}


def test_from_object_missing_module(config: Config) -> None:
    with pytest.raises(ModuleNotFoundError):
        config.from_object("kettle_no_such_module_xyz")


def test_from_object_missing_submodule(config: Config, settings_module: str) -> None:
    with pytest.raises(ImportError):
        config.from_object(f"{settings_module}.nope")


def test_from_object_missing_attribute(config: Config, settings_module: str) -> None:
    with pytest.raises(ImportError, match="has no attribute 'Nope'"):
        config.from_object(f"{settings_module}.base:Nope")
    with pytest.raises(ImportError, match="has no attribute 'Nope'"):
        config.from_object(f"{settings_module}.base.Nope")


def test_from_object_broken_module_reports_real_error(config: Config, settings_module: str) -> None:
    """A module failing its own import is not mistaken for a missing attribute."""
    with pytest.raises(ModuleNotFoundError, match="kettle_missing_dependency_xyz"):
        config.from_object(f"{settings_module}.broken")


# -- from_mapping ---------------------------------------------------------------


def test_from_mapping(config: Config) -> None:
    assert config.from_mapping({"A": 1, "b": 2}, C=3, d=4) is True
    assert config == {"A": 1, "C": 3}


def test_from_mapping_kwargs_override(config: Config) -> None:
    config.from_mapping({"A": 1}, A=2)
    assert config["A"] == 2


def test_from_mapping_none(config: Config) -> None:
    assert config.from_mapping() is True
    assert config == {}


# -- from_pyfile ----------------------------------------------------------------


def test_from_pyfile_relative(config: Config, tmp_path: Path) -> None:
    (tmp_path / "settings.cfg").write_text("SECRET_KEY = 'dev'\nhelper = 3\nPORT = helper * 2\n")
    assert config.from_pyfile("settings.cfg") is True
    assert config == {"SECRET_KEY": "dev", "PORT": 6}


def test_from_pyfile_absolute(tmp_path: Path) -> None:
    path = tmp_path / "abs.py"
    path.write_text("A = __file__\n")
    cfg = Config("/somewhere/else")
    assert cfg.from_pyfile(str(path)) is True
    assert cfg["A"] == str(path)


def test_from_pyfile_missing(config: Config) -> None:
    with pytest.raises(OSError, match=r"Unable to load configuration file \(") as info:
        config.from_pyfile("missing.cfg")
    assert "missing.cfg" in str(info.value)


def test_from_pyfile_missing_silent(config: Config, tmp_path: Path) -> None:
    assert config.from_pyfile("missing.cfg", silent=True) is False
    (tmp_path / "adir").mkdir()
    assert config.from_pyfile("adir", silent=True) is False
    (tmp_path / "afile").write_text("")
    assert config.from_pyfile("afile/inner.cfg", silent=True) is False


def test_from_pyfile_directory_not_silent(config: Config, tmp_path: Path) -> None:
    (tmp_path / "adir").mkdir()
    with pytest.raises(IsADirectoryError, match="Unable to load configuration file"):
        config.from_pyfile("adir")


def test_from_pyfile_syntax_error_points_at_file(config: Config, tmp_path: Path) -> None:
    (tmp_path / "bad.cfg").write_text("A = 1\nB = (\n")
    with pytest.raises(SyntaxError) as info:
        config.from_pyfile("bad.cfg")
    assert info.value.filename == str(tmp_path / "bad.cfg")


def test_from_pyfile_runtime_error_traceback(config: Config, tmp_path: Path) -> None:
    (tmp_path / "boom.cfg").write_text("A = 1\nraise LookupError('boom')\n")
    with pytest.raises(LookupError) as info:
        config.from_pyfile("boom.cfg")
    assert info.traceback[-1].path == tmp_path / "boom.cfg"
    assert info.traceback[-1].lineno == 1  # zero-based: the second line


# -- from_file ------------------------------------------------------------------


def test_from_file_json(config: Config, tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"SECRET_KEY": "j", "lower": 1}))
    assert config.from_file("config.json", load=json.load) is True
    assert config == {"SECRET_KEY": "j"}


def test_from_file_toml_binary(config: Config, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('SECRET_KEY = "t"\nPORT = 8000\n')
    assert config.from_file("config.toml", load=tomllib.load, text=False) is True
    assert config == {"SECRET_KEY": "t", "PORT": 8000}


def test_from_file_missing(config: Config) -> None:
    with pytest.raises(FileNotFoundError, match="Unable to load configuration file"):
        config.from_file("missing.json", load=json.load)


def test_from_file_missing_silent(config: Config) -> None:
    assert config.from_file("missing.json", load=json.load, silent=True) is False


def test_from_file_load_error_propagates(config: Config, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(json.JSONDecodeError):
        config.from_file("bad.json", load=json.load)


# -- from_envvar ----------------------------------------------------------------


def test_from_envvar(config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "env.cfg"
    path.write_text("SECRET_KEY = 'env'\n")
    monkeypatch.setenv("KETTLE_TEST_SETTINGS", str(path))
    assert config.from_envvar("KETTLE_TEST_SETTINGS") is True
    assert config["SECRET_KEY"] == "env"


def test_from_envvar_unset(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KETTLE_TEST_SETTINGS", raising=False)
    with pytest.raises(RuntimeError, match="'KETTLE_TEST_SETTINGS' is not set"):
        config.from_envvar("KETTLE_TEST_SETTINGS")
    assert config.from_envvar("KETTLE_TEST_SETTINGS", silent=True) is False


def test_from_envvar_empty_is_unset(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETTLE_TEST_SETTINGS", "")
    with pytest.raises(RuntimeError):
        config.from_envvar("KETTLE_TEST_SETTINGS")


def test_from_envvar_missing_file(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETTLE_TEST_SETTINGS", "missing.cfg")
    with pytest.raises(OSError, match="Unable to load configuration file"):
        config.from_envvar("KETTLE_TEST_SETTINGS")
    assert config.from_envvar("KETTLE_TEST_SETTINGS", silent=True) is False


# -- from_prefixed_env ------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for key in list(os.environ):
        if key.startswith(("KETTLE_", "MYAPP_")):
            monkeypatch.delenv(key)
    return monkeypatch


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("false", False),
        ("8000", 8000),
        ("1.5", 1.5),
        ("null", None),
        ("abc", "abc"),
        ('"quoted"', "quoted"),
        ("[1, 2]", [1, 2]),
        ('{"a": 1}', {"a": 1}),
        ("", ""),
        ("{broken", "{broken"),
    ],
)
def test_from_prefixed_env_values(
    config: Config, clean_env: pytest.MonkeyPatch, raw: str, expected: Any
) -> None:
    clean_env.setenv("KETTLE_VALUE", raw)
    assert config.from_prefixed_env() is True
    assert config["VALUE"] == expected


def test_from_prefixed_env_only_prefix(config: Config, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("KETTLE_DEBUG", "true")
    clean_env.setenv("KETTLEX_OTHER", "1")
    clean_env.setenv("MYAPP_PORT", "1")
    config.from_prefixed_env()
    assert config == {"DEBUG": True}


def test_from_prefixed_env_custom_prefix(config: Config, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("MYAPP_PORT", "8080")
    clean_env.setenv("KETTLE_PORT", "1")
    config.from_prefixed_env("MYAPP")
    assert config == {"PORT": 8080}


def test_from_prefixed_env_custom_loads(config: Config, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("KETTLE_NAME", "abc")
    config.from_prefixed_env(loads=str.upper)
    assert config["NAME"] == "ABC"


def test_from_prefixed_env_nested(config: Config, clean_env: pytest.MonkeyPatch) -> None:
    config["DB"] = {"PORT": 5432}
    clean_env.setenv("KETTLE_DB__HOST", "x")
    clean_env.setenv("KETTLE_CACHE__REDIS__PORT", "6379")
    config.from_prefixed_env()
    assert config["DB"] == {"PORT": 5432, "HOST": "x"}
    assert config["CACHE"] == {"REDIS": {"PORT": 6379}}


def test_from_prefixed_env_sorted_order(config: Config, clean_env: pytest.MonkeyPatch) -> None:
    """``KETTLE_DB`` is applied before ``KETTLE_DB__HOST``, which then nests into it."""
    clean_env.setenv("KETTLE_DB__HOST", "x")
    clean_env.setenv("KETTLE_DB", '{"PORT": 1}')
    config.from_prefixed_env()
    assert config["DB"] == {"PORT": 1, "HOST": "x"}


def test_from_prefixed_env_nested_through_scalar(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    config["DB"] = "sqlite://"
    clean_env.setenv("KETTLE_DB__HOST", "x")
    with pytest.raises(TypeError, match=r"KETTLE_DB__HOST.*'DB' holds a str"):
        config.from_prefixed_env()


# -- get_namespace ----------------------------------------------------------------


@pytest.fixture
def namespaced(config: Config) -> Config:
    config.update(
        IMAGE_STORE_TYPE="fs",
        IMAGE_STORE_PATH="/var/app/images",
        IMAGE_STORE_BASE_URL="http://img.example.com",
        OTHER=1,
    )
    return config


def test_get_namespace(namespaced: Config) -> None:
    assert namespaced.get_namespace("IMAGE_STORE_") == {
        "type": "fs",
        "path": "/var/app/images",
        "base_url": "http://img.example.com",
    }


def test_get_namespace_keep_case(namespaced: Config) -> None:
    assert namespaced.get_namespace("IMAGE_STORE_", lowercase=False)["BASE_URL"] == (
        "http://img.example.com"
    )


def test_get_namespace_untrimmed(namespaced: Config) -> None:
    result = namespaced.get_namespace("IMAGE_STORE_", trim_namespace=False)
    assert set(result) == {"image_store_type", "image_store_path", "image_store_base_url"}


def test_get_namespace_untrimmed_keep_case(namespaced: Config) -> None:
    result = namespaced.get_namespace("IMAGE_STORE_", lowercase=False, trim_namespace=False)
    assert "IMAGE_STORE_TYPE" in result
    assert "OTHER" not in result


def test_get_namespace_no_match(namespaced: Config) -> None:
    assert namespaced.get_namespace("NOPE_") == {}
