"""Where browsers fetch media from when it lives in an object store: the origins of the signed URLs that our
attachment URLs redirect to, which the Content-Security-Policy must allow for images. Plain functions of the
settings' values, without Django or boto3, so that the settings can call them; a test checks them against
the URLs boto3 signs."""

from urllib.parse import urlsplit


def s3_origins(*, bucket: str, endpoint_url: str, region: str, addressing_style: str) -> list[str]:
    """The origins of the URLs boto3 signs for ``bucket`` with these settings (``addressing_style``: "",
    "auto", "path" or "virtual")."""
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        host = parts.hostname or ""
        # boto3 puts the bucket in the host only when asked to, and never before an IP address.
        numeric = host.replace(".", "").isdigit() or ":" in host
        netloc = f"{bucket}.{parts.netloc}" if addressing_style == "virtual" and not numeric else parts.netloc
        return [f"{parts.scheme}://{netloc}"]
    if addressing_style == "path":
        regional = f"https://s3.{region}.amazonaws.com" if region and region != "us-east-1" else ""
        return [origin for origin in ("https://s3.amazonaws.com", regional) if origin]
    # AWS may answer the global name with a redirect to the regional one while a new bucket's name spreads.
    origins = [f"https://{bucket}.s3.amazonaws.com"]
    if region:
        origins.append(f"https://{bucket}.s3.{region}.amazonaws.com")
    return origins
