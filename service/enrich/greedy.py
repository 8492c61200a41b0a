"""spaCy's greedy entity decoder, compiled in one loop that never takes the GIL.

spaCy's transition-based entity recogniser scores every token in two parts: the model
layers (token-to-vector and a precomputed first hidden layer, large matrix products in
thinc) and a greedy loop over the tokens that picks one BILUO move at a time. spaCy 3.8
runs that loop in Cython, but takes the GIL back at every step (an assertion on the
number of moves) and calls BLIS for a 64-by-74 product and a dozen 128-float additions a
step; on 2 cores the loop cost about twice the model layers (``bench/enrich_profile.py``),
about half of it in acquiring and releasing the GIL (perf).

:func:`decode` is that loop, move for move (``spacy/pipeline/_parser_internals/ner.pyx``:
the same validity rules, preset entities and sentence starts included, the same state
features as ``StateC.set_context_tokens`` with three features, the same maxout and
argmax over valid moves), over the arrays the model layers produce. :class:`GreedyDecoder`
runs the model layers through thinc and this loop on their output, and gives up (returns
``None`` from :meth:`GreedyDecoder.build`) for a model of another shape, which then runs
through spaCy's own loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numba
import numpy as np

BEGIN, IN, LAST, UNIT, OUT = 1, 2, 3, 4, 5
_MOVES = {"B": BEGIN, "I": IN, "L": LAST, "U": UNIT, "O": OUT}

IOB_I, IOB_O, IOB_B = 1, 2, 3  # spaCy's token.ent_iob codes (0: no preset)


@numba.njit(cache=True, nogil=True)
def _valid(move, label, is_open, open_label, left, iob0, etype0, iob1, sstart1, space0):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Return True when ``move`` with ``label`` is valid (``ner.pyx``'s ``is_valid``).

    ``left``: tokens left in the buffer; ``iob0``/``etype0``/``space0``: the next token's
    preset entity code, preset type and whitespace flag; ``iob1``/``sstart1``: the token
    after it's preset code and sentence start (0 past the end, as spaCy's empty token).
    """
    if move == BEGIN:
        if is_open or left < 2 or label == 0 or iob0 == IOB_I:
            return False
        if iob0 == IOB_B:
            return label == etype0 and iob1 == IOB_I
        return not (iob1 == IOB_B or sstart1 == 1 or space0)
    if move == IN:
        if not is_open or left < 2 or label == 0 or open_label != label:
            return False
        if iob0 == IOB_B or iob1 == IOB_B:
            return False
        if iob0 == IOB_I:
            return not (iob1 == 0 or iob1 == IOB_O) and label == etype0
        return sstart1 != 1
    if move == LAST:
        if label == 0 or not is_open:
            return False
        if iob0 == IOB_I and iob1 != IOB_I:
            return label == etype0
        return open_label == label and iob1 != IOB_I
    if move == UNIT:
        if label == 0:
            return etype0 == 0 and iob0 == IOB_B
        if is_open or iob1 == IOB_I:
            return False
        if iob0 == IOB_B:
            return label == etype0
        return not space0
    if move == OUT:
        return not (is_open or iob0 == IOB_B or iob0 == IOB_I)  # noqa: SIM109 (compiles)
    return False


