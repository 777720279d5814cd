"""Parties from evidence: labelled sections, sender lines, letterheads, and what is no name."""

from __future__ import annotations

from pathlib import Path

import pytest
from rules_pdfs import Bold, Placed, lines_at, pdf_of

from extract.backends.rules import RulesBackend
from extract.grounding import grounded_values
from extract.rules.names import cleaned_name, deglued, document_domains, matches_domain
from schemas.base import field_values
from schemas.invoice import Invoice

BACKEND = RulesBackend()
TOTALS = lines_at(330, 400, "Subtotal 100.00", "VAT 20% 20.00", "Total 120.00")


def parties(path: Path, page: list[Placed | Bold]) -> tuple[str | None, str | None]:
    document = pdf_of(path, [page])
    checked = grounded_values(document, field_values(BACKEND.extract(document, Invoice).result))
    assert all(v.grounded for v in checked if v.grounded is not None), "every value is grounded"
    values = {v.value.field: v.value.value for v in checked if v.value.item is None}
    return values["seller"], values["buyer"]


@pytest.mark.parametrize(
    ("seller_label", "buyer_label"),
    [("Verkäufer", "Käufer"), ("Émetteur", "Destinataire"), ("Seller", "Buyer"),
     ("Proveedor", "Cliente"), ("Fornitore", "Committente"), ("Leverancier", "Klant")],
)  # fmt: skip
def test_parties_under_their_section_headings(
    tmp_path: Path, seller_label: str, buyer_label: str
) -> None:
    page = [
        (60, 50, "RECHNUNG / INVOICE"),
        *lines_at(60, 100, seller_label, "Name: Muster Handel GmbH", "Hafenstraße 4",
                  "20457 Hamburg"),
        *lines_at(330, 100, buyer_label, "Nordwind Logistik AG", "Kaistraße 9", "24103 Kiel"),
        *TOTALS,
    ]  # fmt: skip
    assert parties(tmp_path / "sections.pdf", page) == (
        "Muster Handel GmbH",
        "Nordwind Logistik AG",
    )


def test_a_sender_line_and_the_addressee_under_it(tmp_path: Path) -> None:
    page = [
        (60, 100, "Brandt Elektro KG · Industriestraße 4 · 70565 Stuttgart"),
        *lines_at(60, 116, "Harbour Foods Ltd", "1 Quay Street", "Bristol BS1 4DJ"),
        (330, 116, "Invoice No: 4711"),
        *TOTALS,
    ]
    assert parties(tmp_path / "window.pdf", page) == ("Brandt Elektro KG", "Harbour Foods Ltd")


def test_label_words_inside_names_are_no_headings(tmp_path: Path) -> None:
    """ "Lieferant Holz GmbH" opens with a seller label, "Customer Service Ltd" with a buyer's."""
    page = [
        *lines_at(60, 50, "Lieferant Holz GmbH", "Waldweg 3", "79098 Freiburg"),
        (60, 120, "Bill to: Customer Service Ltd"),
        (60, 134, "Customer number: 4471"),
        *TOTALS,
    ]
    assert parties(tmp_path / "words.pdf", page) == ("Lieferant Holz GmbH", "Customer Service Ltd")


def test_a_banner_title_or_placeholder_is_no_seller(tmp_path: Path) -> None:
    for number, first in enumerate(
        ["Examples for invoice layouts, (c) 2022", "PURCHASE ORDER", "Your Company Name",
         "This is a default template."]
    ):  # fmt: skip
        page = [(60, 50, first), (60, 64, "123 Main Street"), (330, 120, "Invoice #: 17"),
                *TOTALS]  # fmt: skip
        assert parties(tmp_path / f"banner{number}.pdf", page)[0] is None, first


def test_the_documents_own_domain_names_its_issuer(tmp_path: Path) -> None:
    page = [
        *lines_at(60, 50, "Global Wholesale Partner", "Nordwind Handels", "Kaistraße 9",
                  "24103 Kiel"),
        (60, 700, "info@nordwind-handels.de · www.nordwind-handels.de"),
        (330, 120, "Invoice No: 4711"),
        *TOTALS,
    ]  # fmt: skip
    assert parties(tmp_path / "domain.pdf", page)[0] == "Nordwind Handels"


