"""Zoho's official Python SDK (`zohocrmsdk8_0`) against the sandbox: Contact Roles and a convert.

The SDK takes a custom environment — `DataCenter.Environment(api_url, accounts_url,
file_upload_url)` — so it is pointed at the sandbox's URL and token URL as they are (plain http on
127.0.0.1: the SDK does not insist on https, so no certificate is needed). It refreshes a token
with the sandbox's credentials, reads `Contacts/roles`, and converts the article's lead into the
article's Contact with a Deal in a Contact Role — parsing every answer with its own models.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

from sandbox_helpers import PAT_LEAD, PAT_PHONE_CONTACT, ZYLKER, zylker_org
from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store.file_store import FileStore
from zohocrmsdk.src.com.zoho.api.logger import Logger
from zohocrmsdk.src.com.zoho.crm.api.contact_roles import ContactRolesOperations
from zohocrmsdk.src.com.zoho.crm.api.convert_lead import (
    BodyWrapper,
    ConvertLeadOperations,
    LeadConverter,
    SuccessResponse,
)
from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
from zohocrmsdk.src.com.zoho.crm.api.record import Record
from zohocrmsdk.src.com.zoho.crm.api.sdk_config import SDKConfig
from zohocrmsdk.src.com.zoho.crm.api.util import Choice

from crmkit.sandbox import Sandbox

Start = Callable[..., Sandbox]
STANDARD_ROLES = [
    "Purchasing",
    "Technical Buyer",
    "Economic Buyer",
    "Evaluator",
    "Executive Sponsor",
    "Influencer",
    "Decision Maker",
    "Developer/Evaluator",
    "Product Management",
    "Other",
]


def _initialize(sb: Sandbox, work: Path) -> None:
    creds = sb.credentials
    (work / "resources").mkdir()
    Initializer.initialize(
        environment=DataCenter.Environment(sb.url, sb.token_url, sb.url),
        token=OAuthToken(
            client_id=creds.client_id,
            client_secret=creds.client_secret,
            refresh_token=creds.refresh_token,
            find_user=False,
        ),
        store=FileStore(str(work / "tokens.csv")),
        sdk_config=SDKConfig(auto_refresh_fields=False, pick_list_validation=False),
        resource_path=str(work / "resources"),
        logger=Logger.get_instance(Logger.Levels.INFO, str(work / "sdk.log")),
    )


def test_official_sdk_reads_roles_and_converts_with_a_role(
    small_sandbox: Start, tmp_path: Path
) -> None:
    sb = small_sandbox(**zylker_org())
    _initialize(sb, tmp_path)

    answer = ContactRolesOperations().get_roles()
    assert answer.get_status_code() == 200
    roles = answer.get_object().get_contact_roles()
    assert [r.get_name() for r in roles] == STANDARD_ROLES
    assert [r.get_sequence_number() for r in roles] == list(range(1, 11))
    role_id = next(r.get_id() for r in roles if r.get_name() == "Decision Maker")

    deal = Record()
    deal.add_key_value("Deal_Name", "SDK Deal")
    deal.add_key_value("Closing_Date", datetime.date(2026, 6, 30))
    deal.add_key_value("Stage", Choice("Negotiation/Review"))
    deal.add_key_value("Pipeline", Choice("Standard (Standard)"))
    deal.add_key_value("Amount", 5000.0)
    deal.add_key_value("Contact_Role", str(role_id))
    contact = Record()
    contact.set_id(int(PAT_PHONE_CONTACT))
    converter = LeadConverter()
    converter.set_contacts(contact)
    converter.set_deals(deal)
    body = BodyWrapper()
    body.set_data([converter])
    answer = ConvertLeadOperations(int(PAT_LEAD)).convert_lead(body)
    assert answer.get_status_code() == 200
    (item,) = answer.get_object().get_data()
    assert isinstance(item, SuccessResponse), vars(item)
    assert item.get_code().get_value() == "SUCCESS"
    assert item.get_message().get_value() == "The record has been converted successfully"
    details = item.get_details()
    assert str(details["Contacts"].get_id()) == PAT_PHONE_CONTACT
    assert str(details["Accounts"].get_id()) == ZYLKER
    deal_id = str(details["Deals"].get_id())

    stored = sb.control.record("Deals", deal_id)
    assert stored is not None and stored["Deal_Name"] == "SDK Deal"
    assert stored["Pipeline"] == "Standard (Standard)" and stored["Stage"] == "Negotiation/Review"
    assert stored["$contact_roles"] == [
        {"Contact_Role": {"name": "Decision Maker", "id": str(role_id)}, "id": PAT_PHONE_CONTACT}
    ]
    lead = sb.control.record("Leads", PAT_LEAD)
    assert lead is not None and lead["Converted__s"] is True
