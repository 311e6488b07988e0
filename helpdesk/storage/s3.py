"""Media in an S3-compatible object store (AWS S3, MinIO, Ceph, Garage, R2…), through django-storages, when the
settings' media storage block names a bucket. Imported only then: boto3 is not loaded for the local disk."""

from collections.abc import Iterator
from datetime import datetime

from storages.backends.s3 import S3Storage as BaseS3Storage
from storages.utils import clean_name

from helpdesk.storage.backends import FollowsTransactions


class S3Storage(FollowsTransactions, BaseS3Storage):
    """Objects are private; agents and API clients reach them through our own URLs, which redirect to a signed
    URL valid for ``querystring_expire`` seconds (``helpdesk.storage.downloads``)."""

    signed_urls = True

    def signed_url(self, name: str, *, content_type: str, disposition: str) -> str:
        parameters = {"ResponseContentType": content_type, "ResponseContentDisposition": disposition}
        # django-storages' own ``url`` (Django's stubs know only ``Storage.url``, without parameters).
        return BaseS3Storage.url(self, name, parameters=parameters)

    def files_under(self, directory: str) -> Iterator[tuple[str, datetime]]:
        # One listing of the whole prefix, a thousand keys a request: walking it directory by directory would
        # cost a request per attachment (each has a directory of its own).
        prefix = self._normalize_name(clean_name(directory)).rstrip("/") + "/"
        location = self._normalize_name("").rstrip("/")
        paginator = self.connection.meta.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket_name, Prefix=prefix):
            for entry in page.get("Contents", ()):
                key: str = entry["Key"]
                yield (key[len(location) + 1 :] if location else key), entry["LastModified"]
