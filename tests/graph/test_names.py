"""Names as Python sees them: identifiers, class names, docstring text and terminal-safe text."""

from __future__ import annotations

import ast

import pytest

from netbuilder.graph.names import (
    class_name, docstring_text, identifier, name_for_display, printable, unique_identifiers,
)


@pytest.mark.parametrize("name,expected", [("fc 1", "fc_1"), ("conv-2.a", "conv_2_a"), ("hidden1", "hidden1"),
                                           ("1st", "n_1st"), ("", "node"), ("class", "class_")])
def test_plain_names_map_as_they_always_did(name, expected):
    # These identifiers are the keys of existing checkpoints: they must not change.
    assert identifier(name) == expected


@pytest.mark.parametrize("name", ["ﬁ", "ｆｃ", "x²", "𝐱", "a\x00b", "\ud800", "\x1b[2J", "__x", "None", "é", "\u202e"])
def test_every_identifier_is_valid_and_already_in_the_form_python_reads(name):
    ident = identifier(name)
    assert ident.isidentifier()
    tree = ast.parse(f"class C:\n    def f(self):\n        self.{ident} = 1\n")
    attribute = tree.body[0].body[0].body[0].targets[0].attr
    assert attribute == ident  # NFKC-stable, so Python's parser does not turn it into another name
    assert not (ident.startswith("__") and not ident.endswith("__"))  # no name mangling inside a class


def test_names_python_folds_together_get_distinct_identifiers():
    assert unique_identifiers(["ﬁ", "fi", "ｆｃ", "fc"]) == ["fi", "fi_2", "fc", "fc_2"]


def test_reserved_names_get_an_underscore_and_duplicates_a_number():
    assert unique_identifiers(["keys", "x", "x", "None"], reserved={"keys"}) == ["keys_", "x", "x_2", "None_"]


@pytest.mark.parametrize("name,expected", [("MLP on iris", "MlpOnIris"), ("3 layers", "Net3Layers"),
                                           ("None", "NoneModel"), ("", "Model"), ("ﬁ net", "FiNet")])
def test_class_names_are_camel_case_and_never_reserved(name, expected):
    assert class_name(name) == expected


def test_a_class_name_in_the_reserved_set_gets_model_added():
    assert class_name("objective", reserved={"Objective"}) == "ObjectiveModel"


@pytest.mark.parametrize("text", ['a """ b', "C:\\Users\\me", "ends\"", "tab\tnew\nline", "\x00", "\ud800",
                                  "\x1b[31m", "\\", "é ﬁ", "\U0001f600"])
def test_docstring_text_reads_back_exactly_as_the_name(text):
    source = f'"""{docstring_text(text)}: tail"""'
    assert ast.literal_eval(source) == f"{text}: tail"
    assert "\n" not in source  # one line: the title stays the first line


def test_printable_escapes_what_a_terminal_would_act_on_but_keeps_line_breaks():
    assert printable("a\x1b[2Jb\x07\u202ec\ud800\nnext\r") == "a\\x1b[2Jb\\x07\\u202ec\\ud800\nnext\r"
    assert name_for_display("two\nlines\t") == "two\\nlines\\t"
