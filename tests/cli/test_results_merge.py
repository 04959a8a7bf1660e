"""``benchmarks/run.py --only GROUPS --merge``: only those groups' figures, notes and details
are replaced in RESULTS.md; every other group's rows stay as their own run wrote them."""
from __future__ import annotations

import sys
from datetime import datetime, timezone

from projectcopy import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

from figures import Figure  # noqa: E402
import report  # noqa: E402


def test_merge_replaces_only_the_groups_run():
    old = (REPO / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8")
    figs = [Figure("suggest.x.sentence-recall", 12.5, "%", target="≥ 90%",
                   checks=[("value", ">=", 90)], higher_is_better=True, note="test note")]
    detail = "### Curation assistant against the accepted hand-curated items\n\nnew table"
    when = datetime(2030, 1, 2, 3, 4, tzinfo=timezone.utc)
    new = report.merged_results(old, figs, [detail], ["### suggest: x\n\nwhy\n"], {"suggest"},
                                when)
    kept = [line for line in old.split("\n") if line.startswith("| cq.")]
    assert kept and all(line in new for line in kept)
    assert "| suggest.x.sentence-recall | 12.5 | % |" in new
    assert sum(line.startswith("| suggest.") for line in new.split("\n")) == 1
    assert new.count("### Curation assistant against the accepted hand-curated items") == 1
    assert "new table" in new
    assert "- `suggest.x.sentence-recall`: test note" in new
    assert "Re-run alone on 2030-01-02 03:04 UTC" in new
    again = report.merged_results(new, figs, [detail], ["### suggest: x\n\nwhy\n"],
                                  {"suggest"}, when)
    assert again == new
