"""The OCR models behind one small interface: find text boxes, read cropped lines.

rapidocr ships PP-OCR's detector and recogniser as ONNX files inside its wheel; they are
loaded from there by path, so nothing is ever downloaded (rapidocr fetches models it does
not find). Everything rapidocr-specific lives here: a new version touches this file only.
Imported only when a page is OCR'd, so a run over digital PDFs never pays for onnxruntime.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

DETECTOR = "PP-OCRv6_det_small.onnx"
RECOGNISER = "PP-OCRv6_rec_small.onnx"
DETECTION_SIDE = 1280  # text boxes are found on the page scaled to at most this many pixels
TEXT_BOX_THRESHOLD = 0.3  # the detector's own cut-off for a box's mean text probability


@dataclass(frozen=True)
class ReadLine:
    """One cropped text line as the recogniser read it.

    ``confidences`` has one entry per character of ``text`` (spaces included); ``columns``
    gives, for each character that is not a space, its position in the recogniser's output
    columns, of which ``span`` cover the crop's width: enough to place every word.
    """

    text: str
    confidences: tuple[float, ...]
    columns: tuple[int, ...]
    span: float


class Engine:
    """The detector and recogniser of one process, with their onnxruntime thread count."""

    def __init__(self, threads: int) -> None:
        import rapidocr
        from rapidocr import RapidOCR

        models = Path(rapidocr.__file__).resolve().parent / "models"
        ocr = RapidOCR(
            params={
                "Global.log_level": "error",
                "Det.model_path": str(models / DETECTOR),
                "Rec.model_path": str(models / RECOGNISER),
                "Det.limit_type": "max",
                "Det.limit_side_len": DETECTION_SIDE,
                "Det.box_thresh": TEXT_BOX_THRESHOLD,
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )
        loaded: Any = ocr  # its loaders are untyped; they build the models from its settings
        self._detector: Any = loaded._load_det_model()
        self._recogniser: Any = loaded._load_rec_model()

    def text_boxes(self, image: NDArray[np.uint8]) -> NDArray[np.float64]:
        """Quadrilaterals (n, 4, 2) around the lines of text in a BGR image, in pixels."""
        import numpy as np

        found = self._detector(image)
        if found.boxes is None or not len(found.boxes):
            return np.zeros((0, 4, 2))
        return np.asarray(found.boxes, dtype=np.float64)

    def crops(self, image: NDArray[np.uint8], boxes: NDArray[np.float64]) -> list[Any]:
        """Each box cut out of the image and straightened (a skewed line comes out level)."""
        import numpy as np
        from rapidocr.utils.process_img import get_rotate_crop_image

        return [get_rotate_crop_image(image, box.astype(np.float32)) for box in boxes]

    def read(self, crops: list[Any]) -> list[ReadLine]:
        from rapidocr.ch_ppocr_rec import TextRecInput

        if not crops:
            return []
        result = self._recogniser(TextRecInput(img=crops, return_word_box=True))
        read = zip(result.txts, result.word_results, strict=True)
        return [_read_line(text, info) for text, info in read]


def _read_line(text: str, info: Any) -> ReadLine:
    columns = tuple(column for word in info.word_cols for column in word)
    confidences = tuple(float(c) for c in info.confs)
    if len(confidences) != len(text) or len(columns) != sum(not c.isspace() for c in text):
        return ReadLine("", (), (), 0.0)  # a decoding the placement cannot follow: dropped
    return ReadLine(text, confidences, columns, float(info.line_txt_len))


_ENGINE: tuple[int, int, Engine] | None = None  # (process id, threads, engine)
_ENGINE_LOCK = threading.Lock()


def engine(threads: int = 1) -> Engine:
    """This process's engine, made once: loading the models takes a second. A forked child
    makes its own. More than one thread only in a process that will not fork: a child
    forked from a process with onnxruntime's thread pool hangs when it runs a model."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None or _ENGINE[:2] != (os.getpid(), threads):
            _ENGINE = (os.getpid(), threads, Engine(threads))
        return _ENGINE[2]
