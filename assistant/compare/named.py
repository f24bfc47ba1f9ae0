"""The barriers councils name most, each with the words that name it and a description of it
matched on meaning (tally.py). Issue 13 lists the first ones; the rest are those the councils
of the labelled corpus (eval/datasets/barriers.jsonl) cite most. A pattern is searched in a
sentence and in the council's own label for it ("**A funding formula that ignores deprivation.**");
keep them specific to the barrier (a pattern that also fires on achievements, such as
"prevented homelessness", puts councils in a barrier they do not cite).
"""

from __future__ import annotations

# (name, pattern of its own words, descriptions matched on meaning)
NAMED: list[tuple[str, str, list[str]]] = [
    ("Single-year settlements and short-term funding",
     r"single[- ]year (funding |finance |financial )?settlements?|one[- ]year (funding |finance )?settlements?|"
     r"multi[- ]?year|settlements? (covering|of) (at least |more than )?(several|two|three|four|five|\w+ (than )?one) "
     r"years?|long(er)?[- ]term funding|short[- ]term (nature of (local government )?)?funding|"
     r"year[- ]to[- ]year funding|longer than one year|funding certainty|for one year (only|at a time)|"
     r"(funding|settlement)\b[^.]{0,40}\bmore than (a|one) year",
     ["single-year funding settlements make it hard to plan",
      "a funding settlement covering several years", "short-term funding"]),
    ("Competitive bidding for funding",
     r"competitive bidding|bidding (rounds?|for funding)|failed bids|(funding|fund) bids?|bids? (for|to) "
     r"(government )?fund|rather than (competition|bidding)|non-competitive|through competition|"
     r"quality of bids|bid\b[^.]{0,80}\b(unsuccessful|failed)",
     ["competitive bidding for government funding wastes time and money",
      "funding allocated by competition rather than need"]),
    ("New burdens without funding",
     r"new burdens?|new (statutory )?duties\b[^.]{0,120}\b(without|not fully funded|unfunded|funding)|"
     r"(without|no) (full |the )?funding to deliver|not (been )?fully funded|unfunded (burdens|duties)",
     ["new duties placed on councils without the funding to deliver them"]),
    ("Outdated funding formula (fair funding review)",
     r"funding formula|fair funding|needs formula|formula (that |which )?(has not|ignores)|based on a formula",
     ["the funding formula is out of date and does not reflect need",
      "complete the fair funding review"]),
    ("Recruitment and retention",
     r"recruit\w*( and|,)? (retention|retain|keep)|(cannot|can't|unable to|struggl\w* to|difficult\w* (to|in)) "
     r"(recruit|retain|compete)|recruitment (difficult|of|challenges?)|(skills?|staff|labour|workforce) shortages?|"
     r"vacancy rate|without success|compete (with|for)\b[^.]{0,80}\b(pay|staff|workers|planners)|"
     r"social worker pay|agency (social worker )?pay|workforce (plan|strategy)|(difficult\w*|hard|flexibility|"
     r"challenges?) (in |to )?recruit\w*",
     ["we cannot recruit or retain enough skilled staff", "shortages of social workers, planners and care workers"]),
    ("Ring-fenced and fragmented grants",
     r"ring[- ]?fenc\w*|separate (revenue )?(funding )?grants|\d+ (different|separate) (revenue )?(funding )?grants|"
     r"single pot|single,? (place-based|un-?ringfenced) (budget|allocation)",
     ["too many separate ring-fenced grants from government"]),
    ("Reporting burden",
     r"reporting (burden|requirements?)|returns to government|(data|statutory|separate|one-off) returns?|"
     r"single(,)? (shared )?data (collection|return)|monitoring returns|same returns|burden of reporting",
     ["the burden of reporting and data returns to government departments"]),
    ("SEND and high needs deficits (statutory override)",
     r"(?-i:\bSEND\b)|special educational needs|high needs|dedicated schools grant|statutory override|"
     r"education, health and care plans",
     ["special educational needs and high needs deficits"]),
    ("Home-to-school transport", r"home[- ]to[- ]school transport",
     ["the rising cost of home to school transport"]),
    ("Temporary accommodation and homelessness",
     r"temporary accommodation|housing benefit subsidy|local housing allowance|subsidy (rate|cap)",
     ["the cost of temporary accommodation for homeless households"]),
    ("Planning fees", r"planning (application )?fees|fees for (licensing and )?planning",
     ["nationally set planning fees do not cover the cost"]),
    ("Internal Drainage Board levies", r"internal drainage boards?|(?-i:\bIDB\b)|drainage (board )?levies",
     ["internal drainage board levies"]),
    ("Council tax referendum limits",
     r"referendum (limit|threshold)s?|without a referendum|council tax (increases? )?(limit|cap)\w*|"
     r"discretion over council tax|set council tax locally",
     ["council tax referendum limits"]),
    ("Underfunding and funding cuts",
     r"underfund\w*|under-fund\w*|reduc\w+ (in )?(government )?funding|funding (cuts?|reductions?)|"
     r"cuts? (to|in) (local government )?funding|funding cut|increase funding|spending power",
     ["local government is underfunded after years of funding cuts"]),
    ("Procurement rules",
     r"procurement (rules|regime|regulations?|and legacy)|public procurement|lighter[- ]touch regime",
     ["public procurement rules are costly for small contracts"]),
    ("Data sharing with Government and the NHS",
     r"data[- ]sharing|(legal|statutory) gateway|use (DWP|HMRC|DWP and HMRC) data|information governance",
     ["a legal gateway to share data with the DWP, HMRC and the NHS"]),
]
