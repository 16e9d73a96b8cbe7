"""SES v2 (2019-09-27): its words (``V2``) and its operations, group by group (``SesV2``).

The same account, quotas, ledger, identities and templates as SES v1: a recipient sent
through either API counts against the one quota. Errors of the shared rules arrive in
v1's vocabulary and leave in v2's (``BadRequestException``, ``NotFoundException``, ...),
with the same texts, as real SES v2 answers them. A new group is one line in ``SesV2``.
"""

from __future__ import annotations

__all__ = ["V2", "SesV2"]

from .account_attributes import AccountAttributesV2
from .account_settings import AccountV2
from .api import Api
from .authorization import IdentityPoliciesV2
from .certificates import IdentityCertificatesV2
from .configuration_sets_v2 import ConfigurationSetsV2
from .contact_lists import ContactListsV2
from .dashboard import DashboardV2
from .dedicated_ips import DedicatedIpsV2
from .dialect import ApiDialect, ApiRefusal
from .identities import IdentitiesV2
from .identity_settings import IdentitySettingsV2
from .insights import InsightsV2
from .jobs import JobsV2
from .multi_region import MultiRegionV2
from .notifications import NotificationsV2
from .reputation import ReputationEntitiesV2
from .sending import SendingV2
from .suppression import SuppressionV2
from .tags import TagsV2
from .templates import TemplatesV2
from .tenants import TenantsV2
from .vdm import VdmV2
from .verification import CustomVerificationV2

#: SES v2's words for what the account decided.
V2 = ApiDialect(
    "sesv2",
    "SES v2",
    refusals={
        "rate": ApiRefusal("TooManyRequestsException", 429, "ACCOUNT_THROTTLED"),
        # A production capture: the same code and status as the rate.
        "daily": ApiRefusal("TooManyRequestsException", 429, "ACCOUNT_DAILY_QUOTA_EXCEEDED"),
        "unverified": ApiRefusal("MessageRejected", 400, "MESSAGE_REJECTED"),
        "paused": ApiRefusal("SendingPausedException", 400, "ACCOUNT_SENDING_PAUSED"),
        "suspended": ApiRefusal("MessageRejected", 400, "ACCOUNT_SUSPENDED"),
        "invalid": ApiRefusal("BadRequestException", 400, "INVALID_PARAMETER"),
        # SES's transient server error (Common Errors: ServiceUnavailable, HTTP 503).
        "transient": ApiRefusal("ServiceUnavailable", 503, "TRANSIENT_FAILURE"),
        # The rows below are the model's codes and bulk statuses; the texts come from the
        # parts that refuse (issue 22/23 check each against SES's own answers).
        "configuration_set_missing": ApiRefusal(
            "NotFoundException", 404, "CONFIGURATION_SET_NOT_FOUND"
        ),
        "configuration_set_paused": ApiRefusal(
            "SendingPausedException", 400, "CONFIGURATION_SET_SENDING_PAUSED"
        ),
        "sending_pool_missing": ApiRefusal("BadRequestException", 400, "INVALID_SENDING_POOL_NAME"),
        # Checked: the model's code, status and bulk status (the text is the account's).
        "mail_from_unverified": ApiRefusal(
            "MailFromDomainNotVerifiedException", 400, "MAIL_FROM_DOMAIN_NOT_VERIFIED"
        ),
        # Probed against SES (a tenant's resources not associated): AccessDeniedException
        # 403, as IAM answers a send no policy allows; not in the model.
        "not_authorized": ApiRefusal("AccessDeniedException", 403, "MESSAGE_REJECTED"),
        # GetContactList's code (a public capture), for a send's list: SES's answer to the
        # send is not known (docs/choices.md). SendBulkEmail takes no ListManagementOptions.
        "contact_list_missing": ApiRefusal("NotFoundException", 404, "FAILED"),
        # Probed: NotFoundException 404 "Tenant <name> for AwsAccountId <id> not found.".
        "tenant_missing": ApiRefusal("NotFoundException", 404, "FAILED"),
        # The model's code for paused sending; SES's answer for a paused tenant is unknown.
        "tenant_paused": ApiRefusal("SendingPausedException", 400, "ACCOUNT_SENDING_PAUSED"),
        "endpoint_missing": ApiRefusal("NotFoundException", 404, "FAILED"),
    },
    bulk_success="SUCCESS",
    # "Rate exceeded" is seen in production (GetMessageInsights), as v1's ``Throttling`` is.
    api_throttle=("TooManyRequestsException", 429),
    # The shared rules' v1 codes, as v2 answers them (the texts stay the same); every
    # v1 "...DoesNotExist" is v2's NotFoundException.
    codes={
        "InvalidParameterValue": ("BadRequestException", 400),
        "ValidationError": ("BadRequestException", 400),
        "AlreadyExists": ("AlreadyExistsException", 400),
        "LimitExceeded": ("LimitExceededException", 400),
        # configuration sets and their event destinations (SES v1's codes, v2's words)
        "ConfigurationSetAlreadyExists": ("AlreadyExistsException", 400),
        "EventDestinationAlreadyExists": ("AlreadyExistsException", 400),
        "InvalidConfigurationSet": ("BadRequestException", 400),
        "InvalidCloudWatchDestination": ("BadRequestException", 400),
    },
    does_not_exist=("NotFoundException", 404),
)

#: The faked SES v2 operations.
SesV2 = Api(
    V2,
    [
        SendingV2(),
        AccountV2(),
        IdentitiesV2(),
        IdentitySettingsV2(),
        TemplatesV2(),
        CustomVerificationV2(),
        SuppressionV2(),
        TagsV2(),
        NotificationsV2(),
        IdentityPoliciesV2(),
        TenantsV2(),
        ReputationEntitiesV2(),
        IdentityCertificatesV2(),
        VdmV2(),
        InsightsV2(),
        DashboardV2(),
        JobsV2(),
        AccountAttributesV2(),
        DedicatedIpsV2(),
        MultiRegionV2(),
        ContactListsV2(),
        ConfigurationSetsV2(),
    ],
)