@numba.njit(cache=True, nogil=True)
def decode(  # type: ignore[no-untyped-def]  # pragma: no cover
    cached, bias, weights, weights_bias, moves, labels, lengths, iob, etype, sstart, space, out
):
    """Greedily decode the entities of a batch of docs; return how many rows of ``out`` hold one.

    ``cached``: (tokens + 1, 3, hidden, pieces) float32, the precomputed first layer with
    its padding row first; ``bias`` (hidden, pieces); ``weights`` (classes, hidden) and
    ``weights_bias`` (classes,) the output layer. ``moves``/``labels``: each class's move
    code and label hash. ``lengths``: tokens per doc; ``iob``, ``etype``, ``sstart`` and
    ``space`` the batch's tokens' preset entity codes, preset types, sentence starts and
    whitespace flags. Each row of ``out`` (doc, start token, end token, class of the label)
    is one entity, token offsets within its doc.
    """
    n_classes, n_hidden = weights.shape
    n_pieces = bias.shape[1]
    unmaxed = np.empty((n_hidden, n_pieces), dtype=np.float32)
    hidden = np.empty(n_hidden, dtype=np.float32)
    scores = np.empty(n_classes, dtype=np.float32)
    found = 0
    offset = 0
    for doc in range(len(lengths)):
        n = lengths[doc]
        is_open = False
        open_start = -1
        open_label = np.uint64(0)
        open_class = -1
        b0 = 0
        while b0 < n:
            at = offset + b0  # the next token, in the batch's columns
            has_after = b0 + 1 < n
            iob0, etype0, space0 = iob[at], etype[at], space[at]
            iob1 = iob[at + 1] if has_after else 0
            sstart1 = sstart[at + 1] if has_after else 0
            # features: the next token, the open entity's first token and the token before
            # the next (StateC.set_context_tokens, n == 3); -1 is the padding row
            ids = (b0, open_start if is_open else -1, b0 - 1 if is_open else -1)
            for j in range(n_hidden):
                for p in range(n_pieces):
                    total = np.float32(0.0)
                    for f in range(3):
                        row = 0 if ids[f] < 0 else ids[f] + offset + 1
                        total += cached[row, f, j, p]
                    unmaxed[j, p] = total + bias[j, p]
            for j in range(n_hidden):
                best = unmaxed[j, 0]
                for p in range(1, n_pieces):
                    if unmaxed[j, p] > best:
                        best = unmaxed[j, p]
                hidden[j] = best
            guess = -1
            for c in range(n_classes):  # score only the valid moves: the argmax is theirs
                if not _valid(
                    moves[c], labels[c], is_open, open_label, n - b0,
                    iob0, etype0, iob1, sstart1, space0,
                ):  # fmt: skip
                    continue
                total = np.float32(0.0)
                for j in range(n_hidden):
                    total += hidden[j] * weights[c, j]
                scores[c] = total + weights_bias[c]
                if guess == -1 or scores[c] > scores[guess]:
                    guess = c
            if guess == -1:  # spaCy forces the state final; an open entity is dropped
                break
            move = moves[guess]
            if move == BEGIN:
                is_open, open_start, open_label, open_class = True, b0, labels[guess], guess
            elif move == LAST:
                out[found, 0], out[found, 1], out[found, 2] = doc, open_start, b0 + 1
                out[found, 3] = open_class
                found += 1
                is_open = False
            elif move == UNIT:
                out[found, 0], out[found, 1], out[found, 2], out[found, 3] = doc, b0, b0 + 1, guess
                found += 1
            b0 += 1
        offset += n
    return found


class GreedyDecoder:
    """Run a spaCy ``ner`` component's model layers through thinc and :func:`decode` on them.

    Build it with :meth:`build`; :meth:`__call__` returns each doc's entities as
    ``(start token, end token, label)`` triples, in order, exactly those spaCy's own
    greedy loop sets on ``doc.ents`` (a test compares them on news text).
    """

    def __init__(self, ner: Any, moves: np.ndarray, labels: np.ndarray, names: list[str]) -> None:
        self._tok2vec, self._lower, upper = ner.model.layers
        self._bias = np.ascontiguousarray(self._lower.get_param("b"), dtype=np.float32)
        self._weights = np.ascontiguousarray(upper.get_param("W"), dtype=np.float32)
        self._weights_bias = np.ascontiguousarray(upper.get_param("b"), dtype=np.float32)
        self._moves = moves
        self._labels = labels
        self._names = names

    @classmethod
    def build(cls, ner: Any) -> GreedyDecoder | None:
        """Return a decoder for ``ner``, or None when its model is not the shape :func:`decode` reads."""
        model = ner.model
        if (
            len(model.layers) != 3
            or not model.attrs.get("has_upper")
            or model.attrs.get("unseen_classes")
            or ner.cfg.get("beam_width", 1) != 1
            or model.layers[1].get_dim("nF") != 3
            or model.layers[2].get_dim("nO") != ner.moves.n_moves
        ):
            return None
        strings = ner.vocab.strings
        moves, labels, names = [], [], []
        for index in range(ner.moves.n_moves):
            move, _, label = ner.moves.get_class_name(index).partition("-")
            if move not in _MOVES:
                return None
            moves.append(_MOVES[move])
            labels.append(strings.add(label) if label else 0)
            names.append(label)
        return cls(ner, np.array(moves, np.int64), np.array(labels, np.uint64), names)

    def __call__(self, docs: Sequence[Any]) -> list[list[tuple[int, int, str]]]:
        found: list[list[tuple[int, int, str]]] = [[] for _ in docs]
        lengths = np.array([len(doc) for doc in docs], dtype=np.int64)
        if not lengths.sum():
            return found
        tokvecs = self._tok2vec.predict(list(docs))
        cached = np.ascontiguousarray(self._lower.predict(tokvecs), dtype=np.float32)
        columns = np.concatenate(
            [doc.to_array(["ENT_IOB", "ENT_TYPE", "SENT_START", "IS_SPACE"]) for doc in docs]
        )
        out = np.empty((int(lengths.sum()), 4), dtype=np.int64)
        count = decode(
            cached, self._bias, self._weights, self._weights_bias, self._moves, self._labels, lengths,
            columns[:, 0].astype(np.int64), columns[:, 1],
            columns[:, 2].astype(np.int64), columns[:, 3].astype(np.bool_), out,
        )  # fmt: skip
        for doc, start, end, klass in out[:count].tolist():
            if self._names[klass]:  # a blocked token's unlabelled unit is no entity
                found[doc].append((start, end, self._names[klass]))
        return found
