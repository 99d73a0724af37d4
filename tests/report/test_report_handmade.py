"""The report on six hand-built leads whose every figure is known (see handframes.py)."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from PIL import Image

from crmkit.report import compute_report, render_html, write_report

SECTIONS = (
    "headline",
    "rates-by-field",
    "rates-by-module",
    "trend",
    "overlaps",
    "top-accounts",
    "near-duplicates",
    "dropped-fields",
    "conversions",
)


def images_of(html: str) -> list[bytes]:
    sources = re.findall(r'<img[^>]*src="([^"]+)"', html)
    out = []
    for src in sources:
        assert src.startswith("data:image/png;base64,"), src[:60]
        out.append(base64.b64decode(src.split(",", 1)[1], validate=True))
    return out


def test_headline_counts_answered_leads(hand: ModuleType) -> None:
    report = compute_report(hand.frames())
    h = report.headline
    assert (h.leads, h.answered, h.matched, h.contacts, h.accounts, h.errors) == (6, 5, 4, 3, 2, 1)
    assert h.rate == pytest.approx(4 / 5)
    assert h.contact_rate == pytest.approx(3 / 5)


def test_first_rates_add_up_to_the_overall_rate(hand: ModuleType) -> None:
    report = compute_report(hand.frames())
    table = report.rates_by_field.set_index(["module", "field"])
    assert table["leads_first"].sum() == report.headline.matched
    assert float(table["rate_first"].sum()) == pytest.approx(report.headline.rate)
    assert int(table.loc[("Contacts", "Email"), "leads_any"]) == 2
    assert int(table.loc[("Contacts", "Email"), "leads_first"]) == 1
    assert int(table.loc[("Accounts", "Account_Name"), "leads_any"]) == 2


def test_trend_top_accounts_and_overlaps(hand: ModuleType) -> None:
    report = compute_report(hand.frames())
    assert list(report.trend["month"]) == ["2025-01", "2025-02", "2025-03"]
    assert list(report.trend["n_matched"]) == [2, 1, 1]
    top = report.top_accounts
    assert list(top["account_id"]) == ["A1", "A2"]
    assert list(top["leads"]) == [2, 1]
    assert int(report.overlaps.loc["Contacts.Phone", "Contacts.Email"]) == 1
    assert int(report.overlaps.loc["Contacts.Email", "Contacts.Email"]) == 2
    assert report.top_fields[0].endswith("(Contacts)")


def test_near_duplicates_section_lists_the_pairs_zoho_does_not_offer(hand: ModuleType) -> None:
    report = compute_report(hand.frames(), near_duplicates=hand.near_duplicates())
    table = report.near_duplicates
    assert table is not None
    # L2: Zoho offers C2 already; L4 and L3 have no Zoho contact but crmkit sees one
    assert list(table["lead_id"]) == ["L4", "L3"]
    assert list(table["record_id"]) == ["C9", "C8"]
    assert table.loc[0, "Full_Name"] == "Cy Dunn"
    assert report.notes["near_duplicates"].startswith(
        "2 leads have a near-duplicate Zoho's exact matching does not offer (2 in Contacts, "
        "0 in Accounts"
    )
    assert (
        "strongest first: by score, then by the number of routes"
        in (report.notes["near_duplicates"])
    )
    assert list(table["routes"]) == [1, 1]


def test_without_near_duplicates_the_section_says_why(hand: ModuleType) -> None:
    report = compute_report(hand.frames())
    assert report.near_duplicates is None
    assert "Not computed" in report.notes["near_duplicates"]


def test_without_journal_the_conversion_section_says_none_yet(hand: ModuleType) -> None:
    report = compute_report(hand.frames())
    assert report.conversions is None
    html = render_html(report)
    section = html.split('id="conversions"', 1)[1]
    assert "No conversions yet" in section


def test_journal_runs_and_latest_attempts_are_shown(hand: ModuleType, tmp_path: Path) -> None:
    from crmkit.conversion.journal import Journal

    path = tmp_path / "journal.sqlite"
    with Journal(path) as journal:
        run = journal.open_run("hash-1", [{"lead_id": "L1"}, {"lead_id": "L2"}], plan_name="demo")
        first = journal.begin(run.run_id, "L1", kind="convert", request={"data": [{}]})
        journal.answer(first, outcome="converted", contact_id="C1", account_id="A1")
        second = journal.begin(run.run_id, "L2", kind="convert", request={"data": [{}]})
        journal.answer(second, outcome="failed", code="DUPLICATE_DATA", message="duplicate data")
    report = compute_report(hand.frames(), path)
    assert report.conversions is not None and list(report.conversions["converted"]) == [1]
    assert report.conversion_attempts is not None
    assert list(report.conversion_attempts["lead_id"]) == ["L2", "L1"]  # newest first
    assert "1 converted" in report.notes["conversions"]
    html = render_html(report)
    assert "conversions" in report.figures
    assert len(images_of(html)) == 4
    assert "DUPLICATE_DATA" in html.split('id="conversions"', 1)[1]


def test_a_missing_journal_path_is_not_created(hand: ModuleType, tmp_path: Path) -> None:
    report = compute_report(hand.frames(), tmp_path / "none.sqlite")
    assert report.conversions is None
    assert "No conversions yet" in report.notes["conversions"]
    assert not (tmp_path / "none.sqlite").exists()


def test_rendered_page_has_every_section_and_valid_png_images(hand: ModuleType) -> None:
    html = render_html(compute_report(hand.frames(), near_duplicates=hand.near_duplicates()))
    for section in SECTIONS:
        assert f'<section id="{section}">' in html, section
    pngs = images_of(html)
    assert len(pngs) == 3
    for png in pngs:
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(io.BytesIO(png)) as image:
            image.verify()
            assert image.size[0] > 100 and image.size[1] > 50


def test_page_is_self_contained(hand: ModuleType) -> None:
    html = render_html(compute_report(hand.frames()))
    assert "<script" not in html
    assert "<link" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_values_are_escaped(hand: ModuleType) -> None:
    matches = hand.matches()
    matches.loc[matches["record_id"] == "A2", "record_name"] = "<script>alert(1)</script>"
    frames = {"leads": hand.leads(), "options": hand.options(), "matches": matches}
    html = render_html(compute_report(frames))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_only_known_metadata_reaches_the_page(hand: ModuleType) -> None:
    frames = dict(hand.frames())
    meta = {"org": "Zylker", "api_domain": "http://127.0.0.1:1", "refresh_token": "r-secret-1"}
    report = compute_report({**frames, "meta": meta})
    html = render_html(report)
    assert "Zylker" in html and "http://127.0.0.1:1" in html
    assert "r-secret-1" not in html
    assert "refresh_token" not in report.meta


def test_write_report_creates_parents(hand: ModuleType, tmp_path: Path) -> None:
    target = write_report(compute_report(hand.frames()), tmp_path / "a" / "b" / "report.html")
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_missing_frames_are_named(hand: ModuleType) -> None:
    with pytest.raises(ValueError, match="missing: matches"):
        compute_report({"leads": hand.leads(), "options": hand.options()})


def test_no_match_at_all_still_renders(hand: ModuleType) -> None:
    options = hand.options()
    options.loc[:, "outcome"] = "no_match"
    for column in ("n_contacts", "n_accounts"):
        options.loc[:, column] = 0
    for column in ("first_field", "first_module", "contact_fields", "account_fields"):
        options.loc[:, column] = pd.NA
    matches = hand.matches().iloc[0:0]
    html = render_html(
        compute_report({"leads": hand.leads(), "options": options, "matches": matches})
    )
    assert len(images_of(html)) == 3
    assert "0.0%" in html


def _records() -> dict[str, object]:
    """The hand org's Contacts and Accounts, and Phone as the Contacts unique field."""
    from crmkit.orgconfig import OrgConfig, UniqueField

    def s(values: list[object]) -> pd.Series:
        return pd.Series(values, dtype="string")

    contacts = pd.DataFrame(
        {
            "id": s(["C1", "C2", "C3"]),
            "First_Name": s(["Pat", "Ann", "Ed"]),
            "Last_Name": s(["Boyle", "Lee", "Gale"]),
            "Email": s(["pat@zylker.com", "ann@zylker.com", None]),
            "Phone": s(["9844444444", None, None]),
            "Account_Name.id": s(["A1", "A1", None]),
            "Account_Name.name": s(["Zylker", "Zylker", None]),
        }
    )
    accounts = pd.DataFrame({"id": s(["A1", "A2"]), "Account_Name": s(["Zylker", "Acme"])})
    config = OrgConfig(unique_fields={"Contacts": (UniqueField("Phone"),)})
    return {"contacts": contacts, "accounts": accounts, "org_config": config}


