"""The fake SES account: quotas per region, identities, templates, and the ledger.

Front doors (botocore, SMTP and HTTP) translate their wire format into
:meth:`Account.send` and friends; the account decides, records, and raises
:class:`SendRefused` with the reason when SES would refuse. Its parts live in
their own modules, each on :class:`AccountState`.
"""

from __future__ import annotations

from .messages import Refusals
from .quotas import Quotas
from .sending import Sending
from .suppression import Suppression


class Account(Sending, Suppression, Quotas, Refusals):
    """A fake SES account: the quotas, identities and templates of every region,
    the ledger of everything sent, and the virtual clock.

    It knows no front door: :class:`pytest_sesquota.SesAccount` (``doors.activation``)
    is this account plus the switch that connects botocore, requests and the guard.
    """
