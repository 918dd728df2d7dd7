"""Counterparties created automatically: a returning customer is never duplicated (capability 3 in
docs/mission.md).

A SalesDrive customer is identified by phone (canonical E.164, whatever the spelling) and e-mail. The
bridge first asks its own map, then UTP (the contact-information register, in every spelling people
use, since 1C cannot normalise on the server), and only then creates the counterparty with its customer
contract and contact information, exactly once (ledger + find-before-create by the same identity).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from bridge.phones import email_spellings, normalise_email, normalise_phone, phone_spellings
from bridge.salesdrive.models import Contact, Order
from bridge.settings import BridgeSettings
from bridge.store.deals import CounterpartyLink, DealStore, DocumentKind, LedgerEntry, LedgerState
from bridge.sync.exactly_once import (
    DocumentInProgress,
    ExistingDocument,
    claim_is_dead,
    claim_token,
    ensure_document,
)
from bridge.sync.reference import UtpReference
from bridge.utp.client import UtpClient
from bridge.utp.counterparties import mark_as_buyer
from bridge.utp.names import COUNTERPARTIES

# Two orders of one new customer placed seconds apart: the second finds the first's claim on her. It
# waits here for the first to finish (a few UTP calls, ~1 s at 100 ms a call) rather than fail its
# message, which SQS would hand out again only after the visibility timeout (12 minutes). Bounded far
# below the deal processor's 120 s timeout; past it, the message fails and is redelivered as before.
CLAIM_WAIT_S = 10.0
# What the invocation must keep for the rest of its work after a wait (its remaining events included).
_KEEP_FOR_THE_REST_S = 30.0
_invocation_ends: ContextVar[float | None] = ContextVar("bridge_invocation_ends", default=None)


@contextmanager
def invocation_ends_in(seconds: float | None) -> Iterator[None]:
    """Claims are waited for only while the invocation has time left (Lambda's remaining time)."""
    token = _invocation_ends.set(time.monotonic() + seconds if seconds is not None else None)
    try:
        yield
    finally:
        _invocation_ends.reset(token)


_FIRST_PAUSE_S = 0.05
_LONGEST_PAUSE_S = 0.5


class CustomerIdentity:
    """The phones and e-mails of an order's customer, canonical, plus the SalesDrive contact id."""

    def __init__(self, contact: Contact | None) -> None:
        self.contact = contact
        phones = [normalise_phone(p) for p in (contact.phone if contact else [])]
        emails = [normalise_email(e) for e in (contact.email if contact else [])]
        self.phones = list(dict.fromkeys(p for p in phones if p))
        self.emails = list(dict.fromkeys(e for e in emails if e))
        self.contact_id = contact.id if contact else None

    @property
    def keys(self) -> list[str]:
        """Keys of the bridge's contact map: every phone and e-mail, and the SalesDrive contact."""
        keys = [f"phone:{p}" for p in self.phones] + [f"email:{e}" for e in self.emails]
        if self.contact_id is not None:
            keys.append(f"sdcontact:{self.contact_id}")
        return keys

    @property
    def ledger_key(self) -> str:
        return self.keys[0] if self.keys else "anonymous"

    @property
    def marker(self) -> str:
        """Written into the new counterparty's ``Комментарий``: found again even if its contacts are not."""
        return f"SalesDrive:{self.ledger_key}"

    @property
    def name(self) -> str:
        contact = self.contact
        if contact is not None and (contact.full_name or contact.company):
            return contact.full_name or str(contact.company)
        if self.phones:
            return self.phones[0]
        return self.emails[0] if self.emails else "Покупець SalesDrive"


def _find_in_utp(identity: CustomerIdentity, utp: UtpClient) -> str | None:
    """The counterparty most of the customer's phones and e-mails point to, if any. [1]"""
    if not identity.phones and not identity.emails:
        return None
    matches = utp.find_counterparties_by_contacts(
        phones=[s for p in identity.phones for s in phone_spellings(p)],
        emails=[s for e in identity.emails for s in email_spellings(e)],
    )
    owners = Counter(m.owner.key for m in matches if m.owner is not None and m.owner.entity == COUNTERPARTIES)
    if not owners:
        return None
    # Most matching contacts first, then the lowest key: the same answer every time.
    return sorted(owners.items(), key=lambda item: (-item[1], item[0]))[0][0]


def _claim_other_identities(
    store: DealStore, identity: CustomerIdentity
) -> tuple[list[LedgerEntry], str | None]:
    """Claim every identity key but the first (which ``ensure_document`` claims), so two orders of one
    new customer handled at once — say one with her phone, one with another phone and her e-mail —
    cannot both create her. Returns our claims, or the counterparty another worker already made."""
    claims: list[LedgerEntry] = []
    for key in identity.keys[1:]:
        entry, won = store.record_intent(DocumentKind.COUNTERPARTY, key, claim=claim_token())
        if not won and entry.ref:
            _release(store, claims)
            return [], entry.ref
        if not won:
            dead = claim_is_dead(entry, time.time())
            taken = store.take_over_intent(entry, claim=claim_token()) if dead else None
            if taken is None:
                _release(store, claims)
                raise DocumentInProgress(DocumentKind.COUNTERPARTY, key)
            entry = taken
        claims.append(entry)
    return claims, None


def _release(store: DealStore, claims: list[LedgerEntry]) -> None:
    for claim in claims:
        store.release_intent(claim)


def _adopt(
    order_id: int,
    counterparty_key: str,
    identity: CustomerIdentity,
    *,
    utp: UtpClient,
    store: DealStore,
    settings: BridgeSettings,
    reference: UtpReference,
) -> CounterpartyLink:
    """Use a counterparty found in UTP (or made by another worker), with a customer contract."""
    known = store.counterparty_for(f"cp:{counterparty_key}")
    if known is not None:
        store.link_counterparty(identity.keys, known)
        return known
    found = utp.counterparty(counterparty_key)
    contract = utp.customer_contract(
        counterparty_key, reference.organisation_key, main_contract_key=found.main_contract_key
    )
    if contract is None:
        if not found.is_buyer:
            # A supplier (or any counterparty not marked a buyer) now buys from the shop: UTP refuses a
            # "with buyer" contract of a counterparty that is not a buyer (UTP 1.2: Catalogs/
            # ДоговорыКонтрагентов/Ext/ObjectModule.bsl, ПередЗаписью). An accountant ticks "Покупатель"
            # on the same counterparty, keeping its supplier side; so does the bridge, never a duplicate.
            mark_as_buyer(utp, counterparty_key)
            store.audit(order_id, "counterparty_marked_buyer", counterparty=counterparty_key)
        contract = utp.create_customer_contract(
            counterparty_key,
            organisation_key=reference.organisation_key,
            currency_key=reference.currency_key,
            settlement_mode=settings.contract_settlement,
        )
    link = CounterpartyLink(counterparty_ref=counterparty_key, contract_ref=contract.ref)
    store.link_counterparty([*identity.keys, f"cp:{counterparty_key}"], link)
    store.audit(order_id, "counterparty_recognised", counterparty=counterparty_key)
    return link


def counterparty_for_deal(
    order: Order,
    *,
    utp: UtpClient,
    store: DealStore,
    settings: BridgeSettings,
    reference: UtpReference,
    wait_s: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> CounterpartyLink:
    """The UTP counterparty and customer contract for the order's customer; created only if unknown.

    UTP calls: 0 when the bridge already knows the customer; 3 for a customer UTP knows (lookup,
    counterparty, contract; +2 when it has no customer contract yet: mark it a buyer if it is not, and
    create the contract); for a new one 1 lookup + 2 (counterparty, contract) + 1 per phone/e-mail
    (+1 to link the main contract when 1C ignores client-chosen keys). Another deal creating the same
    customer right now is waited for (at most ``wait_s``, reading only DynamoDB meanwhile), then its
    counterparty is used.
    """
    identity = CustomerIdentity(order.customer)
    deadline = clock() + (CLAIM_WAIT_S if wait_s is None else wait_s)
    ends = _invocation_ends.get()
    if ends is not None:
        deadline = min(deadline, ends - _KEEP_FOR_THE_REST_S)
    while True:
        try:
            return _counterparty_once(
                order, identity, utp=utp, store=store, settings=settings, reference=reference
            )
        except DocumentInProgress as exc:
            if exc.kind is not DocumentKind.COUNTERPARTY:
                raise
            store.audit(order.id, "counterparty_claim_waited", key_kind=exc.key.partition(":")[0])
            link = _wait_for_claim(store, identity, exc, deadline=deadline, sleep=sleep, clock=clock)
            if link is not None:
                store.link_counterparty(identity.keys, link)
                return link


def _wait_for_claim(
    store: DealStore,
    identity: CustomerIdentity,
    busy: DocumentInProgress,
    *,
    deadline: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> CounterpartyLink | None:
    """Until the other deal links the customer (her counterparty), or its claim ends without that (None:
    try again from the start). Past the deadline the claim's ``DocumentInProgress`` propagates."""
    pause = _FIRST_PAUSE_S
    while True:
        left = deadline - clock()
        if left <= 0:
            raise busy
        sleep(min(pause, left))
        pause = min(pause * 2, _LONGEST_PAUSE_S)
        for key in identity.keys:
            known = store.counterparty_for(key)
            if known is not None:
                return known
        entry = store.ledger(DocumentKind.COUNTERPARTY, busy.key)
        if entry is None or entry.state is not LedgerState.INTENT or claim_is_dead(entry, time.time()):
            return None


def _counterparty_once(
    order: Order,
    identity: CustomerIdentity,
    *,
    utp: UtpClient,
    store: DealStore,
    settings: BridgeSettings,
    reference: UtpReference,
) -> CounterpartyLink:
    """The bridge's map, then UTP's contact information, then a claim on every identity: create once."""
    for key in identity.keys:
        known = store.counterparty_for(key)
        if known is not None:
            return known

    counterparty_key = _find_in_utp(identity, utp)
    if counterparty_key is not None:
        return _adopt(
            order.id, counterparty_key, identity, utp=utp, store=store, settings=settings, reference=reference
        )

    claims, made_elsewhere = _claim_other_identities(store, identity)
    if made_elsewhere is not None:
        return _adopt(
            order.id, made_elsewhere, identity, utp=utp, store=store, settings=settings, reference=reference
        )
    return _create_once(order, identity, claims, utp=utp, store=store, settings=settings, reference=reference)


def _create_once(
    order: Order,
    identity: CustomerIdentity,
    claims: list[LedgerEntry],
    *,
    utp: UtpClient,
    store: DealStore,
    settings: BridgeSettings,
    reference: UtpReference,
) -> CounterpartyLink:
    """Create the counterparty (or adopt the one a crashed run made) under the ledger; link every identity."""
    created: dict[str, str] = {}

    def create() -> str:
        new = utp.create_counterparty(
            identity.name,
            organisation_key=reference.organisation_key,
            currency_key=reference.currency_key,
            phones=identity.phones,
            emails=identity.emails,
            settlement_mode=settings.contract_settlement,
            link_main_contract=settings.link_main_contract,
            extra={"Комментарий": identity.marker},
        )
        created["contract"] = new.contract.ref
        return new.counterparty.ref

    try:
        ensured = ensure_document(
            store,
            DocumentKind.COUNTERPARTY,
            identity.ledger_key,
            find=lambda: _find_or_complete(identity, utp),
            create=create,
            post=None,
        )
    except BaseException:
        _release(store, claims)
        raise
    for claim in claims:
        store.record_document(DocumentKind.COUNTERPARTY, claim.key, ensured.ref, posted=True)
    contract_ref = created.get("contract")
    if contract_ref is None:  # adopted after a crash: its contract may or may not have been made
        contract_ref = _customer_contract(ensured.ref, utp=utp, settings=settings, reference=reference)
    link = CounterpartyLink(counterparty_ref=ensured.ref, contract_ref=contract_ref)
    store.link_counterparty([*identity.keys, f"cp:{ensured.ref}"], link)
    store.audit(
        order.id,
        "counterparty_created" if ensured.created else "counterparty_adopted",
        counterparty=ensured.ref,
    )
    return link


def _find_or_complete(identity: CustomerIdentity, utp: UtpClient) -> ExistingDocument | None:
    """The customer's counterparty in UTP; one created before a crash, perhaps before its contact
    records, is found by its marker and its contact records are completed."""
    found = _find_in_utp(identity, utp)
    if found is None:
        marked = utp.find_counterparties_by_marker(identity.marker)
        if marked:
            found = sorted(c.ref for c in marked)[0]
            for phone in identity.phones:
                utp.add_contact(found, "phone", phone)
            for email in identity.emails:
                utp.add_contact(found, "email", email)
    return ExistingDocument(found, posted=True) if found else None


def _customer_contract(
    counterparty_key: str, *, utp: UtpClient, settings: BridgeSettings, reference: UtpReference
) -> str:
    """The counterparty's customer contract with the organisation, created when it has none."""
    contract = utp.customer_contract(counterparty_key, reference.organisation_key)
    if contract is None:
        contract = utp.create_customer_contract(
            counterparty_key,
            organisation_key=reference.organisation_key,
            currency_key=reference.currency_key,
            settlement_mode=settings.contract_settlement,
        )
    return contract.ref
