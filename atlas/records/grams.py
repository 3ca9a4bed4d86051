"""Which texts hold a letter or a pair of letters: a bit per text, for short search words.

A query word of one or two letters matches nearly every text of a long list ("a": all
50,000 contacts; "br": 3,500), and looking at each text in Python costs 15-30 ms a key.
:class:`Grams` answers such a word from bits set once, on the worker, when the texts
are fetched: one row of bits per letter and per pair of letters (a bigram), one bit per
text. A one- or two-letter word is its row; a longer word is the AND of its bigrams'
rows, and only the texts left are then looked at (``word in text``), so the answer is
always exactly ``word in text`` -- the rows only say where to look.

The rows are numpy arrays (numpy comes with shapely); they are built 1,024 texts at a
time, so no temporary array grows with the list, with a millisecond's pause between two
chunks for the GUI thread: at 50,000 contacts the bits take about 12 MB and the build
0.5-0.9 s on the worker (on this shared 2-core machine), the GIL let go during numpy's
loops.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import numpy.typing as npt

# At most this many letters have a code of their own (the most frequent ones); the rest
# share the last code, whose rows then only narrow where to look (the texts are read).
_LETTERS = 63
_CHUNK = 1024  # texts encoded at a time (a multiple of 8: whole bytes of bits)
_PAUSE = 0.001  # seconds between two chunks
_SEPARATOR = 0x0A  # "\n" between texts: no index text holds whitespace other than " "

Mask = npt.NDArray[np.bool_]


class Grams:
    """The letters and bigrams of ``texts`` (no text holds a newline), as bits."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = texts
        self.size = n = len(texts)
        counts: npt.NDArray[np.int64] = np.zeros(1, dtype=np.int64)
        for start in range(0, n, _CHUNK):
            points = _points(texts[start : start + _CHUNK])
            found = np.bincount(points)
            if len(found) > len(counts):
                found[: len(counts)] += counts
                counts = found
            else:
                counts[: len(found)] += found
        if len(counts) > _SEPARATOR:
            counts[_SEPARATOR] = 0
        present = np.flatnonzero(counts)
        ranked = present[np.argsort(-counts[present], kind="stable")]
        own = ranked[:_LETTERS]
        self._shared = len(ranked) > _LETTERS  # rare letters share one code
        # code 0: the separator; 1..len(own): a letter of its own; the last: the rare ones
        self._codes: dict[str, int] = {chr(int(p)): k + 1 for k, p in enumerate(own)}
        self._other = len(own) + 1
        self._width = width = self._other + 1
        lookup = np.full(max(len(counts), 1), self._other, dtype=np.int32)
        lookup[own] = np.arange(1, len(own) + 1)
        if len(lookup) > _SEPARATOR:
            lookup[_SEPARATOR] = 0
        self._rows = np.zeros((width * width, (n + 7) // 8), dtype=np.uint8)
        chunk = np.zeros(width * width * _CHUNK, dtype=np.bool_)  # one chunk's bits, unpacked
        for start in range(0, n, _CHUNK):
            points = _points(texts[start : start + _CHUNK])
            codes = lookup[points]
            breaks = points == _SEPARATOR
            owner = np.cumsum(breaks, dtype=np.int32) - breaks  # the text of each letter, in the chunk
            letter = codes > 0
            pair = letter[:-1] & letter[1:]
            spots = np.concatenate(
                [
                    codes[letter] * (width * _CHUNK) + owner[letter],
                    (codes[:-1][pair] * width + codes[1:][pair]) * _CHUNK + owner[:-1][pair],
                ]
            )
            chunk[spots] = True
            count = min(_CHUNK, n - start)
            bits = np.packbits(chunk.reshape(width * width, _CHUNK)[:, :count], axis=1)
            self._rows[:, start // 8 : start // 8 + bits.shape[1]] = bits
            chunk[spots] = False
            # a pause between chunks: the GUI thread (a section opening meanwhile) gets the
            # CPU and memory without waiting for the whole build (2 cores, shared)
            time.sleep(_PAUSE)

    def _code(self, letter: str) -> int | None:
        code = self._codes.get(letter)
        if code is None and self._shared and letter != "\n":
            return self._other
        return code

    def where(self, word: str) -> Mask:
        """Which texts hold ``word`` (not empty), one bool per text: ``word in text``."""
        codes = [self._code(c) for c in word]
        if not word or None in codes:
            return np.zeros(self.size, dtype=np.bool_)
        known = [c for c in codes if c is not None]
        width = self._width
        # one letter: its row; more: the rows of its bigrams
        rows = sorted({a * width + b for a, b in pairwise(known)}) if len(known) > 1 else [known[0] * width]
        bits = self._rows[rows[0]].copy()
        for row in rows[1:]:
            np.bitwise_and(bits, self._rows[row], out=bits)
        mask: Mask = np.unpackbits(bits, count=self.size).view(np.bool_)
        if len(word) > 2 or self._other in known:  # the rows only said where to look
            texts = self.texts
            found = [p for p in np.flatnonzero(mask).tolist() if word in texts[p]]
            mask = np.zeros(self.size, dtype=np.bool_)
            mask[found] = True
        return mask


def _points(texts: Sequence[str]) -> npt.NDArray[np.int32]:
    """The code points of the texts, each followed by a separator."""
    joined = "\n".join(texts) + "\n"
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.int32)
