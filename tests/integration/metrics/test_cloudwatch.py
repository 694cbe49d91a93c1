"""The CloudWatch provider against a local server answering like GetMetricData (AWS JSON 1.0).

The server re-computes the SigV4 signature with botocore from what it received, so the test
proves the request is signed over exactly the bytes and headers that reached it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from adapters.metrics import MASK, AwsCredentials, CloudWatchProvider
from tests.integration.metrics.fakes import FakeApi, Recorded

pytestmark = pytest.mark.integration

NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
NOW_EPOCH = 1704110400
ACCESS_KEY, SECRET_KEY, TOKEN = (
    "AKIDEXAMPLE",
    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "session-tok",
)
QUERIES = [
    {
        "id": "rate",
        "expression": "errors / requests",
        "label": "error rate",
        "returnData": True,
    },
    {
        "id": "errors",
        "metricStat": {
            "metric": {
                "namespace": "AWS/ApplicationELB",
                "metricName": "HTTPCode_Target_5XX_Count",
                "dimensions": [{"name": "LoadBalancer", "value": "app/checkout/abc"}],
            },
            "period": 60,
            "stat": "Sum",
            "unit": "Count",
        },
        "returnData": False,
    },
    {"id": "requests", "expression": "SEARCH('x', 'Sum', 300)", "period": "300"},
]
ANSWER = {
    "MetricDataResults": [
        {
            "Id": "rate",
            "Label": "error rate",
            "Timestamps": [1704110340, 1704110280],
            "Values": [0.01, 0.02],
            "StatusCode": "Complete",
        }
    ],
    "Messages": [],
}


def block(**extra: Any) -> dict[str, Any]:
    return {"cloudWatch": {"metricDataQueries": QUERIES, **extra}}


@pytest.fixture
def provider(client: httpx.AsyncClient, api: FakeApi) -> CloudWatchProvider:
    credentials = AwsCredentials(ACCESS_KEY, SECRET_KEY, TOKEN, region="eu-west-1")
    return CloudWatchProvider(client, credentials, endpoint_url=f"{api.url}/", timeout=2)


def signature_matches(sent: Recorded, url: str, region: str) -> bool:
    authorization = sent.header("Authorization") or ""
    signed = re.search(r"SignedHeaders=([^,]+)", authorization)
    claimed = re.search(r"Signature=([0-9a-f]{64})", authorization)
    assert signed and claimed, authorization
    names = signed.group(1).split(";")
    headers = {k: v for k, v in sent.headers.items() if k.lower() in names}
    request = AWSRequest(method=sent.method, url=url, data=sent.body, headers=headers)
    request.context["timestamp"] = sent.header("X-Amz-Date")
    signer = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY, TOKEN), "monitoring", region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    return bool(expected == claimed.group(1))


async def test_get_metric_data_is_signed_and_results_keep_aws_field_names(
    provider: CloudWatchProvider, api: FakeApi
) -> None:
    api.reply("POST", "/", json_body=ANSWER)
    measurement = await provider.measure(block(), NOW)
    assert measurement.error is None
    assert measurement.value == [
        {
            "Id": "rate",
            "Label": "error rate",
            "StatusCode": "Complete",
            "Timestamps": ["2024-01-01T11:59:00Z", "2024-01-01T11:58:00Z"],
            "Values": [0.01, 0.02],
            "Messages": [],
        }
    ]
    sent = api.last
    assert sent.header("X-Amz-Target") == "GraniteServiceVersion20100801.GetMetricData"
    assert sent.header("Content-Type") == "application/x-amz-json-1.0"
    assert sent.header("X-Amz-Security-Token") == TOKEN
    assert re.fullmatch(r"\d{8}T\d{6}Z", sent.header("X-Amz-Date") or "")
    authorization = sent.header("Authorization") or ""
    assert re.match(
        rf"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/\d{{8}}/eu-west-1/monitoring/aws4_request, "
        r"SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$",
        authorization,
    )
    assert signature_matches(sent, f"{api.url}/", "eu-west-1")


async def test_request_body_uses_aws_shapes_and_the_look_back_window(
    provider: CloudWatchProvider, api: FakeApi
) -> None:
    api.reply("POST", "/", json_body=ANSWER)
    await provider.measure(block(interval="15m"), NOW)
    body = api.last.json()
    assert body["StartTime"] == NOW_EPOCH - 900
    assert body["EndTime"] == NOW_EPOCH
    assert body["MetricDataQueries"] == [
        {
            "Id": "rate",
            "Expression": "errors / requests",
            "Label": "error rate",
            "ReturnData": True,
        },
        {
            "Id": "errors",
            "MetricStat": {
                "Metric": {
                    "MetricName": "HTTPCode_Target_5XX_Count",
                    "Namespace": "AWS/ApplicationELB",
                    "Dimensions": [{"Name": "LoadBalancer", "Value": "app/checkout/abc"}],
                },
                "Period": 60,
                "Stat": "Sum",
                "Unit": "Count",
            },
            "ReturnData": False,
        },
        {"Id": "requests", "Expression": "SEARCH('x', 'Sum', 300)", "Period": 300},
    ]


async def test_default_interval_is_five_minutes(provider: CloudWatchProvider, api: FakeApi) -> None:
    api.reply("POST", "/", json_body=ANSWER)
    await provider.measure(block(), NOW)
    assert api.last.json()["StartTime"] == NOW_EPOCH - 300


async def test_messages_go_to_metadata(provider: CloudWatchProvider, api: FakeApi) -> None:
    messages = [{"Code": "MaxMetricsExceeded", "Value": "Maximum number of allowed metrics"}]
    api.reply("POST", "/", json_body={"MetricDataResults": [], "Messages": messages})
    measurement = await provider.measure(block(), NOW)
    assert measurement.value == []
    assert measurement.metadata == {
        "messages": '[{"Code":"MaxMetricsExceeded","Value":"Maximum number of allowed metrics"}]'
    }


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (
            {"status": 400, "headers": {"x-amzn-RequestId": "req-1"}, "json_body": {
                "__type": "com.amazonaws.cloudwatch#InvalidParameterValueException",
                "message": "The parameter MetricDataQueries.member.1.Id must be unique."}},
            "operation error CloudWatch: GetMetricData, https response error StatusCode: 400, "
            "RequestID: req-1, api error InvalidParameterValueException: The parameter "
            "MetricDataQueries.member.1.Id must be unique.",
        ),
        (
            {"status": 403, "headers": {"x-amzn-query-error": "InvalidClientTokenId;Sender"},
             "json_body": {"__type": "UnrecognizedClientException",
                           "message": "The security token included in the request is invalid."}},
            "operation error CloudWatch: GetMetricData, https response error StatusCode: 403, "
            "RequestID: , api error InvalidClientTokenId: The security token included in the "
            "request is invalid.",
        ),
    ],
)  # fmt: skip
async def test_aws_errors_are_errors(
    provider: CloudWatchProvider, api: FakeApi, answer: dict[str, Any], error: str
) -> None:
    api.reply("POST", "/", **answer)
    measurement = await provider.measure(block(), NOW)
    assert measurement.error == error


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ("<xml/>", "could not parse GetMetricData response: "),
        ({"MetricDataResults": [{"Id": "a", "Values": ["x"]}]}, "could not parse GetMetricData"),
    ],
)
async def test_malformed_answers_are_errors(
    provider: CloudWatchProvider, api: FakeApi, reply: Any, error: str
) -> None:
    if isinstance(reply, str):
        api.reply("POST", "/", text=reply)
    else:
        api.reply("POST", "/", json_body=reply)
    measurement = await provider.measure(block(), NOW)
    assert measurement.error is not None
    assert measurement.error.startswith(error)


async def test_slow_endpoint_times_out(provider: CloudWatchProvider, api: FakeApi) -> None:
    api.reply("POST", "/", json_body=ANSWER, delay=5)
    measurement = await provider.measure(block(), NOW)
    assert measurement.error == f'POST "{api.url}/": timed out after 2s'


async def test_secret_key_and_token_are_masked(provider: CloudWatchProvider, api: FakeApi) -> None:
    api.reply("POST", "/", status=400, echo_headers=True)
    measurement = await provider.measure(block(), NOW)
    assert measurement.error is not None
    assert TOKEN not in measurement.error
    assert SECRET_KEY not in measurement.error
    assert MASK in measurement.error


async def test_without_credentials_is_an_error(client: httpx.AsyncClient) -> None:
    measurement = await CloudWatchProvider(client, None).measure(block(), NOW)
    assert measurement.error == "no AWS credentials are configured for the CloudWatch provider"
