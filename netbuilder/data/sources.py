"""What each data source gives, known without reading it: built-in sets and the kinds of user files.

Imports neither torch nor numpy, so the window can list data sets and check a project against its data set
(`netbuilder.data.checks`) without loading either.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BuiltinInfo:
    """What the UI shows for a built-in data set, and which Input fits it."""

    title: str
    task: str
    description: str
    input_kind: str  # the Input node kind that fits: "tabular", "image", "sequence" or "tokens"
    input_shape: tuple[int, ...]  # the default per-sample shape
    target: str  # in words: "10 classes", "next value (1)", ...
    options: tuple[str, ...] = ()  # the option keys it reads
    class_names: tuple[str, ...] = ()  # fixed class names (without loading the data), where the set has them
    target_shape: tuple[int, ...] = ()  # a regression set's per-sample target shape


# The generated sets' classes (their generators, in shapes.py and topics.py, use these names).
SHAPE_NAMES = ("circle", "square", "triangle", "cross", "ring", "diamond")
COUNT_NAMES = ("one", "two", "three", "four")
TOPIC_NAMES = ("sport", "weather", "food", "music", "space")
TOPIC_VOCABULARY = 91  # words of the topics set, padding included: topics.VOCABULARY (a test keeps them equal)

BUILTIN_DATASETS: dict[str, BuiltinInfo] = {
    "digits": BuiltinInfo("Handwritten digits (8×8)", "classification",
                          "1,797 greyscale 8×8 images of the digits 0–9 (scikit-learn). Fits an image Input "
                          "1×8×8, or a tabular Input with 64 features.", "image", (1, 8, 8), "10 classes",
                          (), tuple(str(i) for i in range(10))),
    "iris": BuiltinInfo("Iris flowers", "classification",
                        "150 flowers, 4 measurements each, 3 species.", "tabular", (4,), "3 classes", (),
                        ("setosa", "versicolor", "virginica")),
    "wine": BuiltinInfo("Wine", "classification",
                        "178 wines, 13 chemical measurements each, 3 cultivars.", "tabular", (13,), "3 classes", (),
                        ("class_0", "class_1", "class_2")),
    "breast_cancer": BuiltinInfo("Breast cancer", "classification",
                                 "569 tumours, 30 cell measurements each: malignant or benign.", "tabular", (30,),
                                 "2 classes", (), ("malignant", "benign")),
    "moons": BuiltinInfo("Two moons", "classification",
                         "Two interleaved half circles of 2-D points; a straight line cannot separate them.",
                         "tabular", (2,), "2 classes", ("samples", "noise"), ("upper moon", "lower moon")),
    "spirals": BuiltinInfo("Spirals", "classification",
                           "Two (or more) interleaved spiral arms of 2-D points; needs a deeper network.",
                           "tabular", (2,), "2 classes", ("samples", "noise", "classes")),
    "sine": BuiltinInfo("Noisy sine", "regression",
                        "Windows of a noisy sine wave (random phase and frequency); predict the next "
                        "noise-free value.", "sequence", (32, 1), "next value (1)", ("length", "samples", "noise"),
                        target_shape=(1,)),
    "sines": BuiltinInfo("Sum of sines", "regression",
                         "Windows of a noisy sum of three sines; predict the next noise-free value.",
                         "sequence", (32, 1), "next value (1)", ("length", "samples", "noise"),
                         target_shape=(1,)),
    "memory": BuiltinInfo("Remember the start", "regression",
                          "Sequences of random values; the target is the mean of the first few (option span), so "
                          "a network must carry them through the whole sequence. Shows why an LSTM or GRU "
                          "remembers where a plain RNN forgets.", "sequence", (60, 1), "mean of the first values (1)",
                          ("length", "samples", "span"), target_shape=(1,)),
    "text": BuiltinInfo("Text (characters)", "classification",
                        "A short public-domain text; from a window of characters, predict the next one. "
                        "Fits a tokens Input (feed it to an Embedding).", "tokens", (32,), "one class per character",
                        ("length",)),
    "shapes": BuiltinInfo("Coloured shapes (3×32×32)", "classification",
                          "Generated CIFAR-sized colour images of one shape each — circle, square, triangle, cross, "
                          "ring or diamond — of random colour, size, position and tilt on a noisy background.",
                          "image", (3, 32, 32), "6 classes", ("samples", "noise"), SHAPE_NAMES),
    "shape_masks": BuiltinInfo("Shape masks (segmentation)", "regression",
                               "The coloured shapes with, as target, the shape's mask: 1 for each pixel inside the "
                               "shape, 0 outside (segmentation; train with BCEWithLogitsLoss).", "image", (3, 32, 32),
                               "mask (1×32×32)", ("samples", "noise"), target_shape=(1, 32, 32)),
    "shape_counts": BuiltinInfo("Count the shapes", "classification",
                                "Coloured 3×32×32 images with one to four shapes, one per quarter; the class is how "
                                "many there are.", "image", (3, 32, 32), "4 classes", ("samples", "noise"),
                                COUNT_NAMES),
    "topics": BuiltinInfo("Sentence topics (words)", "classification",
                          f"Generated sentences of word ids ({TOPIC_VOCABULARY} words, 0 pads the end) about sport, "
                          "weather, food, music or space; most also mention a second topic, less often. Fits a "
                          "tokens Input (feed it to an Embedding).", "tokens", (32,), "5 classes",
                          ("length", "samples"), TOPIC_NAMES),
}


@dataclass(frozen=True)
class SourceInfo:
    """A kind of user data the UI offers beside the built-in sets."""

    title: str
    description: str
    path_kind: str  # "file" or "folder": what the path chooser picks
    suffixes: tuple[str, ...] = ()
    options: tuple[str, ...] = ()


# Read by every user source: hold the data in memory or stream it from disk (auto: by its size against the
# free memory), what to do with a file found unreadable while streaming, and how many processes read ahead.
STREAMING_MODES = ("auto", "memory", "disk")
BAD_FILE_CHOICES = ("stop", "skip")
STREAM_OPTIONS = ("streaming", "bad_files", "workers")
MAX_WORKERS = 64

USER_SOURCES: dict[str, SourceInfo] = {
    "csv": SourceInfo("CSV table", "A table with a header row: pick the feature columns and the target column. "
                      "Text targets become classes.", "file", (".csv", ".tsv", ".txt"),
                      ("features", "target", "task", "header", "delimiter", *STREAM_OPTIONS)),
    "images": SourceInfo("Image folder", "One subfolder per class, named for the class; images are resized to the "
                         "Input's size.", "folder", options=STREAM_OPTIONS),
    "npz": SourceInfo("NumPy arrays (.npz)", "Arrays x (inputs) and y (class ids or values); without y, for "
                      "autoencoders and GANs.", "file", (".npz",), ("task", *STREAM_OPTIONS)),
    "idx": SourceInfo("MNIST / Fashion-MNIST (IDX)", "The images and labels files as downloaded (optionally .gz).",
                      "file", (".idx", ".gz", "-ubyte"), ("images", "labels", *STREAM_OPTIONS)),
}

RANGES = ("unit", "tanh")
GENERAL_OPTIONS = ("flatten", "range")  # read by load_dataset for every source
