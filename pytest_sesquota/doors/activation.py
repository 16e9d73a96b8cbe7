"""Turning a fake account on and off: the clock, the front doors, the guard, fake credentials.

The one way in and out: an :class:`Activation` makes its account the active one in the
registry (``pytest_sesquota.active``), which the front doors read. Everything done here
is undone by :meth:`Activation.close`, in reverse order, whatever fails on the way.
"""

from __future__ import annotations

__all__ = ["Activation", "SesAccount", "activate", "current_account", "current_activation"]

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from ..account.account import Account
from ..active import ACTIVE
from ..clock import loopclock
from . import botocore as _botocore
from . import credentials, guard
from .beside_moto import BesideMoto
from .moto_publish import MotoPublisher
from .requests_door import RequestsDoor, add_ses_callbacks, fake_answer
from .sns import Endpoint, Sns, Subscription


def current_account() -> SesAccount | None:
    """The fake SES account active in this process, or None (for code outside fixtures:
    a ``unittest.TestCase``, a helper deep in the application)."""
    account: SesAccount | None = ACTIVE.account
    return account


class Activation:
    """One account turned on: made the active one, its clock started, the front doors
    and the guard in place, fake credentials set. :meth:`close` turns it all off."""

    def __init__(self, account: Account) -> None:
        self.account = account
        # Refused before anything changes: one account (and one clock) at a time.
        ACTIVE.check_free()
        with ExitStack() as stack:
            account.clock.start()
            stack.callback(account.clock.stop)
            # The test thread's asyncio loops wait on the virtual clock too.
            stack.enter_context(loopclock.running(account.clock))
            _botocore.activate(account)
            stack.callback(_botocore.deactivate)
            if not guard.installed():
                stack.callback(guard.Guard().close)
            sns = getattr(account, "sns", None)
            door = RequestsDoor(account, lambda: sns)
            door.start()
            stack.callback(door.stop)
            # moto's mock_aws, started before or after, leaves the fake's requests alone.
            beside = BesideMoto(
                lambda method, url, headers, body: fake_answer(
                    account, sns, method, url, headers, body
                )
            )
            beside.start()
            stack.callback(beside.stop)
            stack.callback(credentials.fake())
            # Last in, first out: the account is the active one once all is in place,
            # and no longer as soon as it is turned off.
            ACTIVE.turn_on(self, account)
            stack.callback(ACTIVE.turn_off, self)
            self._undo = stack.pop_all()

    def defer(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` when the account is turned off (first of all: last in)."""
        self._undo.callback(callback)

    def close(self) -> None:
        self._undo.close()


def current_activation() -> Activation | None:
    activation: Activation | None = ACTIVE.activation
    return activation


def activate(account: Account) -> Activation:
    return Activation(account)


class SesAccount(Account):
    """A fake SES account that can be turned on: the quotas, identities, templates
    and ledger of :class:`Account`, plus the front doors that reach it.

    Outside pytest, build one with the marker's keywords and use it as a context
    manager: ``with SesAccount(profile="production") as account: ...``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._active: list[Activation] = []
        #: Amazon SNS for the account's topics: the endpoints subscribed to them.
        self.sns = Sns()
        # Where SES publishes: moto's services while mock_aws is on; the endpoints.
        moto = MotoPublisher()
        self.add_publisher(moto)
        self.on_rates(moto.rates)
        self.add_publisher(self.sns)

    def subscribe(
        self, topic_arn: str, endpoint: Endpoint, *, confirmed: bool = False, raw: bool = False
    ) -> Subscription:
        """Subscribe an HTTP endpoint on loopback (an application's bounce webhook) or a
        callable to an SNS topic the account publishes to, as SNS does: a
        SubscriptionConfirmation POST now, then, once the endpoint confirms (its
        SubscribeURL fetched, ConfirmSubscription called, or ``confirmed=True`` for one
        confirmed beforehand), a Notification POST for each event published to the topic.
        ``raw``: SNS's raw message delivery (the bare document)."""
        return self.sns.subscribe(topic_arn, endpoint, confirmed=confirmed, raw=raw)

    def add_ses_callbacks(self, mock: Any) -> None:
        """Have a ``responses.RequestsMock`` of the test's own answer SES's endpoints
        from this account. Needed only for a mock started after the fake (such as
        ``@responses.activate``): it sees requests first."""
        add_ses_callbacks(mock, self, lambda: self.sns)

    def __enter__(self) -> SesAccount:
        self._active.append(activate(self))
        return self

    def __exit__(self, *exc: object) -> None:
        self._active.pop().close()

    @property
    def active(self) -> bool:
        """Whether the account is turned on (its front doors answer SES calls)."""
        return bool(self._active)
