"""Where a student is in a guided lesson: the current step, the steps reached, the claims
seen. Plain state, no widgets: the app moves it with the step keys and feeds it the
engine's verdicts; the step panels draw it.

Moving forward enters a step (the app then applies its change); moving back only shows
the previous step again. A step's claim counts as seen once the engine reports it held
after the step was entered (claims of steps not reached yet are not latched: their
moment has not come).

A step with a question (``Step.question``) asks it when entered; the student's choice is
kept (``answers``) once the runs play, and its claim is not latched before: the question
is asked about what comes. The prediction is settled (``held``) when its claim is seen
or, if it never is, when the runs have finished (``settle``).
"""

from __future__ import annotations

from collections.abc import Sequence

from nnterm.engine.preset_format.preset import Claim, Question, Step


class LessonSteps:
    """The steps of one preset and the student's way through them."""

    def __init__(self, steps: Sequence[Step] = (), *, started: bool = False) -> None:
        """``started``: open at step 1 (lesson mode), else before it (a hint shows)."""
        self.steps = tuple(steps)
        self.current = 0 if started and self.steps else -1
        self.reached = self.current
        self.seen: set[int] = set()
        #: the choice of each step whose question was answered (by step index)
        self.answers: dict[int, str] = {}
        #: whether each settled prediction held (by step index)
        self.held: dict[int, bool] = {}
        #: the steps with a claim, in order: verdict i belongs to step ``claimed[i]``
        self.claimed = tuple(i for i, step in enumerate(self.steps) if step.claim is not None)

    @property
    def claims(self) -> tuple[Claim, ...]:
        """The claims the engine should judge (``run_commands.WatchClaims``)."""
        return tuple(step.claim for step in self.steps if step.claim is not None)

    @property
    def step(self) -> Step | None:
        return self.steps[self.current] if self.current >= 0 else None

    @property
    def asking(self) -> Question | None:
        """The current step's question while it waits for its answer."""
        step = self.step
        if step is None or step.question is None or self.current in self.answers:
            return None
        return step.question

    def answer(self, key: str) -> None:
        """The current step's question answered with choice ``key``."""
        assert self.asking is not None, "only an open question is answered"
        self.answers[self.current] = key

    def settle(self, finished: bool) -> list[int]:
        """Settle the answered predictions that can be: a claim seen, or the runs
        ``finished`` without it. Returns the steps newly settled. A yes/no question
        (no ``answer`` key) held if "y" was chosen and the claim was seen, or "n" and it
        was not; a choice held if it is the answer."""
        new = []
        for i, choice in self.answers.items():
            if i in self.held or (i not in self.seen and not finished):
                continue
            question = self.steps[i].question
            assert question is not None, "only questions are answered"
            right = question.answer or ("y" if i in self.seen else "n")
            self.held[i] = choice == right
            new.append(i)
        return new

    def advance(self) -> Step | None:
        """Enter the next step and return it (None after the last)."""
        if self.current + 1 >= len(self.steps):
            return None
        self.current += 1
        self.reached = max(self.reached, self.current)
        return self.steps[self.current]

    def back(self) -> bool:
        """Show the previous step again; False at the first."""
        if self.current <= 0:
            return False
        self.current -= 1
        return True

    def judge(self, verdicts: Sequence[bool | None]) -> bool:
        """Latch the claims that held, of steps reached; True if one was newly seen."""
        new = {i for i, held in zip(self.claimed, verdicts, strict=False)
               if held and i <= self.reached
               and (self.steps[i].question is None or i in self.answers)} - self.seen
        self.seen |= new
        return bool(new)

    def forget_seen(self) -> bool:
        """The runs start over (reset, reseed, a sweep run again): what was seen in the
        old ones is to be seen again. True if a claim was marked seen."""
        had = bool(self.seen)
        self.seen.clear()
        return had
