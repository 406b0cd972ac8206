"""Drives the official Azure Remote Rendering Python SDK against arr-emulator.

Usage: interop.py EMULATOR_JSON   (the JSON line arr-emulator printed)

The SDK is used unchanged; only its endpoints point at the emulator.
"""

import json
import sys
import uuid

from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.mixedreality.remoterendering import (
    AssetConversionInputSettings,
    AssetConversionOutputSettings,
    AssetConversionStatus,
    RemoteRenderingClient,
    RenderingSessionSize,
    RenderingSessionStatus,
)

# Generous upper bound for any one long-running operation (seconds).
POLL_TIMEOUT = 60


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def make_client(info, key):
    return RemoteRenderingClient(
        endpoint=info["endpoint"].rstrip("/"),
        account_id=info["account_id"],
        account_domain=info["account_domain"],
        credential=AzureKeyCredential(key),
        authentication_endpoint_url=info["sts_endpoint"].rstrip("/"),
        connection_verify=info["ca_cert"],
        polling_interval=1,
    )


def session_lifecycle(client):
    # Three id lengths, so that the base64 of the continuation tokens ends
    # in each of its three ways (no padding, "=", "==").
    ids = [f"py-session-{uuid.uuid4()}{suffix}" for suffix in ("", "a", "ab")]
    poller = client.begin_rendering_session(
        session_id=ids[0], size=RenderingSessionSize.STANDARD, lease_time_minutes=15
    )
    session = poller.result(timeout=POLL_TIMEOUT)
    check(session.status == RenderingSessionStatus.READY, f"not ready: {session.status}")
    check(session.hostname and session.handshake_port, "ready session lacks hostname/port")
    check(session.lease_time_minutes == 15, f"lease {session.lease_time_minutes}")
    print(f"session {session.id}: {session.status}, host {session.hostname}, {session.teraflops} TFLOPS")
    resumes_from_a_marked_token(client.get_rendering_session_poller, poller, "-", ids[0])

    updated = client.update_rendering_session(session_id=ids[0], lease_time_minutes=30)
    check(updated.lease_time_minutes == 30, f"lease after update {updated.lease_time_minutes}")

    for extra in ids[1:]:
        extra_poller = client.begin_rendering_session(
            session_id=extra, size=RenderingSessionSize.PREMIUM, lease_time_minutes=5
        )
        resumes_from_a_marked_token(client.get_rendering_session_poller, extra_poller, "-", extra)
    # Page size is 2, so this follows @nextLink.
    listed = [s.id for s in client.list_rendering_sessions()]
    check(all(i in listed for i in ids), f"list misses sessions: {listed}")
    print(f"listed {len(listed)} sessions across pages")

    for sid in ids:
        client.stop_rendering_session(session_id=sid)
    stopped = client.get_rendering_session(session_id=ids[0])
    check(stopped.status == RenderingSessionStatus.STOPPED, f"after stop: {stopped.status}")
    listed = [s.id for s in client.list_rendering_sessions()]
    check(not any(i in listed for i in ids), f"stopped sessions listed: {listed}")
    print("session lifecycle ok")


def resumes_from_a_marked_token(get_poller, poller, mark, expected_id):
    # The Rust client's continuation tokens are the SDK's followed by a mark
    # of the kind ("-" session, "_" conversion; pinned by its unit tests),
    # which the SDK's decoder skips: the SDK resumes from them too.
    token = poller.continuation_token() + mark
    resumed = get_poller(continuation_token=token).result(timeout=POLL_TIMEOUT)
    check(resumed.id == expected_id, f"resumed {resumed.id} from {token}")
    print(f"resumed {expected_id} from a token ending in {mark!r}")


def conversion_settings(asset):
    return (
        AssetConversionInputSettings(
            storage_container_uri="https://contoso.blob.core.windows.net/arrinput",
            relative_input_asset_path=asset,
            blob_prefix="models/",
            storage_container_read_list_sas="sv=2020-08-04&sig=NOT-A-REAL-SECRET",
        ),
        AssetConversionOutputSettings(
            storage_container_uri="https://contoso.blob.core.windows.net/arroutput",
            blob_prefix="converted/",
            storage_container_write_sas="sv=2020-08-04&sig=NOT-A-REAL-SECRET",
        ),
    )


def conversion_lifecycle(client):
    cid = f"py-conversion-{uuid.uuid4()}"
    input_settings, output_settings = conversion_settings("box.fbx")
    poller = client.begin_asset_conversion(
        conversion_id=cid, input_settings=input_settings, output_settings=output_settings
    )
    conversion = poller.result(timeout=POLL_TIMEOUT)
    check(conversion.status == AssetConversionStatus.SUCCEEDED, f"status {conversion.status}")
    expected = "https://contoso.blob.core.windows.net/arroutput/converted/box.arrAsset"
    check(conversion.output.asset_uri == expected, f"output {conversion.output.asset_uri}")
    check(
        conversion.settings.input_settings.storage_container_read_list_sas is None,
        "SAS echoed back",
    )
    print(f"conversion {cid}: {conversion.status} -> {conversion.output.asset_uri}")
    resumes_from_a_marked_token(client.get_asset_conversion_poller, poller, "_", cid)

    fetched = client.get_asset_conversion(conversion_id=cid)
    check(fetched.status == AssetConversionStatus.SUCCEEDED, f"get: {fetched.status}")
    check(cid in [c.id for c in client.list_asset_conversions()], "conversion not listed")

    bad_id = f"py-bad-conversion-{uuid.uuid4()}"
    input_settings, output_settings = conversion_settings("drawing.dwg")
    poller = client.begin_asset_conversion(
        conversion_id=bad_id, input_settings=input_settings, output_settings=output_settings
    )
    try:
        poller.result(timeout=POLL_TIMEOUT)
    except HttpResponseError as error:
        # The SDK's poller raises when the conversion reports an error.
        print(f"failing conversion raised as expected: {error.error.code}")
        check(error.error.code == "InvalidInputFileFormat", f"code {error.error.code}")
    else:
        raise AssertionError("the unsupported input did not fail")
    failed = client.get_asset_conversion(conversion_id=bad_id)
    check(failed.status == AssetConversionStatus.FAILED, f"status {failed.status}")
    check(failed.error.code == "InvalidInputFileFormat", f"error {failed.error}")
    print("conversion lifecycle ok")


def wrong_key_is_rejected(info):
    client = make_client(info, "d3Jvbmcta2V5")
    try:
        client.get_rendering_session(session_id="anything")
    except (ClientAuthenticationError, HttpResponseError) as error:
        check(error.status_code == 401, f"status {error.status_code}")
        print("wrong account key rejected by the STS")
    else:
        raise AssertionError("a wrong account key was accepted")


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        info = json.loads(f.readline())
    check(info["endpoint"].startswith("https://"), "interop must run over TLS")
    client = make_client(info, info["account_key"])
    session_lifecycle(client)
    conversion_lifecycle(client)
    wrong_key_is_rejected(info)
    print("python interop: all checks passed")


if __name__ == "__main__":
    main()
