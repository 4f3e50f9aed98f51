"""The inspector: a form for the selected layer, generated from its catalog `ParamSpec`s.

Spin boxes carry the ranges, combo boxes the choices, tooltips the help text.
Every edit is an undoable command; the form follows the model, so an undo
shows up here too. Text fields are checked as they are typed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit, QPushButton,
                               QScrollArea, QSpinBox, QVBoxLayout, QWidget)

from netbuilder.graph import edits
from netbuilder.graph.catalog.spec import ParamSpec
from netbuilder.graph.model import INIT_CHOICES, Graph, Group, Node
from netbuilder.ui.commands import EditCommand
from netbuilder.ui.theme import CATEGORY_COLOURS
from netbuilder.ui.training.fields import BoundedDoubleSpinBox, BoundedSpinBox, limit_message

INT_LIMIT = 2_000_000_000
ERROR_STYLE = "color: #e5534b;"


def parse_ints(text: str) -> list[int] | None:
    """"1, 28,28" -> [1, 28, 28]; None when it is not a list of whole numbers."""
    try:
        values = [int(part) for part in text.replace("×", ",").replace("x", ",").split(",") if part.strip()]
    except ValueError:
        return None
    return values or None


class Inspector(QScrollArea):
    """Shows one node (or block) of one graph; edits go on the undo stack."""

    save_block_requested = Signal(str)  # a block's id: the user asked to keep it in the palette

    def __init__(self, undo_stack: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = undo_stack
        self.graph: Graph | None = None
        self.node_id: str | None = None
        self.group_id: str | None = None
        self.fields: dict[str, QWidget] = {}
        self.rows: dict[str, tuple[QLabel, QWidget]] = {}
        self.notes: dict[str, QLabel] = {}
        self.problems = QLabel()
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self._show_placeholder("Select a layer to edit its settings.")

    # ---- what is shown ---------------------------------------------------------------------------
    def _reset(self) -> QVBoxLayout:
        if self.graph is not None:
            self.graph.events.node_changed.disconnect(self._on_node_changed)
            self.graph.events.node_removed.disconnect(self._on_node_removed)
            self.graph.events.group_changed.disconnect(self._on_group_changed)
            self.graph.events.group_removed.disconnect(self._on_group_removed)
        self.graph = self.node_id = self.group_id = None
        self.fields, self.rows, self.notes = {}, {}, {}
        self._refused: dict[str, str] = {}  # field -> the out-of-range text its note explains
        self._typing_from: dict[str, Any] = {}  # field -> the layer's value when the user began typing in it
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(10, 10, 10, 10)
        # Not setAlignment(AlignTop): an aligned layout gives each widget its size hint, and a word-wrapped
        # label's hint is for a guessed width, so long diagnostics were cut off and drawn over the form's
        # rows. A stretch at the end (added by each page) keeps the rows at the top instead.
        self.setWidget(page)
        return layout

    def _follow(self, graph: Graph) -> None:
        self.graph = graph
        graph.events.node_changed.connect(self._on_node_changed)
        graph.events.node_removed.connect(self._on_node_removed)
        graph.events.group_changed.connect(self._on_group_changed)
        graph.events.group_removed.connect(self._on_group_removed)

    def _show_placeholder(self, text: str) -> None:
        layout = self._reset()
        label = QLabel(text)
        label.setWordWrap(True)
        label.setEnabled(False)
        layout.addWidget(label)
        layout.addStretch(1)

    def clear(self) -> None:
        self._show_placeholder("Select a layer to edit its settings.")

    def show_node(self, graph: Graph, node_id: str) -> None:
        layout = self._reset()
        self._follow(graph)
        self.node_id = node_id
        node = graph.nodes[node_id]
        spec = node.spec
        colour = CATEGORY_COLOURS.get(spec.category, "#888")
        title = QLabel(f"<span style='color:{colour}'>■</span> <b>{spec.type}</b>"
                       f" <span style='color:gray'>· {spec.category}</span>")
        layout.addWidget(title)
        help_label = QLabel(spec.help)
        help_label.setWordWrap(True)
        help_label.setStyleSheet("color: gray;")
        layout.addWidget(help_label)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(form)
        name = QLineEdit(node.name)
        name.setToolTip("The layer's name: it becomes the attribute name in generated code and the ONNX name.")
        name.textEdited.connect(self._check_name)
        name.editingFinished.connect(self._commit_name)
        self.fields["__name"] = name
        form.addRow("Name", name)
        self._add_note(form, "__name")
        for p in spec.params:
            widget = self._editor_for(p)
            label = QLabel(p.title)
            label.setToolTip(p.help)
            form.addRow(label, widget)
            self.rows[p.name] = (label, widget)
            self._add_note(form, p.name)
        if spec.has_weights:
            self._add_options(form, node)
        self.problems = QLabel()  # a fresh one: the old page (and its label) went with _reset
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(ERROR_STYLE)
        self.problems.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.problems)
        layout.addStretch(1)
        self._load_values()

    def _add_note(self, form: QFormLayout, key: str) -> None:
        note = QLabel()
        note.setWordWrap(True)
        note.setStyleSheet(ERROR_STYLE)
        note.hide()
        form.addRow("", note)
        self.notes[key] = note

    def _add_options(self, form: QFormLayout, node: Node) -> None:
        train = QCheckBox("Trainable")
        train.setToolTip("Untick to freeze this layer's weights (transfer learning).")
        train.toggled.connect(lambda on: self._push_options(trainable=on))
        init = QComboBox()
        init.addItems(INIT_CHOICES)
        init.setToolTip("How the weights start: PyTorch's default, Xavier, Kaiming, or normal(0, σ).")
        init.currentTextChanged.connect(lambda text: self._push_options(init=text))
        std = QDoubleSpinBox()
        std.setDecimals(4)
        std.setRange(0.0001, 10.0)
        std.setSingleStep(0.01)
        std.setToolTip("σ of the normal distribution the weights start from.")
        std.valueChanged.connect(lambda v: self._push_options(init_std=float(v)))
        self.fields["__trainable"], self.fields["__init"], self.fields["__init_std"] = train, init, std
        form.addRow("", train)
        form.addRow("Initialisation", init)
        std_label = QLabel("σ")
        form.addRow(std_label, std)
        self.rows["__init_std"] = (std_label, std)

    def _editor_for(self, p: ParamSpec) -> QWidget:
        w: QWidget
        if p.kind == "int":
            # A typed number out of range is not used, and the note under the field says the limit
            # (a plain QSpinBox turned 1000000000 into its maximum, "-5" into 5, and ignored 0).
            spin = BoundedSpinBox(p.title)
            spin.setRange(int(max(p.minimum, -INT_LIMIT)) if p.minimum is not None else -INT_LIMIT,
                          int(min(p.maximum, INT_LIMIT)) if p.maximum is not None else INT_LIMIT)
            spin.setKeyboardTracking(True)  # shapes follow as a number is typed
            spin.valueChanged.connect(lambda v, n=p.name: self._push(n, int(v)))
            self._report_limits(spin, p.name)
            w = spin
        elif p.kind == "float":
            number = BoundedDoubleSpinBox(p.title)
            number.setDecimals(4)
            number.setRange(p.minimum if p.minimum is not None else -1e9, p.maximum if p.maximum is not None else 1e9)
            number.setSingleStep(0.05 if (p.maximum or 10) <= 1 else 0.1)
            number.setKeyboardTracking(True)
            number.valueChanged.connect(lambda v, n=p.name: self._push(n, float(v)))
            self._report_limits(number, p.name)
            w = number
        elif p.kind == "bool":
            check = QCheckBox()
            check.toggled.connect(lambda v, n=p.name: self._push(n, bool(v)))
            w = check
        elif p.kind == "choice":
            combo = QComboBox()
            combo.addItems(list(p.choices))
            combo.currentTextChanged.connect(lambda v, n=p.name: self._push(n, v))
            w = combo
        elif p.kind in ("ints", "size"):  # a size is one number for every axis, or one per axis: 3 or 3,2
            ints = QLineEdit()
            ints.setPlaceholderText("e.g. 3 or 3,2" if p.kind == "size" else "e.g. 1,28,28")
            ints.textEdited.connect(lambda text, spec=p: self._edit_ints(spec, text))
            w = ints
        else:
            text = QLineEdit()
            text.textEdited.connect(lambda v, n=p.name: self._push(n, v))
            w = text
        w.setToolTip(p.help)
        self.fields[p.name] = w
        return w

    def _report_limits(self, field: BoundedSpinBox | BoundedDoubleSpinBox, key: str) -> None:
        """Say under the field when a typed number is out of range, and keep the layer's value.

        Typed numbers apply as they are typed, so "1000000000" would leave the largest prefix that fit
        (100000) behind: when the field is left (or Enter pressed) with a refused number, the value from
        before the typing comes back, in the same undo step, and the note says so."""
        def hit(message: str) -> None:
            self._refused[key] = field.text().strip()
            self._note(key, message)

        def typed(text: str) -> None:
            try:
                value = float(text.strip().replace(field.locale().decimalPoint(), "."))
            except ValueError:
                return
            if key in self._refused and field.minimum() <= value <= field.maximum():
                del self._refused[key]
                self._note(key, "")

        def finished() -> None:
            node = self._shown_node()
            before = self._typing_from.pop(key, None)
            refused = self._refused.get(key)
            if node is None or refused is None:
                return
            if before is not None and node.values()[key] != before:
                self._push(key, before)
            kept = node.values()[key]
            self._note(key, limit_message(field.label, refused, field.minimum(), field.maximum(),
                                          field.textFromValue(kept), isinstance(field, BoundedSpinBox)))

        field.limit_hit.connect(hit)
        field.lineEdit().textEdited.connect(typed)
        field.editingFinished.connect(finished)
        field.installEventFilter(self)
        field.setProperty("param", key)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The value a number field had when the user started typing in it (see _report_limits).
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, (BoundedSpinBox, BoundedDoubleSpinBox)):
            node, key = self._shown_node(), watched.property("param")
            if node is not None and isinstance(key, str):
                self._typing_from[key] = node.values().get(key)
                self._refused.pop(key, None)
        return super().eventFilter(watched, event)

    # ---- model -> form ---------------------------------------------------------------------------
    def _shown_node(self) -> Node | None:
        """The node the form shows, while it is still in its graph."""
        if self.graph is None or self.node_id is None:
            return None
        return self.graph.nodes.get(self.node_id)

    def _line(self, key: str) -> QLineEdit:
        field = self.fields[key]
        assert isinstance(field, QLineEdit)
        return field

    def _load_values(self) -> None:
        node = self._shown_node()
        if node is None:
            return
        values = node.values()
        for p in node.spec.params:
            w, v = self.fields[p.name], values[p.name]
            w.blockSignals(True)
            try:
                if isinstance(w, QSpinBox) and isinstance(v, int):
                    w.setValue(v)
                elif isinstance(w, QDoubleSpinBox) and isinstance(v, (int, float)):
                    w.setValue(float(v))
                elif isinstance(w, QCheckBox):
                    w.setChecked(bool(v))
                elif isinstance(w, QComboBox):
                    w.setCurrentText(str(v))
                elif isinstance(w, QLineEdit) and not w.hasFocus():
                    w.setText(",".join(map(str, v)) if isinstance(v, list) else str(v))
            finally:
                w.blockSignals(False)
            label, _ = self.rows[p.name]
            visible = p.when is None or values.get(p.when[0]) in p.when[1]
            label.setVisible(visible)
            w.setVisible(visible)
            problem = p.check(v)
            if problem or p.name not in self._refused:  # a value just refused stays explained
                self._note(p.name, f"{p.title} {problem}" if problem else "")
        name = self._line("__name")
        if not name.hasFocus():
            name.setText(node.name)
        for key, attr in (("__trainable", "trainable"), ("__init", "init"), ("__init_std", "init_std")):
            option = self.fields.get(key)
            if option is not None:
                option.blockSignals(True)
                if isinstance(option, QCheckBox):
                    option.setChecked(getattr(node, attr))
                elif isinstance(option, QDoubleSpinBox):
                    option.setValue(getattr(node, attr))
                elif isinstance(option, QComboBox):
                    option.setCurrentText(getattr(node, attr))
                option.blockSignals(False)
        if "__init_std" in self.rows:  # σ only means something for a normal initialisation
            for part in self.rows["__init_std"]:
                part.setVisible(node.init == "normal")

    def set_problems(self, messages: list[str]) -> None:
        """The analysis' messages about the shown node."""
        if self.node_id is not None:
            self.problems.setText("\n\n".join(f"⚠ {m}" for m in messages))
            self.problems.setVisible(bool(messages))

    def _note(self, key: str, text: str) -> None:
        note = self.notes.get(key)
        if note is not None:
            note.setText(text)
            note.setVisible(bool(text))

    def _on_node_changed(self, node: Node, what: str) -> None:
        if node.id == self.node_id and what in ("params", "name", "options"):
            self._load_values()

    def _on_node_removed(self, node: Node) -> None:
        if node.id == self.node_id:
            self.clear()

    def _on_group_changed(self, group: Group) -> None:
        field = self.fields.get("__group_name")
        if group.id == self.group_id and isinstance(field, QLineEdit) and not field.hasFocus():
            field.setText(group.name)

    def _on_group_removed(self, group: Group) -> None:
        if group.id == self.group_id:
            self.clear()

    # ---- form -> model ---------------------------------------------------------------------------
    def _submit(self, edit: edits.GraphEdit) -> None:
        if self.graph is not None:
            self.undo_stack.push(EditCommand(edit, self.graph))

    def _push(self, name: str, value: Any) -> None:
        node = self._shown_node()
        if node is None or node.values().get(name) == value:
            return
        self._submit(edits.SetParam(node.id, name, value))

    def _edit_ints(self, spec: ParamSpec, text: str) -> None:
        values = parse_ints(text)
        value: int | list[int] | None = values
        if spec.kind == "size" and values is not None and len(values) == 1:
            value = values[0]  # one number for every axis, stored as the number itself
        problem = spec.check(value) if value is not None else \
            "must be a list of positive whole numbers such as 1,28,28"
        self._note(spec.name, f"{spec.title} {problem}" if problem else "")
        if not problem:
            self._push(spec.name, value)

    def _push_options(self, **options: Any) -> None:
        node = self._shown_node()
        if node is not None:
            self._submit(edits.SetOptions(node.id, options))

    def _check_name(self, text: str) -> str | None:
        problem = None
        try:
            self._validate_name(text)
        except ValueError as exc:
            problem = str(exc)
        self._note("__name", problem or "")
        return problem

    def _validate_name(self, text: str) -> None:
        # Ask the model on a throwaway copy, so the rule lives in one place (Graph.rename).
        shown = self._shown_node()
        if shown is None or self.graph is None:
            return
        probe = Graph()
        for n in self.graph.nodes.values():
            if n.id != shown.id:
                probe.nodes[n.id] = n
        probe.nodes[shown.id] = Node(shown.id, "ReLU", "probe")
        probe.rename(shown.id, text)

    def _commit_name(self) -> None:
        node = self._shown_node()
        if node is None:
            return
        text = self._line("__name").text().strip()
        if text == node.name or self._check_name(text):
            return
        self._submit(edits.Rename(node.id, text))

    # ---- blocks ----------------------------------------------------------------------------------
    def show_group(self, graph: Graph, group_id: str) -> None:
        layout = self._reset()
        self._follow(graph)
        self.group_id = group_id
        group = graph.groups[group_id]
        layout.addWidget(QLabel(f"<b>Block</b> <span style='color:gray'>· "
                                f"{len(graph.group_members(group_id))} layers</span>"))
        form = QFormLayout()
        layout.addLayout(form)
        name = QLineEdit(group.name)
        name.editingFinished.connect(self._commit_group_name)
        self.fields["__group_name"] = name
        form.addRow("Name", name)
        save = QPushButton("Save block to palette")
        save.setToolTip("Keep this block under Blocks in the palette to reuse it here and in other projects.")
        save.clicked.connect(lambda: self.save_block_requested.emit(group_id))
        layout.addWidget(save)
        layout.addStretch(1)

    def _commit_group_name(self) -> None:
        text = self._line("__group_name").text().strip()
        group = self.graph.groups.get(self.group_id) if self.graph is not None and self.group_id else None
        if group is not None and text and text != group.name:
            self._submit(edits.UpdateGroup(group.id, name=text))