def test_a_letterhead_confirmed_by_its_footer(tmp_path: Path) -> None:
    page = [
        *lines_at(60, 50, "Atelier Rive Gauche", "14 rue de Seine", "75006 Paris"),
        (330, 120, "Facture n° F-2018-031"),
        *TOTALS,
        *lines_at(60, 760, "Atelier Rive Gauche", "SARL au capital de 8 000 € - SIRET 123"),
    ]
    assert parties(tmp_path / "footer.pdf", page)[0] == "Atelier Rive Gauche"


def test_payable_to_in_a_sentence_names_the_seller(tmp_path: Path) -> None:
    page = [
        (330, 120, "Invoice No: 4711"),
        (60, 200, "Bill To:"),
        (60, 214, "Harbour Foods Ltd"),
        *TOTALS,
        (60, 600, "Please make checks payable to Brandt Elektro KG or pay by transfer."),
    ]
    assert parties(tmp_path / "prose.pdf", page) == ("Brandt Elektro KG", "Harbour Foods Ltd")


def test_names_a_text_layer_ran_together() -> None:
    assert deglued("NordwindGmbH") == "Nordwind GmbH"
    assert deglued("HarbourFoodTrading") == "Harbour Food Trading"
    assert deglued("MarcoKSchmidt") == "Marco K Schmidt"


@pytest.mark.parametrize(
    "text",
    ["Keizersgracht 221", "Hafenstraße 17", "20457 Hamburg", "info@brandt.de", "D I i",
     "Your Business Name", "ClientName", "MLLE PPPPPPPPPP", "Siret", "Bank: Lloyds", "PAID",
     "EUR", "invoice_2024_03.xml", "Thank you for your business!"],
)  # fmt: skip
def test_what_is_no_name(text: str) -> None:
    assert cleaned_name(text) is None


def test_names_and_domains() -> None:
    assert cleaned_name("SA Nordwind Logistique") == "Nordwind Logistique"  # a leading form
    domains = document_domains("Mail: billing@nordwind-handels.de, web: www.gmail.com")
    assert domains == {"nordwindhandels"}  # free mail is nobody's name
    assert matches_domain("Nordwind Handels GmbH", domains)
    assert not matches_domain("Harbour Foods Ltd", domains)


def test_an_addressee_where_envelopes_show_it_is_no_seller(tmp_path: Path) -> None:
    """A letterhead that is only a logo: the first name printed is the addressee's, in the
    window, with nothing that says it issued the invoice (no contact, domain, register)."""
    page = [
        *lines_at(60, 140, "Nordwind Logistik AG", "Kaistraße 9", "24103 Kiel"),
        (330, 140, "Rechnung Nr. 2024-0815"),
        (330, 154, "Datum: 12.03.2024"),
        *TOTALS,
    ]
    assert parties(tmp_path / "window.pdf", page)[0] is None
    with_contact = [*page, (60, 182, "Tel. 0431 555 123 · info@nordwind-logistik.de")]
    assert parties(tmp_path / "issuer.pdf", with_contact)[0] == "Nordwind Logistik AG"


def test_a_label_and_its_value_in_the_letterhead_are_no_names(tmp_path: Path) -> None:
    page = [
        (330, 50, "Order Number:"),
        (430, 50, "SO-98765"),
        (330, 64, "Customer:"),
        (430, 64, "CUST-IE-001"),
        *lines_at(60, 50, "Sehr geehrte Damen und Herren,"),
        (330, 120, "Invoice No: 4711"),
        *TOTALS,
    ]
    assert parties(tmp_path / "labels.pdf", page)[0] is None


def test_a_sender_line_whose_dots_ocr_read_as_dashes_or_colons(tmp_path: Path) -> None:
    page = [
        (60, 100, "Brandt Elektro KG - Industriestraße 4 : 70565 Stuttgart"),
        *lines_at(60, 116, "Harbour Foods Ltd", "1 Quay Street", "Bristol BS1 4DJ"),
        (330, 116, "Invoice No: 4711"),
        *TOTALS,
    ]
    assert parties(tmp_path / "ocr.pdf", page) == ("Brandt Elektro KG", "Harbour Foods Ltd")


def test_a_bank_named_in_the_bank_block_is_no_party(tmp_path: Path) -> None:
    """The bank block's "Deutsche Kreditbank AG" beside an IBAN is a legal entity with bank
    numbers, as a footer's company block is: it is nobody's party, and no rival of the
    letterhead's issuer."""
    page = [
        *lines_at(60, 50, "Brandt Elektro KG", "Industriestraße 4", "70565 Stuttgart"),
        (330, 120, "Rechnungsnummer: 4711"),
        *TOTALS,
        *lines_at(60, 760, "Deutsche Kreditbank AG", "IBAN DE12 1203 0000 0000 1234 56"),
    ]
    assert parties(tmp_path / "bank.pdf", page)[0] == "Brandt Elektro KG"