def test_prediction_section_compares_zoho_with_the_prediction(hand: ModuleType) -> None:
    report = compute_report({**hand.frames(), **_records()})
    agreement = report.agreement
    assert agreement is not None and agreement.compared == 6
    kinds = dict(zip(agreement.by_kind["kind"], agreement.by_kind["leads"], strict=True))
    # L2's Company is the account Zylker: the hand-made Zoho answer leaves that account out;
    # L5 is refused by Zoho (not approved) but the hand leads carry no approval state.
    assert kinds == {"outcome": 1, "fields": 1, "extra_record": 1}
    assert sorted(agreement.differences["lead_id"].unique()) == ["L2", "L5"]
    assert agreement.agreeing == 4
    assert report.notes["agreement"] == (
        "crmkit's offline prediction gives Zoho's exact answer for 4 of 6 leads (66.7%); "
        "2 leads differ."
    )
    html = render_html(report)
    section = html.split('<section id="prediction">', 1)[1].split("</section>", 1)[0]
    assert 'id="table-agreement"' in section and 'id="table-agreement-differences"' in section
    assert "a candidate crmkit predicts that Zoho does not offer" in section
    # near-duplicates come from the same records, with the existing record named
    assert report.near_duplicates is not None and report.shadow is not None
    assert set(report.shadow["lead_id"]) == set(hand.options()["lead_id"])


