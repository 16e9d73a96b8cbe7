"""SES v1 (2010-12-01): its words (``V1``) and its operations, group by group (``SesV1``).

Error texts are those of real SES captures (see the CHANGELOG and docs/choices.md).
A new group of operations is one line in ``SesV1``.
"""

from __future__ import annotations

__all__ = ["V1", "SesV1"]

from .account_settings import AccountV1
from .api import Api
from .authorization import IdentityPoliciesV1
from .configuration_sets import ConfigurationSetsV1
from .dialect import ApiDialect, ApiRefusal
from .identities import IdentitiesV1
from .identity_settings import IdentitySettingsV1
from .notifications import NotificationsV1
from .receiving import ReceivingV1
from .sending import SendingV1
from .templates import TemplatesV1
from .verification import CustomVerificationV1

#: SES v1's words for what the account decided (all HTTP 400 but the transient fault).
V1 = ApiDialect(
    "ses",
    "SES v1",
    refusals={
        "rate": ApiRefusal("Throttling", 400, "AccountThrottled"),
        "daily": ApiRefusal("Throttling", 400, "AccountDailyQuotaExceeded"),
        "unverified": ApiRefusal("MessageRejected", 400, "MessageRejected"),
        "paused": ApiRefusal("AccountSendingPausedException", 400, "AccountSendingPaused"),
        "suspended": ApiRefusal("MessageRejected", 400, "AccountSuspended"),
        "invalid": ApiRefusal("InvalidParameterValue", 400, "InvalidParameterValue"),
        # SES's transient server error (Common Errors: ServiceUnavailable, HTTP 503).
        "transient": ApiRefusal("ServiceUnavailable", 503, "TransientFailure"),
        # The rows below are the model's codes and bulk statuses; the texts come from the
        # parts that refuse (issue 22/23 check each against SES's own answers).
        "configuration_set_missing": ApiRefusal(
            "ConfigurationSetDoesNotExist", 400, "ConfigurationSetDoesNotExist"
        ),
        "configuration_set_paused": ApiRefusal(
            "ConfigurationSetSendingPausedException", 400, "ConfigurationSetSendingPaused"
        ),
        "sending_pool_missing": ApiRefusal("MessageRejected", 400, "InvalidSendingPoolName"),
        # Checked: the model's code, status and bulk status (the text is the account's).
        "mail_from_unverified": ApiRefusal(
            "MailFromDomainNotVerifiedException", 400, "MailFromDomainNotVerified"
        ),
        # Captured: AccessDenied, 403, "User `...' is not authorized to perform `ses:...'";
        # a bulk entry has no such status (a choice: docs/choices.md).
        "not_authorized": ApiRefusal("AccessDenied", 403, "MessageRejected"),
        # SES v1 has no contact lists, tenants or multi-region endpoints: never refused so.
        "contact_list_missing": ApiRefusal("InvalidParameterValue", 400, "InvalidParameterValue"),
        "tenant_missing": ApiRefusal("InvalidParameterValue", 400, "InvalidParameterValue"),
        "tenant_paused": ApiRefusal("MessageRejected", 400, "MessageRejected"),
        "endpoint_missing": ApiRefusal("InvalidParameterValue", 400, "InvalidParameterValue"),
    },
    bulk_success="Success",
    # Captured: ``Throttling``, ``Rate exceeded``, HTTP 400.
    api_throttle=("Throttling", 400),
)

#: The faked SES v1 operations.
SesV1 = Api(
    V1,
    [
        SendingV1(),
        AccountV1(),
        IdentitiesV1(),
        IdentitySettingsV1(),
        TemplatesV1(),
        CustomVerificationV1(),
        NotificationsV1(),
        IdentityPoliciesV1(),
        ReceivingV1(),
        ConfigurationSetsV1(),
    ],
)
