"""File › Open reads, checks and analyses a project on another thread: the window keeps answering meanwhile."""

from __future__ import annotations

import json
import threading
import time

from PySide6.QtCore import QTimer

from netbuilder.ui import project_files
from tests.ui.test_first_hour_open import open_with_menu

READ_DELAY_S = 0.4  # the read is slowed so that the test can watch the window while it runs


def chain_project(path, count: int):
    """An Input and ``count`` ReLUs wired one after another."""
    nodes = [{"id": "in", "type": "Input", "name": "in", "params": {"kind": "tabular", "features": 4}}]
    nodes += [{"id": f"n{i}", "type": "ReLU", "name": f"relu{i}", "position": [i * 10, 0]} for i in range(count)]
    edges = [{"id": f"e{i}", "from": ["in" if i == 0 else f"n{i - 1}", "out"], "to": [f"n{i}", "in"]}
             for i in range(count)]
    path.write_text(json.dumps({"format_version": 1, "name": f"chain {count}", "dataset": {"name": "iris"},
                                "graphs": {"model": {"nodes": nodes, "edges": edges}}}))
    return path


def slowed_read(monkeypatch) -> list[int]:
    """Slow the background read down and record the thread it runs on."""
    threads: list[int] = []
    real = project_files.read_project

    def read(path):
        threads.append(threading.get_ident())
        time.sleep(READ_DELAY_S)
        return real(path)

    monkeypatch.setattr(project_files, "read_project", read)
    return threads


def test_a_project_opened_from_the_menu_is_read_on_another_thread(make_window, tmp_path, monkeypatch):
    path = chain_project(tmp_path / "chain.nbproj", 300)
    threads = slowed_read(monkeypatch)
    window = make_window()
    open_with_menu(window, path)
    assert threads and threads[0] != threading.get_ident()
    assert window.project.path == path and len(window.project.main_graph.nodes) == 301
    assert len(window.editor().scene.items()) > 301 and "chain.nbproj" in window.windowTitle()
    assert window.last_error == "" and not window.busy.active()


def test_the_window_keeps_ticking_and_shows_it_is_busy_while_a_file_opens(make_window, tmp_path, monkeypatch,
                                                                           qtbot):
    path = chain_project(tmp_path / "chain.nbproj", 300)
    slowed_read(monkeypatch)
    window = make_window()
    ticks: list[float] = []
    timer = QTimer(window)
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    window.ask_open_path = lambda: str(path)
    window.actions_by_name["open"].trigger()
    assert window.busy.bar.isVisible() and "chain.nbproj" in window.busy.label.text()
    qtbot.waitUntil(lambda: window.opening is None, timeout=30_000)
    timer.stop()
    assert len(ticks) >= READ_DELAY_S / 0.02 / 2  # the event loop ran on while the file was read
    assert not window.busy.bar.isVisible() and window.project.path == path


def test_opening_a_second_file_while_one_is_read_waits_for_the_first(make_window, tmp_path, monkeypatch, qtbot):
    first, second = chain_project(tmp_path / "a.nbproj", 10), chain_project(tmp_path / "b.nbproj", 20)
    slowed_read(monkeypatch)
    window = make_window()
    window.open_file(first)
    window.open_file(second)
    assert "Still opening" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.opening is None, timeout=30_000)
    assert window.project.path == first


def test_a_project_started_from_a_template_is_analysed_once_while_the_template_is_read(make_window, tmp_path,
                                                                                      monkeypatch):
    from netbuilder.ui import mainwindow, opening

    template = chain_project(tmp_path / "chain.nbproj", 30)
    window = make_window()
    calls: list[str] = []
    for module in (opening, mainwindow):
        real = module.analyze_with_data
        monkeypatch.setattr(module, "analyze_with_data",
                            lambda project, real=real, name=module.__name__: calls.append(name) or real(project))
    assert window.new_project(template)
    assert calls == [opening.__name__]  # the window shows the analysis done as the file was read
    assert window.project.path is None and set(window.results) == {"model"}
    assert window.results["model"].output_shape("n29") is not None