def test_a_footer_company_block_rivals_a_letterhead_naming_someone_else(tmp_path: Path) -> None:
    """The issuer only in the footer's company block (name, register, VAT id), another legal
    entity's address at the top: which one issued the invoice is not sure, so neither is
    written; when the two agree the seller is written."""
    footer = lines_at(60, 760, "Brandt Elektro KG · Industriestraße 4 · 70565 Stuttgart",
                      "Amtsgericht Stuttgart HRA 12345 · USt-IdNr. DE123456789")  # fmt: skip
    top = lines_at(60, 50, "Harbour Foods Ltd", "1 Quay Street", "Bristol BS1 4DJ")
    page = [*top, (330, 120, "Invoice No: 4711"), *TOTALS, *footer]
    assert parties(tmp_path / "rival.pdf", page)[0] is None
    own = lines_at(60, 50, "Brandt Elektro KG", "Industriestraße 4", "70565 Stuttgart")
    page = [*own, (330, 120, "Invoice No: 4711"), *TOTALS, *footer]
    assert parties(tmp_path / "agree.pdf", page)[0] == "Brandt Elektro KG"


def test_a_person_over_a_company_under_the_bill_to_label_is_a_guess(tmp_path: Path) -> None:
    """ "Bill to | Anna Schmidt | Nordwind Logistik GmbH": the person or the company may be
    meant, so the buyer stays empty; a company alone under the label is written."""
    page = [
        *lines_at(60, 50, "Brandt Elektro KG", "Industriestraße 4", "Tel. 0711 555 123"),
        (330, 120, "Invoice No: 4711"),
        *lines_at(60, 160, "Bill to:", "Anna Schmidt", "Nordwind Logistik GmbH", "Kaistraße 9"),
        *TOTALS,
    ]
    assert parties(tmp_path / "person.pdf", page)[1] is None
    page = [line for line in page if line[2] != "Anna Schmidt"]
    assert parties(tmp_path / "company.pdf", page)[1] == "Nordwind Logistik GmbH"


def test_the_letterhead_ends_at_a_ship_to_block(tmp_path: Path) -> None:
    """A delivery address heading opens someone else's block: its company is no letterhead."""
    page = [
        *lines_at(60, 50, "Ship to:", "Nordwind Logistik GmbH", "Kaistraße 9", "24103 Kiel"),
        (330, 120, "Invoice No: 4711"),
        *TOTALS,
    ]
    assert parties(tmp_path / "ship.pdf", page)[0] is None


def test_two_companies_side_by_side_without_headings(tmp_path: Path) -> None:
    """Two companies' address blocks side by side at the top, no heading: left to right
    says little of who issued the invoice, so the seller is written only when the first
    block alone shows a sign of the issuer (here its phone)."""
    right = lines_at(330, 50, "Brandt Elektro KG", "Industriestraße 4", "70565 Stuttgart")
    left = lines_at(60, 50, "Nordwind Logistik GmbH", "Kaistraße 9", "24103 Kiel")
    page = [*left, *right, (330, 220, "Invoice No: 4711"), *TOTALS]
    assert parties(tmp_path / "unsure.pdf", page)[0] is None
    own = lines_at(60, 50, "Brandt Elektro KG", "Industriestraße 4", "Tel. 0711 555 123")
    page = [*own, *lines_at(330, 50, "Nordwind Logistik GmbH", "Kaistraße 9", "24103 Kiel"),
            (330, 220, "Invoice No: 4711"), *TOTALS]  # fmt: skip
    assert parties(tmp_path / "issuer.pdf", page)[0] == "Brandt Elektro KG"


def test_an_addressee_block_printed_over_the_issuers_is_no_seller(tmp_path: Path) -> None:
    """A company's bare address block first, the issuer's block with its phone lower on the
    right: the first printed name is no longer taken for the issuer."""
    page = [
        *lines_at(60, 40, "Nordwind Logistik GmbH", "Kaistraße 9", "24103 Kiel"),
        *lines_at(380, 110, "Brandt Elektro KG", "Industriestraße 4", "Tel. 0711 555 123"),
        (330, 220, "Invoice No: 4711"),
        *TOTALS,
    ]
    assert parties(tmp_path / "over.pdf", page)[0] != "Nordwind Logistik GmbH"


