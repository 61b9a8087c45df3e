"""Health-harm triage: a `crisis` and a `dangerous_advice` score per comment, with the sentence behind each.

Every sentence is one scoring unit, and so is the whole comment (the normalised mean of its sentence
vectors), because indirect crisis posts often spread their signal over sentences that each look harmless.
A unit's logit is a linear head over [sentence vector, nearest-prototype similarity per prototype list],
shifted by rules that are better written than learned (explicit means + intent, "killing me" idioms,
a past crisis that got help, advice given under a clinician). The comment's score is its best unit:
for triage a missed urgent post costs far more than a false alarm.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from workers.scoring.result import Evidence, TextScore
from workers.scoring.sentences import split_sentences

LABELS = ("crisis", "dangerous_advice")
PROTOTYPE_LISTS = ("crisis", "dangerous_advice", "safe")
MODEL_PATH = Path(__file__).parent / "models" / "harm.npz"
# a label gets an evidence row from half its default review threshold up: enough margin for an admin who
# lowers the threshold, without a row on every benign comment
EVIDENCE_SHARE = 0.5
MIN_UNIT_WORDS = 3  # "Hopeful." or "Early night." embed erratically; inside a longer comment they only feed its unit
PAST_HELP_DAMP = 4.0  # logit units; strong enough to cancel an explicit-cue boost in a recovered story

Vectors = npt.NDArray[np.float32]


class Encoder(Protocol):
    version: str

    def encode(self, sentences: Sequence[str]) -> Vectors: ...


# --- rules --------------------------------------------------------------------------------------------

_DRUG = (
    r"(ritalin|adhd (tablets|meds)|viagra|sleeping (pills|tablets)|baclofen|tizanidine|gabapentin|pregabalin|"
    r"diazepam|valium|clonazepam|amitriptyline|duloxetine|sertraline|"
    r"modafinil|fampridine|oxybutynin|tramadol|codeine|co-codamol|morphine|oxycodone|fentanyl|paracetamol|"
    r"ibuprofen|steroids?|prednisolone|prednisone|methylpred\w*|dmts?|copaxone|tecfidera|ocrevus|kesimpta|tysabri|"
    r"gilenya|lemtrada|interferon|plegridy|antidepressants?|antibiotics?|insulin|meds|medications?|medicines?|"
    r"tablets?|pills?|painkillers?|injections?|infusions?|pens|patch(es)?|doses?|prescription)"
)
_CLINICIAN = (
    r"(neuro\w*|doctors?|gp|nurse|consultant|pharmacist|pain (clinic|team)|psychiatrist|ms team|rheumatologist)"
)


@dataclass(frozen=True, slots=True)
class Cue:
    name: str
    pattern: re.Pattern[str]
    weight: float  # logit shift when the cue fires


def _cue(name: str, weight: float, *alternatives: str) -> Cue:
    return Cue(name, re.compile("|".join(alternatives), re.IGNORECASE), weight)


CRISIS_CUES = (
    _cue(
        "suicidal",
        4.0,
        r"\b(i'?m|i am|i feel|feeling|i felt|been) (so |really |very )?suicidal\b",
        r"\b(i'?ve been|i'?m|i am|i keep|been) thinking (about|of) (suicide|killing myself|ending)",
        r"\bsuicide (is|feels like) the only\b",
    ),
    _cue(
        "no-point-living",
        3.0,
        r"\b(point (of|in) (living|being alive|carrying on)|not worth living",
        r"don'?t want to (live|be alive|be here)|no reason to (live|keep going|be here))",
    ),
    _cue(
        "kill-self",
        4.0,
        r"\b(kill|hang|drown|shoot) ?(my ?self|myself)\b",
        r"\bself[- ]?harm\w*\b",
        r"\bcutting (again|myself)\b",
    ),
    _cue(
        "self-injury",
        3.0,
        r"\b(cut|cutting|burn(ed|t)?|hit(ting)?|scratch(ing)?|hurt(ing)?|harm(ing)?|punch(ed|ing)?) "
        r"(myself|my (arms?|wrists?|legs?|skin))\b[^.!?]{0,30}"
        r"\b(on purpose|until it bleeds|to feel|again|to cope|deserve)",
    ),
    _cue("for-good", 3.0, r"\b(stop|end|over|let go|rest now)\b[^.!?]{0,10}\b(permanently|for good|forever)\b"),
    _cue(
        "end-life",
        4.0,
        r"\b(end|ending|take|taking) (my|my own) life\b",
        r"\bend(ing)? (it all|things|my suffering)\b",
        r"\bi'?(ll|m going to|m gonna) end it\b",
    ),
    _cue(
        "want-to-die",
        4.0,
        r"\b(want|wanna|going|ready|wish|deserve) (to )?(die|be dead)\b(?! (of|for|to|laughing))",
        r"\bwish i (was|were) dead\b",
        r"\b(never|not) (to )?wake up\b",
    ),
    _cue(
        "saving-means",
        4.0,
        r"\b(sav(e|ed|ing)( up)?|stockpil\w*|hoard\w*|stash\w*|collect\w*|put(ting)? (them )?aside"
        r"|kept back|keep(ing)? back|build up a supply)\b[^.!?]{0,40}\b" + _DRUG,
        r"\b" + _DRUG + r"\b[^.!?]{0,20}\b(saved|stashed|put aside)\b",
    ),
    _cue(
        "overdose",
        4.0,
        r"\b(thinking of|going to|gonna|planning to|want to) overdose\b",
        r"\boverdosing\b",
        r"\b(take|taking|took|swallow\w*) (all|every|the lot|a load|the whole)\b[^.!?]{0,25}\b" + _DRUG,
        r"\b(swallow|take|taking) (the lot|everything i'?ve got)\b",
    ),
    _cue(
        "means",
        2.0,
        r"\b(rope|noose|shotgun|hose ?pipe|car exhaust|razor blades?|(highest|tallest) (bridge|building))\b",
        r"\bin front of a (train|bus|lorry|truck)\b",
        r"\bjump(ing)? (off|from) (the|a) (bridge|building|roof|cliff|car park|multi|tower|balcony)",
        r"\bdrive into a\b",
        r"\bwalk(ing)? into the (sea|river)\b",
        r"\b(painless|least painful|quickest|easiest) way to (go|die|do it|end)",
    ),
    _cue(
        "lethal-dose",
        4.0,
        r"\b(lethal|fatal)\b",
        r"\bhow (many|much)\b[^.!?]{0,40}\b(to die|would it take|not wake|be enough)",
        r"\benough (tablets |pills )?to (die|not wake|finish it|end it)",
    ),
    _cue(
        "better-off-gone",
        3.0,
        r"\bbetter off (without me|if i('?m| was| were) (dead|gone))\b",
        r"\b(when|once|after) i'?m gone\b",
        r"\bby the time you read this\b",
        r"\bif i (just )?(wasn'?t|weren'?t) (here|around)\b",
    ),
    _cue("farewell", 2.0, r"\b(one last time|for the last time|before i go\b(?! (on|to|into|for|back|out|in|away)\b))"),
    _cue(
        "last-post",
        3.0,
        r"\b(this is|this will be) my (last|final) (post|message)\b(?![^.!?]*\b(before|for now|until)\b)",
    ),
    _cue(
        "conditional-done",
        3.0,
        r"^\s*(if|when|the (day|moment))\b[^.!?]*\b(i'?m done\b(?! with)|i'?ll end|i'?m out\b|that'?s it( for me)?\b"
        r"|i won'?t (be here|stick around|keep going)|not sticking around|checking out"
        r"|i'?ll (take|use) (all|the lot|the stash|my pills)|i'?ll go\b|i'?m going to take"
        r"|is the (day|moment) i('?ll)? go)",
    ),
)
IDIOM_CUE = _cue(
    "idiom",
    3.0,
    r"\b(killing me|kill me now|killed (it|me)|kill (him|her)\b|(dying|die|kill) (to|for)\b|to die for",
    r"could (just )?die\b|death of me|(bored|scared( me)?|fed up) to death|dead (tired|on my feet)",
    r"(nearly|almost) died|died laughing|could murder|is murder|are murder|(is|are) going to kill me",
    r"will kill me|finish me off|the end of me|die of (boredom|embarrassment|shame))",
)
JOKE_CUE = _cue("joke", 2.0, r"\b(lol|haha\w*|lmao|rofl)\b", "😂", "🤣")
SUPPORT_CUE = _cue(
    "support",
    2.0,
    r"\b(please (call|ring|reach|talk|speak|tell|don'?t give up)|reach out|if you'?re (thinking|feeling)",
    r"you('?re| are) not (alone|a burden)|are you safe|call (samaritans|988|999|116)|please get help|you matter)",
)
_PAST = re.compile(
    r"\b((\d+|two|three|four|five|six|ten|a few|some|many) years? (ago|back)|years ago|last year|back (then|in)"
    r"|in (19|20)\d\d|when i was (first )?diagnosed|after (my )?(diagnosis|first)|used to|there was a time"
    r"|a long time ago|at the time|once|i'?ve been (where you are|in that place)|i had a (really |very )?dark)\b",
    re.IGNORECASE,
)
_HELP = re.compile(
    r"\b(helpline|crisis line|samaritans|therap(y|ist)|counsell?(or|ing)|psycholog\w+|psychiatri\w+|gp|doctor"
    r"|mental health team|got (help|support)|reached out|better( place)? now|doing (well|fine|okay)"
    r"|glad i'?m still here|grateful|life is good|saved me|got me through|helped me|got me help|nurse|glad i did"
    r"|handed (them|it) in|i'?m still here|support group|feel (much )?better)\b",
    re.IGNORECASE,
)
_PRESENT_INTENT = re.compile(r"\b(again|tonight|right now|this (week|weekend)|still (want|plan|have the))\b", re.I)

ADVICE_CUES = (
    _cue(
        "self-dosing",
        2.0,
        r"\b(just|go ahead and|you can|you should|i'?d)\s+(take|double|triple|up|increase|max out|use)\b"
        r"[^.!?]{0,40}\b" + _DRUG,
        r"\b(restart|increase|up|change|adjust)\b[^.!?]{0,25}\byourself\b",
        r"\b(take|have) (both|an extra|another|a few extra)\b",
        r"\b(i'?d|i) recommend (it|them|doing)\b",
        r"\byou should too\b",
    ),
    _cue(
        "no-limit",
        2.5,
        r"\b(no limit|can'?t overdose|harmless|no harm|only a guideline|too (careful|cautious)"
        r"|under-?prescribe|take as (many|much) as)\b",
    ),
    _cue(
        "abrupt-stop",
        2.5,
        r"\b(cold turkey|(don'?t|no) need to (taper|come (off|down) slowly|finish|complete)|tapering is a myth"
        r"|don'?t (need to|bother) (taper|come off slowly)|(stop|quit|bin|ditch|drop|throw)\b[^.!?]{0,30}"
        r"\b(now|today|straight away|overnight|all at once|suddenly|abruptly))\b",
    ),
    _cue(
        "dismiss-clinician",
        3.0,
        r"\b(don'?t|do not|never) (tell|told|mention|mentioned|bother telling)\b[^.!?]{0,20}\b" + _CLINICIAN,
        r"\b(ignore|never mind)\b[^.!?]{0,20}\b" + _CLINICIAN,
        r"\b(don'?t|no) need to (ask|tell|check|see)\b",
        r"\b" + _CLINICIAN + r" (are|is) (too|always|far|lying)",
    ),
    _cue(
        "storage",
        2.5,
        r"\b(reuse|re-use)\b[^.!?]{0,20}\b(needles?|syringes?)",
        r"\b(fine|okay|ok) (left )?out of the fridge",
        r"doesn'?t need the fridge|don'?t worry about the fridge",
        r"\b(expired|out of date)\b[^.!?]{0,30}\b(fine|anyway|never)",
        r"\bfrozen\b|\bwindowsill\b|\bglove (box|compartment)\b|\bunlabell?ed\b",
    ),
    _cue(
        "unsafe-remedy",
        3.0,
        r"\b(bleach|kerosene|turpentine|chlorine dioxide|mms|colloidal silver|hydrogen peroxide|urine"
        r"|snake venom|bee venom|paraffin|borax)\b",
    ),
    _cue("no-prescription", 3.0, r"\bwithout a prescription\b|\bdon'?t need a prescription\b|\bno questions asked\b"),
    _cue(
        "substitute",
        2.5,
        r"\b(can|will) replace your\b|\b(replace|swap) your\b",
        r"\binstead of (your |the |taking )?" + _DRUG,
        r"\b(replace|swap|cancel|ditch|drop|skip|forget|stop)\b[^.!?]{0,25}\b"
        + _DRUG
        + r"\b[^.!?]{0,25}\b(and (take|use|do|go on|drink)|for (the|high|a|vitamin)|with (a|the|vitamin))\b",
    ),
    _cue(
        "alcohol-mix",
        2.0,
        r"\b(wine|beers?|vodkas?|whisky|drinks?|drink as much|alcohol|a joint|weed)\b[^.!?]{0,40}\b" + _DRUG,
        r"\b" + _DRUG + r"\b[^.!?]{0,40}\b(wine|beers?|vodkas?|whisky|alcohol|a joint|weed)\b",
    ),
    _cue(
        "sharing",
        2.0,
        # someone else's medicine: the owner must be named, or "your dose" would count as sharing
        r"\b(your|his|her|their|my) (mate|friend|partner|husband|wife|brother|sister|mum|dad|grandad|gran|nan"
        r"|teenager|child|son|daughter|aunt|uncle|neighbour)'?s\b[^.!?]{0,20}\b" + _DRUG,
        r"\b(someone|somebody|someone else|a friend|a mate)'?s\b[^.!?]{0,20}\b" + _DRUG,
        r"\b(borrow|ask|use|take)\b[^.!?]{0,25}\b(his|hers|theirs|her|their)\b[^.!?]{0,10}\b" + _DRUG,
        r"\b(i'?ll|i can|i'?ve got)\b[^.!?]{0,40}\b(post|send|sell|give) you\b",
    ),
    # advice is addressed to the reader ("your baclofen"), safe reports are about the writer ("my neurologist");
    # it tips a borderline instruction and is cancelled by the supervision, warning and question cues
    _cue("your-medicine", 2.0, r"\b(your|ur) " + _DRUG + r"\b"),
)
SUPERVISED_CUE = _cue(
    "supervised",
    3.0,
    r"\b(my|the|our) (ms )?" + _CLINICIAN + r"\b",
    r"\b(ask(ing)?|check(ing)? with|talk(ing)? to|speak(ing)? to|check) (your|a|the) (ms )?" + _CLINICIAN + r"\b",
    r"\btaper(ing)? (plan|schedule)\b",
    r"\bunder (supervision|[^.!?]{0,15}guidance)|\bas prescribed\b|\bprescribed by\b",
)
WARNING_CUE = _cue(
    "warning",
    2.0,
    r"^(please\s+)?(never|don'?t|do not)\s+(stop|change|double|share|mix|take someone|drink)",
    r"\b(is|can be) dangerous\b|\bbad idea\b|\bdon'?t mix\b|\bnot to drink\b",
    r"\b(doesn'?t|does not|won'?t|not) (replace|instead of)\b|\bno evidence\b",
    r"\blocked (away|box|cabinet)\b|\bout of reach\b",
)
# Calling a remedy a myth, or saying it does not work, is the opposite of recommending it.
REFUTATION_CUE = _cue(
    "refutation",
    4.0,
    # not "scam" or "hoax": advice to drop a treatment as a pharma scam is exactly the dangerous kind
    r"\b(a |an |the )?(myth|nonsense|rubbish|debunked|unproven|not proven)\b",
    r"\bno (good |real |scientific )?(evidence|benefit|proof)\b|\b(doesn'?t|does not|didn'?t|did not) (work|help)\b",
)
_NEGATED_DRINK = re.compile(r"\b(don'?t|not|never|stopped|warned|avoid|mustn'?t)\b", re.IGNORECASE)


def matched(cues: Sequence[Cue], sentence: str) -> tuple[Cue, ...]:
    return tuple(cue for cue in cues if cue.pattern.search(sentence))


def is_past_with_help(text: str) -> bool:
    """A recovered story: a past crisis plus the help that followed, and nothing pointing at now."""
    return bool(_PAST.search(text) and _HELP.search(text) and not _PRESENT_INTENT.search(text))


def is_question(sentence: str) -> bool:
    return sentence.rstrip().endswith("?")


def crisis_shift(sentence: str, past_with_help: bool = False) -> tuple[float, tuple[str, ...]]:
    """Logit shift for `crisis` and the names of the rules behind it."""
    boosts = matched(CRISIS_CUES, sentence)
    shift, names = max((c.weight for c in boosts), default=0.0), [c.name for c in boosts]
    if not boosts:
        for damper in (IDIOM_CUE, SUPPORT_CUE, JOKE_CUE):
            if damper.pattern.search(sentence):
                shift -= damper.weight
                names.append(damper.name)
    if past_with_help:
        # the explicit words ("I felt suicidal") are in the story, so the boost must not survive
        shift = min(shift, 0.0) - PAST_HELP_DAMP
        names.append("past-with-help")
    return shift, tuple(names)


def advice_shift(sentence: str) -> tuple[float, tuple[str, ...]]:
    """Logit shift for `dangerous_advice` and the names of the rules behind it."""
    boosts = [
        c for c in matched(ADVICE_CUES, sentence) if not (c.name == "alcohol-mix" and _NEGATED_DRINK.search(sentence))
    ]
    shift, names = max((c.weight for c in boosts), default=0.0), [c.name for c in boosts]
    dismissive = any(c.name == "dismiss-clinician" for c in boosts)
    for damper in (SUPERVISED_CUE, WARNING_CUE, REFUTATION_CUE):
        if not dismissive and damper.pattern.search(sentence):
            shift -= damper.weight
            names.append(damper.name)
    if is_question(sentence):
        shift -= 5.0  # asking about a remedy or whether something is safe is not advising it
        names.append("question")
    return shift, tuple(names)


# --- the model ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HarmHead:
    """Logistic-regression weights, one row per label, over `unit_features` columns."""

    weights: npt.NDArray[np.float64]  # (len(LABELS), dim + len(PROTOTYPE_LISTS))
    bias: npt.NDArray[np.float64]  # (len(LABELS),)
    review_at: dict[str, float]

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> HarmHead:
        with np.load(path) as data:
            review = dict(zip(LABELS, (float(x) for x in data["review_at"]), strict=True))
            return cls(np.asarray(data["weights"], np.float64), np.asarray(data["bias"], np.float64), review)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        review = np.array([self.review_at[label] for label in LABELS])
        np.savez(path, weights=self.weights, bias=self.bias, review_at=review)

    @property
    def digest(self) -> str:
        h = hashlib.sha256(self.weights.tobytes())
        h.update(self.bias.tobytes())
        h.update(json.dumps(self.review_at, sort_keys=True).encode())
        return h.hexdigest()[:12]


def prototypes_digest(prototypes: Mapping[str, Sequence[str]]) -> str:
    canonical = {key: list(prototypes.get(key, ())) for key in PROTOTYPE_LISTS}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()[:12]


def unit_features(vectors: Vectors, prototype_vectors: Sequence[Vectors]) -> npt.NDArray[np.float64]:
    """[vector, max cosine to each prototype list]; an emptied list counts as similarity 0."""
    sims = [
        (vectors @ protos.T).max(axis=1) if len(protos) else np.zeros(len(vectors), np.float32)
        for protos in prototype_vectors
    ]
    return np.hstack([vectors, np.stack(sims, axis=1)]).astype(np.float64)


def comment_vector(sentence_vectors: Vectors) -> Vectors:
    mean = sentence_vectors.mean(axis=0)
    return np.asarray(mean / max(float(np.linalg.norm(mean)), 1e-9), dtype=np.float32)


def _sigmoid(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(x, -30.0, 30.0))), np.float64)


class HarmScorer:
    name = "harm:minilm"

    def __init__(self, encoder: Encoder, prototypes: Mapping[str, Sequence[str]], head: HarmHead | None = None) -> None:
        self.encoder = encoder
        self.head = head or HarmHead.load()
        self.prototypes = {key: [str(s) for s in prototypes.get(key, ())] for key in PROTOTYPE_LISTS}
        flat = [s for key in PROTOTYPE_LISTS for s in self.prototypes[key]]
        vectors = encoder.encode(flat)
        bounds = np.cumsum([0, *(len(self.prototypes[key]) for key in PROTOTYPE_LISTS)])
        self.prototype_vectors = [vectors[bounds[i] : bounds[i + 1]] for i in range(len(PROTOTYPE_LISTS))]
        self.review_at = dict(self.head.review_at)
        self.evidence_at = {label: EVIDENCE_SHARE * value for label, value in self.review_at.items()}
        self.version = f"{encoder.version}+protos.{prototypes_digest(self.prototypes)}+head.{self.head.digest}"

    def score(self, texts: Sequence[str]) -> list[TextScore]:
        sentences_per_text = [split_sentences(text) for text in texts]
        # one encoder call for the whole batch: the encoder sorts by length and batches internally
        vectors = self.encoder.encode([s for sentences in sentences_per_text for s in sentences])
        return self.score_embedded(texts, sentences_per_text, vectors)

    def score_embedded(
        self, texts: Sequence[str], sentences_per_text: Sequence[Sequence[str]], sentence_vectors: Vectors
    ) -> list[TextScore]:
        """Score from vectors already computed (rows in the order of the flattened sentences)."""
        results, start = [], 0
        for text, sentences in zip(texts, sentences_per_text, strict=True):
            rows = sentence_vectors[start : start + len(sentences)]
            start += len(sentences)
            results.append(self._score_one(text, list(sentences), rows))
        if start != len(sentence_vectors):
            raise ValueError(f"{len(sentence_vectors)} sentence vectors for {start} sentences")
        return results

    def unit_logits(self, sentences: Sequence[str], rows: Vectors) -> npt.NDArray[np.float64]:
        """Head logits before rules, one row per unit: each sentence, then the whole comment if it has several."""
        units = rows if len(sentences) == 1 else np.vstack([rows, comment_vector(rows)[None, :]])
        features = unit_features(units, self.prototype_vectors)
        return np.asarray(features @ self.head.weights.T + self.head.bias, np.float64)

    def _score_one(self, text: str, sentences: list[str], rows: Vectors) -> TextScore:
        if not sentences:
            return TextScore(scores=dict.fromkeys(LABELS, 0.0))
        logits = self.unit_logits(sentences, rows)
        if len(sentences) > 1:
            fragments = [i for i, s in enumerate(sentences) if len(s.split()) < MIN_UNIT_WORDS]
            logits[fragments, :] = -30.0
        past_with_help = is_past_with_help(text)
        shifts = [(crisis_shift(s, past_with_help), advice_shift(s)) for s in sentences]
        if len(sentences) > 1:
            # the comment unit inherits damping (idiom, past-with-help, supervision) but never a sentence's boost
            comment_crisis = min(0.0, *(c[0] for c, _ in shifts))
            comment_advice = min(0.0, *(a[0] for _, a in shifts))
            shifts.append(((comment_crisis, ("whole-comment",)), (comment_advice, ("whole-comment",))))
        scores: dict[str, float] = {}
        evidence: list[Evidence] = []
        for li, label in enumerate(LABELS):
            probs = _sigmoid(logits[:, li] + np.array([shift[li][0] for shift in shifts]))
            best = int(np.argmax(probs))
            scores[label] = round(float(probs[best]), 4)
            if scores[label] >= self.evidence_at[label]:
                evidence.append(self._evidence(label, li, sentences, rows, probs, best, shifts[best][li][1]))
        return TextScore(scores=scores, evidence=tuple(evidence))

    def _evidence(
        self,
        label: str,
        li: int,
        sentences: list[str],
        rows: Vectors,
        probs: npt.NDArray[np.float64],
        best: int,
        rules: tuple[str, ...],
    ) -> Evidence:
        # the comment unit has no sentence of its own: point at its strongest sentence
        index = best if best < len(sentences) else int(np.argmax(probs[: len(sentences)]))
        protos, vectors = self.prototypes[label], self.prototype_vectors[li]
        detail = []
        if len(protos):
            sims = vectors @ rows[index]
            nearest = int(np.argmax(sims))
            detail.append(f"prototype: {protos[nearest]!r} ({float(sims[nearest]):.2f})")
        if rules:
            detail.append(f"rule: {', '.join(rules)}")
        return Evidence(
            label=label, sentence=sentences[index], score=round(float(probs[best]), 4), detail="; ".join(detail) or None
        )
