"""The coding drills: what the learner writes (signature and contract), the solution shown after a
pass or a give-up, and what an interviewer listens for.

Each drill is one function an interviewer asks for in a live-coding round. The contract is the
function's docstring, written the way an interviewer states the task; the checks that hold the
learner to it live in :mod:`checks`, against the kit's own functions. Nothing here imports numpy or
the chapter's modules: listing drills and writing a starter file cost nothing.
"""

from __future__ import annotations

import difflib
import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class Drill:
    id: str  # the schedule's card id and the progress store's question_id: "drill-" + a slug
    function: str  # the name the learner's file must define
    title: str
    signature: str  # "softmax_temperature(logits, temperature)"
    contract: str  # the docstring: the task as an interviewer states it
    minutes: int  # the time box: about what a live-coding round allows for this piece
    reference: str  # the kit function the checks compare against, in words
    solution: str  # a full solution file, shown after a pass or a give-up (a test checks it passes)
    listen_for: str  # what the interviewer listens for while you write it

    @property
    def time_box_seconds(self) -> float:
        return 60.0 * self.minutes

    def starter(self) -> str:
        """The file the learner starts from: the contract as a docstring and an empty body."""
        doc = textwrap.indent(self.contract.strip(), "    ")
        return (f"# Drill {self.id}: {self.title}\n"
                f"# Time box: {self.minutes} minutes. Write the body, save, and check it\n"
                f"# (`studykit drill {self.id.removeprefix('drill-')}`, or the notebook's Check button).\n"
                f"# numpy and Python's standard library are available.\n\n"
                f"import numpy as np\n\n\n"
                f"def {self.signature}:\n"
                f'    """{doc.lstrip()}\n    """\n'
                f"    raise NotImplementedError(\"write {self.function} here\")\n")


def _drill(id, function, title, signature, minutes, reference, contract, solution, listen_for) -> Drill:
    return Drill(id, function, title, signature, textwrap.dedent(contract).strip(), minutes, reference,
                 textwrap.dedent(solution).lstrip(), " ".join(listen_for.split()))