@pytest.mark.parametrize(
    ("over", "name"),
    [("Firma", "Nordwind Logistik GmbH"), ("Herrn", "Max Mustermann"),
     ("Spett.le", "Nordwind Logistica S.r.l.")],
)  # fmt: skip
def test_a_salutation_over_the_addressee_is_no_name(tmp_path: Path, over: str, name: str) -> None:
    page = [
        (60, 130, "Brandt Elektro KG · Industriestraße 4 · 70565 Stuttgart"),
        *lines_at(60, 146, over, name, "Kaistraße 9", "24103 Kiel"),
        (330, 220, "Rechnung Nr. 4711"),
        *TOTALS,
    ]
    assert parties(tmp_path / "salutation.pdf", page) == ("Brandt Elektro KG", name)


def test_in_the_care_of_is_no_buyer(tmp_path: Path) -> None:
    page = [
        *lines_at(60, 40, "Brandt Elektro KG", "Industriestraße 4", "Tel. 0711 555 123"),
        *lines_at(60, 120, "Bill To:", "c/o Harbour Foods Ltd", "1 Quay Street"),
        (330, 220, "Invoice No: 4711"),
        *TOTALS,
    ]
    assert parties(tmp_path / "care.pdf", page)[1] is None


def test_a_brand_over_the_companys_own_block_is_one_party(tmp_path: Path) -> None:
    """A logo's "nordwind" and the block "Nordwind Logistik GmbH" with the same domain name
    one party: they agree instead of leaving each other unsure."""
    page = [
        (60, 45, "nordwind"),
        *lines_at(350, 50, "Nordwind Logistik GmbH", "Kaistraße 9", "24103 Kiel",
                  "info@nordwind.de"),
        *lines_at(60, 150, "Harbour Foods Ltd", "1 Quay Street", "Bristol BS1 4DJ"),
        (330, 220, "Invoice No: 4711"),
        *TOTALS,
    ]  # fmt: skip
    assert parties(tmp_path / "brand.pdf", page)[0] == "Nordwind Logistik GmbH"


@pytest.mark.parametrize(
    ("name", "form"), [("Lewis & Partner Consulting", "LLC"), ("Muster Handel", "GmbH & Co. KG")]
)
def test_a_letterhead_name_wrapped_before_its_legal_form_is_one_name(
    tmp_path: Path, name: str, form: str
) -> None:
    """A big name printed over two lines, its legal form on the second, is one name."""
    page: list[Placed | Bold] = [
        (60, 50, name, 20),
        (60, 72, form, 20),
        *lines_at(60, 100, "12 Harbour Road", "Leeds LS1 4AB", "billing@example.org"),
        *lines_at(330, 160, "Bill to:", "Nordwind Logistik AG", "Kaistraße 9"),
        *TOTALS,
    ]
    assert parties(tmp_path / "wrapped.pdf", page) == (f"{name} {form}", "Nordwind Logistik AG")


def test_a_smaller_line_under_a_letterhead_name_is_not_its_legal_form(tmp_path: Path) -> None:
    """A tagline in small print under the name is no part of it, even a legal-looking word."""
    page: list[Placed | Bold] = [
        (60, 50, "Lewis Consulting", 20),
        (60, 66, "Company"),
        *lines_at(60, 100, "12 Harbour Road", "Leeds LS1 4AB"),
        *lines_at(330, 160, "Bill to:", "Nordwind Logistik AG", "Kaistraße 9"),
        *TOTALS,
    ]
    assert parties(tmp_path / "tagline.pdf", page)[0] == "Lewis Consulting"


def test_a_spelled_out_form_under_a_logo_name_is_left_out(tmp_path: Path) -> None:
    """ "Company" alone under a big name may be the logo's byline: the name stays as printed
    on its own line (an abbreviated form like "LLC" never stands alone)."""
    page: list[Placed | Bold] = [
        (60, 50, "Lewis & Partner Consulting", 20),
        (60, 72, "Company", 20),
        *lines_at(60, 100, "12 Harbour Road", "Leeds LS1 4AB", "billing@example.org"),
        *lines_at(330, 160, "Bill to:", "Nordwind Logistik AG", "Kaistraße 9"),
        *TOTALS,
    ]
    assert parties(tmp_path / "byline.pdf", page)[0] == "Lewis & Partner Consulting"
