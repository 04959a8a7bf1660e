"""The statistics parser of the curation assistant (kg.curation.numbers) on the ways reviews
write figures: two arms, medians of two endpoints, shares of a group, counts of an outcome."""
from __future__ import annotations

import pytest

from kg.curation.numbers import parse_statistics, statistic_spec


def read(text: str) -> list[tuple]:
    return [(s["measure"], s["value"], s.get("comparator")) for s in parse_statistics(text)]


@pytest.mark.parametrize("text,expected", [
    ("shorter median PFS (3 months) and OS (19 months) (88).",
     [("median", 3, None), ("median", 19, None)]),
    ("The median PFS was 11 months and 2 months, respectively (P =0.014)",
     [("median", 11, 2)]),
    ("less than 50% of infused patients remain in remission", [("proportion", 50, None)]),
    ("This occurs in upto 10% of cases", [("proportion", 10, None)]),
    ("approximately half of patients in ZUMA-1 relapsed", [("proportion", 50, None)]),
    ("CR rates of 65% versus 34% (P = 0.02)", [("rate", 65, 34)]),
    ("a complete remission (CR) rate of approximately 50%", [("rate", 50, None)]),
    ("Nine of eleven were alive, with 8 achieving durable remission",
     [("count", 9, None), ("count", 8, None)]),
    ("two patients, 2 requiring additional treatment", [("count", 2, None), ("count", 2, None)]),
])
def test_statistics_read_as_curated(text, expected):
    assert read(text) == expected


def test_fraction_in_words_has_no_import_spec():
    """The import finds a statistic by its digits in the quote; "half" has none."""
    stat = parse_statistics("approximately half of patients")[0]
    assert statistic_spec(stat) == []
    assert statistic_spec(parse_statistics("in upto 10% of cases")[0]) == ["proportion=10"]


def test_median_of_one_endpoint_not_paired_with_another():
    """"and" followed by another endpoint's name joins two medians, not two arms."""
    assert ("median", 3, 19) not in read("median PFS (3 months) and OS (19 months)")
    # the further endpoint is read as a median only after the word median
    assert read("PFS (3 months) and OS (19 months)") == []


def test_journal_style_p_values_and_counts_of_a_named_group():
    """"P < .001" (no leading zero) qualifies the effect before it or stands alone; "Of the 38
    patients ..., 15 remained" counts 15 of 38, and a rate right after it has that n."""
    hr = parse_statistics("the hazard ratio was 4.5 (P < .001)")
    assert [(s["measure"], s["value"], s.get("p_value"), s.get("p_qualifier")) for s in hr] \
        == [("HR", 4.5, 0.001, "<")]
    assert [(s["measure"], s["value"]) for s in parse_statistics("blasts above 50% (P = .02)")] \
        == [("cut-off", 50), ("p-value", 0.02)]
    counted = parse_statistics("Of the 43 patients treated, 38 responded (88%).")
    assert [(s["measure"], s["value"], s.get("n")) for s in counted] \
        == [("count", 38, 43), ("rate", 88, 43)]
    assert statistic_spec(counted[0]) == ["count=38", "n=43"]
    # a duration after the comma is no count of the group
    assert ("count", 3, 12) not in [(s["measure"], s["value"], s.get("n")) for s in
                                    parse_statistics("Of the 12 patients, 3 years later 5 "
                                                     "relapsed")]
