"""Hybrid retrieval: filters, and each half of the hybrid finding what the other misses."""



def test_filters_by_council_kind_and_theme(cli, seeded_home):
    hits = cli("search", "barriers", "--council", "Redditch", "--json", home=seeded_home).json["hits"]
    assert hits and {h["council"] for h in hits} == {"Redditch Borough Council"}
    hits = cli("search", "barriers", "--kind", "guidance", "--json", home=seeded_home).json["hits"]
    assert hits and {h["kind"] for h in hits} == {"guidance"}
    hits = cli("search", "spend", "--theme", "3", "--json", home=seeded_home).json["hits"]
    assert hits and all(3 in h["themes"] for h in hits)
    hits = cli("search", "spend", "--council", "blaby", "--kind", "report", "--theme", "4", "--json",
               home=seeded_home).json["hits"]
    assert all(h["council"] == "Blaby District Council" and 4 in h["themes"] for h in hits)


def test_unknown_council_lists_the_known_ones(cli, seeded_home):
    result = cli("search", "barriers", "--council", "Leeds", home=seeded_home)
    assert result.code == 2
    assert "unknown council 'Leeds'" in result.stderr and "Redditch Borough Council" in result.stderr


def _index_texts(cli, home, tmp_path, texts: dict[str, str]):
    for name, text in texts.items():
        path = tmp_path / f"{name}.md"
        path.write_text(text, encoding="utf-8")
        assert cli("ingest", path, "--council", f"{name.title()} Council", home=home).code == 0


FILLER = {
    "alpha": "# Alpha\n\nWe replaced the general ledger system called ZEBRAFIN with a cloud platform in 2023.",
    "beta": "# Beta\n\nHiring specialist planners and surveyors has proved very hard for us this year.",
    "gamma": "# Gamma\n\nOur leisure centres moved to a charitable trust to cut running costs.",
    "delta": "# Delta\n\nWe publish a quarterly dashboard of performance indicators for residents.",
    "epsilon": "# Epsilon\n\nThe waste fleet now runs on vegetable oil fuel to cut carbon emissions.",
}


def test_lexical_half_finds_an_exact_name_meaning_alone_misses(cli, home, tmp_path):
    texts = dict(FILLER,
                 zeta="# Zeta\n\nThe city orchestra performed a new symphony by a local composer.",
                 eta="# Eta\n\nOur arts grant funded a series of classical music concerts.",
                 theta="# Theta\n\nThe music festival commissioned works from young composers.",
                 iota="# Iota\n\nOur housing team reviewed temporary accommodation, bed and breakfast costs, "
                      "homelessness prevention, repairs backlogs and void turnaround times; agency workers are now "
                      "hired through Opus, and the waste fleet was renewed.")
    _index_texts(cli, home, tmp_path, texts)
    hits = cli("search", "Opus", "-k", "3", "--json", home=home).json["hits"]
    assert "hired through Opus" in hits[0]["text"]
    assert hits[0]["lexical_rank"] == 1
    assert hits[0]["dense_rank"] > 1  # meaning alone hears music in "opus"


def test_dense_half_finds_a_paraphrase_with_no_shared_words(cli, home, tmp_path):
    _index_texts(cli, home, tmp_path, FILLER)
    hits = cli("search", "recruitment difficulties", "-k", "3", "--json", home=home).json["hits"]
    assert "Hiring specialist planners" in hits[0]["text"]
    assert hits[0]["lexical_rank"] is None and hits[0]["dense_rank"] == 1
