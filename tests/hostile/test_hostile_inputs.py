"""Every hostile input is handled as promised: exit 1 or 2, no traceback, the input named, bounded time and
memory, the user's files unchanged (see `harness.check`). Names are valid inputs: they make valid code.

The cases come from one generator per surface; each runs in this process (``netbuilder.cli.main``)
under an address-space limit and a time limit, except the few that need a process of their own.
"""

from __future__ import annotations

import pytest

from tests.hostile import checkpoints, data_sources, file_system, names, onnx_models, project_files
from tests.hostile.harness import Case, check


def _cases(module) -> list:
    return [pytest.param(case, id=case.name) for case in module.cases()]


@pytest.mark.parametrize("case", _cases(project_files))
def test_a_hostile_project_file_or_option_is_refused_cleanly(case: Case, tmp_path):
    check(case, tmp_path)


@pytest.mark.parametrize("case", _cases(data_sources))
def test_a_hostile_data_source_is_refused_before_it_is_allocated(case: Case, tmp_path):
    check(case, tmp_path)


@pytest.mark.parametrize("case", _cases(checkpoints))
def test_a_hostile_checkpoint_is_refused_cleanly(case: Case, tmp_path):
    check(case, tmp_path)


@pytest.mark.parametrize("case", _cases(onnx_models))
def test_a_hostile_onnx_model_is_refused_before_it_is_loaded(case: Case, tmp_path):
    pytest.importorskip("onnx")
    check(case, tmp_path)


@pytest.mark.parametrize("case", _cases(file_system))
def test_an_output_the_file_system_will_not_take_is_refused_and_nothing_is_lost(case: Case, tmp_path):
    check(case, tmp_path)


@pytest.mark.parametrize("case", _cases(names))
def test_any_name_makes_valid_code_and_prints_as_text(case: Case, tmp_path):
    check(case, tmp_path)


# A representative case of each surface again, in a process of its own under RLIMIT_AS (4 GiB) and a timeout:
# what holds when `main` is called here also holds for `python -m netbuilder`.
REPRESENTATIVE = {project_files: "fifo-validate", data_sources: "npz-zip-bomb-5.6GiB",
                  onnx_models: "sparse-initializer-10^12"}


@pytest.mark.parametrize("module, name", [pytest.param(m, n, id=f"{m.SURFACE}:{n}") for m, n in
                                          REPRESENTATIVE.items()])
def test_a_representative_case_is_refused_cleanly_by_its_own_process(module, name, tmp_path):
    case = next(c for c in module.cases() if c.name == name)
    check(case, tmp_path, in_subprocess=True)