DRILLS: tuple[Drill, ...] = (
    _drill(
        "drill-softmax-temperature", "softmax_temperature", "softmax with temperature, stable for large logits",
        "softmax_temperature(logits, temperature)", 5, "studykit.maths.sampling.softmax",
        """
        Probabilities softmax(logits / temperature) along the last axis.

        logits: float array of shape (V,) or (B, V) (a batch of rows). -inf marks an impossible
            token (probability 0); every row has at least one finite logit. Logits can be large
            (1000 or -1000): the result must not overflow to nan or inf.
        temperature: a float > 0; below 1 sharpens, above 1 flattens.
        Returns a float array of the same shape whose rows sum to 1. Do not modify logits.
        """,
        """
        import numpy as np


        def softmax_temperature(logits, temperature):
            z = np.asarray(logits, dtype=np.float64) / temperature
            z = z - z.max(axis=-1, keepdims=True)  # the largest exponent is exp(0) = 1: no overflow
            e = np.exp(z)  # exp(-inf) = 0: impossible tokens get probability 0
            return e / e.sum(axis=-1, keepdims=True)
        """,
        """Subtracting the row maximum (softmax is shift-invariant, so nothing changes but the range);
        dividing by T before the exponential; keepdims so a batch normalises row by row; -inf giving
        exactly 0.""",
    ),
    _drill(
        "drill-log-softmax", "log_softmax", "log-softmax without underflow or overflow",
        "log_softmax(logits)", 5, "torch.log_softmax in float64 (the kit has no log-softmax of its own)",
        """
        log(softmax(logits)) along the last axis, computed so that it stays finite.

        logits: float array of shape (V,) or (B, V); -inf allowed (its result is -inf), at least one
            finite logit per row. For logits [0, 1000] the answer is [-1000, 0]: taking the log of a
            softmax that underflowed to 0 gives -inf instead.
        Returns a float array of the same shape. Do not modify logits.
        """,
        """
        import numpy as np


        def log_softmax(logits):
            z = np.asarray(logits, dtype=np.float64)
            shifted = z - z.max(axis=-1, keepdims=True)
            # log sum exp of the shifted row: its largest term is exp(0) = 1, so the sum is in [1, V]
            return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        """,
        """The log-sum-exp trick: log softmax(z)_i = z_i - m - log sum_j exp(z_j - m) with m the row
        maximum; never log of a softmax; why the sum is at least 1 after the shift, so the log is
        safe.""",
    ),
    _drill(
        "drill-cross-entropy", "cross_entropy", "cross-entropy from logits",
        "cross_entropy(logits, targets)", 6, "torch.nn.functional.cross_entropy in float64",
        """
        Mean negative log-likelihood of the target tokens: the language-model training loss.

        logits: float array of shape (B, V), one row per position; -inf allowed, but never at a
            target.
        targets: int array of shape (B,), the correct token id of each row.
        Returns a float: mean over rows of -log softmax(logits[b])[targets[b]]. Must be stable:
        for logits [[0, 1000]] and target 0 the loss is 1000, not inf.
        """,
        """
        import numpy as np


        def cross_entropy(logits, targets):
            z = np.asarray(logits, dtype=np.float64)
            m = z.max(axis=-1, keepdims=True)
            log_norm = m[:, 0] + np.log(np.exp(z - m).sum(axis=-1))  # log sum_j exp(z_j), stably
            picked = z[np.arange(len(z)), np.asarray(targets)]  # each row's own target logit
            return float(np.mean(log_norm - picked))
        """,
        """Loss = logsumexp(z) - z_target per row, averaged; indexing with (arange(B), targets), not
        z[:, targets]; the mean, not the sum (the gradient scale changes with batch size
        otherwise).""",
    ),
    _drill(
        "drill-top-k", "top_k_filter", "top-k filter (ties kept, k beyond the vocabulary)",
        "top_k_filter(logits, k)", 6, "studykit.maths.sampling.warp(logits, top_k=k)",
        """
        Keep the k highest logits of each row and set every other logit to -inf.

        logits: float array of shape (V,) or (B, V); -inf allowed, at least one finite per row.
        k: an int >= 1. Every token tied with the k-th highest value is kept too (transformers'
            rule), so more than k tokens can survive. k larger than V keeps every token.
        Returns a new float array of the same shape; kept logits unchanged. Do not modify logits.
        """,
        """
        import numpy as np


        def top_k_filter(logits, k):
            z = np.array(logits, dtype=np.float64)  # a copy: the caller's array stays as it was
            k = min(k, z.shape[-1])
            kth = np.sort(z, axis=-1)[..., -k, None]  # each row's k-th highest value
            z[z < kth] = -np.inf  # compare by value, so ties with the k-th value stay
            return z
        """,
        """Comparing against the k-th value (ties survive) rather than keeping k indices from argsort;
        clamping k to the vocabulary; working per row; not modifying the input; the cost
        (np.partition is O(V), a full sort O(V log V)).""",
    ),
    _drill(
        "drill-top-p", "top_p_filter", "top-p (nucleus) filter, with min_tokens_to_keep",
        "top_p_filter(logits, p, min_tokens_to_keep=1)", 10,
        "studykit.maths.sampling.kept_mask(logits, top_p=p) for the size of the kept set",
        """
        Keep the smallest set of most likely tokens whose probability reaches p; -inf for the rest.

        logits: float array of shape (V,) or (B, V); -inf allowed, at least one finite per row.
            Probabilities are softmax(logits) of each row.
        p: a float in (0, 1]. The token whose probability makes the running total reach p is kept.
            p = 1 keeps every token with a finite logit.
        min_tokens_to_keep: an int >= 1; at least this many of the most likely tokens are kept
            (capped by the number of finite logits), whatever p says.
        Tied probabilities at the boundary: any of the tied tokens may be kept; the number kept
        must be right. Returns a new float array of the same shape; kept logits unchanged.
        """,
        """
        import numpy as np


        def top_p_filter(logits, p, min_tokens_to_keep=1):
            z = np.array(logits, dtype=np.float64)
            rows = z.reshape(-1, z.shape[-1])  # a view: filtering rows filters z
            for row in rows:
                probs = np.exp(row - row.max())
                probs /= probs.sum()
                order = np.argsort(-probs, kind="stable")  # most likely first
                mass_before = np.cumsum(probs[order]) - probs[order]  # mass of the tokens ranked above
                keep = mass_before < p  # the token that crosses p still has mass_before < p
                keep[:min_tokens_to_keep] = True
                if p >= 1.0:
                    keep[:] = True  # p = 1 keeps every token, even one whose mass rounds to 0
                row[order[~keep]] = -np.inf  # -inf tokens sort last and were -inf already
            return z
        """,
        """Sort by probability, cumulative sum, and keep the token that crosses p (mass *before* it is
        below p); the most likely token always survives; min_tokens_to_keep; why top-p adapts to a
        flat or a peaked distribution where a fixed k cannot.""",
    ),
    _drill(
        "drill-min-p", "min_p_filter", "min-p filter, with min_tokens_to_keep",
        "min_p_filter(logits, min_p, min_tokens_to_keep=1)", 6,
        "studykit.maths.sampling.kept_mask(logits, min_p=min_p) for the size of the kept set",
        """
        Keep the tokens at least min_p times as likely as the most likely token; -inf for the rest.

        logits: float array of shape (V,) or (B, V); -inf allowed, at least one finite per row.
            Probabilities are softmax(logits) of each row.
        min_p: a float in [0, 1]; a token survives when its probability >= min_p * (the row's
            largest probability). 0 keeps every finite token.
        min_tokens_to_keep: an int >= 1; at least this many of the most likely tokens are kept.
        Tied probabilities at the boundary: any of the tied tokens may be kept; the number kept
        must be right. Returns a new float array of the same shape; kept logits unchanged.
        """,
        """
        import numpy as np


        def min_p_filter(logits, min_p, min_tokens_to_keep=1):
            z = np.array(logits, dtype=np.float64)
            probs = np.exp(z - z.max(axis=-1, keepdims=True))
            probs /= probs.sum(axis=-1, keepdims=True)
            keep = probs >= min_p * probs.max(axis=-1, keepdims=True)
            # the min_tokens_to_keep most likely tokens stay whatever min_p says
            top = np.argsort(-probs, axis=-1, kind="stable")[..., :min_tokens_to_keep]
            np.put_along_axis(keep, top, True, axis=-1)
            return np.where(keep, z, -np.inf)
        """,
        """The threshold is on probabilities, relative to the top one (min_p * p_max), not on logits
        and not absolute; in logits it is z_i >= z_max + log(min_p), so it needs no softmax at
        all; it scales with the model's confidence.""",
    ),
    _drill(
        "drill-sample-token", "sample_token", "sampling with a seeded generator",
        "sample_token(logits, temperature, rng)", 6,
        "studykit.maths.sampling.softmax for the probabilities the draws must follow",
        """
        Draw one token id from softmax(logits / temperature), using only the generator rng.

        logits: float array of shape (V,); -inf marks a token that must never be drawn; at least
            one finite logit; logits may be large (1000).
        temperature: a float > 0.
        rng: a numpy.random.Generator. Draw every random number from it (never from np.random's
            global state), so that the same seed gives the same tokens.
        Returns an int in [0, V).
        """,
        """
        import numpy as np


        def sample_token(logits, temperature, rng):
            z = np.asarray(logits, dtype=np.float64) / temperature
            probs = np.exp(z - z.max())
            probs /= probs.sum()
            # inverse CDF: the first token whose cumulative mass exceeds a uniform draw
            cdf = np.cumsum(probs)
            return int(min(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"), len(cdf) - 1))
        """,
        """Randomness from the generator passed in (reproducible, and independent streams per request);
        a stable softmax; inverse-CDF sampling or rng.choice(V, p=probs); side='right' so a token of
        probability 0 is never drawn.""",
    ),
    _drill(
        "drill-beam-step", "beam_search_step", "one step of beam search",
        "beam_search_step(beam_scores, next_log_probs, beam_width)", 8,
        "studykit.maths.beam.beam_search, one step over every (beam, token) extension",
        """
        Extend every beam by every token and keep the beam_width best extensions.

        beam_scores: float array (B,), the total log-probability of each live beam.
        next_log_probs: float array (B, V), log P(token | beam); -inf marks an impossible token.
        beam_width: an int with 1 <= beam_width <= the number of finite candidates.
        A candidate (b, t) scores beam_scores[b] + next_log_probs[b, t].
        Returns (scores, beam_ids, token_ids): three arrays of length beam_width, best first.
        Equal scores may come in any order.
        """,
        """
        import numpy as np


        def beam_search_step(beam_scores, next_log_probs, beam_width):
            totals = np.asarray(beam_scores, dtype=np.float64)[:, None] + next_log_probs  # (B, V)
            flat = totals.ravel()
            best = np.argsort(-flat, kind="stable")[:beam_width]
            beam_ids, token_ids = np.divmod(best, totals.shape[1])  # flat index = b * V + t
            return flat[best], beam_ids, token_ids
        """,
        """Scores add in log space (products of probabilities underflow); rank all B x V candidates
        together, not the best token of each beam; decode the flat index with divmod by V; several
        children of one beam can survive; why beam search finds likelier but blander text.""",
    ),
    _drill(
        "drill-repetition-penalty", "repetition_penalty", "repetition penalty (transformers' rule)",
        "repetition_penalty(logits, previous_ids, penalty)", 5, "studykit.maths.penalties.repetition_penalty",
        """
        transformers' repetition penalty (after CTRL, Keskar et al. 2019) on one row of logits.

        logits: float array of shape (V,); -inf allowed.
        previous_ids: a list of token ids that already occurred (may repeat, may be empty).
        penalty: a float > 0 (1.0 changes nothing; about 1.2 is usual).
        Every token that occurred is penalised once, however often it occurred: a positive logit
        is divided by penalty, a negative one multiplied by it. Other logits stay as they are.
        Returns a new float array of shape (V,). Do not modify logits.
        """,
        """
        import numpy as np


        def repetition_penalty(logits, previous_ids, penalty):
            z = np.array(logits, dtype=np.float64)
            seen = np.unique(np.asarray(previous_ids, dtype=np.int64))  # each token once
            z[seen] = np.where(z[seen] > 0, z[seen] / penalty, z[seen] * penalty)
            return z
        """,
        """Divide positive logits, multiply negative ones (dividing a negative logit would make the
        token *more* likely); once per token, not per occurrence; that it depends on where zero is
        on the logit scale, unlike OpenAI's additive frequency and presence penalties.""",
    ),
    _drill(
        "drill-speculative-step", "speculative_step", "speculative sampling's accept/reject step",
        "speculative_step(p, q, draft_token, rng)", 8,
        "studykit.maths.speculative.output_distribution and acceptance_probability",
        """
        One accept/reject step of speculative sampling (Leviathan et al. 2023; Chen et al. 2023).

        p: float array (V,), the target model's probabilities at this position.
        q: float array (V,), the draft model's probabilities; draft_token was drawn from q, so
            q[draft_token] > 0.
        rng: a numpy.random.Generator; draw every random number from it.
        Accept the draft token with probability min(1, p[x] / q[x]). If it is rejected, draw the
        token from the residual max(0, p - q), renormalised. The token returned is then distributed
        exactly as p.
        Returns (token, accepted): an int in [0, V) and a bool.
        """,
        """
        import numpy as np


        def speculative_step(p, q, draft_token, rng):
            x = int(draft_token)
            if rng.random() < min(1.0, p[x] / q[x]):
                return x, True
            residual = np.maximum(np.asarray(p) - np.asarray(q), 0.0)
            return int(rng.choice(len(residual), p=residual / residual.sum())), False
        """,
        """The acceptance ratio p/q capped at 1; the residual max(0, p - q) renormalised (resampling
        from p would over-weight tokens the draft already proposes); why the output is exactly p
        (P(x) = min(p, q) + (1 - alpha) * residual); alpha = sum min(p, q) = 1 - TV(p, q).""",
    ),
    _drill(
        "drill-pass-at-k", "pass_at_k", "the unbiased pass@k estimator",
        "pass_at_k(n, c, k)", 5, "studykit.maths.passk.pass_at_k",
        """
        Chen et al. 2021's unbiased estimate of pass@k from n samples of which c are correct.

        n, c, k: ints with 0 <= c <= n and 1 <= k <= n.
        Returns the probability that a random subset of k of the n samples holds at least one
        correct sample: 1 - C(n - c, k) / C(n, k), as a float. It must work for n in the
        thousands (no overflow).
        """,
        """
        def pass_at_k(n, c, k):
            if n - c < k:
                return 1.0  # every k-subset holds a correct sample
            # C(n - c, k) / C(n, k) = prod_{i = n - c + 1}^{n} (1 - k / i): no huge binomials
            fail_all = 1.0
            for i in range(n - c + 1, n + 1):
                fail_all *= 1.0 - k / i
            return 1.0 - fail_all
        """,
        """Why 1 - (1 - c/n)^k is biased (it samples with replacement; the estimator draws k of the n
        without); the product form that avoids overflow; n - c < k gives exactly 1; that n > k
        samples per task lowers the variance.""",
    ),
    _drill(
        "drill-distillation-loss", "distillation_loss", "the distillation loss with its T² factor",
        "distillation_loss(student_logits, teacher_logits, temperature)", 6,
        "studykit.maths.distillation.soft_target_loss",
        """
        Hinton et al. 2015's soft-target loss, scaled by T^2.

        student_logits, teacher_logits: float arrays of shape (B, V), finite.
        temperature: a float T > 0; both models' logits are divided by T.
        Returns a float: T^2 * mean over rows of the cross-entropy
        -sum_i softmax(teacher / T)_i * log softmax(student / T)_i. Stable for logits of +-500.
        """,
        """
        import numpy as np


        def distillation_loss(student_logits, teacher_logits, temperature):
            def log_softmax(z):
                z = z - z.max(axis=-1, keepdims=True)
                return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))

            t = float(temperature)
            teacher = np.exp(log_softmax(np.asarray(teacher_logits, dtype=np.float64) / t))
            student_log = log_softmax(np.asarray(student_logits, dtype=np.float64) / t)
            per_row = -(teacher * student_log).sum(axis=-1)
            return float(t * t * per_row.mean())  # T^2 keeps the gradient's size independent of T
        """,
        """Both teacher and student divided by T; the T^2 factor and why (the soft-target gradient
        (q - p)/T shrinks like 1/T^2); cross-entropy vs KL (same gradient, they differ by the
        teacher's entropy); a log-softmax, never log of a softmax.""",
    ),
)

BY_ID = {d.id: d for d in DRILLS}


class UnknownDrillError(LookupError):
    """No drill has this name; the message lists close names."""


def find_drill(name: str) -> Drill:
    """A drill by id (``drill-top-p``) or short name (``top-p``); UnknownDrillError otherwise."""
    key = name if name.startswith("drill-") else f"drill-{name}"
    if key in BY_ID:
        return BY_ID[key]
    short = [d.id.removeprefix("drill-") for d in DRILLS]
    close = difflib.get_close_matches(key.removeprefix("drill-"), short, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"the drills are: {', '.join(short)}"
    raise UnknownDrillError(f"no drill named {name!r}; {hint}")
