"""AWS Signature Version 4, done by botocore (never by hand).

Used by CloudWatch and by Prometheus on Amazon Managed Prometheus (`aps-workspaces` addresses).
The credentials are a value the composition root resolves (environment, profile, role); the
providers only sign with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


@dataclass(frozen=True, slots=True)
class AwsCredentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(default="", repr=False)
    region: str = ""

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.secret_access_key, self.session_token)


def sigv4_headers(
    credentials: AwsCredentials,
    *,
    service: str,
    region: str,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
) -> dict[str, str]:
    """`headers` plus `X-Amz-Date`, `Authorization` (and the session token) for this request."""
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    signer_credentials = Credentials(
        credentials.access_key_id,
        credentials.secret_access_key,
        credentials.session_token or None,
    )
    SigV4Auth(signer_credentials, service, region).add_auth(request)
    return {name: str(value) for name, value in request.headers.items()}
