"""The evidence engine: every job gets its passages and points here, and only here.

    read(question)                 what a question asks (councils, themes, guidance, peers)
    search(query, filters, k)      hybrid search (the `search` command, evaluation)
    retrieve(question, filters)    the passages an answer is drawn from, by policy
    within(question, hits, ...)    a follow-up answered from a previous answer's passages
    answer_points(retrieval)       the points that answer it, selected ([] if none does)
    question_points(q, council)    a guidance question's points in one council's documents
    peer_examples(q, ...)          a guidance question's best points in peers' documents
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cached_property

from assistant.evidence import filters as content
from assistant.evidence.points import answerable, follows_on, score_points, select_points
from assistant.evidence.question import (QuestionAnalysis, analyse, compound_terms, council_key_words, mentions,
                                         mentions_named, named_phrases)
from assistant.evidence.retrieval import (NOT_GUIDANCE, Retrieval, describe_filters, each_council, implied_filters,
                                          one_scope, spread)
from assistant.evidence.scoring import OVERVIEW_WORDS, ScoredUnit, content_stems, index_stem
from assistant.models import Filters, SearchHit

# "What will X cost (the council)?": cost as the verb (not "cost pressures", "keep costs down")
COST_VERB = r"\bwhat (?:will|would|does|did|do)\b[^?]*\bcost\b(?! (?:down|pressures?|base)\b)"
# "What is X's budget?": a question ending in a sum of money asks for one
ENDS_IN_MONEY = r"\bwhat (?:is|was|are|were)\b[^?]*\b(?:budget|council tax|deficit|spend|precept|reserve|debt|borrowing|" \
                r"income)s?\b\s*\??\s*$"
QUANTITY = re.compile(r"\b(?:how (?:much|many)|what (?:amount|percentage|proportion|share|sum|figure|number|cost))\b"
                      r"|\bwhat (?:is|was|are|were)\b[^?]*\b(?:rate|percentage|proportion|total|cost|population)s?\b\s*\??\s*$"
                      rf"|{ENDS_IN_MONEY}|{COST_VERB}", re.IGNORECASE)
# "What is X's webchat assistant and how much does it handle?": a description is asked for too
SECOND_PART = re.compile(r"(?:\band|,)\s+(?:how (?:much|many)|what (?:amount|percentage|proportion|share|sum|figure|number))\b",
                         re.IGNORECASE)
# "how much ... save / cost / pay / spend" is answered in money, not in minutes or staff
MONEY_QUESTION = re.compile(r"\b(?:how much(?! time\b)|what (?:amount|sum|cost))\b[^?]*\b(?:cost|costs|pay|pays|paid|spend|spends|"
                            r"spent|save|saves|saved|saving|savings|budget|invest|invests|invested|fund|funding|"
                            r"worth|price|licen[cs]es?)\b|\bwhat (?:is|was)\b[^?]*\bcost\b"
                            rf"|{ENDS_IN_MONEY}|{COST_VERB}", re.IGNORECASE)
MONEY = re.compile(r"£\s?\d|\d\s?(?:m|bn|k)\b|\b(?:million|billion|pounds?)\b|\d\s?%|\bper ?cent\b", re.IGNORECASE)
# a financial year ("2019/20", "2019-20") or "in 2019" asked about: the figure must be that year's
ASKED_YEAR = re.compile(r"\b(20\d\d)\s?[/-]\s?(\d\d)(?:\d\d)?\b|\b(?:in|during|for) (20\d\d)\b")
# "Which councils cite...?": answered from every council's plan (compare's barrier tally),
# not from the top passages of each
# "When did the Minister write...?", "By when...?", "Since when...?": answered by a time
WHEN_QUESTION = re.compile(r"^\s*(?:(?:by|since|until) )?when\b|\bwhat (?:date|year|month)\b|\bin (?:what|which) year\b",
                           re.IGNORECASE)
# months capitalised, as written ("may" is a verb)
MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|" \
        r"Nov(?:ember)?|Dec(?:ember)?)"
TIME = re.compile(rf"\b(?:19|20)\d\d\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b|\b{MONTH}\b|(?i:\b(?:spring|summer|autumn|"
                  r"winter|recess|quarter|Q[1-4])\b|\b(?:next|last|this) (?:year|month|week)\b)")
# "What did X's Cabinet decide?": answered by what the minutes record as resolved, which
# rarely says "decide" ("RESOLVED that the Plan be approved", "Decision: Agreed")
# (the verb ending the question: "...decided to outsource...?" asks about the outsourcing)
DECISION_QUESTION = re.compile(r"\b(?:decide|decided|resolve|agree|agreed)(?:\s+(?:at|about|on|for)\s+(?:the|its|their)\s+"
                               r"(?:meeting|productivity plan|plan|item|report))?\s*[?.]?\s*$|"
                               r"\b(?:decisions?|resolutions?)\b(?!\s+(?:about|to)\b)", re.IGNORECASE)
# a decision as minutes record it: "RESOLVED that…", "APPROVED the…", an item under "Decision:"
RECORDED_DECISION = re.compile(r"^\W*(?:\d+\W*)?(?:RESOLVED|Resolved|APPROVED|AGREED|Agreed|ORDERED|DECIDED|DECISION|Decision)\b")
DECISION_WORDING = ("resolved", "approved", "agreed", "decision", "endorsed")
# "Which barriers do most councils cite?", "What are the most common barriers?": a count
# across every council, which the barrier tally makes (assistant/compare/)
COMMON_BARRIERS = re.compile(r"\b(?:barriers?|obstacles?)\b.*\b(?:most|many) (?:councils|authorities|often|frequently)\b|"
                             r"\b(?:most|more) (?:common|commonly|frequent|frequently|often|widely|cited|shared)\b.*"
                             r"\b(?:barriers?|obstacles?)\b|\b(?:barriers?|obstacles?)\b.*\b(?:most|more) (?:common|commonly|"
                             r"frequent|frequently|often|widely|cited|shared)\b|\bcommon (?:barriers?|obstacles?)\b",
                             re.IGNORECASE)
WHICH_COUNCILS = re.compile(r"^\s*(?:which|what) (?:other )?(?:councils|authorities)\b", re.IGNORECASE)
NUMBER_WORDS = re.compile(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
                          r"fifty|hundred|thousand|million|billion|half|third|quarter)\b", re.IGNORECASE)
YEAR = re.compile(r"(?:19|20)\d\d")
# "Summarise X's plan": a plan in brief is asked for, whatever single sentence might match
OVERVIEW_CUE = re.compile(r"\b(?:summar(?:y|ise|ize)|overview|in brief|main points|key points)\b", re.IGNORECASE)
NUMBERING = re.compile(r"^\s*\d+(?:\.\d+)*\.?\s+")  # "6.1 There are..." is a paragraph number


def states_quantity(text: str, question: str = "") -> bool:
    """A figure the question does not already give: "since 2010" in "How many staff has X lost
    since 2010?" is not an answer, nor is a bare year ("in 2019") to "how many"/"how much"."""
    from assistant.generate.judge import figures

    text = NUMBERING.sub("", text)
    given = figures(question)
    found = {f for f in figures(text) if f not in given and not YEAR.fullmatch(f)}
    return bool(found or NUMBER_WORDS.search(text))