def test_prediction_section_without_records_or_for_a_predicted_snapshot(
    hand: ModuleType,
) -> None:
    bare = compute_report(hand.frames())
    assert bare.agreement is None and bare.shadow is None
    assert bare.notes["agreement"].startswith("Not computed: the snapshot holds no Contacts")
    predicted = {
        "leads": hand.leads(),
        "options": hand.options("predicted"),
        "matches": hand.matches("predicted"),
        **_records(),
    }
    report = compute_report(predicted)
    assert report.agreement is None
    assert "holds crmkit's prediction, not Zoho's answer" in report.notes["agreement"]
    assert report.near_duplicates is not None  # near-duplicates need no Zoho answer


def test_dropped_fields_section_lists_values_no_mapping_carries(hand: ModuleType) -> None:
    from crmkit.mapping import ConversionMapping
    from crmkit.orgconfig import OrgConfig

    leads = hand.leads().assign(
        Region__c=pd.Series(["APAC", "EMEA", None, " ", None, "APAC"], dtype="string"),
        Lead_Status=pd.Series(["New", None, None, None, None, None], dtype="string"),
    )
    frames = {**hand.frames(), "leads": leads}
    # no org mapping in the snapshot: Zoho's standard map, and the note says so
    plain = compute_report(frames)
    assert plain.dropped_fields is not None
    got = plain.dropped_fields.set_index("field")["leads_with_value"].to_dict()
    assert got == {"Region__c": 3, "Lead_Status": 1}  # a blank cell is no value
    assert plain.dropped_fields["share"].tolist() == [0.5, 1 / 6]
    assert "Zoho's standard conversion mapping" in plain.notes["dropped_fields"]
    html = render_html(plain)
    section = html.split('<section id="dropped-fields">', 1)[1].split("</section>", 1)[0]
    assert "Fields a conversion would drop" in section and 'id="table-dropped-fields"' in section
    assert "Region__c" in section and "50.0%" in section
    # the org maps Region__c: only Lead_Status is lost, by the org's own mapping
    mapping = ConversionMapping.from_org_json(
        {"convert_mapping": {"Contacts": {"Region__c": "Region__c"}}}
    )
    mapped = compute_report({**frames, "org_config": OrgConfig(mapping=mapping)})
    assert mapped.dropped_fields is not None
    assert mapped.dropped_fields["field"].tolist() == ["Lead_Status"]
    assert "the org's conversion mapping" in mapped.notes["dropped_fields"]
    # nothing lost: the section says so and shows no table
    none_lost = compute_report(hand.frames())
    assert none_lost.dropped_fields is not None and none_lost.dropped_fields.empty
    assert none_lost.notes["dropped_fields"].startswith("Every lead value is carried")
    assert 'id="table-dropped-fields"' not in render_html(none_lost)
