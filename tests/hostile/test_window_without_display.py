"""`netbuilder gui` without a display says so and how to run, instead of Qt aborting the process (exit 134)."""

from __future__ import annotations

import sys

from netbuilder.cli import main
from netbuilder.ui.app import no_display_message


def test_linux_without_display_wayland_or_platform_has_no_display():
    message = no_display_message({}, "linux")
    assert message is not None and "DISPLAY" in message and "QT_QPA_PLATFORM=offscreen" in message


def test_any_of_display_wayland_or_a_chosen_platform_is_enough():
    for key, value in (("DISPLAY", ":0"), ("WAYLAND_DISPLAY", "wayland-0"), ("QT_QPA_PLATFORM", "offscreen")):
        assert no_display_message({key: value}, "linux") is None


def test_other_systems_always_have_a_display():
    assert no_display_message({}, "darwin") is None and no_display_message({}, "win32") is None


def test_the_window_without_a_display_exits_2_with_one_line(monkeypatch, capsys):
    for key in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert main(["gui"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "no display found" in err and len(err.strip().splitlines()) == 1