def is_recorded_decision(unit) -> bool:
    """A decision as the minutes record it: the unit, its lead-in or its section opens with
    "RESOLVED", "Decision", "APPROVED"…"""
    return any(RECORDED_DECISION.match(text) for text in (unit.text, unit.lead_in, unit.chunk.section.split(" › ")[-1]))


def states_what_is_asked(question: str, text: str) -> bool:
    """A figure in money when the question asks what something costs or saves, for the year
    the question names when it names one ("in 2019/20": a 2021/22 figure does not answer)."""
    if MONEY_QUESTION.search(question) and not MONEY.search(text):
        return False
    for match in ASKED_YEAR.finditer(question):
        start = match.group(1) or match.group(3)
        end = match.group(2)
        forms = [start] if end is None else [f"{start}/{end}", f"{start}-{end}", f"{start}/20{end}",
                                              f"{start}-20{end}", f"{start} to 20{end}", f"{start}/ {end}"]
        if not any(form in text for form in forms):
            return False
    return True


class EvidenceEngine:
    def __init__(self, workspace):
        self.workspace = workspace
        self.settings = workspace.settings

    @property
    def index(self):
        return self.workspace.index

    @property
    def guidance(self):
        return self.workspace.guidance

    @cached_property
    def wordings(self) -> list[str]:
        return content.guidance_wordings(self.guidance)

    def councils(self) -> list[str]:
        return self.index.catalog.councils()

    def read(self, question: str) -> QuestionAnalysis:
        return analyse(question, self.councils(), self.index, self.settings.answer.uncommon_word_zipf)

    # --- passages ---------------------------------------------------------------------------
    def search(self, query: str, filters: Filters | None = None, k: int = 8) -> list[SearchHit]:
        return one_scope(self.index, query, filters or Filters(), k)

    def expansions(self, question: str, analysis: QuestionAnalysis) -> list[str]:
        from assistant.evidence.expansions import guidance_expansions

        if analysis.about_guidance or self.in_government_words(question):
            return []
        if DECISION_QUESTION.search(question):  # a committee's decision is minuted, not described
            return list(DECISION_WORDING)
        return guidance_expansions(question, self.guidance, self.index.embedder, self.settings.retrieval)

    def in_government_words(self, question: str) -> bool:
        """The question carries one of the letter's own phrases ("identify ways to unlock
        productivity improvements"): the theme's evidence points would answer the Government's
        wording, not what a council says, so they do not widen it."""
        lowered = " ".join(question.lower().split())
        return any(p.lower() in lowered for p in self.guidance.letter_phrases)

    def retrieve(self, question: str, given: Filters | None = None, k: int | None = None) -> Retrieval:
        tuning = self.settings.retrieval
        given = given or Filters()
        analysis = self.read(question)
        given, missing = self.year_documents(analysis, given)
        if missing:
            retrieval = self._retrieval(question, analysis, given, [], [])
            retrieval.missing_document = missing
            return retrieval
        expansions = self.expansions(question, analysis)
        hits: list[SearchHit] = []
        filters = given
        for filters in implied_filters(analysis, given):
            if analysis.across_councils:
                hits = each_council(self.index, question, filters, expansions, tuning)
            else:
                hits = one_scope(self.index, question, filters, k or tuning.k, expansions)
            if hits:
                break
        retrieval = self._retrieval(question, analysis, filters, hits, expansions)
        if COMMON_BARRIERS.search(question) and not (given.councils or given.document_ids or analysis.councils):
            self.tally_common_barriers(retrieval)
            if retrieval.barrier_of:
                return retrieval
        if WHICH_COUNCILS.match(question) and not given.councils and not given.document_ids:
            retrieval.tallied = self.tallied_points(question)
            if retrieval.tallied:  # the passages of councils the per-council search did not reach
                have = {h.chunk.id for h in retrieval.hits}
                retrieval.hits += list({p.unit.chunk.id: SearchHit(chunk=p.unit.chunk, score=p.score)
                                        for p in retrieval.tallied if p.unit.chunk.id not in have}.values())
                retrieval.searched += "; and every council's documents for the barrier tally"
        return retrieval

    def year_documents(self, analysis: QuestionAnalysis, given: Filters) -> tuple[Filters, str]:
        """"What did X say in its 2025 plan update?": only the documents of that year (by date or
        title) answer; none indexed is said plainly, with the documents there are."""
        year = analysis.document_year
        if not year or given.document_ids:
            return given, ""
        councils = given.councils or analysis.councils
        documents = [d for d in self.index.catalog.documents()
                     if d.kind != "guidance" and (not councils or d.council in councils)]
        chosen = [d.id for d in documents if d.date.startswith(year) or year in d.title]
        if chosen:
            return given.model_copy(update={"document_ids": chosen}), ""
        whose = " or ".join(councils) if councils else "any council"
        have = "; ".join(f"{d.title} ({d.date or 'undated'})" for d in documents[:6])
        return given, (f"No {year} document of {whose} is indexed, so the documents cannot answer this."
                       + (f" Indexed: {have}{'; …' if len(documents) > 6 else ''}." if have else ""))

    def tallied_points(self, question: str) -> list[ScoredUnit]:
        """Each council citing the barrier asked about, with its verbatim sentence, from the
        exhaustive barrier tally (assistant/compare/); [] when the question names no barrier."""
        from assistant.compare import which_councils

        return [p for p in map(self.quoted_point, which_councils(self.workspace, question)) if p]

    def tally_common_barriers(self, retrieval: Retrieval) -> None:
        """"Which barriers do most councils cite?": the tally of every council's documents
        answers, not the passages that rank: each barrier most councils cite, with each council's
        own words for it (``retrieval.barrier_of`` names the barrier of each point)."""
        from assistant.compare import common_barriers

        tuning = self.settings.answer
        tallied, barrier_of = [], {}
        for name, quotes in common_barriers(self.workspace, tuning.common_barriers):
            shown = quotes[:tuning.common_barrier_quotes]
            more = f"; quoted: {len(shown)}, the rest in `assistant compare`" if len(quotes) > len(shown) else ""
            for point in filter(None, map(self.quoted_point, shown)):
                tallied.append(point)
                barrier_of[id(point)] = f"{name} ({len(quotes)} councils{more})"
        retrieval.tallied, retrieval.barrier_of = tallied, barrier_of
        retrieval.analysis.across_councils = True
        retrieval.searched += "; and every council's documents for the barrier tally"

    def quoted_point(self, found: tuple[str, str, str, int]) -> ScoredUnit | None:
        """The point of a (council, quote, source, page) the tally found: its span in its chunk."""
        from assistant.text.sentences import Unit

        council, quote, source, page = found
        document = self.index.catalog.document_by_source(source)
        for chunk in self.index.catalog.document_chunks(document.id) if document else []:
            start = chunk.text.find(quote) if chunk.page == page else -1
            if start >= 0:
                return ScoredUnit(Unit(chunk, start, start + len(quote), "sentence"), 1.0, 1.0, 1.0)
        return None

    def within(self, question: str, chunk_ids: list[str], filters: Filters, across: bool, what: str) -> Retrieval:
        """A retrieval whose passages are the given chunks (a follow-up on a previous answer)."""
        chunks = self.index.catalog.chunks(chunk_ids)
        hits = [SearchHit(chunk=chunks[i], score=1.0) for i in chunk_ids if i in chunks]
        analysis = self.read(question)
        analysis.across_councils = analysis.across_councils or across
        return Retrieval(question, analysis, filters, hits, f"the {len(hits)} passage(s) cited in {what}",
                         self.councils())

    def _retrieval(self, question, analysis, filters, hits, expansions) -> Retrieval:
        documents = {h.chunk.document_id for h in hits}
        scope = describe_filters(filters)
        searched = (f"{len(hits)} passages from {len(documents)} document(s)"
                    f"{' (' + scope + ')' if scope else ''} of {len(self.index.catalog.documents())} indexed")
        return Retrieval(question, analysis, filters, hits, searched, self.councils(), expansions)

    # --- points -----------------------------------------------------------------------------
    def answer_points(self, retrieval: Retrieval) -> list[ScoredUnit]:
        """The points that answer the question, selected and grouped; [] when none does."""
        tuning = self.settings.answer
        analysis = retrieval.analysis
        if retrieval.barrier_of:  # the barrier tally answered
            return retrieval.tallied
        if retrieval.cannot_answer:
            return []
        # the names of the councils asked about say who, not what: they are not topic words
        ignore = {w.lower() for c in analysis.councils for w in re.findall(r"[A-Za-z]+", c)} \
            | {"guidance", "theme", "letter"}
        # scored against what is asked, without who: a council's name in the question would
        # otherwise make every sentence naming that council look close in meaning
        asked = analysis.topic if analysis.councils and content_stems(analysis.topic, ignore) else retrieval.question
        if asked != retrieval.question:  # without the names, closeness in meaning reads lower
            tuning = tuning.model_copy(update={"answer_semantic": tuning.answer_semantic_named,
                                               "answer_lexical": tuning.answer_lexical_named})
        if self.in_government_words(retrieval.question):
            # every plan is close in meaning to the Government's agenda: a point must share
            # the question's words, not only its drift
            # (dev.jsonl: half of its words, answer_lexical, refused one more trap; a fifth none)
            tuning = tuning.model_copy(update={"answer_semantic_alone": 2.0, "answer_words_needed": tuning.answer_lexical})
        overview = bool(analysis.councils) and not retrieval.across
        if overview and OVERVIEW_CUE.search(retrieval.question) and self.asks_overview(analysis.topic, ignore):
            return self.overview_points(retrieval.filters)
        scored = score_points(asked, retrieval.hits, self.index.embedder, tuning, ignore,
                              retrieval.expansions, self.wordings, idf=self.idf,
                              phrases=self.guidance.letter_phrases)
        if not (content.asks_about_paperwork(retrieval.question) or analysis.about_guidance):
            # the Government's request retold answers only a question about the request itself
            scored = [s for s in scored if s.unit.chunk.kind == "guidance" or not (
                content.retells_government(s.unit) or content.names_the_themes(s.unit, self.guidance))]
        scored = [s for s in scored if not content.is_background(s.unit, analysis.topic or retrieval.question)]
        if QUANTITY.search(retrieval.question) and not SECOND_PART.search(retrieval.question):
            # "how much / how many" is answered by a figure, in a sentence that names what it
            # counts or follows on from one that does ("There are 2,940 households in temporary
            # accommodation. The net cost rose to £38.5m."): it scores as well as that one
            topic_stems = content_stems(analysis.topic or retrieval.question, ignore)
            figures = []
            for i, s in enumerate(scored):
                if not (states_quantity(s.unit.text, retrieval.question) and states_what_is_asked(retrieval.question, s.unit.text)):
                    continue
                before = scored[i - 1] if i else None
                if before is not None and follows_on(before.unit, s.unit) and topic_stems & content_stems(before.unit.text):
                    s = replace(s, lexical=max(s.lexical, before.lexical), score=max(s.score, before.score))
                elif not topic_stems & content_stems(s.unit.text):
                    continue
                figures.append(s)
            scored = figures
        if WHEN_QUESTION.search(retrieval.question):
            # a "when" question is answered by a time: where some answering point gives one,
            # the points that give none do not answer it
            dated = [s for s in scored if TIME.search(s.unit.text)]
            if any(answerable(s, tuning) for s in dated):
                scored = dated
        if DECISION_QUESTION.search(retrieval.question):
            # what was resolved answers "what did they decide?", however far its words are
            # (each council's: one whose minutes record none is still heard in its own words)
            minuted = {s.unit.chunk.council for s in scored if is_recorded_decision(s.unit)}
            scored = [replace(s, semantic=max(s.semantic, tuning.answer_semantic)) if is_recorded_decision(s.unit) else s
                      for s in scored if s.unit.chunk.council not in minuted or is_recorded_decision(s.unit)]
        terms = compound_terms(analysis.topic or retrieval.question)
        if terms:  # a hyphenated term the question hinges on ("in-house"), in the point or its lead-in
            scored = [s for s in scored if all(mentions(s.unit.with_context(), t) for t in terms)]
        named = named_phrases(analysis.topic or retrieval.question) if retrieval.across else []
        if named:  # "which councils have received Exceptional Financial Support?": those that say so
            scored = [s for s in scored if all(mentions_named(s.unit.with_context(), p) for p in named)]
        if not any(answerable(s, tuning) for s in scored) and not retrieval.tallied:
            # "What does X's plan say?"; "What is X's approach to productivity?" where no
            # sentence says what its approach is
            if overview and self.asks_overview(analysis.topic, ignore | OVERVIEW_WORDS):
                return self.overview_points(retrieval.filters)
            return []
        points = select_points(scored, retrieval.across, tuning, named=bool(analysis.councils))
        # "which councils...": every council the exhaustive tally found is named, not only those
        # whose passages ranked
        named = {p.unit.chunk.council for p in points}
        return points + [p for p in retrieval.tallied if p.unit.chunk.council not in named]

    def idf(self, stems: set[str]) -> dict[str, float]:
        """The keyword index's IDF of content stems; a word kept in its own sense weighs as
        its indexed stem (not as a word no passage holds, the highest weight of all)."""
        indexed = {s: index_stem(s) for s in stems}
        weights = self.index.lexical.idf(set(indexed.values()))
        return {s: weights[i] for s, i in indexed.items()}

    def asks_overview(self, topic: str, ignore: set[str]) -> bool:
        """"What is Wyre Forest's approach to productivity?", "Summarise X's plan": no word of
        what is asked is telling (each is in most passages, as "productivity" is)."""
        stems = content_stems(topic, ignore)
        weights = self.idf(stems) if stems else {}
        return all(weights.get(s, 0.0) < self.settings.answer.overview_idf for s in stems)

    def overview_points(self, filters: Filters) -> list[ScoredUnit]:
        """A council's plan in brief: its best points for each theme's guidance questions, a
        few per theme, in theme order (the council's own documents only)."""
        tuning = self.settings.answer
        own = filters.model_copy(update={"kinds": filters.kinds or list(NOT_GUIDANCE)})
        points: list[ScoredUnit] = []
        shown: set[str] = set()
        for theme in self.guidance.themes:
            found = [p for q in theme.questions for p in self.question_points(q, own, False, tuning.overview_k)
                     if answerable(p, tuning)]
            taken = 0
            for point in sorted(found, key=lambda p: -p.score):
                key = text_key(point.unit.text)
                if key in shown or taken >= tuning.overview_per_theme:
                    continue
                shown.add(key)
                points.append(point)
                taken += 1
        return points

    def question_points(self, question, filters: Filters, across: bool, k: int) -> list[ScoredUnit]:
        """A guidance question's points in the passages ``filters`` allow: what a council has
        done, never report furniture or the Government's words; [] if none answers."""
        tuning = self.settings.answer
        search = spread if across else one_scope
        hits = search(self.index, question.text, filters, k, question.evidence)
        ignore = {w for c in self.councils() for w in council_key_words(c)}
        scored = [s for s in score_points(question.text, hits, self.index.embedder, tuning, ignore, question.evidence,
                                          self.wordings, idf=self.idf,
                                          phrases=self.guidance.letter_phrases, expand_all=True)
                  if not (s.echo or content.is_boilerplate(s.unit) or content.names_the_themes(s.unit, self.guidance)
                          or content.is_background(s.unit, question.text))]
        if not any(answerable(s, tuning) for s in scored):
            return []
        return select_points(scored, across, tuning)

    def own_filter(self, council: str) -> Filters:
        return Filters(councils=[council], kinds=NOT_GUIDANCE)

    def peer_filter(self, exclude_council: str = "", exclude_documents: tuple[str, ...] = ()) -> Filters | None:
        """Other councils' documents (never the guidance, the council's own, or ``exclude_documents``);
        None when there are none."""
        allowed = [d.id for d in self.index.catalog.documents()
                   if d.kind != "guidance" and d.council and d.council != exclude_council
                   and d.id not in exclude_documents]
        return Filters(document_ids=allowed) if allowed else None

    def peer_examples(self, question, peers: Filters, limit: int, per_peer: int,
                      shown: set[str] | None = None) -> list[ScoredUnit]:
        """A few of peers' best points for a guidance question, ``per_peer`` at most from each
        peer council, none in ``shown`` (updated)."""
        from collections import Counter

        shown = set() if shown is None else shown
        points = [p for p in self.question_points(question, peers, True, self.settings.draft.k_peers)
                  if answerable(p, self.settings.answer)]
        chosen: list[ScoredUnit] = []
        count: Counter = Counter()
        for point in sorted(points, key=lambda s: -s.score):
            key = text_key(point.unit.text)
            peer = point.unit.chunk.council
            if key in shown or count[peer] >= per_peer or len(chosen) >= limit:
                continue
            chosen.append(point)
            count[peer] += 1
            shown.add(key)
        return chosen


def text_key(text: str) -> str:
    """Points are the same if their words are (overlapping chunks hold the same sentence)."""
    return re.sub(r"\W+", " ", text).strip().lower()
